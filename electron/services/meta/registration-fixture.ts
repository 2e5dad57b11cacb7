/**
 * The registration tests' world: Meta's Graph API fake, the developer's production callback and the tunnel's callback
 * (loopback servers answering the handshake), in-memory settings, a fake tunnel, and a RegistrationService over them.
 * The bindings are live: setup() assigns them for the current test.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect } from 'vitest';
import { KreoError } from '../../../shared/errors';
import { startCallbackServer, type CallbackServer } from '../../../test/fakes/graph-api/callback-server';
import {
  GRAPH_FAKE_DEFAULTS as D,
  startGraphFake,
  type GraphFake,
  type GraphFakeOptions,
} from '../../../test/fakes/graph-api';
import { EventBus } from '../core/event-bus';
import { GraphApi } from './graph-api';
import { GraphClient } from './graph-client';
import { RegistrationService } from './registration';
import { RegistrationStore } from './registration-store';
import { CaptureLogger, FakeTunnel, MemorySettings, graphFakeMeta } from './test-support';

export const VERIFY = 'verify-token-for-tests-0001';

export let dir: string;
export let fake: GraphFake;
export let cb: CallbackServer;
export let prod: CallbackServer;
export let settings: MemorySettings;
export let tunnel: FakeTunnel;
export let logger: CaptureLogger;
export let bus: EventBus;
export let svc: RegistrationService;
export const cleanups: (() => Promise<void> | void)[] = [];

/** Meta's app subscription already points at the developer's production callback (what registering replaces). */
export function subscribeProd(fields: string[] = ['messages']): void {
  fake.state.appSubscriptions.push({
    object: 'whatsapp_business_account',
    callbackUrl: prodUrl(),
    fields,
    active: true,
  });
}

export async function setup(
  opts: { fake?: GraphFakeOptions; scope?: 'app' | 'waba' | 'phone'; webhook?: Record<string, unknown> } = {},
) {
  prod = await startCallbackServer({ verifyToken: VERIFY, appSecret: D.appSecret, path: '/prod' });
  cb = await startCallbackServer({ verifyToken: VERIFY, appSecret: D.appSecret });
  fake = await startGraphFake(opts.fake ?? {});
  settings = new MemorySettings({
    meta: graphFakeMeta(fake.url, VERIFY),
    webhook: { scope: opts.scope ?? 'app', ...opts.webhook },
  });
  tunnel = new FakeTunnel();
  logger = new CaptureLogger();
  bus = new EventBus();
  svc = makeService();
  cleanups.push(
    () => fake.close(),
    () => cb.close(),
    () => prod.close(),
  );
}

export function makeService(extra: Partial<ConstructorParameters<typeof RegistrationService>[0]> = {}) {
  const client = new GraphClient({ config: () => settings.get().meta, retries: 0 });
  const s = new RegistrationService({
    settings,
    graph: new GraphApi(client),
    tunnel,
    logger,
    store: new RegistrationStore(path.join(dir, 'data', 'meta-registration.json')),
    bus,
    preflightBudgetMs: 1_500,
    shutdownRestoreMs: 3_000,
    ...extra,
  });
  cleanups.push(() => s.dispose());
  return s;
}

export const ourUrl = () => `${cb.url}/webhook`;
export const prodUrl = () => `${prod.url}/prod`;

export async function expectCode(p: Promise<unknown>, code: string): Promise<KreoError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(KreoError);
  expect((err as KreoError).code).toBe(code);
  return err as KreoError;
}

/** Registers the hooks: a temp dir per test; fakes, servers and services closed after it. */
export function useRegistrationFixture(): void {
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kreo-reg-'));
  });
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
    await rm(dir, { recursive: true, force: true });
  });
}
