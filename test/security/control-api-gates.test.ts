/**
 * Who may drive the panel: the control API of a real host refuses requests without the bearer token (401), with a
 * wrong one (401, for every channel, whatever the token looks like), and with a Host header that is not a loopback
 * name even when the token is right (403: DNS rebinding). The event WebSocket applies the same gates. The webhook
 * listener's port never serves the control API: /api/* there is a 404 and no channel ever runs.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { REQUEST_CHANNELS } from '../../shared/contract';
import { failedResultShape, leakedInternals, RUNS } from '../properties/support';
import { rawRequest, startTestHost, type TestHost } from './fixtures';

let t: TestHost;

beforeAll(async () => {
  t = await startTestHost();
});
afterAll(async () => {
  await t?.close();
});

const post = (channel: string, headers: Record<string, string>, body = '{}') =>
  rawRequest({
    port: t.controlPort,
    method: 'POST',
    path: `/api/${channel}`,
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });

function expectRefused(res: { status: number; body: string }, status: number, code: string) {
  expect(res.status).toBe(status);
  const parsed = JSON.parse(res.body) as unknown;
  expect(failedResultShape.safeParse(parsed).success, res.body).toBe(true);
  expect((parsed as { error: { code: string } }).error.code).toBe(code);
  expect(leakedInternals(res.body)).toBeNull();
  expect(res.body).not.toContain(t.token);
}

describe('control API: bearer token', () => {
  it('answers with the right token (the gates below are not refusing everything)', async () => {
    const res = await post('host:info', { authorization: `Bearer ${t.token}` });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ ok: true, value: { pid: process.pid } });
  });

  it.each(REQUEST_CHANNELS)('refuses %s without a token (401)', async (channel) => {
    expectRefused(await post(channel, {}), 401, 'UNAUTHORIZED');
  });

  it('refuses every channel with a wrong token, whatever it looks like (401)', async () => {
    const wrongToken = fc.oneof(
      fc.string({ minLength: 1, maxLength: 80 }).filter((s) => /^[\x21-\x7e]+$/.test(s)),
      fc.constant(t.token.slice(0, -1)),
      fc.constant(`${t.token}x`),
      fc.constant(t.token.toUpperCase()),
      fc.constant(t.token.slice(1)),
    );
    const authForm = fc.constantFrom(
      (tok: string) => `Bearer ${tok}`,
      (tok: string) => `bearer ${tok}`,
      (tok: string) => `Basic ${Buffer.from(`kreo:${tok}`).toString('base64')}`,
      (tok: string) => tok,
      () => `Bearer`,
      () => '',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...REQUEST_CHANNELS),
        wrongToken,
        authForm,
        async (channel, token, form) => {
          fc.pre(token !== t.token);
          expectRefused(await post(channel, { authorization: form(token) }), 401, 'UNAUTHORIZED');
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('does not take the token from the query string or a cookie', async () => {
    const q = await rawRequest({
      port: t.controlPort,
      method: 'POST',
      path: `/api/host:info?token=${t.token}`,
      headers: { 'content-type': 'application/json', cookie: `token=${t.token}` },
      body: '{}',
    });
    expectRefused(q, 401, 'UNAUTHORIZED');
  });
});

describe('control API: Host header (DNS rebinding)', () => {
  const foreignHosts = [
    'evil.example',
    'evil.example:80',
    `attacker.test:${0}`,
    '127.0.0.1.nip.io',
    'localhost.evil.example',
    '127.0.0.2',
    '10.0.0.1',
    '0.0.0.0',
    '192.168.1.10',
    '[::ffff:127.0.0.1]',
    'kreo.local',
    '',
  ];

  it.each(foreignHosts)('refuses Host "%s" even with the right token (403)', async (host) => {
    const res = await post('host:info', { host, authorization: `Bearer ${t.token}` });
    expectRefused(res, 403, 'FORBIDDEN');
  });

  it('refuses a loopback name with another port (a rebinding page on another local port)', async () => {
    const res = await post('host:info', {
      host: `127.0.0.1:${t.controlPort + 1}`,
      authorization: `Bearer ${t.token}`,
    });
    expectRefused(res, 403, 'FORBIDDEN');
  });

  it('refuses random Host headers that are not loopback names', async () => {
    await fc.assert(
      fc.asyncProperty(fc.domain(), fc.option(fc.integer({ min: 1, max: 65535 })), async (domain, port) => {
        fc.pre(domain !== 'localhost');
        const host = port === null ? domain : `${domain}:${port}`;
        expectRefused(
          await post('settings:get', { host, authorization: `Bearer ${t.token}` }),
          403,
          'FORBIDDEN',
        );
      }),
      { numRuns: RUNS / 3 },
    );
  });

  it('accepts localhost and 127.0.0.1 with and without the port', async () => {
    for (const host of [
      'localhost',
      '127.0.0.1',
      `localhost:${t.controlPort}`,
      `127.0.0.1:${t.controlPort}`,
    ]) {
      const res = await post('host:info', { host, authorization: `Bearer ${t.token}` });
      expect(res.status, host).toBe(200);
    }
  });
});

describe('control API: event WebSocket', () => {
  const open = (headers: Record<string, string>, protocols: string[] = []) =>
    new Promise<{ opened: boolean; status: number | null }>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${t.controlPort}/api/events`, protocols, { headers });
      ws.once('open', () => {
        ws.close();
        resolve({ opened: true, status: 101 });
      });
      ws.once('unexpected-response', (_req, res) => {
        resolve({ opened: false, status: res.statusCode ?? null });
        res.resume();
      });
      ws.once('error', () => resolve({ opened: false, status: null }));
    });

  it('opens with the token (header or subprotocol) and refuses without it, with a wrong one or a foreign Host', async () => {
    expect((await open({ authorization: `Bearer ${t.token}` })).opened).toBe(true);
    expect((await open({}, ['kreo.v1', `kreo.token.${t.token}`])).opened).toBe(true);
    expect(await open({})).toMatchObject({ opened: false });
    expect(await open({}, ['kreo.v1', 'kreo.token.wrong-token-value'])).toMatchObject({ opened: false });
    expect(await open({ authorization: 'Bearer nope' })).toMatchObject({ opened: false });
    expect(await open({ host: 'evil.example', authorization: `Bearer ${t.token}` })).toMatchObject({
      opened: false,
    });
  });
});

describe('the webhook port never serves the control API', () => {
  it('answers /api/* on the webhook listener with 404 and runs no channel, token or not', async () => {
    expect(t.host.info().listening, 'the webhook listener must be up for this test').toBe(true);
    const before = await t.call('settings:get');
    const auth = { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' };
    for (const channel of [...REQUEST_CHANNELS, 'events', '']) {
      for (const method of ['POST', 'GET']) {
        const res = await rawRequest({
          port: t.webhookPort,
          method,
          path: `/api/${channel}`,
          headers: auth,
          body: method === 'POST' ? '{}' : undefined,
        });
        expect(res.status, `${method} /api/${channel}`).toBe(404);
        expect(res.body).not.toContain('"ok":true');
        expect(leakedInternals(res.body)).toBeNull();
      }
    }
    // settings:set through the webhook port changed nothing.
    const res = await rawRequest({
      port: t.webhookPort,
      method: 'POST',
      path: '/api/settings:set',
      headers: auth,
      body: JSON.stringify({ patch: { 'log.level': 'debug' } }),
    });
    expect(res.status).toBe(404);
    expect((await t.call('settings:get')).body).toEqual(before.body);
  });

  it('keeps the two ports apart', () => {
    expect(t.controlPort).not.toBe(t.webhookPort);
  });
});
