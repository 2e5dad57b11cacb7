/** The inspector's filter bar: kind, phone or user id, message id, status and text. */
import { eventKindSchema, type EventKind } from '../../../shared/domain/events';
import { useI18n } from '../i18n/i18n';
import { EMPTY_FILTER, isEmptyFilter, KNOWN_STATUSES, type EventFilter } from './event-filter';

export function EventFilters({ value, onChange }: { value: EventFilter; onChange(f: EventFilter): void }) {
  const { t } = useI18n();
  const set = <K extends keyof EventFilter>(k: K, v: EventFilter[K]) => onChange({ ...value, [k]: v });
  return (
    <div className="filters" role="search" aria-label={t('events.filters')}>
      <label className="inline-field">
        <span>{t('events.filter.kind')}</span>
        <select
          data-testid="filter-kind"
          value={value.kind}
          onChange={(e) => set('kind', e.target.value as EventKind | '')}
        >
          <option value="">{t('events.filter.kindAll')}</option>
          {eventKindSchema.options.map((k) => (
            <option key={k} value={k}>
              {t(`events.kind.${k}`)}
            </option>
          ))}
        </select>
      </label>
      <label className="inline-field">
        <span>{t('events.filter.party')}</span>
        <input
          type="search"
          data-testid="filter-party"
          value={value.party}
          maxLength={64}
          onChange={(e) => set('party', e.target.value)}
        />
      </label>
      <label className="inline-field">
        <span>{t('events.filter.messageId')}</span>
        <input
          type="search"
          data-testid="filter-message-id"
          value={value.messageId}
          maxLength={256}
          onChange={(e) => set('messageId', e.target.value)}
        />
      </label>
      <label className="inline-field">
        <span>{t('events.filter.status')}</span>
        <select
          data-testid="filter-status"
          value={value.status}
          onChange={(e) => set('status', e.target.value)}
        >
          <option value="">{t('events.filter.statusAll')}</option>
          {KNOWN_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label className="inline-field">
        <span>{t('events.filter.text')}</span>
        <input
          type="search"
          data-testid="filter-text"
          value={value.text}
          maxLength={256}
          onChange={(e) => set('text', e.target.value)}
        />
      </label>
      <button
        type="button"
        className="btn btn-small"
        data-testid="filter-clear"
        disabled={isEmptyFilter(value)}
        onClick={() => onChange(EMPTY_FILTER)}
      >
        {t('events.filter.clear')}
      </button>
    </div>
  );
}
