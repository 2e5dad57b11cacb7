import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPH_FAKE_DEFAULTS as D, startGraphFake } from '../../../test/fakes/graph-api';
import { GraphApi } from './graph-api';
import { GraphClient } from './graph-client';
import { FallbackLimiter, LocalRateLimiter } from './rate-limiter';
import { RedisRateLimiter, rateLimitKey } from './redis-bucket';
import { Sender } from './sender';
import {
  CaptureLogger,
  MemorySettings,
  maxInWindow,
  startRedisServer,
  type RedisServer,
} from './test-support';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

/** One microsecond of slack for clock rounding in the script. */
const WINDOW = 1000 - 0.002;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('RedisRateLimiter', () => {
  it('several limiters on separate connections never exceed the rate in any one-second window', async () => {
    const rate = 60;
    const key = `test:bucket:${Date.now()}`;
    const limiters = Array.from({ length: 4 }, () => new RedisRateLimiter({ url: redis.url, key }));
    const slots: number[] = [];
    const started = performance.now();
    const deadline = started + 2_500;
    // Each limiter asks for a few grants at a time and sleeps as told, like the sender's dispatch loop.
    await Promise.all(
      limiters.map(async (l) => {
        while (performance.now() < deadline) {
          const g = await l.acquire(rate, 4, performance.now() - started);
          for (let i = 0; i < g.granted; i++) slots.push(g.atMs);
          if (g.granted < 4) await sleep(g.waitMs);
        }
      }),
    );
    await Promise.all(limiters.map((l) => l.dispose()));
    expect(maxInWindow(slots, WINDOW)).toBeLessThanOrEqual(rate);
    // And the limiter is not starved either: the grants run at the configured rate.
    const sorted = [...slots].sort((a, b) => a - b);
    const achieved = ((sorted.length - 1) * 1000) / (sorted.at(-1)! - sorted[0]!);
    expect(achieved).toBeGreaterThan(rate * 0.95);
    expect(achieved).toBeLessThanOrEqual(rate * 1.02);
  });

  it('runs the same algorithm as the in-process limiter (same answers for the same calls)', async () => {
    const op = fc.oneof(
      {
        arbitrary: fc.record({
          kind: fc.constant('take' as const),
          dtUs: fc.integer({ min: 0, max: 400_000 }),
          wanted: fc.integer({ min: 1, max: 40 }),
          lagUs: fc.integer({ min: 0, max: 2_000_000 }),
          caller: fc.constantFrom('a', 'b', 'c'),
        }),
        weight: 8,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant('penalize' as const),
          seconds: fc.constantFrom(0.25, 1, 3),
        }),
        weight: 1,
      },
      { arbitrary: fc.record({ kind: fc.constant('peek' as const) }), weight: 1 },
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(0.5, 3, 7.5, 80, 250),
        fc.array(op, { minLength: 1, maxLength: 40 }),
        async (rate, ops) => {
          let now = 1_700_000_000_000_000; // µs, a Redis-like TIME
          const key = `test:same:${Date.now()}:${run++}`;
          const clockUs = () => now;
          const local = new LocalRateLimiter(clockUs);
          const shared = new Map(
            ['a', 'b', 'c'].map((c) => [
              c,
              new RedisRateLimiter({ url: redis.url, key, callerId: c, clockUs }),
            ]),
          );
          try {
            for (const o of ops) {
              if (o.kind === 'take') {
                now += o.dtUs;
                const mine = await local.acquire(rate, o.wanted, o.lagUs / 1000, o.caller);
                expect(await shared.get(o.caller)!.acquire(rate, o.wanted, o.lagUs / 1000)).toEqual(mine);
              } else if (o.kind === 'penalize') {
                await local.penalize(o.seconds);
                await shared.get('a')!.penalize(o.seconds);
              } else {
                expect(await shared.get('b')!.tokens(rate)).toBe(await local.tokens(rate));
              }
            }
          } finally {
            for (const l of shared.values()) await l.dispose();
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('penalize pushes every later slot back for everyone', async () => {
    const key = `test:penalty:${Date.now()}`;
    const a = new RedisRateLimiter({ url: redis.url, key });
    const b = new RedisRateLimiter({ url: redis.url, key });
    const first = await a.acquire(10, 1, 0);
    expect(first).toMatchObject({ granted: 1, waitMs: 0 });
    await a.penalize(2);
    const next = await b.acquire(10, 1, 0);
    expect(next.granted).toBe(0);
    expect(next.waitMs).toBeGreaterThan(2_000);
    expect(next.waitMs).toBeLessThan(2_200);
    expect(await b.tokens(10)).toBeLessThan(-19);
    await a.dispose();
    await b.dispose();
  });

  it('falls back to an in-process limiter when Redis cannot be reached', async () => {
    const logger = new CaptureLogger();
    const dead = new RedisRateLimiter({ url: 'redis://127.0.0.1:1', key: 'x', connectTimeoutMs: 300 });
    const limiter = new FallbackLimiter(dead, logger);
    const g = await limiter.acquire(10, 1, 0);
    expect(g).toMatchObject({ granted: 1, waitMs: 0 });
    expect(limiter.backend).toBe('local');
    expect(logger.text()).toContain('limiting in this process only');
    await limiter.dispose();
    expect(new LocalRateLimiter().backend).toBe('local');
  });

  it('three senders sharing the Redis bucket deliver everything without exceeding the limit', async () => {
    const rate = 30;
    const fake = await startGraphFake({ messagesPerSecond: 1000, sendLatencyMs: 5 });
    const slots: number[] = [];
    const key = rateLimitKey(`${D.phoneNumberId}-${Date.now()}`);
    const senders = Array.from({ length: 3 }, () => {
      const settings = new MemorySettings({
        meta: { accessToken: D.token, phoneNumberId: D.phoneNumberId, graphBaseUrl: fake.url },
        redis: { url: redis.url },
        rateLimit: { messagesPerSecond: rate, concurrency: 4, maxQueueSize: 100 },
      });
      return new Sender({
        settings,
        graph: new GraphApi(new GraphClient({ config: () => settings.get().meta })),
        limiter: new FallbackLimiter(new RedisRateLimiter({ url: redis.url, key })),
        logger: new CaptureLogger(),
        onSlot: (t) => slots.push(t),
      });
    });
    try {
      const results = await Promise.all(
        senders.flatMap((s, k) =>
          Array.from({ length: 25 }, (_, i) => s.sendText({ to: `1555${k}00${i}`, text: 'x' })),
        ),
      );
      expect(results).toHaveLength(75);
      expect(fake.state.sends).toHaveLength(75);
      expect(maxInWindow(slots, WINDOW)).toBeLessThanOrEqual(rate);
      const st = await senders[0]!.status();
      expect(st.backend).toBe('redis');
    } finally {
      for (const s of senders) await s.dispose();
      await fake.close();
    }
  });
});
