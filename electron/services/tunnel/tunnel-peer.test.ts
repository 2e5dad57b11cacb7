// The whole tunnel path against the loopback ngrok peer (test/fakes/ngrok-peer): TunnelManager → child driver →
// real @ngrok/ngrok → TLS to 127.0.0.1 with ngrok.serverAddr / ngrok.caCertPath → public front → local listener.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it, vi } from 'vitest';
import { peerFetch, startNgrokPeer } from '../../../test/fakes/ngrok-peer';
import { ChildNgrokDriver } from './ngrok-child-driver';
import { FakeSettings, RecordingLogger } from './testing';
import { TunnelManager } from './tunnel-manager';

const TOKEN = 'peerToken_abcdef123456';
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

it('starts with a subdomain, answers the handshake, rides out a dropped session, stops cleanly; bad token translated', async () => {
  const peer = await startNgrokPeer({ authtokens: [TOKEN] });
  cleanups.push(() => peer.close());
  const listener = http.createServer((req, res) => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    if (q.get('hub.verify_token') !== 'vt-peer-1') return void res.writeHead(403).end();
    res.end(q.get('hub.challenge') ?? '');
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => listener.close(r)));
  const settings = new FakeSettings({
    ngrok: { authtoken: TOKEN, serverAddr: peer.serverAddr, caCertPath: peer.caCertPath },
    server: { port: (listener.address() as AddressInfo).port },
    meta: { verifyToken: 'vt-peer-1' },
  });
  const log = new RecordingLogger();
  const manager = new TunnelManager({
    settings,
    log,
    driver: new ChildNgrokDriver(),
    fetch: peerFetch(peer),
  });
  cleanups.push(() => manager.dispose());

  const online = await manager.start({ subdomain: 'demo' });
  expect(online).toMatchObject({
    state: 'online',
    url: 'https://demo.ngrok-free.app',
    domain: 'demo.ngrok-free.app',
  });

  const test = await manager.testConnection();
  expect(test).toMatchObject({
    ok: true,
    statusCode: 200,
    challengeMatched: true,
    url: 'https://demo.ngrok-free.app/webhook',
  });

  peer.dropSessions();
  await vi.waitFor(
    () =>
      expect(manager.status().connectionChanges.map((c) => c.status)).toEqual([
        'connected',
        'reconnecting',
        'connected',
      ]),
    { timeout: 10_000, interval: 20 },
  );

  expect((await manager.stop()).state).toBe('stopped');
  expect(peer.sessions()).toBe(0);

  await expect(manager.start({ authtoken: 'wrongToken_999999' })).rejects.toMatchObject({
    code: 'TUNNEL_AUTH_INVALID',
    details: { ngrokCode: 'ERR_NGROK_107' },
  });
  expect((await manager.stop()).state).toBe('stopped');
  expect(log.text()).not.toContain(TOKEN);
  expect(log.text()).not.toContain('wrongToken_999999');
});
