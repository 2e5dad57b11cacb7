/**
 * The send-rate limiter shared by every process through Redis: one Lua script runs the steps of grant-window.ts
 * (catch-up pacing bounded by a sliding one-second window) atomically, on Redis's own clock (TIME), so processes on
 * different machines agree on the slots, and one round trip hands out a whole batch of grants. State per key: a hash
 * (`tat`: the next slot due, `hint`: the last wake-up handed out, `seq`) and a sorted set `<key>:log` of grant times
 * (µs), trimmed to the last two seconds (or window).
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { closeRedisClient, createRedisClient } from '../core/redis-client';
import { HINT_SLOTS, LOG_KEEP_US, MAX_DEBT_SECONDS, windowShape } from './grant-window';
import type { Grant, RateLimiter } from './rate-limiter';

const SCRIPT = `
local now
if ARGV[7] ~= '' then
  now = tonumber(ARGV[7])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local function fmt(x) return string.format('%.17g', x) end
local op = ARGV[1]
local rate = tonumber(ARGV[2])
local ttl = ARGV[6]
local slot = 1000000 / rate
local cap = math.max(1, math.ceil(rate - 1e-9))
local win = (cap * 1000000) / rate
local v = redis.call('HMGET', KEYS[1], 'tat', 'hint', 'hintBy')
local tat = tonumber(v[1])
local hint = tonumber(v[2])
local caller = ARGV[8]
if op == 'penalize' then
  if tat == nil or tat < now then tat = now end
  tat = math.min(tat + tonumber(ARGV[5]) * 1000000, now + ${MAX_DEBT_SECONDS} * 1000000)
  redis.call('HSET', KEYS[1], 'tat', fmt(tat))
  redis.call('PEXPIRE', KEYS[1], ttl)
  return { fmt(tat) }
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', fmt(now - math.max(win, ${LOG_KEEP_US})))
local held = redis.call('ZCOUNT', KEYS[2], '(' .. fmt(now - win), '+inf')
if op == 'peek' then
  if tat == nil or tat < now - win then tat = now - win end
  if tat > now then return { fmt(-(tat - now) / slot) } end
  return { fmt(math.min(math.floor((now - tat) / slot) + 1, cap - held)) }
end
local wanted = tonumber(ARGV[3])
if tat == nil then tat = now end
local from = now - math.min(win, math.max(0, tonumber(ARGV[4])))
if tat < from then tat = from end
local due = 0
if tat <= now then due = math.floor((now - tat) / slot) + 1 end
local granted = math.max(0, math.min(wanted, due, cap - held))
tat = tat + granted * slot
if granted > 0 then
  local last = redis.call('HINCRBY', KEYS[1], 'seq', granted)
  local args = {}
  for i = 1, granted do
    args[#args + 1] = fmt(now)
    args[#args + 1] = tostring(last - granted + i)
  end
  redis.call('ZADD', KEYS[2], unpack(args))
end
local wait = 0
if granted < wanted then
  local free = math.max(tat, now)
  if held + granted >= cap then
    local e = redis.call('ZREVRANGE', KEYS[2], cap - 1, cap - 1, 'WITHSCORES')
    free = math.max(free, tonumber(e[2]) + win)
  end
  local wake = free
  if hint ~= nil and v[3] ~= caller and hint + slot > wake then
    wake = math.min(hint + slot, free + ${HINT_SLOTS} * slot)
  end
  hint = wake
  wait = wake - now
  redis.call('HSET', KEYS[1], 'tat', fmt(tat), 'hint', fmt(hint), 'hintBy', caller)
else
  redis.call('HSET', KEYS[1], 'tat', fmt(tat))
end
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
return { tostring(granted), fmt(now), fmt(wait) }
`;

type LimiterRedis = Redis & {
  kreoRateLimit(
    key: string,
    logKey: string,
    op: string,
    rate: string,
    wanted: string,
    lagUs: string,
    seconds: string,
    ttlMs: string,
    nowUs: string,
    caller: string,
  ): Promise<string[]>;
};

/** Most grants one call may ask for (the script's argument list stays small). */
const MAX_WANTED = 1000;

export interface RedisBucketOptions {
  url: string;
  /** e.g. kreo:ratelimit:<phone number id> (the grant log goes to `<key>:log`) */
  key: string;
  /** Bound on connecting the first time. Default 2 s. */
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  /** Tells this limiter's calls apart from other processes' (their wake-ups are spread). Default: random. */
  callerId?: string;
  /** Tests only: the time (µs) the script uses instead of Redis's TIME. */
  clockUs?: () => number;
}

export function rateLimitKey(phoneNumberId: string): string {
  return `kreo:ratelimit:${phoneNumberId || 'default'}`;
}

export class RedisRateLimiter implements RateLimiter {
  readonly backend = 'redis' as const;
  private readonly redis: LimiterRedis;
  private firstConnect: Promise<void> | null = null;
  private readonly callerId: string;

  constructor(private readonly opts: RedisBucketOptions) {
    this.callerId = opts.callerId ?? randomBytes(6).toString('base64url');
    // Connection errors surface through failed commands (the fallback limiter takes over meanwhile).
    this.redis = createRedisClient(opts.url, {
      name: 'kreo-ratelimit',
      maxRetriesPerRequest: 0,
      connectTimeoutMs: opts.connectTimeoutMs ?? 2_000,
      commandTimeoutMs: opts.commandTimeoutMs ?? 1_000,
      reconnect: { stepMs: 200, maxMs: 2_000 },
    }) as LimiterRedis;
    this.redis.defineCommand('kreoRateLimit', { numberOfKeys: 2, lua: SCRIPT });
  }

  private async ready(): Promise<void> {
    if (this.redis.status === 'ready') return;
    if (this.redis.status === 'wait') this.firstConnect ??= this.redis.connect().catch(() => undefined);
    if (this.firstConnect) await this.firstConnect;
  }

  private async run(
    op: 'take' | 'penalize' | 'peek',
    rate: number,
    wanted = 0,
    lagUs = 0,
    seconds = 0,
  ): Promise<number[]> {
    await this.ready();
    const ttlMs =
      (MAX_DEBT_SECONDS + 60) * 1000 + Math.ceil(Math.max(windowShape(rate).windowUs, LOG_KEEP_US) / 1000);
    const out = await this.redis.kreoRateLimit(
      this.opts.key,
      `${this.opts.key}:log`,
      op,
      String(rate),
      String(Math.min(wanted, MAX_WANTED)),
      String(lagUs),
      String(seconds),
      String(ttlMs),
      this.opts.clockUs ? String(this.opts.clockUs()) : '',
      this.callerId,
    );
    return out.map(Number);
  }

  async acquire(rate: number, wanted: number, lagMs: number): Promise<Grant> {
    const [granted, atUs, waitUs] = await this.run('take', rate, wanted, lagMs * 1000);
    return { granted: granted!, atMs: atUs! / 1000, waitMs: waitUs! / 1000 };
  }

  async penalize(seconds: number): Promise<void> {
    // the rate does not matter to a penalty; any valid one keeps the script's arithmetic defined
    await this.run('penalize', 1, 0, 0, seconds);
  }

  async tokens(rate: number): Promise<number> {
    return (await this.run('peek', rate))[0]!;
  }

  async dispose(): Promise<void> {
    closeRedisClient(this.redis);
  }
}
