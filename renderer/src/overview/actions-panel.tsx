/**
 * The action buttons (start, stop, restart, test connection, get status, register, unregister). Each shows a
 * progress state while it runs and leaves a result a person can act on: the outcome, or the error with its hint.
 */
import type { ReactNode } from 'react';
import type { WebhookStatus } from '../../../shared/domain/meta';
import type { TestConnectionResult, TunnelStatus } from '../../../shared/domain/tunnel';
import { useApp } from '../app/app-context';
import { useI18n } from '../i18n/i18n';
import type { MessageKey, Translate } from '../i18n/translate';
import { fromErrorInfo } from '../lib/errors';
import { formatDuration, formatTime } from '../lib/format';
import { useKreo } from '../lib/kreo-context';
import { useAction, type ActionState } from '../lib/use-action';
import { Card, ErrorBox, ResultBox, Spinner } from '../ui/ui';

type ActionId = 'start' | 'stop' | 'restart' | 'testConnection' | 'getStatus' | 'register' | 'unregister';

function ActionButton<T>(props: {
  id: ActionId;
  label: MessageKey;
  state: ActionState<T>;
  onRun(): void;
  disabled?: boolean;
  primary?: boolean;
}) {
  const { t } = useI18n();
  const running = props.state.status === 'running';
  return (
    <button
      type="button"
      className={props.primary ? 'btn btn-primary' : 'btn'}
      data-testid={`action-${props.id}`}
      aria-busy={running}
      disabled={running || props.disabled}
      onClick={() => props.onRun()}
    >
      {running ? <Spinner label={t('common.running')} /> : null}
      {t(props.label)}
    </button>
  );
}

function ResultArea<T>(props: { id: ActionId; state: ActionState<T>; render(value: T): ReactNode }) {
  const { t } = useI18n();
  const s = props.state;
  return (
    <div
      className="action-result"
      data-testid={`action-result-${props.id}`}
      data-status={s.status}
      aria-live="polite"
    >
      {s.status === 'running' ? <span className="muted">{t('common.running')}</span> : null}
      {s.status === 'failed' ? <ErrorBox error={s.error} /> : null}
      {s.status === 'done' ? props.render(s.value) : null}
    </div>
  );
}

function tunnelResult(t: Translate, s: TunnelStatus, stopped = false): ReactNode {
  if (s.lastError && s.state === 'error') return <ErrorBox error={fromErrorInfo(s.lastError)} />;
  if (stopped) return <ResultBox tone="ok">{t('actions.result.stopped')}</ResultBox>;
  return (
    <ResultBox tone={s.state === 'online' ? 'ok' : 'warning'}>
      {s.url
        ? t('actions.result.started', { url: s.url })
        : t('actions.result.startedNoUrl', { state: t(`tunnel.state.${s.state}`) })}
    </ResultBox>
  );
}

function testResult(t: Translate, r: TestConnectionResult): ReactNode {
  if (r.ok)
    return (
      <ResultBox tone="ok">
        {t('actions.result.testOk', {
          status: r.statusCode ?? '?',
          ms: r.roundTripMs ?? '?',
          url: r.url ?? '?',
        })}
      </ResultBox>
    );
  if (r.error) return <ErrorBox error={fromErrorInfo(r.error)} />;
  if (r.statusCode !== null && !r.challengeMatched)
    return (
      <ResultBox tone="warning">
        {t('actions.result.testMismatch', { status: r.statusCode, url: r.url ?? '?' })}
      </ResultBox>
    );
  return <ResultBox tone="warning">{t('actions.result.testFailed')}</ResultBox>;
}

function statusResult(t: Translate, s: TunnelStatus, locale: string): ReactNode {
  return (
    <div>
      <ResultBox tone={s.state === 'online' ? 'ok' : 'warning'}>
        {t('actions.result.status', {
          state: t(`tunnel.state.${s.state}`),
          url: s.url ?? t('common.none'),
          connection: s.connection ? t(`tunnel.connection.${s.connection}`) : t('common.none'),
          uptime: formatDuration(s.uptimeMs),
        })}
      </ResultBox>
      {s.connectionChanges.length ? (
        <ul className="changes" aria-label={t('tunnel.changes')}>
          {s.connectionChanges.slice(-5).map((c, i) => (
            <li key={i}>
              <span className="mono">{formatTime(c.at, locale)}</span> {c.status}
              {c.detail ? ` — ${c.detail}` : ''}
            </li>
          ))}
        </ul>
      ) : null}
      {s.lastError ? <ErrorBox error={fromErrorInfo(s.lastError)} /> : null}
    </div>
  );
}

function webhookResult(t: Translate, w: WebhookStatus, unregistered = false): ReactNode {
  const mismatch =
    w.matches === false && w.metaUrl && w.expectedUrl ? (
      <ResultBox tone="warning">
        {t('actions.result.mismatch', { metaUrl: w.metaUrl, expectedUrl: w.expectedUrl })}
      </ResultBox>
    ) : null;
  if (unregistered)
    return (
      <ResultBox tone="ok">
        {w.previousUrl
          ? t('actions.result.restored', { url: w.previousUrl })
          : t('actions.result.unregistered')}
      </ResultBox>
    );
  return (
    <>
      <ResultBox tone={w.registered ? 'ok' : 'warning'}>
        {w.registered
          ? t('actions.result.registered', { url: w.registeredUrl ?? '?', scope: w.scope })
          : t('actions.result.notRegistered')}
        {w.detail ? <div className="muted">{w.detail}</div> : null}
      </ResultBox>
      {mismatch}
    </>
  );
}

export function ActionsPanel() {
  const { t, locale } = useI18n();
  const api = useKreo();
  const { state, dispatch } = useApp();
  const tunnelState = state.tunnel?.state ?? 'stopped';

  const withTunnel = (p: Promise<TunnelStatus>) =>
    p.then((s) => {
      dispatch({ type: 'tunnel', status: s });
      return s;
    });
  const withWebhook = (p: Promise<WebhookStatus>) =>
    p.then((w) => {
      dispatch({ type: 'webhook', status: w });
      return w;
    });

  const [start, runStart] = useAction(() => withTunnel(api.tunnel.start()));
  const [stop, runStop] = useAction(() => withTunnel(api.tunnel.stop()));
  const [restart, runRestart] = useAction(() => withTunnel(api.tunnel.restart()));
  const [test, runTest] = useAction(() => api.tunnel.testConnection());
  const [status, runStatus] = useAction(() => withTunnel(api.tunnel.status()));
  const [register, runRegister] = useAction(() => withWebhook(api.webhook.register()));
  const [unregister, runUnregister] = useAction(() => withWebhook(api.webhook.unregister()));

  const busy = tunnelState === 'starting' || tunnelState === 'stopping';
  return (
    <Card id="actions" title={t('actions.title')}>
      <div className="action-group">
        <div className="action-buttons">
          <ActionButton
            id="start"
            label="actions.start"
            state={start}
            onRun={runStart}
            primary
            disabled={tunnelState === 'online' || busy}
          />
          <ActionButton
            id="stop"
            label="actions.stop"
            state={stop}
            onRun={runStop}
            disabled={tunnelState === 'stopped'}
          />
          <ActionButton
            id="restart"
            label="actions.restart"
            state={restart}
            onRun={runRestart}
            disabled={busy}
          />
        </div>
        <ResultArea id="start" state={start} render={(s) => tunnelResult(t, s)} />
        <ResultArea id="stop" state={stop} render={(s) => tunnelResult(t, s, true)} />
        <ResultArea id="restart" state={restart} render={(s) => tunnelResult(t, s)} />
      </div>
      <div className="action-group">
        <div className="action-buttons">
          <ActionButton id="testConnection" label="actions.testConnection" state={test} onRun={runTest} />
          <ActionButton id="getStatus" label="actions.getStatus" state={status} onRun={runStatus} />
        </div>
        <ResultArea id="testConnection" state={test} render={(r) => testResult(t, r)} />
        <ResultArea id="getStatus" state={status} render={(s) => statusResult(t, s, locale)} />
      </div>
      <div className="action-group">
        <div className="action-buttons">
          <ActionButton id="register" label="actions.register" state={register} onRun={runRegister} primary />
          <ActionButton id="unregister" label="actions.unregister" state={unregister} onRun={runUnregister} />
        </div>
        <ResultArea id="register" state={register} render={(w) => webhookResult(t, w)} />
        <ResultArea id="unregister" state={unregister} render={(w) => webhookResult(t, w, true)} />
      </div>
    </Card>
  );
}
