/**
 * The live events list, virtualized (@tanstack/react-virtual) so 100,000 rows cost what the visible ones cost.
 * Newest first; while the user is scrolled away from the top, arriving events do not move what they are reading
 * (the scroll offset absorbs them) and a "N new" button brings them back to the top. Keyboard: arrows, Home/End,
 * Enter, as a listbox with an active descendant.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { EventSummary } from '../../../shared/domain/events';
import { useI18n } from '../i18n/i18n';
import { formatTime } from '../lib/format';
import { useStoreVersion } from '../lib/use-store';
import { describeEvent } from './event-filter';
import type { EventsStore } from './events-store';

export const EVENT_ROW_HEIGHT = 34;

function kindsOf(e: EventSummary): string[] {
  const kinds: string[] = [];
  for (const r of e.records) if (!kinds.includes(r.kind)) kinds.push(r.kind);
  return kinds.length ? kinds : ['other'];
}

function EventRow({ e, selected, locale }: { e: EventSummary; selected: boolean; locale: string }) {
  const { t } = useI18n();
  const { party, what } = describeEvent(e);
  return (
    <>
      <span className="c-id mono">#{e.id}</span>
      <span className="c-time mono">{formatTime(e.receivedAt, locale)}</span>
      <span className="c-kind">
        {kindsOf(e).map((k) => (
          <span key={k} className={`badge badge-${k}`}>
            {t(`events.kind.${k as EventSummary['records'][number]['kind']}`)}
          </span>
        ))}
      </span>
      <span className="c-party mono" title={party}>
        {party}
      </span>
      <span className="c-what" title={what}>
        {e.source !== 'webhook' ? (
          <span className="badge badge-source">{t(`events.source.${e.source}`)}</span>
        ) : null}
        {what}
        {e.duplicateOf !== null ? (
          <span className="badge badge-dup">{t('events.duplicate', { id: e.duplicateOf })}</span>
        ) : null}
      </span>
      <span className={`c-sig sig-${e.signature}`}>{t(`events.signature.${e.signature}`)}</span>
      <span className={`c-fwd fwd-${e.forward}`}>{t(`events.forward.${e.forward}`)}</span>
      {selected ? <span className="sr-only">(selected)</span> : null}
    </>
  );
}

export function EventList(props: {
  store: EventsStore;
  selectedId: number | null;
  onSelect(id: number): void;
}) {
  const { t, locale } = useI18n();
  const { store } = props;
  const version = useStoreVersion(store);
  const parentRef = useRef<HTMLDivElement>(null);
  const count = store.shown;
  // The panel does not use the React Compiler; the virtualizer's unmemoizable API is fine here.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => parentRef.current,
    estimateSize: () => EVENT_ROW_HEIGHT,
    overscan: 6,
    // Index keys: rows have one fixed height and are never measured. A key per event id would make the
    // virtualizer look up every one of 100,000 events each time the count changes.
  });

  // Keep the reader's place when events arrive above it.
  const anchor = useRef<{ newest: number | undefined; version: number }>({ newest: undefined, version: -1 });
  const [unseen, setUnseen] = useState(0);
  useLayoutEffect(() => {
    const el = parentRef.current;
    const prevNewest = anchor.current.newest;
    const newest = store.at(0)?.id;
    anchor.current = { newest, version };
    if (!el || prevNewest === undefined || newest === prevNewest) return;
    const added = store.indexOf(prevNewest);
    if (added > 0 && el.scrollTop > 0) {
      el.scrollTop += added * EVENT_ROW_HEIGHT;
      setUnseen((n) => n + added);
    }
  }, [version, store]);

  const selectedIndex = props.selectedId === null ? -1 : store.indexOf(props.selectedId);
  const moveTo = (index: number) => {
    const e = store.at(Math.max(0, Math.min(count - 1, index)));
    if (!e) return;
    props.onSelect(e.id);
    virtualizer.scrollToIndex(store.indexOf(e.id), { align: 'auto' });
  };
  const onKeyDown = (ev: KeyboardEvent) => {
    const page = Math.max(1, Math.floor((parentRef.current?.clientHeight ?? 300) / EVENT_ROW_HEIGHT) - 1);
    if (ev.key === 'ArrowDown') moveTo(selectedIndex + 1);
    else if (ev.key === 'ArrowUp') moveTo(selectedIndex - 1);
    else if (ev.key === 'PageDown') moveTo(selectedIndex + page);
    else if (ev.key === 'PageUp') moveTo(selectedIndex - page);
    else if (ev.key === 'Home') moveTo(0);
    else if (ev.key === 'End') moveTo(count - 1);
    else return;
    ev.preventDefault();
  };

  // Rows are keyed by their slot in the rendered window, so new data updates existing DOM nodes instead of
  // unmounting and mounting rows each frame as the window slides (following the log tail, events arriving on top).
  const virtualItems = virtualizer.getVirtualItems();
  const firstIndex = virtualItems[0]?.index ?? 0;
  return (
    <div className="event-list-wrap">
      <div className="event-row event-head" aria-hidden="true">
        <span className="c-id">{t('events.col.id')}</span>
        <span className="c-time">{t('events.col.time')}</span>
        <span className="c-kind">{t('events.col.kind')}</span>
        <span className="c-party">{t('events.col.party')}</span>
        <span className="c-what">{t('events.col.what')}</span>
        <span className="c-sig">{t('events.col.signature')}</span>
        <span className="c-fwd">{t('events.col.forward')}</span>
      </div>
      {unseen > 0 ? (
        <button
          type="button"
          className="btn btn-small new-above"
          data-testid="events-new-above"
          onClick={() => {
            parentRef.current?.scrollTo({ top: 0 });
            setUnseen(0);
          }}
        >
          ↑ {t('events.newAbove', { count: unseen })}
        </button>
      ) : null}
      <div
        ref={parentRef}
        className="event-list"
        role="listbox"
        aria-label={t('events.list')}
        tabIndex={0}
        aria-activedescendant={
          props.selectedId !== null && selectedIndex >= 0 ? `event-row-${props.selectedId}` : undefined
        }
        data-testid="events-list"
        data-count={count}
        onKeyDown={onKeyDown}
        onScroll={(e) => {
          if (unseen && e.currentTarget.scrollTop === 0) setUnseen(0);
        }}
      >
        {count === 0 ? (
          <p className="muted empty" data-testid="events-empty">
            {t('events.empty')}
          </p>
        ) : null}
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualItems.map((item) => {
            const e = store.at(item.index);
            if (!e) return null;
            const selected = e.id === props.selectedId;
            return (
              <div
                key={item.index - firstIndex}
                id={`event-row-${e.id}`}
                role="option"
                aria-selected={selected}
                aria-posinset={item.index + 1}
                aria-setsize={count}
                className={`event-row${selected ? ' selected' : ''}`}
                data-testid="event-row"
                data-event-id={e.id}
                style={{ transform: `translateY(${item.start}px)`, height: EVENT_ROW_HEIGHT }}
                onClick={() => props.onSelect(e.id)}
              >
                <EventRow e={e} selected={selected} locale={locale} />
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
