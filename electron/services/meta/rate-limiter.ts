/**
 * The send-rate token bucket, in reservation form: taking a token may drive the bucket negative, and the caller
 * waits `delayMs` for its slot. Slots are then spaced exactly 1/rate apart however late timers fire, so the achieved
 * rate matches the configured one and, with a burst of 1, no one-second window ever holds more than `rate` slots.
 * `penalize` pushes every later slot back (Meta said "slow down"). The in-process bucket lives here; the shared
 * one (Redis, one atomic script) in redis-bucket.ts.
 */
import type { ModuleLogger } from '../logging/types';

export interface Reservation {
  /** How long to wait before sending. */
  delayMs: number;
  /** Tokens left after this reservation (negative: slots reserved ahead). */
  tokens: number;
  /** The slot's time in the limiter's clock (ms): what "never more than N per second" is measured on. */
  slotMs: number;
}

export interface RateLimiter {
  readonly backend: 'redis' | 'local';
  reserve(rate: number, burst: number): Promise<Reservation>;
  /** Delays every later slot by `seconds`. */
  penalize(rate: number, burst: number, seconds: number): Promise<void>;
  tokens(rate: number, burst: number): Promise<number>;
  dispose(): Promise<void>;
}

/** Debt is capped so a long penalty cannot park the queue for more than this. */
export const MAX_DEBT_SECONDS = 60;

export class LocalTokenBucket implements RateLimiter {
  readonly backend = 'local' as const;
  private level: number | null = null;
  private last = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  private refill(rate: number, burst: number): number {
    const now = this.now();
    if (this.level === null) this.level = burst;
    else if (now > this.last) this.level = Math.min(burst, this.level + ((now - this.last) / 1000) * rate);
    this.last = Math.max(this.last, now);
    return now;
  }

  private floor(rate: number): void {
    this.level = Math.max(this.level!, -rate * MAX_DEBT_SECONDS);
  }

  async reserve(rate: number, burst: number): Promise<Reservation> {
    const now = this.refill(rate, burst);
    this.level! -= 1;
    this.floor(rate);
    const delayMs = this.level! >= 0 ? 0 : (-this.level! / rate) * 1000;
    return { delayMs, tokens: this.level!, slotMs: now + delayMs };
  }

  async penalize(rate: number, burst: number, seconds: number): Promise<void> {
    this.refill(rate, burst);
    this.level! -= rate * seconds;
    this.floor(rate);
  }

  async tokens(rate: number, burst: number): Promise<number> {
    this.refill(rate, burst);
    return this.level!;
  }

  async dispose(): Promise<void> {}
}

/**
 * Uses the shared bucket while it answers, the local one while it does not (logged once per outage), and tries
 * the shared one again after `retryMs`.
 */
export class FallbackLimiter implements RateLimiter {
  private degradedUntil = 0;
  private readonly local = new LocalTokenBucket();

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

  reserve(rate: number, burst: number): Promise<Reservation> {
    return this.use((l) => l.reserve(rate, burst));
  }

  penalize(rate: number, burst: number, seconds: number): Promise<void> {
    return this.use((l) => l.penalize(rate, burst, seconds));
  }

  tokens(rate: number, burst: number): Promise<number> {
    return this.use((l) => l.tokens(rate, burst));
  }

  async dispose(): Promise<void> {
    await this.shared.dispose();
  }
}
