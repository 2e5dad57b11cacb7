/**
 * The timeline of a message: its steps (received or sent, delivered, read, failed) reached in order with times, and
 * every delivery that mentions its id, each a link to open that event. History is fetched by message id.
 */
import { useEffect, useState } from 'react';
import { useApp } from '../app/app-context';
import { useI18n } from '../i18n/i18n';
import { formatDateTime } from '../lib/format';
import { useKreo } from '../lib/kreo-context';
import { useStoreVersion } from '../lib/use-store';
import { buildTimeline, type TimelineStep } from './timeline';

const STEPS: readonly TimelineStep[] = ['message', 'sent', 'delivered', 'read', 'failed'];

export function TimelineView({ messageId, onOpen }: { messageId: string; onOpen(id: number): void }) {
  const { t, locale } = useI18n();
  const api = useKreo();
  const { hub } = useApp();
  const version = useStoreVersion(hub.events);
  const [fetched, setFetched] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    api.events
      .list({ messageId, limit: 200 })
      .then(({ events }) => {
        if (live) hub.events.upsert(events);
      })
      .catch(() => {})
      .finally(() => live && setFetched(messageId));
    return () => {
      live = false;
    };
  }, [api, hub, messageId]);

  void version;
  const timeline = buildTimeline(messageId, hub.events.withMessageId(messageId));
  const stepLabel = (s: TimelineStep) => (s === 'message' ? t('detail.timeline.message') : s);
  const visibleSteps = STEPS.filter((s) => s !== 'message' || timeline.reached.message);
  return (
    <div
      className="timeline"
      data-testid="timeline"
      data-message-id={messageId}
      data-final={timeline.final ?? ''}
    >
      <h4 className="mono">{t('detail.timeline.for', { id: messageId })}</h4>
      <ol className="steps" aria-label={t('detail.tab.timeline')}>
        {visibleSteps.map((s) => {
          const at = timeline.reached[s];
          return (
            <li
              key={s}
              className={`step${at ? ' step-reached' : ''} step-${s}`}
              data-testid={`timeline-step-${s}`}
              data-reached={Boolean(at)}
            >
              <span className="step-name">{stepLabel(s)}</span>
              <span className="step-time mono">{at ? formatDateTime(at, locale) : '—'}</span>
            </li>
          );
        })}
      </ol>
      {timeline.deliveredSkipped ? <p className="muted">{t('detail.timeline.skipped')}</p> : null}
      <ul className="timeline-entries">
        {timeline.entries.map((e, i) => (
          <li key={`${e.eventId}-${i}`} data-testid="timeline-entry" data-step={e.step}>
            <span className="mono">{formatDateTime(e.at, locale)}</span> <strong>{stepLabel(e.step)}</strong>
            {e.errorTitles.length ? (
              <span className="error-text">
                {' '}
                — {e.errorTitles.join('; ')} ({e.errorCodes.join(', ')})
              </span>
            ) : null}{' '}
            <button type="button" className="linklike" onClick={() => onOpen(e.eventId)}>
              {t('detail.timeline.open', { id: e.eventId })}
            </button>
          </li>
        ))}
      </ul>
      {fetched !== messageId ? <p className="muted">{t('detail.loading')}</p> : null}
    </div>
  );
}
