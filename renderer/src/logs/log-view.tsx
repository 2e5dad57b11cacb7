/**
 * The virtualized log list and its counters. Follow mode pins the newest line after each batch; scrolling up leaves
 * follow, scrolling back to the bottom resumes it. Rows are keyed by their slot in the rendered window, so new lines
 * update existing DOM nodes instead of unmounting and mounting every row each frame while following the tail.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useLayoutEffect, useRef } from 'react';
import { useI18n } from '../i18n/i18n';
import { formatTimeMs } from '../lib/format';
import { useStoreVersion } from '../lib/use-store';
import type { LogsStore } from './logs-store';

const ROW = 22;

export function LogView(props: { store: LogsStore; follow: boolean; onFollowChange(follow: boolean): void }) {
  const { t, locale } = useI18n();
  const { store, follow } = props;
  const version = useStoreVersion(store);
  const parentRef = useRef<HTMLDivElement>(null);
  const count = store.shown;

  // The panel does not use the React Compiler; the virtualizer's unmemoizable API is fine here.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => parentRef.current,
    estimateSize: () => ROW,
    overscan: 6,
  });

  useLayoutEffect(() => {
    const el = parentRef.current;
    // Writing a large offset is clamped by the browser: no read of scrollHeight needed.
    if (follow && el) el.scrollTop = count * ROW;
  }, [version, follow, count]);

  const onScroll = () => {
    const el = parentRef.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < ROW * 2;
    if (follow && !atBottom) props.onFollowChange(false);
    else if (!follow && atBottom && el.scrollTop > 0) props.onFollowChange(true);
  };

  const virtualItems = virtualizer.getVirtualItems();
  const firstIndex = virtualItems[0]?.index ?? 0;
  return (
    <>
      <div className="logs-status" aria-live="polite">
        <span className="muted" data-testid="logs-count">
          {t('logs.count', { shown: count, total: store.total })}
        </span>
        {store.paused ? (
          <span className="pill pill-warning" data-testid="logs-paused">
            {t('logs.paused', { count: store.heldCount })}
          </span>
        ) : null}
      </div>
      <div
        ref={parentRef}
        className="log-list"
        role="log"
        aria-label={t('logs.list')}
        aria-live="off"
        tabIndex={0}
        data-testid="logs-list"
        data-count={count}
        onScroll={onScroll}
      >
        {count === 0 ? <p className="muted empty">{t('logs.empty')}</p> : null}
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualItems.map((item) => {
            const l = store.at(item.index);
            if (!l) return null;
            return (
              <div
                key={item.index - firstIndex}
                className={`log-line lvl-${l.level}`}
                data-testid="log-line"
                data-file={l.file}
                data-level={l.level}
                style={{ transform: `translateY(${item.start}px)`, height: ROW }}
              >
                <span className="l-time mono">{formatTimeMs(l.time, locale)}</span>
                <span className="l-file">{l.file}</span>
                <span className="l-level">{l.level}</span>
                <span className="l-module">{l.module ?? ''}</span>
                <span className="l-msg" title={l.raw}>
                  {l.msg}
                </span>
              </div>
            );
          })}
        </div>
      </div>
    </>
  );
}
