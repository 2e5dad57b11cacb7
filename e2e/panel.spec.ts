/**
 * The panel end to end: the real screens in Chromium, in the browser mode of a headless host whose tunnel really comes
 * online through the loopback ngrok peer and whose Meta calls go to the Graph API fake. Screenshots of each screen go
 * to e2e/screenshots/ (gitignored).
 */
import { createHmac } from 'node:crypto';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { GRAPH_FAKE_DEFAULTS } from '../test/fakes/graph-api';
import { E2E_AUTHTOKEN, expect, startPanelEnv, test, type PanelEnv } from './fixtures/panel-env';

const SHOTS = path.join(import.meta.dirname, 'screenshots');
test.use({ viewport: { width: 1400, height: 900 }, locale: 'en-US' });

async function openPanel(page: Page, env: PanelEnv): Promise<void> {
  await page.goto(env.host.browserUrl);
  await expect(page.locator('[data-app-state="ready"]')).toBeVisible();
}

async function screen(page: Page, id: 'overview' | 'settings' | 'events' | 'logs' | 'charts'): Promise<void> {
  await page.getByTestId(`nav-tab-${id}`).click();
  await expect(page.getByTestId(`screen-${id}`)).toBeVisible();
}

async function startTunnel(page: Page): Promise<string> {
  await screen(page, 'overview');
  await page.getByTestId('action-start').click();
  await expect(page.getByTestId('tunnel-state')).toHaveAttribute('data-state', 'online', { timeout: 20_000 });
  const url = (await page.getByTestId('tunnel-url').textContent()) ?? '';
  expect(url).toMatch(/^https:\/\/[a-z0-9-]+\.ngrok-free\.app$/);
  return url;
}

/** POSTs a Meta-shaped status notification, signed with the app secret, to the host's webhook listener. */
async function postSignedStatus(
  env: PanelEnv,
  id: string,
  status: string,
  timestamp: number,
): Promise<number> {
  const body = JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: GRAPH_FAKE_DEFAULTS.wabaId,
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: {
                display_phone_number: '15550100199',
                phone_number_id: GRAPH_FAKE_DEFAULTS.phoneNumberId,
              },
              statuses: [{ id, status, timestamp: String(timestamp), recipient_id: '34600111222' }],
            },
          },
        ],
      },
    ],
  });
  const signature = createHmac('sha256', GRAPH_FAKE_DEFAULTS.appSecret).update(body).digest('hex');
  const res = await fetch(`http://127.0.0.1:${env.host.webhookPort}/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${signature}` },
    body,
  });
  return res.status;
}

async function metaAvailable(env: PanelEnv): Promise<boolean> {
  const res = await env.host.request('webhook:status');
  return !(res.ok === false && res.error?.code === 'UNAVAILABLE');
}

test('settings: a bad value shows its field error; typed values and a replaced secret are saved', async ({
  page,
}) => {
  const env = await startPanelEnv({ name: 'settings', secrets: false });
  try {
    await openPanel(page, env);
    await screen(page, 'settings');

    const port = page.getByTestId('field-server.port');
    await port.fill('70000');
    await expect(page.getByTestId('field-error-server.port')).toContainText('whole number from 1 to 65535');
    await expect(port).toHaveAttribute('aria-invalid', 'true');
    await page.getByTestId('settings-save').click();
    await expect(page.getByTestId('settings-notice')).toContainText('Fix the highlighted fields');
    await expect(port).toBeFocused();
    await page.screenshot({ path: path.join(SHOTS, 'settings-field-error.png') });

    await port.fill(String(env.host.webhookPort));
    await expect(page.getByTestId('field-error-server.port')).toBeEmpty();
    await page.getByTestId('field-log.level').selectOption('debug');
    await page.getByTestId('field-webhook.fields').fill('messages, message_template_status_update');
    await page.getByTestId('secret-replace-ngrok.authtoken').click();
    await page.getByTestId('field-ngrok.authtoken').fill(E2E_AUTHTOKEN);
    await page.getByTestId('settings-save').click();
    await expect(page.getByTestId('settings-notice')).toContainText('Settings saved.');
    await expect(page.getByTestId('secret-mask-ngrok.authtoken')).toHaveText(
      `••••••••${E2E_AUTHTOKEN.slice(-4)}`,
    );
    await expect(page.locator('body')).not.toContainText(E2E_AUTHTOKEN);
    await page.screenshot({ path: path.join(SHOTS, 'settings.png'), fullPage: true });

    // Saved on the host: a reload shows them, and the typed authtoken starts the tunnel.
    const saved = await env.host.request('settings:get');
    expect(saved.value).toMatchObject({
      values: {
        log: { level: 'debug' },
        webhook: { fields: ['messages', 'message_template_status_update'] },
      },
    });
    await page.reload();
    await expect(page.locator('[data-app-state="ready"]')).toBeVisible();
    await screen(page, 'settings');
    await expect(page.getByTestId('field-log.level')).toHaveValue('debug');
    await startTunnel(page);
  } finally {
    await env.stop();
  }
});

test('Test Connection and Get Status show their results once the tunnel is online', async ({ page, env }) => {
  await openPanel(page, env);
  // Before the tunnel runs, the result says what to do.
  await page.getByTestId('action-testConnection').click();
  await expect(page.getByTestId('action-result-testConnection')).toHaveAttribute('data-status', 'done');
  await expect(page.getByTestId('action-result-testConnection')).not.toBeEmpty();

  const url = await startTunnel(page);
  await expect(page.getByTestId('topbar-tunnel-state')).toContainText('Online');
  await expect(page.getByTestId('tunnel-local-target')).toContainText(`127.0.0.1:${env.host.webhookPort}`);

  await page.getByTestId('action-testConnection').click();
  await expect(page.getByTestId('action-result-testConnection')).toContainText('Round trip OK: HTTP 200', {
    timeout: 15_000,
  });
  await expect(page.getByTestId('action-result-testConnection')).toContainText(url);

  await page.getByTestId('action-getStatus').click();
  await expect(page.getByTestId('action-result-getStatus')).toContainText(`Tunnel Online; public URL ${url}`);
  await expect(page.getByTestId('tunnel-uptime')).not.toHaveText('—');
  await page.screenshot({ path: path.join(SHOTS, 'overview.png'), fullPage: true });

  await page.getByTestId('action-stop').click();
  await expect(page.getByTestId('tunnel-state')).toHaveAttribute('data-state', 'stopped');
  await expect(page.getByTestId('action-result-stop')).toContainText('Tunnel stopped.');
});

test('Register Webhook against the fake Graph API ends with the registered fields filled', async ({
  page,
  env,
}) => {
  test.skip(!(await metaAvailable(env)), 'the Meta domain (webhook:register) is not wired into the host yet');
  await openPanel(page, env);
  const url = await startTunnel(page);
  await page.getByTestId('action-register').click();
  await expect(page.getByTestId('action-result-register')).toContainText(`Meta will call ${url}/webhook`, {
    timeout: 20_000,
  });
  await expect(page.getByTestId('webhook-registered')).toContainText('Yes');
  await expect(page.getByTestId('webhook-registered-url')).toContainText(`${url}/webhook`);

  await page.getByTestId('health-run').click();
  await expect(page.getByTestId('health-check-tunnel')).toHaveAttribute('data-state', 'ok', {
    timeout: 15_000,
  });
  await expect(page.getByTestId('health-check-webhook')).toBeVisible();
  await page.screenshot({ path: path.join(SHOTS, 'overview-registered.png'), fullPage: true });

  await screen(page, 'settings');
  await expect(page.getByTestId('field-webhook.registered')).toHaveText('Yes');
  await expect(page.getByTestId('field-webhook.registeredUrl')).toHaveText(`${url}/webhook`);
  await expect(page.getByTestId('field-webhook.registeredAt')).toHaveAttribute(
    'data-value',
    /^\d{4}-\d\d-\d\dT/,
  );
  await page.getByTestId('setting-webhook.registeredUrl').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, 'settings-registered.png') });
});

test('a message sent from the panel is linked to its delivery statuses by message id', async ({
  page,
  env,
}) => {
  test.skip(!(await metaAvailable(env)), 'the Meta domain (send:text) is not wired into the host yet');
  await openPanel(page, env);
  await screen(page, 'charts');
  await page.getByTestId('send-to').fill('+34600111222');
  await page.getByTestId('send-text').fill('Hola desde el panel');
  await page.getByTestId('send-submit').click();
  await expect(page.getByTestId('send-result')).toContainText('Sent wamid.', { timeout: 15_000 });
  const wamid = /Sent (wamid\.\S+) to/.exec((await page.getByTestId('send-result').textContent()) ?? '')![1]!;
  await expect(page.getByTestId('chart-rate-figures')).toContainText('Sent 1,');
  await page.screenshot({ path: path.join(SHOTS, 'charts-sent.png') });

  // Meta then reports the message sent, delivered and read.
  const t0 = Math.floor(Date.now() / 1000);
  for (const [i, status] of (['sent', 'delivered', 'read'] as const).entries())
    expect(await postSignedStatus(env, wamid, status, t0 + i)).toBe(200);
  await screen(page, 'events');
  await page.getByTestId('filter-message-id').fill(wamid);
  await expect(page.getByTestId('events-list')).toHaveAttribute('data-count', '3');
  await page.getByTestId('event-row').first().click();
  await page.getByTestId('detail-tab-timeline').click();
  await expect(page.getByTestId('timeline')).toHaveAttribute('data-message-id', wamid);
  await expect(page.getByTestId('timeline')).toHaveAttribute('data-final', 'read');
  await expect(page.getByTestId('timeline-entry')).toHaveCount(3);
});

test('a triggered event appears within a second, opens, and a replay records an attempt', async ({
  page,
  env,
}) => {
  await openPanel(page, env);
  await screen(page, 'events');
  await page.getByTestId('trigger-open').click();
  await expect(page.getByRole('menu')).toBeVisible();
  const clicked = Date.now();
  await page.getByTestId('trigger-text-non-ascii').click();
  await expect(page.getByTestId('event-row').first()).toBeVisible({ timeout: 1000 });
  const appearedMs = Date.now() - clicked;
  await expect(page.getByTestId('trigger-result')).toContainText('HTTP 200');
  const id = await page.getByTestId('event-row').first().getAttribute('data-event-id');
  test.info().annotations.push({ type: 'trigger-to-row', description: `${appearedMs} ms` });

  await page.getByTestId('event-row').first().click();
  const detail = page.getByTestId('event-detail');
  await expect(detail).toHaveAttribute('data-event-id', id!);
  await expect(page.getByTestId('event-signature')).toContainText('valid');
  await expect(page.getByTestId('event-records')).toContainText('text');
  await page.getByTestId('detail-tab-body').click();
  await expect(page.getByTestId('event-body-pretty')).toContainText('"object": "whatsapp_business_account"');
  await page.getByTestId('detail-tab-headers').click();
  await expect(page.getByTestId('event-headers')).toContainText('x-hub-signature-256');

  await page.getByTestId('event-replay').click();
  await expect(page.getByTestId('event-replay-result')).toContainText('Replayed: HTTP 200');
  await page.getByTestId('detail-tab-attempts').click();
  await expect(page.locator('[data-testid="event-attempt"][data-replay="true"]')).toHaveCount(1);
  expect(env.forward.received.some((r) => r.path === '/app/webhook')).toBe(true);

  // Edit, then replay: the edited body is stored as a new event (source replay) and reaches the app.
  await page.getByTestId('event-edit-replay').click();
  const editor = page.getByTestId('event-editor');
  await editor.fill('{"object":"whatsapp_business_account","entry":[],"edited":"ñ"}');
  await page.getByTestId('event-send-edited').click();
  await expect(page.getByTestId('event-replay-result')).toContainText('The edited body was stored as event');
  await expect.poll(() => env.forward.received.some((r) => r.body.includes('"edited":"\\u00f1"'))).toBe(true);
  await page.getByTestId('event-replay-open').click();
  await expect(detail).not.toHaveAttribute('data-event-id', id!);
  await page.getByTestId('detail-tab-attempts').click();
  await expect(page.locator('[data-testid="event-attempt"][data-replay="true"]')).toHaveCount(1);
  await expect(page.getByTestId('event-row')).toHaveCount(2);

  // Meta reports an outbound message as sent, delivered, then read (signed POSTs to the listener), plus a
  // synthetic failure: the filters narrow the list, and the timeline links the three statuses by message id.
  const wamid = 'wamid.HBgLMzQ2MDAxMTEyMjIVAgARGBJFMkUyRTJFMkUyRTJFMkUyAA==';
  const t0 = Math.floor(Date.now() / 1000);
  for (const [i, status] of (['sent', 'delivered', 'read'] as const).entries())
    expect(await postSignedStatus(env, wamid, status, t0 + i)).toBe(200);
  await env.host.request('events:trigger', { kind: 'status-failed' });
  await expect(page.getByTestId('events-list')).toHaveAttribute('data-count', '6');
  await page.getByTestId('filter-kind').selectOption('status');
  await expect(page.getByTestId('events-list')).toHaveAttribute('data-count', '4');
  await page.getByTestId('filter-status').selectOption('failed');
  await expect(page.getByTestId('events-list')).toHaveAttribute('data-count', '1');
  await page.getByTestId('filter-clear').click();
  await page.getByTestId('filter-message-id').fill(wamid.slice(0, 30));
  await expect(page.getByTestId('events-list')).toHaveAttribute('data-count', '3');
  await page.getByTestId('event-row').last().click();
  await page.getByTestId('detail-tab-timeline').click();
  const timeline = page.getByTestId('timeline');
  await expect(timeline).toHaveAttribute('data-final', 'read');
  for (const step of ['sent', 'delivered', 'read'])
    await expect(page.getByTestId(`timeline-step-${step}`)).toHaveAttribute('data-reached', 'true');
  await expect(page.getByTestId('timeline-step-failed')).toHaveAttribute('data-reached', 'false');
  await expect(page.getByTestId('timeline-entry')).toHaveCount(3);
  await page.screenshot({ path: path.join(SHOTS, 'events.png') });
  await page.getByTestId('filter-clear').click();
  await expect(page.getByTestId('events-list')).toHaveAttribute('data-count', '6');

  await screen(page, 'charts');
  await expect(page.getByTestId('chart-events-totals')).toContainText('6 events stored');
  await page.screenshot({ path: path.join(SHOTS, 'charts.png') });
});

test('log lines stream in live', async ({ page, env }) => {
  await openPanel(page, env);
  await screen(page, 'logs');
  const list = page.getByTestId('logs-list');
  await expect(list).toBeVisible();
  const before = Number(await list.getAttribute('data-count'));
  // Starting the tunnel writes to ngrok_manager.log; triggering events to whatsapp.log.
  await env.host.request('tunnel:start');
  await env.host.request('events:trigger', { kind: 'text' });
  await expect
    .poll(async () => Number(await list.getAttribute('data-count')), { timeout: 10_000 })
    .toBeGreaterThan(before);
  await page.getByTestId('logs-file').selectOption('ngrok');
  await expect(page.locator('[data-testid="log-line"][data-file="ngrok"]').first()).toBeVisible();
  await expect(page.locator('[data-testid="log-line"]:not([data-file="ngrok"])')).toHaveCount(0);
  await page.getByTestId('logs-file').selectOption('all');

  // Pause holds new lines aside; resume shows them.
  await page.getByTestId('logs-pause').click();
  const paused = Number(await list.getAttribute('data-count'));
  await env.host.request('events:trigger', { kind: 'image' });
  await expect(page.getByTestId('logs-paused')).toBeVisible({ timeout: 10_000 });
  expect(Number(await list.getAttribute('data-count'))).toBe(paused);
  await page.getByTestId('logs-pause').click();
  await expect.poll(async () => Number(await list.getAttribute('data-count'))).toBeGreaterThan(paused);
  await page.screenshot({ path: path.join(SHOTS, 'logs.png') });
});

test('switching language changes the labels', async ({ page, env, browser }) => {
  // A Spanish system gets Spanish without asking.
  const spanish = await browser.newContext({ locale: 'es-MX', viewport: { width: 1400, height: 900 } });
  try {
    const es = await spanish.newPage();
    await es.goto(env.host.browserUrl);
    await expect(es.locator('[data-app-state="ready"]')).toBeVisible();
    await expect(es.getByTestId('action-testConnection')).toHaveText('Probar Conexión Ngrok');
  } finally {
    await spanish.close();
  }

  await openPanel(page, env);
  await expect(page.getByTestId('action-testConnection')).toHaveText('Test Ngrok Connection');
  await page.getByTestId('language-select').selectOption('es');
  await expect(page.getByTestId('action-testConnection')).toHaveText('Probar Conexión Ngrok');
  await expect(page.getByTestId('action-getStatus')).toHaveText('Obtener Estado Ngrok');
  await expect(page.getByTestId('action-register')).toHaveText('Registrar Webhook Automáticamente');
  await expect(page.getByTestId('nav-tab-settings')).toHaveText('Configuración');
  await expect(page.locator('html')).toHaveAttribute('lang', 'es');
  await page.screenshot({ path: path.join(SHOTS, 'overview-es.png') });
  await screen(page, 'settings');
  await expect(page.getByText('Subdominio Ngrok')).toBeVisible();
  await expect(page.getByText('Fecha de Registro del Webhook')).toBeVisible();
  await page.screenshot({ path: path.join(SHOTS, 'settings-es.png') });

  // The choice is remembered across a reload, and the dark theme follows the system.
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.reload();
  await expect(page.locator('[data-app-state="ready"]')).toBeVisible();
  await expect(page.getByTestId('nav-tab-settings')).toHaveText('Configuración');
  await screen(page, 'overview');
  await page.screenshot({ path: path.join(SHOTS, 'overview-es-dark.png') });
});
