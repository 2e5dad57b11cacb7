/** The tunnel card: state, public URL with copy, domain, local target, a ticking uptime, session and last error. */
import type { TunnelState } from '../../../shared/domain/tunnel';
import { useApp } from '../app/app-context';
import { useI18n } from '../i18n/i18n';
import { fromErrorInfo } from '../lib/errors';
import { formatDuration, uptimeFrom } from '../lib/format';
import { useNow } from '../lib/use-now';
import { Card, CopyButton, ErrorBox, Pill, Row, type Tone } from '../ui/ui';

export function tunnelTone(state: TunnelState): Tone {
  if (state === 'online') return 'ok';
  if (state === 'error') return 'failed';
  if (state === 'starting' || state === 'stopping') return 'busy';
  return 'neutral';
}

export function TunnelCard() {
  const { t } = useI18n();
  const { state } = useApp();
  const status = state.tunnel;
  const online = status?.state === 'online';
  const now = useNow(1000, online);
  if (!status) return null;
  const uptime = online ? (uptimeFrom(status.startedAt, now) ?? status.uptimeMs) : null;
  return (
    <Card id="tunnel" title={t('tunnel.title')}>
      <dl className="kv">
        <Row label={t('tunnel.state')}>
          <span data-testid="tunnel-state" data-state={status.state}>
            <Pill tone={tunnelTone(status.state)}>{t(`tunnel.state.${status.state}`)}</Pill>
          </span>
        </Row>
        <Row label={t('tunnel.url')}>
          {status.url ? (
            <span className="url-line">
              <a
                href={status.url}
                target="_blank"
                rel="noreferrer noopener"
                data-testid="tunnel-url"
                className="mono"
              >
                {status.url}
              </a>
              <CopyButton text={status.url} label={t('tunnel.copyUrl')} testId="tunnel-copy-url" />
            </span>
          ) : (
            <span className="muted" data-testid="tunnel-url-empty">
              {t('tunnel.noUrl')}
            </span>
          )}
        </Row>
        <Row label={t('tunnel.domain')} testId="tunnel-domain">
          {status.domain ?? <span className="muted">{t('tunnel.domainRandom')}</span>}
        </Row>
        <Row label={t('tunnel.localTarget')} testId="tunnel-local-target">
          <span className="mono">{status.localTarget}</span>
        </Row>
        <Row label={t('tunnel.uptime')} testId="tunnel-uptime">
          {formatDuration(uptime)}
        </Row>
        {status.connection ? (
          <Row label={t('tunnel.connection')} testId="tunnel-connection">
            {t(`tunnel.connection.${status.connection}`)}
          </Row>
        ) : null}
      </dl>
      {status.lastError ? (
        <div className="card-section">
          <h3 className="subhead">{t('tunnel.lastError')}</h3>
          <ErrorBox error={fromErrorInfo(status.lastError)} testId="tunnel-last-error" />
        </div>
      ) : null}
    </Card>
  );
}
