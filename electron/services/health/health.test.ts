import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HealthCheckName, HealthReport, WebhookStatus } from '../../../shared/domain/meta';
import { startCallbackServer, type CallbackServer } from '../../../test/fakes/graph-api/callback-server';
import { GRAPH_FAKE_DEFAULTS as D, startGraphFake, type GraphFake } from '../../../test/fakes/graph-api';
import { EventBus } from '../core/event-bus';
import { closeRedisClient, createRedisClient } from '../core/redis-client';
import { GraphApi } from '../meta/graph-api';
import { GraphClient } from '../meta/graph-client';
import { createDiskProbe, createListenerProbe, createRedisProbe } from './health-probes';
import { createHealthService } from './create-health';
import { HealthService, type HealthDeps, type HealthProbes } from './health-service';
import {
  FakeTunnel,
  MemorySettings,
  startRedisServer,
  waitFor,
  type RedisServer,
  graphFakeMeta,
} from '../meta/test-support';

const VERIFY = 'verify-health-0001';
let redis: RedisServer;
let dir: string;
let fake: GraphFake;
let cb: CallbackServer;
let settings: MemorySettings & { secretsBackend: 'keychain' | 'file' };
let tunnel: FakeTunnel;
let webhook: WebhookStatus;
let bus: EventBus;
const services: HealthService[] = [];
const redisProbes: ReturnType<typeof createRedisProbe>[] = [];
/** A Redis probe closed after the test (each keeps its connection open across runs). */
const redisProbe = (backlog: number) => {
  const probe = createRedisProbe({ settings, backlog: () => backlog });
  redisProbes.push(probe);
  return probe;
};

beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kreo-health-'));
  fake = await startGraphFake({
    tokens: [
      {
        token: D.token,
        scopes: ['whatsapp_business_messaging', 'whatsapp_business_management'],
        expiresAt: 0,
      },
    ],
  });
  cb = await startCallbackServer({ verifyToken: VERIFY, appSecret: D.appSecret });
  settings = Object.assign(
    new MemorySettings({
      meta: graphFakeMeta(fake.url, VERIFY),
      ngrok: { authtoken: 'abc123' },
      redis: { url: redis.url },
      server: { port: Number(new URL(cb.url).port) },
    }),
    { secretsBackend: 'keychain' as 'keychain' | 'file' },
  );
  tunnel = new FakeTunnel();
  tunnel.online('https://abc.ngrok-free.app');
  webhook = {
    registered: true,
    registeredAt: '2026-11-28T10:00:00.000Z',
    registeredUrl: 'https://abc.ngrok-free.app/webhook',
    expectedUrl: 'https://abc.ngrok-free.app/webhook',
    metaUrl: 'https://abc.ngrok-free.app/webhook',
    matches: true,
    scope: 'app',
    previousUrl: null,
  };
  bus = new EventBus();
});

afterEach(async () => {
  for (const s of services.splice(0)) s.dispose();
  for (const p of redisProbes.splice(0)) p.dispose();
  await fake.close();
  await cb.close();
  await rm(dir, { recursive: true, force: true });
});

function service(extra: Partial<HealthDeps> = {}, probes: HealthProbes = {}) {
  const svc = new HealthService({
    settings,
    graph: new GraphApi(new GraphClient({ config: () => settings.get().meta, retries: 0 })),
    tunnel,
    webhookStatus: async () => ({
      ...webhook,
      expectedUrl: tunnel.status().url ? webhook.expectedUrl : null,
    }),
    probes: {
      redis: redisProbe(0),
      store: createDiskProbe(dir),
      listener: createListenerProbe({ settings }),
      ...probes,
    },
    bus,
    intervalMs: 0,
    ...extra,
  });
  services.push(svc);
  return svc;
}

const check = (r: HealthReport, name: HealthCheckName) => r.checks.find((c) => c.name === name)!;

describe('HealthService', () => {
  it('reports every check ok when all is well, and publishes only when something changes', async () => {
    const published: HealthReport[] = [];
    bus.subscribe((m) => m.event === 'health:changed' && published.push(m.payload as HealthReport));
    const svc = service();
    expect(svc.get()).toBeNull();
    const report = await svc.run();
    expect(report.checks.map((c) => [c.name, c.state])).toEqual([
      ['meta', 'ok'],
      ['redis', 'ok'],
      ['tunnel', 'ok'],
      ['webhook', 'ok'],
      ['listener', 'ok'],
      ['store', 'ok'],
      ['secrets', 'ok'],
    ]);
    expect(report.overall).toBe('ok');
    expect(check(report, 'meta').detail).toContain('quality rating GREEN');
    expect(check(report, 'meta').data?.scopes).toEqual([
      'whatsapp_business_messaging',
      'whatsapp_business_management',
    ]);
    expect(check(report, 'redis').data).toMatchObject({ streamLength: 0, backlog: 0 });
    expect(check(report, 'tunnel').data?.roundTripMs).toBe(42);
    expect(svc.get()).toEqual(report);
    await svc.run();
    expect(published).toHaveLength(1);
  });

  it('says not_configured for what is not set up', async () => {
    await settings.update({
      'meta.accessToken': '',
      'meta.appId': '',
      'redis.url': '',
      'ngrok.authtoken': '',
    });
    tunnel.stopped();
    const report = await service().run();
    for (const name of ['meta', 'redis', 'tunnel', 'webhook'] as const) {
      expect(check(report, name).state, name).toBe('not_configured');
      expect(check(report, name).hint, name).toBeTruthy();
    }
  });

  it('fails the meta check for an expired token, missing scopes or a RED number; warns before expiry', async () => {
    const token = fake.state.tokens.get(D.token)!;
    token.expiresAt = Math.floor(Date.now() / 1000) - 60;
    let meta = check(await service().run(), 'meta');
    expect(meta.state).toBe('failed');
    expect(meta.detail).toContain('not valid');
    expect(meta.hint).toContain('meta.accessToken');

    token.expiresAt = Math.floor(Date.now() / 1000) + 3 * 86_400;
    meta = check(await service().run(), 'meta');
    expect(meta.state).toBe('warning');
    expect(meta.detail).toContain('expires within 3 day(s)');

    token.expiresAt = 0;
    token.scopes = ['whatsapp_business_management'];
    meta = check(await service().run(), 'meta');
    expect(meta.state).toBe('failed');
    expect(meta.detail).toContain('lacks whatsapp_business_messaging');

    token.scopes = ['whatsapp_business_messaging', 'whatsapp_business_management'];
    fake.state.qualityRating = 'YELLOW';
    expect(check(await service().run(), 'meta').state).toBe('warning');
    fake.state.qualityRating = 'RED';
    const report = await service().run();
    expect(check(report, 'meta').state).toBe('failed');
    expect(report.overall).toBe('failed');

    fake.state.qualityRating = 'GREEN';
    await settings.update({ 'meta.appSecret': 'wrongsecret' });
    meta = check(await service().run(), 'meta');
    expect(meta.state).toBe('failed');
    expect(meta.detail).toContain('Checking the token failed');
  });

  it('fails redis when it does not answer and warns about a backlog', async () => {
    await settings.update({ 'redis.url': 'redis://127.0.0.1:1/0' });
    const down = check(await service().run(), 'redis');
    expect(down.state).toBe('failed');
    expect(down.detail).toContain('redis://127.0.0.1:1/0');
    await settings.update({ 'redis.url': redis.url });
    const backlog = check(await service({}, { redis: redisProbe(12) }).run(), 'redis');
    expect(backlog.state).toBe('warning');
    expect(backlog.data?.backlog).toBe(12);
  });

  /** Connections the health probe holds (by their name), and all ever made to this server. */
  async function redisCounts(observer: ReturnType<typeof createRedisClient>) {
    const list = String(await observer.client('LIST'));
    const received = /total_connections_received:(\d+)/.exec(await observer.info('stats'))![1];
    return { health: (list.match(/ name=kreo-health /g) ?? []).length, received: Number(received) };
  }

  it('keeps one Redis connection across runs, opens it again when it drops, and closes it when disposed', async () => {
    const observer = createRedisClient(redis.url);
    try {
      await observer.connect();
      await waitFor(async () => (await redisCounts(observer)).health === 0);
      const before = (await redisCounts(observer)).received;
      const probe = redisProbe(0);
      for (let i = 0; i < 3; i++) expect((await probe()).reachable).toBe(true);
      expect(await redisCounts(observer)).toEqual({ health: 1, received: before + 1 });

      await observer.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
      await waitFor(async () => (await probe()).reachable);
      expect(await redisCounts(observer)).toEqual({ health: 1, received: before + 2 });

      probe.dispose();
      await waitFor(async () => (await redisCounts(observer)).health === 0);
      expect(await probe()).toMatchObject({ reachable: false, error: 'health checks have stopped' });
    } finally {
      closeRedisClient(observer);
    }
  });

  it('closes the default Redis probe’s connection with the service', async () => {
    const observer = createRedisClient(redis.url);
    try {
      await observer.connect();
      await waitFor(async () => (await redisCounts(observer)).health === 0);
      const svc = createHealthService({
        settings,
        graph: new GraphApi(new GraphClient({ config: () => settings.get().meta, retries: 0 })),
        tunnel,
        webhookStatus: async () => webhook,
        dataDir: dir,
        intervalMs: 0,
      });
      services.push(svc);
      expect(check(await svc.run(), 'redis').state).toBe('ok');
      expect((await redisCounts(observer)).health).toBe(1);
      svc.dispose();
      await waitFor(async () => (await redisCounts(observer)).health === 0);
    } finally {
      closeRedisClient(observer);
    }
  });

  it('never shows the password of redis.url', async () => {
    await settings.update({ 'redis.url': 'redis://:hunter2secret@127.0.0.1:1/0' });
    const down = check(await service().run(), 'redis');
    expect(down.state).toBe('failed');
    expect(down.detail).toContain('redis://127.0.0.1:1/0');
    expect(JSON.stringify(down)).not.toContain('hunter2secret');
  });

  it('reports the tunnel state and a failed round trip', async () => {
    tunnel.stopped();
    expect(check(await service().run(), 'tunnel').state).toBe('warning');
    tunnel.set({
      state: 'error',
      lastError: { code: 'TUNNEL_AUTH_INVALID', message: 'ngrok refused the authtoken', hint: 'Check it' },
    });
    const err = check(await service().run(), 'tunnel');
    expect(err).toMatchObject({ state: 'failed', hint: 'Check it' });
    tunnel.online('https://abc.ngrok-free.app');
    tunnel.testResult = {
      ...tunnel.testResult,
      ok: false,
      challengeMatched: false,
      error: { code: 'TUNNEL_UPSTREAM_DOWN', message: 'upstream down' },
    };
    expect(check(await service().run(), 'tunnel').state).toBe('failed');
  });

  it('fails the webhook check on a mismatch or when the tunnel is down', async () => {
    webhook = { ...webhook, metaUrl: 'https://prod.example.com/hook', matches: false };
    const mismatch = check(await service().run(), 'webhook');
    expect(mismatch.state).toBe('failed');
    expect(mismatch.detail).toContain('https://prod.example.com/hook');
    webhook = { ...webhook, matches: null };
    tunnel.stopped();
    const down = check(await service().run(), 'webhook');
    expect(down.state).toBe('failed');
    expect(down.hint).toContain('unregister');
  });

  it('fails the listener when nothing answers, and the store when it cannot write', async () => {
    await cb.close();
    const report = await service(
      {},
      {
        store: async () => ({
          path: '/data',
          freeBytes: 10 * 1024 ** 3,
          totalBytes: 20 * 1024 ** 3,
          writable: false,
        }),
      },
    ).run();
    expect(check(report, 'listener').state).toBe('failed');
    expect(check(report, 'store').state).toBe('failed');
    const low = await service(
      {},
      {
        store: async () => ({ path: '/d', freeBytes: 1024 ** 3, totalBytes: 8 * 1024 ** 3, writable: true }),
      },
    ).run();
    expect(check(low, 'store').state).toBe('warning');
  });

  it('reports where secrets are kept and loose file permissions', async () => {
    settings.secretsBackend = 'file';
    const file = path.join(dir, 'secrets.json');
    await writeFile(file, '{}', { mode: 0o600 });
    await chmod(file, 0o600);
    expect(check(await service({ secretsFile: file }).run(), 'secrets')).toMatchObject({
      state: 'ok',
      data: { backend: 'file' },
    });
    await chmod(file, 0o644);
    const loose = check(await service({ secretsFile: file }).run(), 'secrets');
    expect(loose.state).toBe('failed');
    expect(loose.hint).toContain('chmod 600');
  });

  it('bounds a hanging check and runs on an interval, publishing changes', async () => {
    const report = await service(
      { checkTimeoutMs: 100 },
      { store: () => new Promise(() => undefined) },
    ).run();
    expect(check(report, 'store')).toMatchObject({ state: 'failed' });
    expect(check(report, 'store').detail).toContain('did not finish');

    const published: HealthReport[] = [];
    bus.subscribe((m) => m.event === 'health:changed' && published.push(m.payload as HealthReport));
    const svc = service({ intervalMs: 40, initialDelayMs: -1 });
    svc.start();
    await waitFor(() => published.length >= 1);
    fake.state.qualityRating = 'RED';
    await waitFor(() => published.some((r) => check(r, 'meta').state === 'failed'));
    svc.dispose();
  });
});
