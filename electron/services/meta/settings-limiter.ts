/**
 * The rate limiter the host uses: follows settings at every call — the Redis-shared limiter (keyed by phone number
 * id, with the in-process fallback) while redis.url is set, the in-process one otherwise.
 */
import type { ModuleLogger } from '../logging/types';
import { FallbackLimiter, LocalRateLimiter, type Grant, type RateLimiter } from './rate-limiter';
import { rateLimitKey, RedisRateLimiter } from './redis-bucket';
import type { SettingsReader } from './types';

export class SettingsLimiter implements RateLimiter {
  private readonly local = new LocalRateLimiter();
  private shared: { id: string; limiter: RateLimiter } | null = null;
  private disposed = false;

  constructor(
    private readonly settings: SettingsReader,
    private readonly logger?: ModuleLogger,
  ) {}

  private current(): RateLimiter {
    const s = this.settings.get();
    // Once disposed, a late call (a send that was in flight) never opens a Redis connection nobody would close.
    if (!s.redis.url || this.disposed) {
      this.dropShared();
      return this.local;
    }
    const key = rateLimitKey(s.meta.phoneNumberId);
    const id = `${s.redis.url} ${key}`;
    if (this.shared?.id !== id) {
      this.dropShared();
      this.shared = {
        id,
        limiter: new FallbackLimiter(new RedisRateLimiter({ url: s.redis.url, key }), this.logger),
      };
    }
    return this.shared.limiter;
  }

  private dropShared(): void {
    if (this.shared) void this.shared.limiter.dispose();
    this.shared = null;
  }

  get backend(): 'redis' | 'local' {
    return this.current().backend;
  }

  acquire(rate: number, wanted: number, lagMs: number): Promise<Grant> {
    return this.current().acquire(rate, wanted, lagMs);
  }

  penalize(seconds: number): Promise<void> {
    return this.current().penalize(seconds);
  }

  tokens(rate: number): Promise<number> {
    return this.current().tokens(rate);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.dropShared();
  }
}
