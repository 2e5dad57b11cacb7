/**
 * The rate limiter the host uses: follows settings at every call — the Redis-shared bucket (keyed by phone number
 * id, with the in-process fallback) while redis.url is set, the in-process bucket otherwise.
 */
import type { ModuleLogger } from '../logging/types';
import { FallbackLimiter, LocalTokenBucket, type RateLimiter, type Reservation } from './rate-limiter';
import { rateLimitKey, RedisTokenBucket } from './redis-bucket';
import type { SettingsReader } from './types';

export class SettingsLimiter implements RateLimiter {
  private readonly local = new LocalTokenBucket();
  private shared: { id: string; limiter: RateLimiter } | null = null;

  constructor(
    private readonly settings: SettingsReader,
    private readonly logger?: ModuleLogger,
  ) {}

  private current(): RateLimiter {
    const s = this.settings.get();
    if (!s.redis.url) {
      this.dropShared();
      return this.local;
    }
    const key = rateLimitKey(s.meta.phoneNumberId);
    const id = `${s.redis.url} ${key}`;
    if (this.shared?.id !== id) {
      this.dropShared();
      this.shared = {
        id,
        limiter: new FallbackLimiter(new RedisTokenBucket({ url: s.redis.url, key }), this.logger),
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

  reserve(rate: number, burst: number): Promise<Reservation> {
    return this.current().reserve(rate, burst);
  }

  penalize(rate: number, burst: number, seconds: number): Promise<void> {
    return this.current().penalize(rate, burst, seconds);
  }

  tokens(rate: number, burst: number): Promise<number> {
    return this.current().tokens(rate, burst);
  }

  async dispose(): Promise<void> {
    this.dropShared();
  }
}
