/**
 * Registration end to end through the composition root: the real host (settings, webhook listener + store, tunnel
 * manager over the real @ngrok/ngrok SDK in its child process) → the loopback ngrok peer → the Graph API fake,
 * whose handshake reaches the listener through the peer. Nothing leaves 127.0.0.1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { HealthReport, WebhookStatus } from '../../../shared/domain/meta';
import type { Result } from '../../../shared/errors';
import { GRAPH_FAKE_DEFAULTS as D, startGraphFake } from '../../../test/fakes/graph-api';
import { peerFetch, startNgrokPeer } from '../../../test/fakes/ngrok-peer';
import { freePort } from '../../../test/support/net';
import { createHost, type Host } from '../host/create-host';
import { PREFLIGHT_FIELD } from './preflight';

const NGROK_TOKEN = 'metaE2eToken_0123456789';
const VERIFY = 'verify-e2e-0001';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function value<T>(r: Result<unknown>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

describe('Meta registration through the real host and tunnel', () => {
  it('registers the tunnel URL at Meta after a preflight that lands in the event store, then restores', async () => {
    const peer = await startNgrokPeer({ authtokens: [NGROK_TOKEN] });
    cleanups.push(() => peer.close());
    const viaPeer = peerFetch(peer);
    const fake = await startGraphFake({ fetch: viaPeer, appSubscription: null });
    cleanups.push(() => fake.close());
    const home = mkdtempSync(path.join(os.tmpdir(), 'kreo-meta-e2e-'));
    cleanups.push(() => rmSync(home, { recursive: true, force: true }));

    const host: Host = await createHost({
      home,
      mode: 'headless',
      keychain: null,
      control: false,
      fetch: viaPeer,
      env: {
        KREO_SERVER_PORT: String(await freePort()),
        KREO_NGROK_AUTHTOKEN: NGROK_TOKEN,
        KREO_NGROK_SERVER_ADDR: peer.serverAddr,
        KREO_NGROK_CA_CERT_PATH: peer.caCertPath,
        KREO_META_APP_ID: D.appId,
        KREO_META_APP_SECRET: D.appSecret,
        KREO_META_ACCESS_TOKEN: D.token,
        KREO_META_VERIFY_TOKEN: VERIFY,
        KREO_META_PHONE_NUMBER_ID: D.phoneNumberId,
        KREO_META_WABA_ID: D.wabaId,
        KREO_META_GRAPH_BASE_URL: fake.url,
      },
    });
    cleanups.push(() => host.dispose());
    await host.start();
    expect(host.unavailableChannels).not.toContain('webhook:register');

    const tunnel = value<{ state: string; url: string }>(await host.invoke('tunnel:start', {}));
    expect(tunnel.state).toBe('online');

    const status = value<WebhookStatus>(await host.invoke('webhook:register', {}));
    const callback = `${tunnel.url}/webhook`;
    expect(status).toMatchObject({
      registered: true,
      registeredUrl: callback,
      metaUrl: callback,
      matches: true,
    });
    expect(fake.state.handshakes.at(-1)).toMatchObject({ ok: true, callbackUrl: callback });
    expect(fake.state.whatsappSubscription()?.callbackUrl).toBe(callback);

    // The signed test POST went through the tunnel into the store, recognisable by its field.
    const events = host.webhook.list({ limit: 10 });
    const pre = events.find((e) => e.records.some((r) => r.field === PREFLIGHT_FIELD));
    expect(pre?.signature).toBe('valid');

    const health = value<HealthReport>(await host.invoke('health:run', {}));
    const state = (n: string) => health.checks.find((c) => c.name === n)?.state;
    expect([state('meta'), state('tunnel'), state('webhook'), state('listener')]).toEqual([
      'ok',
      'ok',
      'ok',
      'ok',
    ]);

    const after = value<WebhookStatus>(await host.invoke('webhook:unregister', {}));
    expect(after.registered).toBe(false);
    expect(fake.state.whatsappSubscription()).toBeUndefined();
  }, 60_000);
});
