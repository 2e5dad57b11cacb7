/** The Meta webhook card: registration state, URLs (registered, expected from the tunnel, reported by Meta), scope. */
import { useApp } from '../app/app-context';
import { useI18n } from '../i18n/i18n';
import { formatDateTime } from '../lib/format';
import { Card, CopyButton, Pill, Row } from '../ui/ui';

export function WebhookCard() {
  const { t, locale } = useI18n();
  const { state } = useApp();
  const w = state.webhook;
  const local = state.host?.webhookUrl;
  return (
    <Card id="webhook" title={t('webhook.title')}>
      <dl className="kv">
        {local ? (
          <Row label={t('app.localWebhook')} testId="webhook-local-url">
            <span className="url-line">
              <span className="mono">{local}</span>
              <CopyButton text={local} label={`${t('common.copy')} ${t('app.localWebhook')}`} />
            </span>
          </Row>
        ) : null}
        {w ? (
          <>
            <Row label={t('webhook.registered')} testId="webhook-registered">
              <Pill tone={w.registered ? 'ok' : 'neutral'}>
                {w.registered ? t('common.yes') : t('common.no')}
              </Pill>
            </Row>
            <Row label={t('webhook.registeredUrl')} testId="webhook-registered-url">
              <span className="mono">{w.registeredUrl ?? '—'}</span>
            </Row>
            <Row label={t('webhook.registeredAt')} testId="webhook-registered-at">
              {formatDateTime(w.registeredAt, locale)}
            </Row>
            <Row label={t('webhook.expectedUrl')}>
              <span className="mono">{w.expectedUrl ?? '—'}</span>
            </Row>
            {w.metaUrl !== null ? (
              <Row label={t('webhook.metaUrl')}>
                <span className="mono">{w.metaUrl}</span>
              </Row>
            ) : null}
            {w.matches !== null ? (
              <Row label={t('webhook.matches')}>
                <Pill tone={w.matches ? 'ok' : 'warning'}>
                  {w.matches ? t('common.yes') : t('common.no')}
                </Pill>
              </Row>
            ) : null}
            <Row label={t('webhook.scope')}>{w.scope}</Row>
          </>
        ) : null}
      </dl>
      {w?.detail ? <p className="muted">{w.detail}</p> : null}
    </Card>
  );
}
