/**
 * Charts: events per minute (events.stats, refreshed every few seconds) and the outbound send rate against its limit
 * (ratelimit status pushes plus a 1 s poll while this screen is open), with a small form to send a test message.
 */
import { useEffect, useState } from 'react';
import type { EventsStats } from '../../../shared/domain/events';
import { sendTextInputSchema } from '../../../shared/domain/meta';
import { useApp } from '../app/app-context';
import { useI18n } from '../i18n/i18n';
import { formatTime } from '../lib/format';
import { useKreo } from '../lib/kreo-context';
import { useAction } from '../lib/use-action';
import { useNow } from '../lib/use-now';
import { useStoreVersion } from '../lib/use-store';
import { Card, ErrorBox, ResultBox, Spinner } from '../ui/ui';
import { perMinuteSeries, ratePoints } from './chart-data';
import { BarChart, LineChart } from './svg-charts';

const RATE_SPAN_MS = 120_000;

export function ChartsScreen() {
  const { t, locale } = useI18n();
  const api = useKreo();
  const { hub, dispatch } = useApp();
  useStoreVersion(hub.rate);
  const now = useNow(1000);
  const [stats, setStats] = useState<EventsStats | null>(null);

  useEffect(() => {
    let live = true;
    const load = () =>
      api.events
        .stats()
        .then((s) => live && setStats(s))
        .catch(() => {});
    void load();
    const timer = setInterval(load, 5000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [api]);

  useEffect(() => {
    let live = true;
    const poll = () =>
      api.ratelimit
        .status()
        .then((s) => {
          if (!live) return;
          hub.rate.add(s);
          dispatch({ type: 'rate', status: s });
        })
        .catch(() => {});
    void poll();
    const timer = setInterval(poll, 1000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [api, hub, dispatch]);

  const series = stats ? perMinuteSeries(stats.perMinute, now) : [];
  const latest = hub.rate.latest;
  return (
    <div className="grid">
      <div className="col">
        <Card id="chart-events" title={t('charts.eventsPerMinute')}>
          {stats ? (
            <>
              <BarChart
                testId="chart-events-per-minute"
                label={`${t('charts.eventsPerMinute')}: ${series.map((b) => b.count).join(', ')}`}
                bars={series.map((b) => ({
                  label: formatTime(new Date(b.start).toISOString(), locale),
                  value: b.count,
                }))}
              />
              <p className="muted" data-testid="chart-events-totals">
                {t('charts.eventTotals', {
                  total: stats.total,
                  duplicates: stats.duplicates,
                  queue: stats.queueBacklog,
                  forward: stats.forwardBacklog,
                })}
              </p>
            </>
          ) : (
            <p className="muted">{t('charts.noData')}</p>
          )}
        </Card>
      </div>
      <div className="col">
        <Card id="chart-rate" title={t('charts.sendRate')}>
          <LineChart
            testId="chart-send-rate"
            label={`${t('charts.sendRate')}: ${latest ? t('charts.current', { rate: latest.currentRate }) : ''} ${
              latest ? t('charts.limit', { limit: latest.messagesPerSecond }) : ''
            }`}
            points={ratePoints(hub.rate.list())}
            limit={latest?.messagesPerSecond ?? null}
            limitLabel={latest ? t('charts.limit', { limit: latest.messagesPerSecond }) : undefined}
            spanMs={RATE_SPAN_MS}
            now={now}
          />
          {latest ? (
            <div className="muted" data-testid="chart-rate-figures">
              <div>
                {t('charts.current', { rate: latest.currentRate.toFixed(1) })} ·{' '}
                {t('charts.limit', { limit: latest.messagesPerSecond })}
              </div>
              <div>
                {t('charts.queue', {
                  depth: latest.queueDepth,
                  max: latest.maxQueueSize,
                  inFlight: latest.inFlight,
                })}
              </div>
              <div>
                {t('charts.totals', {
                  sent: latest.sent,
                  failed: latest.failed,
                  throttled: latest.throttled,
                  rejected: latest.rejected,
                  backend: latest.backend,
                })}
              </div>
            </div>
          ) : (
            <p className="muted">{t('charts.noData')}</p>
          )}
        </Card>
        <SendCard />
      </div>
    </div>
  );
}

function SendCard() {
  const { t } = useI18n();
  const api = useKreo();
  const [to, setTo] = useState('');
  const [text, setText] = useState('');
  const [touched, setTouched] = useState(false);
  const [state, send] = useAction(() => api.send.text({ to: to.trim(), text }));
  const parsed = sendTextInputSchema.safeParse({ to: to.trim(), text });
  const issues = parsed.success
    ? {}
    : Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message]));
  return (
    <Card id="send" title={t('send.title')}>
      <form
        className="send-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          setTouched(true);
          if (parsed.success) void send();
        }}
      >
        <label className="field">
          <span className="field-label">{t('send.to')}</span>
          <input
            data-testid="send-to"
            inputMode="tel"
            value={to}
            placeholder="+34600111222"
            aria-invalid={(touched && Boolean(issues.to)) || undefined}
            onChange={(e) => setTo(e.target.value)}
          />
          {touched && issues.to ? <span className="field-error">{issues.to}</span> : null}
        </label>
        <label className="field">
          <span className="field-label">{t('send.text')}</span>
          <textarea
            data-testid="send-text"
            rows={2}
            value={text}
            aria-invalid={(touched && Boolean(issues.text)) || undefined}
            onChange={(e) => setText(e.target.value)}
          />
          {touched && issues.text ? <span className="field-error">{issues.text}</span> : null}
        </label>
        <button type="submit" className="btn" data-testid="send-submit" disabled={state.status === 'running'}>
          {state.status === 'running' ? <Spinner label={t('common.running')} /> : null}
          {t('send.submit')}
        </button>
        <div aria-live="polite" data-testid="send-result">
          {state.status === 'failed' ? <ErrorBox error={state.error} /> : null}
          {state.status === 'done' ? (
            <ResultBox tone="ok">
              {t('send.result', {
                id: state.value.messageId,
                to: state.value.to,
                attempts: state.value.attempts,
              })}
            </ResultBox>
          ) : null}
        </div>
      </form>
    </Card>
  );
}
