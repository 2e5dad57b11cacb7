/**
 * The events inspector: filters, trigger menu, the live virtualized list and the detail of the selected event.
 * Filters apply at once to what is held and fetch matching history from the host.
 */
import { useEffect, useState } from 'react';
import { useApp } from '../app/app-context';
import { useI18n } from '../i18n/i18n';
import { useKreo } from '../lib/kreo-context';
import { useStoreVersion } from '../lib/use-store';
import { isEmptyFilter, toListInput, type EventFilter } from './event-filter';
import { EventDetailPanel } from './event-detail';
import { EventFilters } from './event-filters';
import { EventList } from './event-list';
import type { EventsStore } from './events-store';
import { TriggerMenu } from './trigger-menu';

export function EventsScreen() {
  const { t } = useI18n();
  const api = useKreo();
  const { hub } = useApp();
  const store = hub.events;
  const [filter, setFilter] = useState<EventFilter>(() => store.currentFilter);
  const [selected, setSelected] = useState<number | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);

  // Apply the filter after typing pauses; fetch what the host holds for it.
  useEffect(() => {
    const timer = setTimeout(() => {
      store.setFilter(filter);
      if (!isEmptyFilter(filter))
        api.events
          .list(toListInput(filter))
          .then(({ events }) => store.upsert(events))
          .catch(() => {});
    }, 150);
    return () => clearTimeout(timer);
  }, [filter, api, store]);

  const loadOlder = async () => {
    const oldest = store.oldestVisibleId();
    if (oldest === undefined) return;
    setLoadingOlder(true);
    try {
      const { events } = await api.events.list(toListInput(store.currentFilter, { beforeId: oldest }));
      store.upsert(events);
    } catch {
    } finally {
      setLoadingOlder(false);
    }
  };

  return (
    <div className={`events-screen${selected !== null ? ' with-detail' : ''}`}>
      <div className="events-toolbar">
        <h2 className="sr-only">{t('events.title')}</h2>
        <EventFilters value={filter} onChange={setFilter} />
        <TriggerMenu />
      </div>
      <div className="events-body">
        <div className="events-main">
          <EventList store={store} selectedId={selected} onSelect={setSelected} />
          <EventsFooter store={store} loadingOlder={loadingOlder} onLoadOlder={() => void loadOlder()} />
        </div>
        {selected !== null ? (
          <EventDetailPanel
            key={selected}
            id={selected}
            onClose={() => setSelected(null)}
            onOpen={setSelected}
          />
        ) : null}
      </div>
    </div>
  );
}

/** Counters and "load older": subscribed to the store on their own, so the toolbar does not re-render per batch. */
function EventsFooter(props: { store: EventsStore; loadingOlder: boolean; onLoadOlder(): void }) {
  const { t } = useI18n();
  const { store } = props;
  useStoreVersion(store);
  return (
    <div className="events-foot">
      <span className="muted" data-testid="events-count">
        {t('events.count', { shown: store.shown, total: store.total })}
      </span>
      <button
        type="button"
        className="btn btn-small"
        data-testid="events-load-older"
        disabled={props.loadingOlder || store.shown === 0}
        onClick={props.onLoadOlder}
      >
        {props.loadingOlder ? t('events.loadingOlder') : t('events.loadOlder')}
      </button>
    </div>
  );
}
