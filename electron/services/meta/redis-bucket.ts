/**
 * The token bucket shared by every process through Redis: one Lua script does refill, take/penalize and the
 * answer atomically, on Redis's own clock (TIME), so processes on different machines agree on the slots.
 * Amounts are kept in integer micro-tokens: elapsed µs × rate (tokens/s) = micro-tokens.
 */
import { Redis } from 'ioredis';
import { MAX_DEBT_SECONDS, type RateLimiter, type Reservation } from './rate-limiter';

const SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local rate = tonumber(ARGV[2])
local cap = tonumber(ARGV[3]) * 1000000
local v = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(v[1])
local ts = tonumber(v[2])
if tokens == nil or ts == nil then
  tokens = cap
  ts = now
end
if now > ts then
  tokens = math.min(cap, tokens + (now - ts) * rate)
  ts = now
end
local op = ARGV[1]
local delay = 0
if op == 'take' then
  tokens = tokens - 1000000
  if tokens < 0 then delay = math.ceil(-tokens / rate) end
elseif op == 'penalize' then
  tokens = tokens - tonumber(ARGV[4]) * 1000000
end
local floor = -rate * tonumber(ARGV[6]) * 1000000
if tokens < floor then tokens = floor end
if op ~= 'peek' then
  redis.call('HSET', KEYS[1], 'tokens', string.format('%.0f', tokens), 'ts', string.format('%.0f', ts))
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
end
return { string.format('%.0f', delay), string.format('%.0f', tokens), string.format('%.0f', now) }
`;

type BucketRedis = Redis & {
  kreoBucket(
    key: string,
    op: string,
    rate: string,
    burst: string,
    amount: string,
    ttlMs: string,
    maxDebt: string,
  ): Promise<[string, string, string]>;
};

export interface RedisBucketOptions {
  url: string;
  /** e.g. kreo:ratelimit:<phone number id> */
  key: string;
  /** Bound on connecting the first time. Default 2 s. */
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
}

export function rateLimitKey(phoneNumberId: string): string {
  return `kreo:ratelimit:${phoneNumberId || 'default'}`;
}

export class RedisTokenBucket implements RateLimiter {
  readonly backend = 'redis' as const;
  private readonly redis: BucketRedis;
  private firstConnect: Promise<void> | null = null;

  constructor(private readonly opts: RedisBucketOptions) {
    this.redis = new Redis(opts.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: opts.connectTimeoutMs ?? 2_000,
      commandTimeout: opts.commandTimeoutMs ?? 1_000,
      retryStrategy: (times) => Math.min(times * 200, 2_000),
    }) as BucketRedis;
    this.redis.on('error', () => undefined); // surfaced through failed commands instead
    this.redis.defineCommand('kreoBucket', { numberOfKeys: 1, lua: SCRIPT });
  }

  private async ready(): Promise<void> {
    if (this.redis.status === 'ready') return;
    if (this.redis.status === 'wait') this.firstConnect ??= this.redis.connect().catch(() => undefined);
    if (this.firstConnect) await this.firstConnect;
  }

  /** `amount`: tokens to take away (penalize). */
  private async run(op: 'take' | 'penalize' | 'peek', rate: number, burst: number, amount = 0) {
    await this.ready();
    const ttlMs = (MAX_DEBT_SECONDS + 60) * 1000;
    const [delay, tokens, now] = await this.redis.kreoBucket(
      this.opts.key,
      op,
      String(rate),
      String(burst),
      String(amount),
      String(ttlMs),
      String(MAX_DEBT_SECONDS),
    );
    return { delayUs: Number(delay), tokens: Number(tokens) / 1e6, nowUs: Number(now) };
  }

  async reserve(rate: number, burst: number): Promise<Reservation> {
    const r = await this.run('take', rate, burst);
    return { delayMs: r.delayUs / 1000, tokens: r.tokens, slotMs: (r.nowUs + r.delayUs) / 1000 };
  }

  async penalize(rate: number, burst: number, seconds: number): Promise<void> {
    await this.run('penalize', rate, burst, rate * seconds);
  }

  async tokens(rate: number, burst: number): Promise<number> {
    return (await this.run('peek', rate, burst)).tokens;
  }

  async dispose(): Promise<void> {
    this.redis.disconnect();
  }
}
