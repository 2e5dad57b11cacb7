import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MemorySettings } from '../meta/test-support';
import { PROBE_HEADER } from '../tunnel/handshake';
import { createListenerProbe } from './health-probes';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function listener(): Promise<{ port: number; seen: http.IncomingMessage[] }> {
  const seen: http.IncomingMessage[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req);
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.searchParams.get('hub.verify_token') !== 'v-token') return void res.writeHead(403).end('no');
    res.writeHead(200).end(url.searchParams.get('hub.challenge') ?? '');
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, seen };
}

describe('createListenerProbe', () => {
  it('sends the handshake marked as the health probe, at the wildcard listener’s loopback address', async () => {
    const { port, seen } = await listener();
    const settings = new MemorySettings({
      server: { host: '0.0.0.0', port },
      meta: { verifyToken: 'v-token' },
    });
    const r = await createListenerProbe({ settings })();
    expect(r).toMatchObject({
      listening: true,
      handshakeOk: true,
      statusCode: 200,
      url: `http://127.0.0.1:${port}/webhook`,
    });
    expect(seen[0]?.headers[PROBE_HEADER]).toBe('health');
    expect(seen[0]?.url).toMatch(/^\/webhook\?/);
  });

  it('tells a listener with another verify token from one that does not answer', async () => {
    const { port } = await listener();
    const settings = new MemorySettings({ server: { port }, meta: { verifyToken: 'other' } });
    expect(await createListenerProbe({ settings })()).toMatchObject({
      listening: true,
      handshakeOk: false,
      statusCode: 403,
    });
    servers[0]!.closeAllConnections();
    await new Promise((r) => servers.splice(0)[0]!.close(r));
    expect(await createListenerProbe({ settings })()).toMatchObject({
      listening: false,
      handshakeOk: null,
      error: 'ECONNREFUSED',
    });
  });

  it('brackets an IPv6 bind address and reports an unbound listener without asking it', async () => {
    const settings = new MemorySettings({ server: { host: '::', port: 8123 } });
    const r = await createListenerProbe({ settings, address: () => null, bindError: () => 'EADDRINUSE' })();
    expect(r).toEqual({
      listening: false,
      handshakeOk: null,
      url: 'http://[::1]:8123/webhook',
      statusCode: null,
      latencyMs: null,
      error: 'EADDRINUSE',
    });
  });
});
