/**
 * Builds the Meta services for the composition root: Graph client, registration (webhook_config.log), health
 * (electron/services/health: default probes for Redis, disk and the listener unless the host passes its own) and
 * the rate-limited sender. start() subscribes registration to the tunnel and starts the health interval; dispose() stops them
 * (restoring the previous callback first when webhook.restoreOnStop asks for it).
 */
import path from 'node:path';
import type { EventBus } from '../core/event-bus';
import type { HomePaths } from '../core/home';
import type { FetchLike } from '../core/http';
import type { Logging } from '../logging/types';
import type { SettingsService } from '../settings/types';
import type { TunnelService } from '../tunnel/types';
import { createHealthService, type CreateHealthDeps } from '../health/create-health';
import type { HealthService } from '../health/health-service';
import { GraphApi } from './graph-api';
import { GraphClient } from './graph-client';
import { metaHandlers, type MetaHandlers } from './handlers';
import { RegistrationService } from './registration';
import { RegistrationStore } from './registration-store';
import { Sender } from './sender';
import { SettingsLimiter } from './settings-limiter';

export const REGISTRATION_FILE = 'meta-registration.json';

/** What health learns from the webhook pipeline (see CreateHealthDeps). */
type HealthViews = Pick<
  CreateHealthDeps,
  'probes' | 'redisBacklog' | 'listenerAddress' | 'listenerError' | 'storeError'
>;

export interface MetaServicesDeps extends HealthViews {
  settings: Pick<SettingsService, 'get' | 'update' | 'secretsBackend'> &
    Partial<Pick<SettingsService, 'onDidChange'>>;
  logging: Pick<Logging, 'webhook' | 'whatsapp'>;
  tunnel: Pick<TunnelService, 'status' | 'onDidChangeStatus' | 'testConnection'>;
  bus: Pick<EventBus, 'publish'>;
  paths: Pick<HomePaths, 'dataDir' | 'secretsFile'>;
  /** For Graph API calls (tests pass one that reaches only the loopback fake). */
  fetch?: FetchLike;
  /** For the preflight through the public URL; default `fetch`. */
  publicFetch?: FetchLike;
  healthIntervalMs?: number;
  preflightBudgetMs?: number;
  /** false: dispose never restores the previous callback (CLI processes that only look or send). */
  restoreAtShutdown?: boolean;
}

export interface MetaServices {
  readonly graph: GraphApi;
  readonly registration: RegistrationService;
  readonly health: HealthService;
  readonly sender: Sender;
  readonly handlers: MetaHandlers;
  start(): void;
  dispose(): Promise<void>;
}

export function createMetaServices(deps: MetaServicesDeps): MetaServices {
  const { settings, logging } = deps;
  const client = new GraphClient({
    config: () => settings.get().meta,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    logger: logging.whatsapp.child({ module: 'graph' }),
  });
  const graph = new GraphApi(client);
  const registration = new RegistrationService({
    settings,
    graph,
    tunnel: deps.tunnel,
    logger: logging.webhook,
    store: new RegistrationStore(path.join(deps.paths.dataDir, REGISTRATION_FILE)),
    bus: deps.bus,
    ...(deps.publicFetch || deps.fetch ? { publicFetch: deps.publicFetch ?? deps.fetch } : {}),
    ...(deps.preflightBudgetMs ? { preflightBudgetMs: deps.preflightBudgetMs } : {}),
    ...(deps.restoreAtShutdown !== undefined ? { restoreAtShutdown: deps.restoreAtShutdown } : {}),
  });
  const health = createHealthService({
    settings,
    graph,
    tunnel: deps.tunnel,
    webhookStatus: () => registration.status(),
    dataDir: deps.paths.dataDir,
    secretsFile: deps.paths.secretsFile,
    bus: deps.bus,
    logger: logging.whatsapp.child({ module: 'health' }),
    ...(deps.healthIntervalMs !== undefined ? { intervalMs: deps.healthIntervalMs } : {}),
    probes: deps.probes,
    redisBacklog: deps.redisBacklog,
    listenerAddress: deps.listenerAddress,
    listenerError: deps.listenerError,
    storeError: deps.storeError,
  });
  const senderLog = logging.whatsapp.child({ module: 'sender' });
  const sender = new Sender({
    settings,
    graph,
    limiter: new SettingsLimiter(settings, senderLog),
    logger: senderLog,
    bus: deps.bus,
  });
  return {
    graph,
    registration,
    health,
    sender,
    handlers: metaHandlers({ registration, health, sender }),
    start() {
      registration.start();
      health.start();
    },
    async dispose() {
      health.dispose();
      await sender.dispose();
      await registration.dispose();
    },
  };
}
