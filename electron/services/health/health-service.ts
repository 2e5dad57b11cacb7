/**
 * Runs every health check (meta, redis, tunnel, webhook, listener, store, secrets) on demand and on an interval,
 * each bounded in time, keeps the last report, and publishes `health:changed` when states or details change.
 */
import type {
  HealthCheck,
  HealthCheckName,
  HealthReport,
  HealthState,
  WebhookStatus,
} from '../../../shared/domain/meta';
import type { EventBus } from '../core/event-bus';
import type { Disposable } from '../core/lifecycle';
import type { ModuleLogger } from '../logging/types';
import type { TunnelService } from '../tunnel/types';
import type { GraphApi } from '../meta/graph-api';
import {
  checkListener,
  checkRedis,
  checkSecrets,
  checkStore,
  checkTunnel,
  checkWebhook,
} from './health-checks';
import { checkMeta, worst, type CheckResult } from './health-meta';
import type { ListenerProbe, RedisProbe, StoreProbe } from './health-probes';
import type { SettingsReader } from '../meta/types';

export interface HealthProbes {
  redis?: RedisProbe;
  store?: StoreProbe;
  listener?: ListenerProbe;
}

export interface HealthDeps {
  settings: SettingsReader & { readonly secretsBackend: 'keychain' | 'file' };
  graph: GraphApi;
  tunnel: Pick<TunnelService, 'status' | 'testConnection'>;
  webhookStatus: () => Promise<WebhookStatus>;
  probes: HealthProbes;
  secretsFile?: string;
  bus?: Pick<EventBus, 'publish'>;
  logger?: ModuleLogger;
  /** Default 60 s; 0 turns the interval off. */
  intervalMs?: number;
  /** First run after start(). Default 3 s (keeps host start quick); negative = none. */
  initialDelayMs?: number;
  /** Bound on each check. Default 15 s. */
  checkTimeoutMs?: number;
  /** What the service owns besides its timers (e.g. the Redis probe's connection): disposed with it. */
  resources?: Disposable[];
}

const ORDER: HealthCheckName[] = ['meta', 'redis', 'tunnel', 'webhook', 'listener', 'store', 'secrets'];

export class HealthService {
  private last: HealthReport | null = null;
  private lastFingerprint = '';
  private running: Promise<HealthReport> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private firstRun: NodeJS.Timeout | null = null;
  private disposed = false;

  constructor(private readonly deps: HealthDeps) {}

  start(): void {
    const every = this.deps.intervalMs ?? 60_000;
    if (every > 0 && !this.timer) {
      this.timer = setInterval(() => void this.run().catch(() => undefined), every);
      this.timer.unref?.();
    }
    const first = this.deps.initialDelayMs ?? 3_000;
    if (first >= 0 && !this.firstRun) {
      this.firstRun = setTimeout(() => void this.run().catch(() => undefined), first);
      this.firstRun.unref?.();
    }
  }

  get(): HealthReport | null {
    return this.last;
  }

  /** Runs all checks (a run already in progress is shared). */
  run(): Promise<HealthReport> {
    this.running ??= this.runAll().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.firstRun) clearTimeout(this.firstRun);
    this.timer = this.firstRun = null;
    for (const r of this.deps.resources ?? []) {
      try {
        void Promise.resolve(r.dispose()).catch(() => undefined);
      } catch {
        // a resource that fails to close must not keep the others open
      }
    }
  }

  private checks(): Record<HealthCheckName, () => Promise<CheckResult>> {
    const s = this.deps.settings.get();
    const d = this.deps;
    return {
      meta: () => checkMeta(d.graph, s),
      redis: () => checkRedis(s, d.probes.redis),
      tunnel: () => checkTunnel(s, d.tunnel),
      webhook: () => checkWebhook(s, d.webhookStatus),
      listener: () => checkListener(d.probes.listener),
      store: () => checkStore(d.probes.store),
      secrets: () => checkSecrets(d.settings.secretsBackend, d.secretsFile),
    };
  }

  private async runAll(): Promise<HealthReport> {
    const checks = this.checks();
    const bound = this.deps.checkTimeoutMs ?? 15_000;
    const results = await Promise.all(ORDER.map((name) => this.one(name, checks[name], bound)));
    const report: HealthReport = {
      checkedAt: new Date().toISOString(),
      overall: overallOf(results.map((r) => r.state)),
      checks: results,
    };
    this.last = report;
    const fingerprint = JSON.stringify(results.map((r) => [r.name, r.state, r.detail, r.hint ?? '']));
    if (fingerprint !== this.lastFingerprint && !this.disposed) {
      this.lastFingerprint = fingerprint;
      this.deps.bus?.publish('health:changed', report);
      const bad = results.filter((r) => r.state === 'failed' || r.state === 'warning');
      this.deps.logger?.[report.overall === 'failed' ? 'warning' : 'info'](
        { overall: report.overall, problems: bad.map((r) => `${r.name}: ${r.state}`) },
        `Health changed: ${report.overall}`,
      );
    }
    return report;
  }

  private async one(
    name: HealthCheckName,
    fn: () => Promise<CheckResult>,
    bound: number,
  ): Promise<HealthCheck> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        fn(),
        new Promise<CheckResult>((resolve) => {
          timer = setTimeout(
            () =>
              resolve({
                state: 'failed',
                detail: `The ${name} check did not finish within ${bound / 1000} s.`,
              }),
            bound,
          );
        }),
      ]);
      return { name, ...result, checkedAt: new Date().toISOString() };
    } catch (err) {
      return {
        name,
        state: 'failed',
        detail: `The ${name} check failed: ${(err as Error).message}`,
        checkedAt: new Date().toISOString(),
      };
    } finally {
      clearTimeout(timer);
    }
  }
}

/** failed > warning > ok; not_configured only when nothing is configured at all. */
export function overallOf(states: HealthState[]): HealthState {
  const configured = states.filter((s) => s !== 'not_configured');
  return configured.length ? worst(configured) : 'not_configured';
}
