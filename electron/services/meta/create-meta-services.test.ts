import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { requests } from '../../../shared/contract';
import { startCallbackServer, type CallbackServer } from '../../../test/fakes/graph-api/callback-server';
import { GRAPH_FAKE_DEFAULTS as D, startGraphFake, type GraphFake } from '../../../test/fakes/graph-api';
import { EventBus, type BusMessage } from '../core/event-bus';
import { createMetaServices, type MetaServices } from './create-meta-services';
import { CaptureLogger, FakeTunnel, MemorySettings, waitFor, graphFakeMeta } from './test-support';

const VERIFY = 'verify-compose-0001';
let dir: string;
let fake: GraphFake;
let cb: CallbackServer;
let meta: MetaServices;
let settings: MemorySettings;
let tunnel: FakeTunnel;
let webhookLog: CaptureLogger;
let general: CaptureLogger;
let pushed: BusMessage[];

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kreo-meta-'));
  fake = await startGraphFake();
  cb = await startCallbackServer({ verifyToken: VERIFY, appSecret: D.appSecret });
  settings = new MemorySettings({
    meta: graphFakeMeta(fake.url, VERIFY),
    server: { port: Number(new URL(cb.url).port) },
    webhook: { autoRegister: true },
  });
  tunnel = new FakeTunnel();
  webhookLog = new CaptureLogger();
  general = new CaptureLogger();
  const bus = new EventBus();
  pushed = [];
  bus.subscribe((m) => pushed.push(m));
  meta = createMetaServices({
    settings,
    logging: { webhook: webhookLog, whatsapp: general },
    tunnel,
    bus,
    paths: { dataDir: path.join(dir, 'data'), secretsFile: path.join(dir, 'secrets.json') },
    healthIntervalMs: 0,
  });
  meta.start();
});

afterEach(async () => {
  await meta.dispose();
  await fake.close();
  await cb.close();
  await rm(dir, { recursive: true, force: true });
});

describe('createMetaServices + metaHandlers', () => {
  it('answers every Meta channel in the contract shape', async () => {
    const h = meta.handlers;
    tunnel.online(cb.url);
    await waitFor(() => settings.get().webhook.registered);
    expect(webhookLog.text()).toContain('registering automatically');

    const status = await h['webhook:status'](undefined);
    expect(requests['webhook:status'].output.parse(status)).toMatchObject({ matches: true });
    // The push follows the registration's own status read from Meta: wait for it rather than race it.
    await waitFor(() => pushed.some((m) => m.event === 'webhook:status'));

    const sent = await h['send:text'](requests['send:text'].input.parse({ to: '+15550001111', text: 'hi' }));
    expect(requests['send:text'].output.parse(sent).messageId).toMatch(/^wamid\./);
    const tpl = await h['send:template'](
      requests['send:template'].input.parse({ to: '15550001111', name: 'hello_world', language: 'en_US' }),
    );
    expect(tpl.attempts).toBe(1);
    const rl = requests['ratelimit:status'].output.parse(await h['ratelimit:status'](undefined));
    expect(rl).toMatchObject({ sent: 2, backend: 'local', messagesPerSecond: 80 });

    expect(await h['health:get'](undefined)).toBeNull();
    const report = requests['health:run'].output.parse(await h['health:run'](undefined));
    expect(report.checks.find((c) => c.name === 'webhook')?.state).toBe('ok');
    expect(report.checks.find((c) => c.name === 'listener')?.state).toBe('ok');
    expect(report.checks.find((c) => c.name === 'meta')?.state).toBe('ok');
    expect(await h['health:get'](undefined)).toEqual(report);
    expect(pushed.some((m) => m.event === 'health:changed')).toBe(true);

    const after = await h['webhook:unregister'](undefined);
    expect(after.registered).toBe(false);
    for (const secret of [VERIFY, D.appSecret, D.token]) {
      expect(webhookLog.text()).not.toContain(secret);
      expect(general.text()).not.toContain(secret);
    }
  });
});
