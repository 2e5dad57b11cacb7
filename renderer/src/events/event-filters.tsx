/** The inspector's filter bar: kind, phone or user id, message id, status and text. */
import { eventKindSchema, type EventKind } from '../../../shared/domain/events';
import { useI18n } from '../i18n/i18n';
import { InlineSearch, InlineSelect } from '../ui/inline-fields';
import { EMPTY_FILTER, isEmptyFilter, KNOWN_STATUSES, type EventFilter } from './event-filter';

export function EventFilters({ value, onChange }: { value: EventFilter; onChange(f: EventFilter): void }) {
  const { t } = useI18n();
  const set = <K extends keyof EventFilter>(k: K, v: EventFilter[K]) => onChange({ ...value, [k]: v });
  return (
    <div className="filters" role="search" aria-label={t('events.filters')}>
      <InlineSelect<EventKind | ''>
        label={t('events.filter.kind')}
        testId="filter-kind"
        value={value.kind}
        choices={[
          { value: '', label: t('events.filter.kindAll') },
          ...eventKindSchema.options.map((k) => ({ value: k, label: t(`events.kind.${k}`) })),
        ]}
        onChange={(v) => set('kind', v)}
      />
      <InlineSearch
        label={t('events.filter.party')}
        testId="filter-party"
        value={value.party}
        maxLength={64}
        onChange={(v) => set('party', v)}
      />
      <InlineSearch
        label={t('events.filter.messageId')}
        testId="filter-message-id"
        value={value.messageId}
        maxLength={256}
        onChange={(v) => set('messageId', v)}
      />
      <InlineSelect
        label={t('events.filter.status')}
        testId="filter-status"
        value={value.status}
        choices={[
          { value: '', label: t('events.filter.statusAll') },
          ...KNOWN_STATUSES.map((s) => ({ value: s, label: s })),
        ]}
        onChange={(v) => set('status', v)}
      />
      <InlineSearch
        label={t('events.filter.text')}
        testId="filter-text"
        value={value.text}
        maxLength={256}
        onChange={(v) => set('text', v)}
      />
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
