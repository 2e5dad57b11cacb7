import { WebSocket } from 'ws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { waitFor } from '../../../test/support/wait';
import { stoppedTunnelStatus, type TunnelStatus } from '../../../shared/domain/tunnel';
import { KreoError } from '../../../shared/errors';
import { EventBus } from '../core/event-bus';
import { createInvoke } from '../host/invoke';
import { completeHandlers } from '../host/placeholders';
import { buildControlServer } from './control-server';
import { WS_PROTOCOL, WS_TOKEN_PREFIX } from './guards';

const TOKEN = 'test-token-0123456789abcdefghijkl';

const status = stoppedTunnelStatus('http://127.0.0.1:8000');

function makeInvoke(calls: unknown[]) {
  const { handlers } = completeHandlers([
    {
      'tunnel:status': async () => status,
      'tunnel:start': async (input) => {
        calls.push(input);
        return {
          ...status,
          state: 'online',
          url: 'https://x.ngrok-free.app',
          extra: 'dropped',
        } as TunnelStatus;
      },
      'tunnel:stop': async () => {
        throw new KreoError('TUNNEL_BUSY', undefined, 'Wait for the start to finish.');
      },
      'tunnel:restart': async () => {
        throw new Error('secret internals at /home/x');
      },
    },
  ]);
  return createInvoke(handlers);
}

describe('control server (inject)', () => {
  let app: FastifyInstance;
  let calls: unknown[];
  let bus: EventBus;

  beforeEach(async () => {
    calls = [];
    bus = new EventBus();
    app = await buildControlServer({ invoke: makeInvoke(calls), bus, token: TOKEN, port: () => 4321 });
  });
  afterEach(async () => {
    await app.close();
  });

  const post = (channel: string, body: unknown, headers: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url: `/api/${channel}`,
      headers: {
        host: '127.0.0.1:4321',
        authorization: `Bearer ${TOKEN}`,
        'content-type': 'application/json',
        ...headers,
      },
      payload: body === undefined ? '' : JSON.stringify(body),
    });

  it('refuses a request without the token with 401', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/tunnel:status',
      headers: { host: '127.0.0.1:4321' },
    });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
  });

  it('refuses a wrong token with 401', async () => {
    const res = await post('tunnel:status', {}, { authorization: 'Bearer nope' });
    expect(res.statusCode).toBe(401);
  });

  it('refuses a foreign Host header with 403 even with the token', async () => {
    for (const host of ['evil.example:4321', 'attacker.com', '127.0.0.1.nip.io:4321', '127.0.0.1:9999']) {
      const res = await post('tunnel:status', {}, { host });
      expect(res.statusCode, host).toBe(403);
      expect(res.json().error.code).toBe('FORBIDDEN');
    }
    for (const host of ['localhost:4321', '[::1]:4321', '127.0.0.1']) {
      expect((await post('tunnel:status', {}, { host })).statusCode, host).toBe(200);
    }
  });

  it('dispatches a channel and strips fields the contract does not name', async () => {
    const res = await post('tunnel:start', { port: 9001, subdomain: 'my-app' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      ok: true,
      value: { ...status, state: 'online', url: 'https://x.ngrok-free.app' },
    });
    expect(calls).toEqual([{ port: 9001, subdomain: 'my-app' }]);
  });

  it('treats an empty body as no input', async () => {
    const res = await post('tunnel:status', undefined);
    expect(res.statusCode).toBe(200);
  });

  it('answers bad input with 400 naming the field, without a stack', async () => {
    const res = await post('tunnel:start', { port: 'abc' });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error.code).toBe('INVALID_ARGUMENT');
    expect(body.error.message).toContain('port');
    expect(body.error.details.issues[0].path).toBe('port');
    expect(res.body).not.toMatch(/\bat .*\.ts:\d+/);
    expect(calls).toEqual([]);
  });

  it('answers invalid JSON with 400 and an unknown channel with 404', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/tunnel:status',
      headers: {
        host: '127.0.0.1:4321',
        authorization: `Bearer ${TOKEN}`,
        'content-type': 'application/json',
      },
      payload: '{nope',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toBe('The body is not valid JSON.');
    const unknown = await post('tunnel:fly', {});
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('NOT_FOUND');
  });

  it('maps error codes to statuses and hides internal errors', async () => {
    const busy = await post('tunnel:stop', {});
    expect(busy.statusCode).toBe(409);
    expect(busy.json()).toEqual({
      ok: false,
      error: { code: 'TUNNEL_BUSY', message: expect.any(String), hint: 'Wait for the start to finish.' },
    });
    const internal = await post('tunnel:restart', {});
    expect(internal.statusCode).toBe(500);
    expect(internal.json().error.code).toBe('INTERNAL');
    expect(internal.body).not.toContain('secret internals');
    const missing = await post('health:run', {});
    expect(missing.statusCode).toBe(503);
    expect(missing.json().error.code).toBe('UNAVAILABLE');
  });

  it('serves a hint at / when the renderer is not built, without a token', async () => {
    const res = await app.inject({ method: 'GET', url: '/', headers: { host: 'localhost:4321' } });
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain('npm run build');
  });
});

describe('control server event socket (listening)', () => {
  let app: FastifyInstance;
  let bus: EventBus;
  let port: number;
  const sockets: WebSocket[] = [];

  beforeEach(async () => {
    bus = new EventBus();
    app = await buildControlServer({
      invoke: makeInvoke([]),
      bus,
      token: TOKEN,
      port: () => port,
      batchIntervalMs: 30,
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as { port: number }).port;
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.terminate();
    await app.close();
  });

  function connect(protocols: string[], headers: Record<string, string> = {}) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/events`, protocols, { headers });
    sockets.push(ws);
    const messages: { event: string; payload: unknown }[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(d.toString())));
    const opened = new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
    return { ws, messages, opened };
  }

  it('pushes bus events to a client holding the token in the Authorization header', async () => {
    const { opened, messages } = connect([WS_PROTOCOL], { authorization: `Bearer ${TOKEN}` });
    await opened;
    bus.publish('tunnel:status', status);
    await waitFor(() => messages.length === 1, { timeoutMs: 3000, everyMs: 10 });
    expect(messages[0]).toEqual({ event: 'tunnel:status', payload: status });
  });

  it('accepts the token as a subprotocol and answers with the plain protocol only', async () => {
    const { ws, opened } = connect([WS_PROTOCOL, `${WS_TOKEN_PREFIX}${TOKEN}`]);
    await opened;
    expect(ws.protocol).toBe(WS_PROTOCOL);
  });

  it('refuses the socket without the token or with a foreign Host', async () => {
    await expect(connect([WS_PROTOCOL]).opened).rejects.toThrow('HTTP 401');
    await expect(connect([WS_PROTOCOL, `${WS_TOKEN_PREFIX}wrong-token-xxxxxxxx`]).opened).rejects.toThrow(
      'HTTP 401',
    );
    await expect(
      connect([WS_PROTOCOL], { authorization: `Bearer ${TOKEN}`, host: `rebind.example:${port}` }).opened,
    ).rejects.toThrow('HTTP 403');
  });

  it('batches high-rate events into few messages without losing any', async () => {
    const { opened, messages } = connect([WS_PROTOCOL], { authorization: `Bearer ${TOKEN}` });
    await opened;
    const line = (i: number) => ({
      file: 'ngrok' as const,
      time: new Date().toISOString(),
      level: 'INFO' as const,
      msg: `line ${i}`,
      raw: '{}',
    });
    for (let i = 0; i < 500; i++) bus.publish('logs:lines', { file: 'ngrok', lines: [line(i)] });
    const received = () =>
      messages.flatMap((m) => (m.event === 'logs:lines' ? (m.payload as { lines: unknown[] }).lines : []));
    await waitFor(() => received().length === 500, { timeoutMs: 3000, everyMs: 10 });
    expect(messages.length).toBeLessThan(10);
    expect((received() as { msg: string }[]).map((l) => l.msg)).toEqual(
      Array.from({ length: 500 }, (_, i) => `line ${i}`),
    );
  });
});
