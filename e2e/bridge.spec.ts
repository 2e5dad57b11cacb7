/**
 * Browser mode through the real host: the page opened at the address `kreo serve` prints passes the token
 * handshake, calls a request and receives a pushed event through `window.kreo`; without the token nothing works.
 */
import type { Page } from '@playwright/test';
import type { KreoApi } from '../shared/kreo-api';
import { expect, test } from './fixtures/host';

// The page's globals, typed for the callbacks passed to page.evaluate (which run in the browser, not here).
declare const window: { kreo: KreoApi; __pushed?: unknown[]; __inlineRan?: boolean };
declare const sessionStorage: { getItem(key: string): string | null };
declare const location: { host: string };
declare const document: {
  head: { appendChild(node: unknown): void };
  createElement(tag: 'script'): { textContent: string };
};
declare class WebSocket {
  constructor(url: string, protocols: string[]);
  onopen: (() => void) | null;
  onclose: (() => void) | null;
}

async function openPanel(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(() => typeof window.kreo?.host?.info === 'function');
}

test('token handshake, one request and one pushed event through window.kreo', async ({ page, host }) => {
  const failedRequests: string[] = [];
  page.on('requestfailed', (r) => failedRequests.push(r.url()));
  await openPanel(page, host.browserUrl);

  // The token left the address bar but stays for this tab.
  expect(page.url()).not.toContain('token');
  expect(await page.evaluate(() => sessionStorage.getItem('kreo.token'))).toBe(host.token);

  const info = await page.evaluate(() => window.kreo.host.info());
  expect(info).toMatchObject({ mode: 'headless', home: host.home, pid: host.pid });

  // Subscribe in the page, then change a setting from outside (the control API, as the CLI would).
  await page.evaluate(() => {
    window.__pushed = [];
    window.kreo.on('settings:changed', (view) => window.__pushed!.push(view.values.log?.level));
  });
  const changed = await host.request('settings:set', { patch: { 'log.level': 'debug' } });
  expect(changed.ok).toBe(true);
  await page.waitForFunction(() => (window.__pushed ?? []).includes('debug'));

  // A reload keeps working: the token comes back from session storage.
  await page.reload();
  await page.waitForFunction(() => typeof window.kreo?.host?.info === 'function');
  await expect(
    page.evaluate(() => window.kreo.settings.get().then((v) => v.values.log?.level)),
  ).resolves.toBe('debug');
  expect(failedRequests).toEqual([]);
});

test('errors cross as {code, message, hint}', async ({ page, host }) => {
  await openPanel(page, host.browserUrl);
  const error = await page.evaluate(() =>
    window.kreo.events.get({ id: 0 }).then(
      () => null,
      (e: { code: string; message: string; hint?: string }) => ({
        code: e.code,
        message: e.message,
        hint: e.hint,
      }),
    ),
  );
  expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('events:get') });
});

test('a request without the token fails', async ({ page, host }) => {
  // The panel page itself is public (it holds no secret) …
  const response = await page.goto(host.controlUrl);
  expect(response?.status()).toBe(200);
  await page.waitForFunction(() => typeof window.kreo?.host?.info === 'function');

  // … but the API refuses a request without the bearer token,
  const raw = await page.evaluate(async () => {
    const res = await fetch('/api/host:info', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    return { status: res.status, body: (await res.json()) as { ok: boolean; error: { code: string } } };
  });
  expect(raw.status).toBe(401);
  expect(raw.body).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });

  // the bridge without a token says so and how to get one,
  const noToken = await page.evaluate(() =>
    window.kreo.host.info().then(
      () => null,
      (e: { code: string; hint?: string }) => ({ code: e.code, hint: e.hint }),
    ),
  );
  expect(noToken).toMatchObject({ code: 'UNAUTHORIZED', hint: expect.stringContaining('kreo serve') });

  // and the event socket refuses a client without the token.
  const socket = await page.evaluate(
    () =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(`ws://${location.host}/api/events`, ['kreo.v1']);
        ws.onopen = () => resolve('open');
        ws.onclose = () => resolve('closed');
      }),
  );
  expect(socket).toBe('closed');
});

test('a wrong token is refused by the host', async ({ page, host }) => {
  await openPanel(page, `${host.controlUrl}/#token=not-the-token-${'x'.repeat(20)}`);
  const error = await page.evaluate(() =>
    window.kreo.host.info().then(
      () => null,
      (e: { code: string }) => e.code,
    ),
  );
  expect(error).toBe('UNAUTHORIZED');
});

test('the panel runs under the CSP: inline scripts are blocked', async ({ page, host }) => {
  await openPanel(page, host.browserUrl);
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(csp).toContain("default-src 'none'");
  const ran = await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__inlineRan = true';
    document.head.appendChild(s);
    return window.__inlineRan === true;
  });
  expect(ran).toBe(false);
});
