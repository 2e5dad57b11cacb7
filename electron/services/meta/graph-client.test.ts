import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { KreoError } from '../../../shared/errors';
import { GRAPH_FAKE_DEFAULTS as D, startGraphFake, type GraphFake } from '../../../test/fakes/graph-api';
import { GraphApi } from './graph-api';
import { GraphClient } from './graph-client';
import { graphCodeInfo } from './graph-errors';

let fake: GraphFake;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function start(version = 'v26.0', extra: Partial<ConstructorParameters<typeof GraphClient>[0]> = {}) {
  fake = await startGraphFake();
  closers.push(() => fake.close());
  const client = new GraphClient({
    config: () => ({ graphBaseUrl: `${fake.url}/`, graphApiVersion: version }),
    backoffBaseMs: 5,
    backoffMaxMs: 20,
    ...extra,
  });
  return { client, api: new GraphApi(client) };
}

async function caught(p: Promise<unknown>): Promise<KreoError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(KreoError);
  return err as KreoError;
}

describe('GraphClient', () => {
  it('uses the versioned path from settings and a bearer token', async () => {
    const { api } = await start('v27.1');
    const info = await api.getPhoneNumber(D.phoneNumberId, D.token);
    expect(info.quality_rating).toBe('GREEN');
    expect(fake.state.requests.at(-1)).toMatchObject({
      version: 'v27.1',
      auth: 'user',
      path: `/${D.phoneNumberId}`,
    });
  });

  it('turns Meta error shapes into typed errors with a hint', async () => {
    const { api } = await start();
    fake.state.tokens.get(D.token)!.expiresAt = 1;
    const expired = await caught(api.getPhoneNumber(D.phoneNumberId, D.token));
    expect(expired.code).toBe('META_AUTH_FAILED');
    expect(expired.details).toMatchObject({ graphCode: 190, graphSubcode: 463, httpStatus: 401 });
    expect(expired.details?.fbtraceId).toBeTruthy();
    expect(expired.hint).toContain('meta.accessToken');

    const appTokenNeeded = await caught(api.listAppSubscriptions(D.appId, 'not-a-token'));
    expect(appTokenNeeded.code).toBe('META_AUTH_FAILED');

    fake.state.tokens.get(D.token)!.expiresAt = 0;
    fake.state.tokens.get(D.token)!.scopes = ['whatsapp_business_management'];
    const scope = await caught(
      api.sendMessage(D.phoneNumberId, D.token, {
        messaging_product: 'whatsapp',
        to: '15550001',
        type: 'text',
        text: { body: 'hi' },
      }),
    );
    expect(scope.code).toBe('META_PERMISSION_DENIED');
    expect(scope.details?.graphCode).toBe(200);

    const unknown = await caught(api.getPhoneNumber('999', D.token));
    expect(unknown).toMatchObject({ code: 'META_API_ERROR' });
    expect(unknown.details).toMatchObject({ graphCode: 100, graphSubcode: 33 });
  });

  it('names the codes users meet', () => {
    for (const code of [
      4, 10, 100, 190, 250, 80007, 130429, 131026, 131047, 131048, 131049, 131051, 131056, 132000, 132001,
    ]) {
      const info = graphCodeInfo(code);
      expect(info.hint.length, `hint for ${code}`).toBeGreaterThan(10);
    }
    expect(graphCodeInfo(130429).kind).toBe('rate');
    expect(graphCodeInfo(250).kind).toBe('permission');
    expect(graphCodeInfo(2).kind).toBe('transient');
  });

  it('retries transient failures with backoff, then succeeds', async () => {
    const { api } = await start();
    fake.failNext(
      `/${D.phoneNumberId}`,
      500,
      { message: 'Service temporarily unavailable', code: 2, isTransient: true },
      2,
    );
    const info = await api.getPhoneNumber(D.phoneNumberId, D.token);
    expect(info.id).toBe(D.phoneNumberId);
    expect(fake.state.requests.filter((r) => r.path === `/${D.phoneNumberId}`).map((r) => r.status)).toEqual([
      500, 500, 200,
    ]);
  });

  it('waits the shared equal-jitter backoff between retries (doubling, capped)', async () => {
    const waits: number[] = [];
    const { api } = await start('v26.0', {
      retries: 4,
      backoffBaseMs: 100,
      backoffMaxMs: 300,
      sleep: async (ms) => void waits.push(ms),
    });
    fake.failNext(`/${D.phoneNumberId}`, 500, { message: 'busy', code: 2, isTransient: true }, 4);
    await api.getPhoneNumber(D.phoneNumberId, D.token);
    const caps = [100, 200, 300, 300];
    expect(waits).toHaveLength(4);
    waits.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(caps[i]! / 2);
      expect(ms).toBeLessThanOrEqual(caps[i]!);
    });
  });

  it('gives up after the retries and reports Meta unreachable for bare 5xx pages', async () => {
    const { api } = await start('v26.0', { retries: 1 });
    fake.addFault({ path: `/${D.phoneNumberId}`, raw: { status: 502, body: '<html>Bad Gateway</html>' } });
    const err = await caught(api.getPhoneNumber(D.phoneNumberId, D.token));
    expect(err.code).toBe('META_UNREACHABLE');
    expect(fake.state.requests.filter((r) => r.path === `/${D.phoneNumberId}`)).toHaveLength(2);
  });

  it('does not retry sends (the sender decides) nor non-transient errors', async () => {
    const { api } = await start();
    fake.failNext(/messages$/, 500, { message: 'x', code: 2, isTransient: true }, 1);
    await caught(
      api.sendMessage(D.phoneNumberId, D.token, {
        messaging_product: 'whatsapp',
        to: '1555000111',
        text: { body: 'a' },
      }),
    );
    expect(fake.state.requests.filter((r) => r.path.endsWith('/messages'))).toHaveLength(1);
    fake.failNext(`/${D.phoneNumberId}`, 400, { message: 'bad', code: 100 }, 5);
    await caught(api.getPhoneNumber(D.phoneNumberId, D.token));
    expect(fake.state.requests.filter((r) => r.path === `/${D.phoneNumberId}`)).toHaveLength(1);
  });

  it('times out a silent server and reports META_UNREACHABLE', async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    closers.push(
      () =>
        new Promise<void>((r) => {
          silent.close(() => r());
          silent.closeAllConnections();
        }),
    );
    const port = (silent.address() as AddressInfo).port;
    const client = new GraphClient({
      config: () => ({ graphBaseUrl: `http://127.0.0.1:${port}`, graphApiVersion: 'v26.0' }),
      timeoutMs: 150,
      retries: 1,
      backoffBaseMs: 5,
    });
    const started = Date.now();
    const err = await caught(client.request({ method: 'GET', path: '/x', token: 't', schema: z.object({}) }));
    expect(err.code).toBe('META_UNREACHABLE');
    expect(err.details?.network).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('validates answers with zod', async () => {
    const { client } = await start();
    const err = await caught(
      client.request({
        method: 'GET',
        path: `/${D.phoneNumberId}`,
        token: D.token,
        schema: z.object({ not_there: z.string() }),
      }),
    );
    expect(err.code).toBe('META_API_ERROR');
    expect(err.message).toContain('unexpected shape');
  });

  it('refuses an unversioned base path like Meta', async () => {
    const { client } = await start('v26.0');
    const res = await fetch(`${fake.url}/${D.phoneNumberId}`, {
      headers: { authorization: `Bearer ${D.token}` },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: number } }).error.code).toBe(2635);
    expect(client.url('/x').pathname).toBe('/v26.0/x');
  });
});
