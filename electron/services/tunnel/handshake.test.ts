import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  handshakeUrl,
  HANDSHAKE_BODY_LIMIT,
  ngrokPageOf,
  PROBE_HEADER,
  sendHandshake,
  type HandshakeRequest,
} from './handshake';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => void;

async function serve(handler: Handler): Promise<{ base: string; seen: http.IncomingMessage[] }> {
  const seen: http.IncomingMessage[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req);
    handler(req, res, new URL(req.url ?? '/', 'http://x'));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const echo: Handler = (_req, res, url) =>
  void res.writeHead(200, { 'content-type': 'text/plain' }).end(url.searchParams.get('hub.challenge') ?? '');

const request = (url: string, extra: Partial<HandshakeRequest> = {}): HandshakeRequest => ({
  url,
  verifyToken: 'tok en/42',
  fetch: (input, init) => fetch(input, init),
  timeoutMs: 2_000,
  probe: 'health',
  ...extra,
});

describe('sendHandshake', () => {
  it('sends Meta’s parameters with a random challenge, says who asks, and accepts the echo', async () => {
    const { base, seen } = await serve(echo);
    const outcome = await sendHandshake(request(`${base}/webhook?keep=1`));
    expect(outcome).toMatchObject({
      kind: 'answer',
      status: 200,
      ok: true,
      challengeMatched: true,
      ngrok: null,
      shownUrl: `${base}/webhook`,
    });
    const url = new URL(seen[0]!.url!, base);
    expect(url.pathname).toBe('/webhook');
    expect(url.searchParams.get('keep')).toBe('1');
    expect(url.searchParams.get('hub.mode')).toBe('subscribe');
    expect(url.searchParams.get('hub.verify_token')).toBe('tok en/42');
    expect(url.searchParams.get('hub.challenge')).toMatch(/^\d{10}$/);
    expect(seen[0]!.headers[PROBE_HEADER]).toBe('health');
    expect(seen[0]!.headers['user-agent']).toBe('facebookexternalua');
    // The verify token never leaves in what is reported.
    expect(JSON.stringify({ ...outcome, headers: null })).not.toContain('tok');
  });

  it('does not accept a challenge with extra text around it, or a redirect', async () => {
    const padded = await serve((_req, res, url) => res.end(`${url.searchParams.get('hub.challenge')}\n`));
    expect(await sendHandshake(request(padded.base))).toMatchObject({ ok: false, challengeMatched: false });
    const moved = await serve((_req, res) => res.writeHead(302, { location: '/elsewhere' }).end());
    expect(await sendHandshake(request(moved.base))).toMatchObject({
      kind: 'answer',
      status: 302,
      ok: false,
    });
  });

  it('reads at most 64 KiB of an endless answer', async () => {
    const { base } = await serve((_req, res) => {
      res.writeHead(200);
      const timer = setInterval(() => res.write('y'.repeat(8192)), 1);
      res.on('close', () => clearInterval(timer));
    });
    const outcome = await sendHandshake(request(base));
    expect(outcome.kind === 'answer' && outcome.body.length).toBe(HANDSHAKE_BODY_LIMIT);
  });

  it('reports a refused connection and a timeout as failures', async () => {
    const { base } = await serve(() => undefined);
    const slow = await sendHandshake(request(base, { timeoutMs: 100 }));
    expect(slow).toMatchObject({ kind: 'failure', timedOut: true });
    servers[0]!.closeAllConnections();
    await new Promise((r) => servers.splice(0)[0]!.close(r));
    const refused = await sendHandshake(request(base));
    expect(refused).toMatchObject({ kind: 'failure', timedOut: false, reason: 'ECONNREFUSED' });
  });

  it('recognises an ngrok page that answered instead of the listener', async () => {
    const { base } = await serve((_req, res) =>
      res.writeHead(502, { 'ngrok-error-code': 'ERR_NGROK_8012' }).end('<html>ngrok</html>'),
    );
    const outcome = await sendHandshake(request(base));
    expect(outcome).toMatchObject({ ok: false, ngrok: { code: 'ERR_NGROK_8012', kind: 'upstream_down' } });
  });
});

describe('handshakeUrl', () => {
  it('adds the hub parameters to the callback URL', () => {
    const url = handshakeUrl('https://a.ngrok-free.app/webhook', 't k', '123');
    expect(url.origin + url.pathname).toBe('https://a.ngrok-free.app/webhook');
    expect(url.searchParams.get('hub.verify_token')).toBe('t k');
    expect(url.searchParams.get('hub.mode')).toBe('subscribe');
    expect(url.searchParams.get('hub.challenge')).toBe('123');
  });
});

describe('ngrokPageOf', () => {
  const h = (init: Record<string, string> = {}) => new Headers(init);

  it('reads the code from the ngrok-error-code header', () => {
    expect(ngrokPageOf(h({ 'ngrok-error-code': 'ERR_NGROK_3200' }), '')).toEqual({
      code: 'ERR_NGROK_3200',
      kind: 'tunnel',
    });
    expect(ngrokPageOf(h({ 'ngrok-error-code': ' ERR_NGROK_3004 ' }), '')).toEqual({
      code: 'ERR_NGROK_3004',
      kind: 'upstream_down',
    });
    expect(ngrokPageOf(h({ 'ngrok-error-code': 'nonsense' }), '')).toBeNull();
  });

  it('recognises the browser warning page and ngrok-branded bodies', () => {
    const warning =
      '<!DOCTYPE html><html><title>ngrok</title>set the ngrok-skip-browser-warning request header</html>';
    expect(ngrokPageOf(h(), warning)).toEqual({ code: 'ERR_NGROK_6024', kind: 'interstitial' });
    expect(ngrokPageOf(h(), '<html>ngrok: the endpoint is offline. ERR_NGROK_3200</html>')).toEqual({
      code: 'ERR_NGROK_3200',
      kind: 'tunnel',
    });
  });

  it('does not mistake other answers for an ngrok page', () => {
    expect(ngrokPageOf(h(), '123456')).toBeNull();
    expect(ngrokPageOf(h(), '<html>You are about to visit…</html>')).toBeNull();
    // An app that merely quotes a code (no ngrok branding) is not ngrok.
    expect(ngrokPageOf(h(), '{"error":"ERR_NGROK_8012"}')).toBeNull();
  });
});
