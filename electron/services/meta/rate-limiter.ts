/**
 * The send-rate limiter seam: a caller with sends waiting asks for up to `wanted` grants at once and gets how many
 * may go now, plus when to ask again. The algorithm (pacing that catches up slots missed while the caller stalled,
 * bounded by a sliding one-second window) is in grant-window.ts; the in-process limiter runs it here, the shared one
 * runs the same steps in one Redis script (redis-bucket.ts). FallbackLimiter uses the shared one while Redis answers.
 */
import type { ModuleLogger } from '../logging/types';
import { available, newWindowState, penalize, take, type WindowState } from './grant-window';

export { MAX_DEBT_SECONDS } from './grant-window';

export interface Grant {
  /** Sends that may go now (0..wanted). */
  granted: number;
  /** Their time on the limiter's clock (ms): what "never more than N in one second" is measured on. */
  atMs: number;
  /** With granted < wanted: how long to wait before asking again (ms). */
  waitMs: number;
}

export interface RateLimiter {
  readonly backend: 'redis' | 'local';
  /**
   * Up to `wanted` grants now. `lagMs`: how long the caller has had sends waiting; slots that fell due within that
   * time (at most one window back) and were not used are granted at once.
   */
  acquire(rate: number, wanted: number, lagMs: number): Promise<Grant>;
  /** Pushes every later slot back by `seconds`. */
  penalize(seconds: number): Promise<void>;
  /** Sends allowed right now (negative: slots pushed back by a penalty). */
  tokens(rate: number): Promise<number>;
  dispose(): Promise<void>;
}

/** The limiter of one process. `nowUs`: its clock in µs (default: performance.now()). */
export class LocalRateLimiter implements RateLimiter {
  readonly backend = 'local' as const;
  private readonly state: WindowState = newWindowState();

  constructor(private readonly nowUs: () => number = () => performance.now() * 1000) {}

  /** `caller`: tells callers sharing this limiter apart (their wake-ups are spread). */
  async acquire(rate: number, wanted: number, lagMs: number, caller = ''): Promise<Grant> {
    const d = take(this.state, this.nowUs(), rate, wanted, lagMs * 1000, caller);
    return { granted: d.granted, atMs: d.atUs / 1000, waitMs: d.waitUs / 1000 };
  }

  async penalize(seconds: number): Promise<void> {
    penalize(this.state, this.nowUs(), seconds);
  }

  async tokens(rate: number): Promise<number> {
    return available(this.state, this.nowUs(), rate);
  }

  async dispose(): Promise<void> {}
}

/**
 * Uses the shared limiter while it answers, the local one while it does not (logged once per outage), and tries
 * the shared one again after `retryMs`.
 */
export class FallbackLimiter implements RateLimiter {
  private degradedUntil = 0;
  private readonly local = new LocalRateLimiter();

  constructor(
    private readonly shared: RateLimiter,
    private readonly logger?: ModuleLogger,
    private readonly retryMs = 2_000,
  ) {}

  get backend(): 'redis' | 'local' {
    return Date.now() < this.degradedUntil ? 'local' : this.shared.backend;
  }

  private async use<T>(fn: (l: RateLimiter) => Promise<T>): Promise<T> {
    if (Date.now() >= this.degradedUntil) {
      try {
        const out = await fn(this.shared);
        if (this.degradedUntil) {
          this.degradedUntil = 0;
          this.logger?.info('The shared rate limit in Redis answers again');
        }
        return out;
      } catch (err) {
        if (!this.degradedUntil) {
          this.logger?.warning(
            { error: (err as Error).message },
            'Redis rate limit unavailable: limiting in this process only until it answers again',
          );
        }
        this.degradedUntil = Date.now() + this.retryMs;
      }
    }
    return fn(this.local);
  }

  acquire(rate: number, wanted: number, lagMs: number): Promise<Grant> {
    return this.use((l) => l.acquire(rate, wanted, lagMs));
  }

  penalize(seconds: number): Promise<void> {
    return this.use((l) => l.penalize(seconds));
  }

  tokens(rate: number): Promise<number> {
    return this.use((l) => l.tokens(rate));
  }

  async dispose(): Promise<void> {
    await this.shared.dispose();
  }
}
