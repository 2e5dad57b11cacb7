/**
 * Fault: Redis stops in the middle of a stream of signed events and starts again later. The host (a real
 * `kreo serve` process) keeps answering 200 while Redis is down (events wait in its SQLite outbox), and once Redis
 * is back the stream holds every event exactly once, in the order they were accepted. Real redis-server with an
 * append-only file, so what it held before the stop survives, as a developer's local Redis would.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../support/net';
import { startRedisServer, type RedisServer } from '../support/redis';
import { waitFor } from '../support/wait';
import { messageId, sendStream, startHostProcess, type HostProcess } from './support';

const TOTAL = 300;
const STOP_AT = 100;
const RESTART_AT = 220;
const STREAM = 'kreo:fault:events';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function fieldsOf(entry: [string, string[]]): Record<string, string> {
  const out: Record<string, string> = {};
  const flat = entry[1];
  for (let i = 0; i < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}

describe('fault: Redis stops mid-stream', () => {
  it('keeps answering 200, and the stream ends up with every event, once, in order', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kreo-fault-redis-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const redisDir = path.join(dir, 'redis');
    mkdirSync(redisDir);
    const redisPort = await freePort();
    let redis: RedisServer | null = await startRedisServer({ port: redisPort, dir: redisDir });
    cleanup.push(() => redis?.stop());

    const host: HostProcess = await startHostProcess({
      home: path.join(dir, 'home'),
      webhookPort: await freePort(),
      env: { KREO_REDIS_URL: `redis://127.0.0.1:${redisPort}`, KREO_REDIS_STREAM: STREAM },
    });
    cleanup.push(() => host.kill('SIGKILL'));

    const run = `redis${Date.now().toString(36)}`;
    let restarting: Promise<void> | null = null;
    const outcomes = await sendStream({
      url: () => host.webhookUrl,
      run,
      from: 0,
      to: TOTAL,
      concurrency: 1,
      onOutcome: async (o) => {
        if (o.index === STOP_AT - 1) {
          await redis!.stop();
          redis = null;
        }
        if (o.index === RESTART_AT - 1) {
          // Started in the background: the stream keeps flowing while Redis comes back.
          restarting = startRedisServer({ port: redisPort, dir: redisDir }).then((r) => void (redis = r));
        }
      },
    });
    await restarting;
    const failed = outcomes.filter((o) => o.status !== 200);
    expect(failed, 'Redis being down must never fail a webhook').toEqual([]);

    const reader = new Redis(`redis://127.0.0.1:${redisPort}`, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
    });
    cleanup.push(() => reader.disconnect());
    await reader.connect();
    await waitFor(async () => (await reader.xlen(STREAM)) >= TOTAL, {
      timeoutMs: 30_000,
      everyMs: 100,
      what: 'the stream to catch up',
    });
    await waitFor(async () => (await host.client.invoke('events:stats')).queueBacklog === 0, {
      timeoutMs: 30_000,
      everyMs: 100,
      what: 'an empty outbox',
    });

    const entries = (await reader.xrange(STREAM, '-', '+')) as [string, string[]][];
    const fields = entries.map(fieldsOf);
    expect(fields.length).toBe(TOTAL);
    // Once each (the consumer's dedupe key is unique), in acceptance order, carrying the event as sent.
    expect(new Set(fields.map((f) => f.dedupe_key)).size).toBe(TOTAL);
    const eventIds = fields.map((f) => Number(f.event_id));
    expect(eventIds).toEqual([...eventIds].sort((a, b) => a - b));
    expect(eventIds).toEqual(outcomes.map((o) => o.eventId));
    expect(fields.map((f) => f.message_ids)).toEqual(outcomes.map((o) => messageId(run, o.index)));
    await host.stop();
  }, 120_000);
});
