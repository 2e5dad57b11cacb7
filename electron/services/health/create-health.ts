/**
 * Builds the health service with its default probes (Redis, the store's disk, the local listener) unless the
 * caller passes its own; the service owns the default Redis probe's connection and closes it when disposed. The defaults need only settings and paths; what the webhook pipeline knows (backlog,
 * bound address, store trouble) comes in as callbacks.
 */
import type { WebhookStatus } from '../../../shared/domain/meta';
import type { GraphApi } from '../meta/graph-api';
import { createDiskProbe, createListenerProbe, createRedisProbe } from './health-probes';
import { HealthService, type HealthDeps, type HealthProbes } from './health-service';

export interface CreateHealthDeps {
  settings: HealthDeps['settings'];
  graph: GraphApi;
  tunnel: HealthDeps['tunnel'];
  webhookStatus: () => Promise<WebhookStatus>;
  /** The event store's folder (the store probe looks at its disk). */
  dataDir: string;
  secretsFile?: string;
  bus?: HealthDeps['bus'];
  logger?: HealthDeps['logger'];
  intervalMs?: number;
  /** Override any default probe. */
  probes?: HealthProbes;
  /** Accepted events not yet in the Redis stream (shown by the redis check). */
  redisBacklog?: () => number | null;
  /** The listener's bound URL (null when not bound) and why not. */
  listenerAddress?: () => string | null;
  listenerError?: () => string | null;
  /** Store trouble the pipeline knows about (e.g. could not open), shown by the store check. */
  storeError?: () => string | null;
}

export function createHealthService(deps: CreateHealthDeps): HealthService {
  const { settings } = deps;
  const redis = deps.probes?.redis ? null : createRedisProbe({ settings, backlog: deps.redisBacklog });
  const disk = createDiskProbe(deps.dataDir);
  return new HealthService({
    settings,
    graph: deps.graph,
    tunnel: deps.tunnel,
    webhookStatus: deps.webhookStatus,
    probes: {
      ...(redis ? { redis } : {}),
      store: async () => {
        const r = await disk();
        const err = deps.storeError?.();
        return err ? { ...r, writable: false, error: err } : r;
      },
      listener: createListenerProbe({
        settings,
        ...(deps.listenerAddress ? { address: deps.listenerAddress } : {}),
        ...(deps.listenerError ? { bindError: deps.listenerError } : {}),
      }),
      ...deps.probes,
    },
    resources: redis ? [redis] : [],
    ...(deps.secretsFile !== undefined ? { secretsFile: deps.secretsFile } : {}),
    ...(deps.bus ? { bus: deps.bus } : {}),
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(deps.intervalMs !== undefined ? { intervalMs: deps.intervalMs } : {}),
  });
}
