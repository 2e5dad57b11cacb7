import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/net';
import { fetchFailureOf, readBodyCapped } from './http';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe('readBodyCapped', () => {
  it('reads a small body whole', async () => {
    const url = await serve((_req, res) => res.end('hello'));
    expect(await readBodyCapped(await fetch(url), 1024)).toBe('hello');
  });

  it('stops at the bound on a body that never ends', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200);
      const chunk = 'x'.repeat(4096);
      const timer = setInterval(() => res.write(chunk), 1);
      res.on('close', () => clearInterval(timer));
    });
    const text = await readBodyCapped(await fetch(url), 10_000);
    expect(text).toHaveLength(10_000);
  });

  it('answers empty text for a response without a body', async () => {
    expect(await readBodyCapped(new Response(null, { status: 204 }), 10)).toBe('');
  });
});

describe('fetchFailureOf', () => {
  it('tells a timeout from a network error and names the network code', async () => {
    const silent = await serve(() => undefined);
    const timeout = await fetch(silent, { signal: AbortSignal.timeout(50) }).catch((e: unknown) => e);
    expect(fetchFailureOf(timeout)).toMatchObject({ timedOut: true });
    const refused = await fetch(`http://127.0.0.1:${await freePort()}/`).catch((e: unknown) => e);
    expect(fetchFailureOf(refused)).toEqual({ timedOut: false, reason: 'ECONNREFUSED' });
    expect(fetchFailureOf(new Error('boom'))).toEqual({ timedOut: false, reason: 'boom' });
  });
});
