import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PROBE_HEADER } from '../tunnel/handshake';
import { checkSignature } from '../webhook/signature';
import { PREFLIGHT_HEADER, runPreflight } from './preflight';

const SECRET = 'app-secret-1234';
const VERIFY = 'verify-pre-0001';
type Handler = (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse, url: URL) => void;

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function serve(handler: Handler): Promise<{ url: string; seen: http.IncomingMessage[] }> {
  const seen: http.IncomingMessage[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, Buffer.concat(chunks), res, new URL(req.url ?? '/', 'http://x')));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`, seen };
}

/** Answers like the panel's listener: the challenge for the right token, 200 for a well-signed POST. */
const listenerLike: Handler = (req, body, res, url) => {
  if (req.method === 'GET') {
    if (url.searchParams.get('hub.verify_token') !== VERIFY) return void res.writeHead(403).end();
    return void res.writeHead(200).end(url.searchParams.get('hub.challenge'));
  }
  const valid = checkSignature(SECRET, req.headers['x-hub-signature-256'], body) === 'valid';
  res.writeHead(valid ? 200 : 401).end(valid ? '{"ok":true}' : 'bad signature');
};

const run = (callbackUrl: string, budgetMs = 2_000) =>
  runPreflight({
    callbackUrl,
    verifyToken: VERIFY,
    appSecret: SECRET,
    fetch: (input, init) => fetch(input, init),
    budgetMs,
  });

describe('runPreflight', () => {
  it('passes a listener that echoes the challenge and accepts the signed POST; both requests are marked', async () => {
    const { url, seen } = await serve(listenerLike);
    const report = await run(url);
    expect(report).toMatchObject({ ok: true, handshake: { ok: true, statusCode: 200 }, post: { ok: true } });
    expect(seen[0]?.headers[PROBE_HEADER]).toBe('preflight');
    expect(seen[0]?.headers['user-agent']).toBe('facebookexternalua');
    expect(seen[1]?.headers[PREFLIGHT_HEADER]).toBeTruthy();
  });

  it('reads ngrok’s pages with the tunnel’s classifier', async () => {
    const page = (code: string, status: number) =>
      serve((_req, _body, res) =>
        res
          .writeHead(status, { 'ngrok-error-code': code, 'content-type': 'text/html' })
          .end('<html>ngrok</html>'),
      );
    const upstream = await run((await page('ERR_NGROK_8012', 502)).url);
    expect(upstream.handshake.cause).toBe('listener_down');
    const offline = await run((await page('ERR_NGROK_3200', 404)).url);
    expect(offline.handshake.cause).toBe('tunnel_down');
    const warning = await run((await page('ERR_NGROK_6024', 200)).url);
    expect(warning.handshake.cause).toBe('interstitial');
  });

  it('does not blame the tunnel for an app that only quotes an ngrok code', async () => {
    const { url } = await serve((_req, _body, res) => res.writeHead(403).end('{"error":"ERR_NGROK_3200"}'));
    expect((await run(url)).handshake.cause).toBe('wrong_verify_token');
  });

  it('reads a bounded part of a huge answer to the POST', async () => {
    const { url } = await serve((req, body, res, u) => {
      if (req.method === 'GET') return listenerLike(req, body, res, u);
      res.writeHead(500);
      const timer = setInterval(() => res.write('z'.repeat(8192)), 1);
      res.on('close', () => clearInterval(timer));
    });
    const report = await run(url);
    expect(report.post).toMatchObject({ ok: false, statusCode: 500, cause: 'listener_error' });
    expect(report.post?.detail).toHaveLength(120);
  });

  it('names a refused connection', async () => {
    const { url } = await serve(listenerLike);
    servers[0]!.closeAllConnections();
    await new Promise((r) => servers.splice(0)[0]!.close(r));
    const report = await run(url);
    expect(report.handshake).toMatchObject({ ok: false, statusCode: null, cause: 'tunnel_down' });
    expect(report.handshake.detail).toContain('ECONNREFUSED');
  });
});
