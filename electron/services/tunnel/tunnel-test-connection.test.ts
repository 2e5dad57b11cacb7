// testConnection() through the manager, against a local HTTP server standing in for the public URL.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeNgrokDriver, FakeSettings, RecordingLogger } from './testing';
import { TunnelManager } from './tunnel-manager';

const VERIFY = 'verify-Token-42';
type Handler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => void;

const servers: http.Server[] = [];
const managers: TunnelManager[] = [];

afterEach(async () => {
  for (const m of managers.splice(0)) await m.dispose();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** Meta-style verification endpoint, like the webhook listener's. */
const listenerLike: Handler = (_req, res, url) => {
  if (url.pathname !== '/webhook') return void res.writeHead(404).end('not found');
  const ok =
    url.searchParams.get('hub.mode') === 'subscribe' && url.searchParams.get('hub.verify_token') === VERIFY;
  if (!ok) return void res.writeHead(403).end('forbidden');
  res.writeHead(200, { 'content-type': 'text/plain' }).end(url.searchParams.get('hub.challenge') ?? '');
};

async function setup(handler: Handler, opts: { verifyToken?: string; testTimeoutMs?: number } = {}) {
  const seen: URL[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push(url);
    handler(req, res, url);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const driver = new FakeNgrokDriver();
  driver.onForward = async () => ({ url: `http://127.0.0.1:${port}` });
  const log = new RecordingLogger();
  const manager = new TunnelManager({
    settings: new FakeSettings({
      ngrok: { authtoken: 'tok_abcdefgh12345' },
      meta: { verifyToken: opts.verifyToken ?? VERIFY },
    }),
    log,
    driver,
    testTimeoutMs: opts.testTimeoutMs ?? 5000,
  });
  managers.push(manager);
  await manager.start();
  return { manager, log, seen, port };
}

describe('testConnection', () => {
  it('sends the verification handshake with a random challenge and reports the round trip', async () => {
    const { manager, log, seen, port } = await setup(listenerLike);
    const result = await manager.testConnection();
    expect(result).toMatchObject({
      ok: true,
      url: `http://127.0.0.1:${port}/webhook`,
      statusCode: 200,
      challengeMatched: true,
      error: null,
    });
    expect(result.roundTripMs).toBeGreaterThanOrEqual(0);
    expect(seen[0]?.searchParams.get('hub.challenge')).toMatch(/^\d{10}$/);
    // A new challenge each time.
    await manager.testConnection();
    expect(seen[1]?.searchParams.get('hub.challenge')).not.toBe(seen[0]?.searchParams.get('hub.challenge'));
    // The verify token is a secret: sent, never reported or logged.
    expect(JSON.stringify(result)).not.toContain(VERIFY);
    expect(log.text()).not.toContain(VERIFY);
    expect(log.text()).toContain('the challenge came back');
  });

  it('explains a refused verify token (403)', async () => {
    const { manager } = await setup(listenerLike, { verifyToken: 'another-token' });
    const result = await manager.testConnection();
    expect(result).toMatchObject({ ok: false, statusCode: 403, challengeMatched: false });
    expect(result.error?.message).toMatch(/verify token/);
  });

  it('explains a wrong path (404)', async () => {
    const { manager } = await setup((_req, res) => res.writeHead(404).end());
    const result = await manager.testConnection();
    expect(result.error?.message).toMatch(/Nothing answers at \/webhook/);
    expect(result.error?.hint).toContain('webhook.path');
  });

  it('notices an answer that is not the challenge', async () => {
    const { manager } = await setup((_req, res) => res.writeHead(200).end('hello'));
    const result = await manager.testConnection();
    expect(result).toMatchObject({ ok: false, statusCode: 200, challengeMatched: false });
    expect(result.error?.code).toBe('TUNNEL_TEST_FAILED');
  });

  it('recognises ngrok’s free-plan interstitial page (ERR_NGROK_6024)', async () => {
    const page =
      '<!DOCTYPE html><html><head><title>ngrok</title></head><body>You are about to visit … ' +
      'To remove this page, set the ngrok-skip-browser-warning request header. ERR_NGROK_6024</body></html>';
    const { manager } = await setup((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end(page),
    );
    const result = await manager.testConnection();
    expect(result.ok).toBe(false);
    expect(result.error?.details?.ngrokCode).toBe('ERR_NGROK_6024');
    expect(result.error?.message).toMatch(/browser warning page/);
    expect(result.error?.hint).toMatch(/Programmatic callers are unaffected/);
  });

  it('recognises an ngrok error page by its header (ERR_NGROK_8012: listener down)', async () => {
    const { manager } = await setup((_req, res) =>
      res
        .writeHead(502, { 'ngrok-error-code': 'ERR_NGROK_8012', 'content-type': 'text/html' })
        .end('<html>ngrok: Traffic was successfully tunneled but the agent failed to connect</html>'),
    );
    const result = await manager.testConnection();
    expect(result).toMatchObject({ ok: false, statusCode: 502 });
    expect(result.error).toMatchObject({
      code: 'TUNNEL_UPSTREAM_DOWN',
      details: { ngrokCode: 'ERR_NGROK_8012' },
    });
    expect(result.error?.message).toContain('http://127.0.0.1:8000');
  });

  it('recognises the SDK’s own 502 when the local listener is down', async () => {
    const { manager } = await setup((_req, res) =>
      res.writeHead(502).end('failed to dial backend: Connection refused (os error 111)'),
    );
    expect((await manager.testConnection()).error?.code).toBe('TUNNEL_UPSTREAM_DOWN');
  });

  it('times out when nothing answers', async () => {
    const { manager } = await setup(() => undefined, { testTimeoutMs: 200 });
    const result = await manager.testConnection();
    expect(result).toMatchObject({ ok: false, statusCode: null, roundTripMs: null, challengeMatched: false });
    expect(result.error?.code).toBe('TUNNEL_TEST_FAILED');
    expect(result.error?.message).toMatch(/No answer/);
  });

  it('reports a tunnel that is not online', async () => {
    const manager = new TunnelManager({
      settings: new FakeSettings(),
      log: new RecordingLogger(),
      driver: new FakeNgrokDriver(),
    });
    managers.push(manager);
    const result = await manager.testConnection();
    expect(result).toMatchObject({ ok: false, url: null, error: { code: 'TUNNEL_NOT_RUNNING' } });
  });
});
