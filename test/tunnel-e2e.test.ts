/**
 * Issue 3's "Must show", end to end with nothing faked on the wire: the real TunnelManager → the real child driver →
 * the real @ngrok/ngrok SDK → TLS to the loopback peer (reached only through the ngrok.serverAddr / ngrok.caCertPath
 * settings) → the peer's public port → the real webhook pipeline (listener + SQLite store). Settings and the tunnel
 * logger are the tunnel's test fakes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { TunnelStatus } from '../shared/domain/tunnel';
import { ChildNgrokDriver } from '../electron/services/tunnel/ngrok-child-driver';
import { FakeSettings, RecordingLogger } from '../electron/services/tunnel/testing';
import { TunnelManager } from '../electron/services/tunnel/tunnel-manager';
import { payloadContext, triggerBody } from '../electron/services/webhook/meta-payloads';
import { signBody } from '../electron/services/webhook/signature';
import {
  startTestPipeline,
  TEST_SECRET,
  TEST_VERIFY_TOKEN,
  type TestPipeline,
} from '../electron/services/webhook/test-harness';
import { peerFetch, startNgrokPeer, type NgrokPeer, type NgrokPeerOptions } from './fakes/ngrok-peer';
import { waitFor } from './support/wait';

const TOKEN = 'e2eToken_0123456789abcdef';

interface Rig {
  peer: NgrokPeer;
  pipeline: TestPipeline;
  manager: TunnelManager;
  log: RecordingLogger;
  statuses: TunnelStatus[];
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  const errors: unknown[] = [];
  for (const fn of cleanups.splice(0).reverse())
    await Promise.resolve(fn()).catch((e: unknown) => errors.push(e));
  if (errors.length) throw new AggregateError(errors, 'cleanup failed');
});

async function rig(peerOpts: NgrokPeerOptions = {}, startTimeoutMs?: number): Promise<Rig> {
  const peer = await startNgrokPeer({ authtokens: [TOKEN], ...peerOpts });
  cleanups.push(() => peer.close());
  const pipeline = await startTestPipeline();
  cleanups.push(() => pipeline.close(true));
  const settings = new FakeSettings({
    ngrok: { authtoken: TOKEN, serverAddr: peer.serverAddr, caCertPath: peer.caCertPath },
    server: { host: '127.0.0.1', port: pipeline.pipeline.listenerAddress()!.port },
    meta: { verifyToken: TEST_VERIFY_TOKEN },
  });
  const log = new RecordingLogger();
  const manager = new TunnelManager({
    settings,
    log,
    driver: new ChildNgrokDriver(),
    fetch: peerFetch(peer),
    ...(startTimeoutMs ? { startTimeoutMs } : {}),
  });
  cleanups.push(() => manager.dispose());
  const statuses: TunnelStatus[] = [];
  manager.onDidChangeStatus((s) => statuses.push(s));
  return { peer, pipeline, manager, log, statuses };
}

/** A Meta-style delivery signed with the app secret, POSTed to the peer's public port. */
async function postSigned(r: Rig): Promise<{ res: Response; body: string }> {
  const body = triggerBody('text-non-ascii', payloadContext({ phoneNumberId: '106540352242922' }));
  const res = await fetch(`${r.peer.publicBaseUrl}/webhook`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(TEST_SECRET, body) },
  });
  return { res, body };
}

async function expectStored(r: Rig, res: Response, body: string): Promise<void> {
  expect(res.status).toBe(200);
  const id = Number(res.headers.get('x-kreo-event-id'));
  expect(id).toBeGreaterThan(0);
  const stored = r.pipeline.pipeline.get(id);
  expect(stored).toMatchObject({ body, signature: 'valid', source: 'webhook' });
  expect(stored.headers.host).toBe(new URL(r.manager.status().url!).host);
  // Records are parsed after the durable write that the 200 waited for.
  await waitFor(() => r.pipeline.pipeline.get(id).records.length > 0, {
    timeoutMs: 5000,
    what: 'the parsed records',
  });
  expect(r.pipeline.pipeline.get(id).records[0]).toMatchObject({
    kind: 'message',
    phoneNumberId: '106540352242922',
  });
}

describe('tunnel end to end through the loopback ngrok peer', () => {
  it('starts online with a URL, carries a signed POST into the store, and test connection round-trips', async () => {
    const r = await rig();
    const online = await r.manager.start();
    expect(online).toMatchObject({ state: 'online', connection: 'connected', lastError: null });
    expect(online.url).toMatch(/^https:\/\/[0-9a-f]{12}\.ngrok-free\.app$/);
    expect(r.peer.bound()).toEqual([expect.objectContaining({ url: online.url })]);

    const { res, body } = await postSigned(r);
    await expectStored(r, res, body);

    const test = await r.manager.testConnection();
    expect(test).toMatchObject({
      ok: true,
      statusCode: 200,
      challengeMatched: true,
      url: `${online.url}/webhook`,
    });
    expect(test.roundTripMs).toBeGreaterThan(0);

    expect((await r.manager.stop()).state).toBe('stopped');
    expect(r.peer.bound()).toEqual([]);
    expect(r.log.text()).not.toContain(TOKEN);
  });

  it('a dropped session shows as reconnecting in the status, then recovers with the same URL', async () => {
    const r = await rig();
    const { url } = await r.manager.start();
    r.peer.refuseReconnectsFor(1000); // keeps the SDK out until its ~2.5 s retry, so the gap is observable
    r.peer.dropSessions();
    await waitFor(() => r.manager.status().connection === 'reconnecting', {
      timeoutMs: 5000,
      what: 'status "reconnecting"',
    });
    expect(r.manager.status()).toMatchObject({ state: 'online', url });
    const offline = await fetch(`${r.peer.publicBaseUrl}/webhook`, { method: 'POST', body: '{}' });
    expect(await offline.text()).toContain('ERR_NGROK_3200');

    await waitFor(() => r.manager.status().connection === 'connected', {
      timeoutMs: 10_000,
      what: 'status "connected" again',
    });
    // The SDK reports "connected" once Auth succeeds; the endpoint is re-bound just after.
    await waitFor(() => r.peer.bound().length === 1, { timeoutMs: 2000, what: 'the endpoint re-bound' });
    expect(r.manager.status().connectionChanges.map((c) => c.status)).toEqual([
      'connected',
      'reconnecting',
      'connected',
    ]);
    expect(r.statuses.some((s) => s.connection === 'reconnecting')).toBe(true);
    expect(r.manager.status().url).toBe(url);
    const { res, body } = await postSigned(r);
    await expectStored(r, res, body);
    expect((await r.manager.testConnection()).ok).toBe(true);
  });

  it('a wrong authtoken gives the translated ERR_NGROK_107 error', async () => {
    const r = await rig();
    await expect(r.manager.start({ authtoken: 'wrongToken_999999' })).rejects.toMatchObject({
      code: 'TUNNEL_AUTH_INVALID',
      details: { ngrokCode: 'ERR_NGROK_107' },
    });
    expect(r.manager.status()).toMatchObject({
      state: 'error',
      url: null,
      lastError: { code: 'TUNNEL_AUTH_INVALID', hint: expect.any(String) },
    });
    expect(r.peer.sessions()).toBe(0);
    expect(r.log.text()).not.toContain('wrongToken_999999');
  });

  it('a domain already online elsewhere gives the translated ERR_NGROK_334 error', async () => {
    const r = await rig({ domainsInUse: ['busy-app.ngrok-free.app'] });
    await expect(r.manager.start({ domain: 'busy-app.ngrok-free.app' })).rejects.toMatchObject({
      code: 'TUNNEL_DOMAIN_IN_USE',
      details: { ngrokCode: 'ERR_NGROK_334' },
    });
    expect(r.manager.status().lastError?.message).toContain('busy-app.ngrok-free.app');
    expect(r.peer.bound()).toEqual([]);

    const free = await r.manager.start({ domain: 'free-app.ngrok-free.app' });
    expect(free).toMatchObject({ state: 'online', url: 'https://free-app.ngrok-free.app' });
  });

  it('a silent peer hits the start timeout, and a later start works', async () => {
    // The timeout covers forking the SDK child too (~1-2 s under tsx on a busy machine), hence 5 s.
    const r = await rig({}, 5000);
    r.peer.setSilent(true);
    const began = Date.now();
    await expect(r.manager.start()).rejects.toMatchObject({ code: 'TUNNEL_START_TIMEOUT' });
    expect(Date.now() - began).toBeGreaterThanOrEqual(4900);
    expect(r.manager.status()).toMatchObject({ state: 'error', lastError: { code: 'TUNNEL_START_TIMEOUT' } });

    r.peer.setSilent(false);
    const online = await r.manager.start();
    expect(online).toMatchObject({ state: 'online', lastError: null });
    const { res, body } = await postSigned(r);
    await expectStored(r, res, body);
  });
});
