import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPH_FAKE_DEFAULTS as D, startGraphFake } from '../../../test/fakes/graph-api';
import { GraphApi } from './graph-api';
import { GraphClient } from './graph-client';
import { FallbackLimiter, LocalTokenBucket } from './rate-limiter';
import { RedisTokenBucket, rateLimitKey } from './redis-bucket';
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

describe('RedisTokenBucket', () => {
  it('several limiters on separate connections never exceed the rate in any one-second window', async () => {
    const rate = 60;
    const key = `test:bucket:${Date.now()}`;
    const limiters = Array.from({ length: 4 }, () => new RedisTokenBucket({ url: redis.url, key }));
    const slots: number[] = [];
    const deadline = performance.now() + 2_500;
    // Each limiter runs two workers that reserve, wait for their slot and reserve again, like the sender does.
    await Promise.all(
      limiters.flatMap((l) =>
        [0, 1].map(async () => {
          while (performance.now() < deadline) {
            const r = await l.reserve(rate, 1);
            slots.push(r.slotMs);
            await sleep(r.delayMs);
          }
        }),
      ),
    );
    await Promise.all(limiters.map((l) => l.dispose()));
    expect(maxInWindow(slots, WINDOW)).toBeLessThanOrEqual(rate);
    // And the bucket is not starved either: the slots run at the configured rate.
    const sorted = [...slots].sort((a, b) => a - b);
    const achieved = ((sorted.length - 1) * 1000) / (sorted.at(-1)! - sorted[0]!);
    expect(achieved).toBeGreaterThan(rate * 0.98);
    expect(achieved).toBeLessThanOrEqual(rate * 1.001);
  });

  it('penalize pushes every later slot back for everyone', async () => {
    const key = `test:penalty:${Date.now()}`;
    const a = new RedisTokenBucket({ url: redis.url, key });
    const b = new RedisTokenBucket({ url: redis.url, key });
    const first = await a.reserve(10, 1);
    expect(first.delayMs).toBe(0);
    await a.penalize(10, 1, 2);
    const next = await b.reserve(10, 1);
    expect(next.delayMs).toBeGreaterThan(2_000);
    expect(next.delayMs).toBeLessThan(2_200);
    expect(await b.tokens(10, 1)).toBeLessThan(-20);
    await a.dispose();
    await b.dispose();
  });

  it('falls back to an in-process bucket when Redis cannot be reached', async () => {
    const logger = new CaptureLogger();
    const dead = new RedisTokenBucket({ url: 'redis://127.0.0.1:1', key: 'x', connectTimeoutMs: 300 });
    const limiter = new FallbackLimiter(dead, logger);
    const r = await limiter.reserve(10, 1);
    expect(r.delayMs).toBe(0);
    expect(limiter.backend).toBe('local');
    expect(logger.text()).toContain('limiting in this process only');
    await limiter.dispose();
    expect(new LocalTokenBucket().backend).toBe('local');
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
        limiter: new FallbackLimiter(new RedisTokenBucket({ url: redis.url, key })),
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
