/**
 * Against a real redis-server started here on a free port (stopped by pid): stream entries match accepted events,
 * an outage loses nothing and keeps order, consumer groups read the entries, restarts never duplicate.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventSummary } from '../../../shared/domain/events';
import { EventStore, sha256 } from './event-store';
import { payloadContext, triggerBody } from './meta-payloads';
import { signBody } from './signature';
import { startTestPipeline, TEST_SECRET, type TestPipeline } from './test-harness';
import { freePort } from '../../../test/support/net';
import { startRedisServer, type RedisServer } from '../../../test/support/redis';
import { startTcpProxy, type ProxyHooks } from '../../../test/support/tcp-proxy';
import { waitFor } from '../../../test/support/wait';

const STREAM = 'kreo:test:events';
const ctx = payloadContext();
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function redisServer(dir?: string, port?: number): Promise<RedisServer> {
  const server = await startRedisServer({ port, dir });
  cleanup.push(() => server.stop());
  return server;
}
function client(url: string): Redis {
  const c = new Redis(url, { maxRetriesPerRequest: 1 });
  c.on('error', () => undefined); // the test stops Redis on purpose
  cleanup.push(() => c.disconnect());
  return c;
}
async function pipelineWith(redisUrl: string, dataDir?: string): Promise<TestPipeline> {
  const t = await startTestPipeline({
    patch: { 'redis.url': redisUrl, 'redis.stream': STREAM },
    dataDir,
    options: { redis: { baseDelayMs: 20, maxDelayMs: 200, connectTimeoutMs: 500 } },
  });
  cleanup.push(() => t.close());
  return t;
}
async function send(t: TestPipeline, n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await t.post(triggerBody(i % 2 ? 'status-delivered' : 'text', ctx));
    expect(res.status).toBe(200);
    ids.push(Number(res.headers.get('x-kreo-event-id')));
  }
  return ids;
}
function fieldsOf(kv: string[]): Record<string, string> {
  const f: Record<string, string> = {};
  for (let i = 0; i < kv.length; i += 2) f[kv[i]!] = kv[i + 1]!;
  return f;
}
async function streamEventIds(c: Redis): Promise<number[]> {
  const entries = (await c.xrange(STREAM, '-', '+')) as [string, string[]][];
  return entries.map(([, kv]) => Number(fieldsOf(kv).event_id));
}

describe('Redis outbox', () => {
  it('appends every accepted event once, in order, with the documented fields; consumer groups read them', async () => {
    const server = await redisServer();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kreo-redis-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const t = await pipelineWith(server.url, dataDir);
    const ids = await send(t, 12);
    const dup = await t.post(triggerBody('text', ctx)); // new body: not a duplicate
    ids.push(Number(dup.headers.get('x-kreo-event-id')));
    const body = triggerBody('status-failed', ctx);
    ids.push(Number((await t.post(body)).headers.get('x-kreo-event-id')));
    await t.post(body); // a duplicate: never queued

    const c = client(server.url);
    await waitFor(
      async () => (await c.xlen(STREAM)) === ids.length && t.pipeline.outboxBacklog().redis === 0,
      {
        what: 'stream filled',
      },
    );
    expect(await streamEventIds(c)).toEqual(ids);

    const [streamId, kv] = ((await c.xrange(STREAM, '-', '+')) as [string, string[]][]).at(-1)!;
    const f = fieldsOf(kv);
    const stored = t.pipeline.get(ids.at(-1)!);
    expect(f).toMatchObject({
      event_id: String(stored.id),
      instance: t.pipeline.store!.instanceId,
      dedupe_key: `${t.pipeline.store!.instanceId}:${stored.id}`,
      received_at: stored.receivedAt,
      source: 'webhook',
      signature: 'valid',
      kinds: 'status',
      fields: 'messages',
      message_ids: stored.records[0]!.messageId,
      waba_id: '0',
      phone_number_id: '123456123',
      content_type: 'application/json',
      x_hub_signature_256: signBody(TEST_SECRET, body),
      body,
    });
    expect(stored).toMatchObject({ queued: 'queued', streamId });

    // The queue state change is pushed live.
    await waitFor(() =>
      t.pushed.some(
        (m) =>
          m.event === 'events:updated' &&
          (m.payload as EventSummary[]).some((e) => e.id === stored.id && e.queued === 'queued'),
      ),
    );

    // A worker in another process reads with a consumer group.
    await c.xgroup('CREATE', STREAM, 'workers', '0');
    const read = (await c.xreadgroup('GROUP', 'workers', 'w1', 'COUNT', 100, 'STREAMS', STREAM, '>')) as [
      string,
      [string, string[]][],
    ][];
    expect(read[0]![1].map(([, kv2]) => Number(fieldsOf(kv2).event_id))).toEqual(ids);
    expect(await c.xack(STREAM, 'workers', ...read[0]![1].map(([id]) => id))).toBe(ids.length);
  });

  it('Redis stopped mid-run: webhooks keep succeeding, the backlog shows, and after a restart the stream has every event in order', async () => {
    const redisDir = mkdtempSync(path.join(os.tmpdir(), 'kreo-redis-aof-'));
    cleanup.push(() => rmSync(redisDir, { recursive: true, force: true }));
    let server = await redisServer(redisDir);
    const t = await pipelineWith(server.url);
    const before = await send(t, 10);
    const c = client(server.url);
    await waitFor(async () => (await c.xlen(STREAM)) === 10, { what: 'first ten' });

    await server.stop();
    const during = await send(t, 15);
    await waitFor(() => t.pipeline.outboxBacklog().redis === 15, { what: 'backlog' });
    expect((await t.pipeline.handlers['events:stats'](undefined)).queueBacklog).toBe(15);
    expect(t.pipeline.get(during[0]!).queued).toBe('pending');
    expect(t.pipeline.redisStatus()).toMatchObject({ configured: true, connected: false });

    server = await redisServer(redisDir, server.port);
    const after = await send(t, 5);
    await waitFor(() => t.pipeline.outboxBacklog().redis === 0, { what: 'drained', timeoutMs: 20_000 });
    expect(await streamEventIds(c)).toEqual([...before, ...during, ...after]);
    expect(t.logs.some((l) => /Redis unreachable/.test(l.msg))).toBe(true);
  });

  it('Redis absent from the start never fails a webhook; events flow once it appears', async () => {
    const port = await freePort();
    const t = await pipelineWith(`redis://127.0.0.1:${port}`);
    const ids = await send(t, 4);
    expect(t.pipeline.outboxBacklog().redis).toBe(4);
    const server = await redisServer(undefined, port);
    const c = client(server.url);
    await waitFor(async () => (await c.xlen(STREAM)) === 4, { what: 'late redis', timeoutMs: 20_000 });
    expect(await streamEventIds(c)).toEqual(ids);
  });

  it('after a crash between XADD and bookkeeping, a restart does not append the same events again', async () => {
    const server = await redisServer();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kreo-redis-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const t = await pipelineWith(server.url, dataDir);
    const ids = await send(t, 6);
    const c = client(server.url);
    await waitFor(() => t.pipeline.outboxBacklog().redis === 0);
    await t.pipeline.dispose();
    // What the crash left: the last three in the stream, but still pending in the outbox (the process stopped, so
    // no worker sees the rows before the restart).
    const store = EventStore.open(dataDir);
    await store.committer.write(() => {
      for (const id of ids.slice(3)) {
        store.db
          .prepare("INSERT INTO outbox (delivery_id, target, created_at, next_at) VALUES (?, 'redis', 0, 0)")
          .run(id);
      }
    });
    await store.close();

    const again = await pipelineWith(server.url, dataDir);
    const more = await send(again, 2);
    await waitFor(() => again.pipeline.outboxBacklog().redis === 0, { what: 'reconciled' });
    expect(await streamEventIds(c)).toEqual([...ids, ...more]);
  });

  it('an outbox row whose in-memory copy never comes is read back from the store after a moment', async () => {
    const server = await redisServer();
    const t = await pipelineWith(server.url);
    const [first] = await send(t, 1);
    const c = client(server.url);
    await waitFor(async () => (await c.xlen(STREAM)) === 1);
    // Stored and queued without going through the ingestor, so no copy is handed to the outbox.
    const store = t.pipeline.store!;
    const body = Buffer.from(triggerBody('reaction', ctx));
    const id = store.nextDeliveryId();
    await store.committer.write(() => {
      const now = Date.now();
      store.db
        .prepare(
          `INSERT INTO deliveries (id, received_at, source, signature, content_type, body, body_size, body_hash,
             headers, queued, forward) VALUES (?, ?, 'webhook', 'valid', 'application/json', ?, ?, ?, ?, 'pending', 'none')`,
        )
        .run(
          id,
          now,
          body,
          body.length,
          sha256(body),
          JSON.stringify({ 'x-hub-signature-256': signBody(TEST_SECRET, body) }),
        );
      store.db
        .prepare("INSERT INTO outbox (delivery_id, target, created_at, next_at) VALUES (?, 'redis', ?, ?)")
        .run(id, now, now);
    });
    t.settings.set({ 'redis.stream': STREAM }); // wakes the worker (a settings change re-checks the outbox)
    await waitFor(async () => (await c.xlen(STREAM)) === 2, { what: 'the row read from the store' });
    expect(await streamEventIds(c)).toEqual([first, id]);
    const [, kv] = ((await c.xrange(STREAM, '-', '+')) as [string, string[]][]).at(-1)!;
    expect(fieldsOf(kv)).toMatchObject({ kinds: 'message', body: body.toString() });
  });

  it('redis.url can be set at runtime; events stored while it was empty are not queued', async () => {
    const server = await redisServer();
    const t = await startTestPipeline({ patch: { 'redis.stream': STREAM } });
    cleanup.push(() => t.close(true));
    const [unqueued] = await send(t, 1);
    expect(t.pipeline.get(unqueued!).queued).toBe('none');
    t.settings.set({ 'redis.url': server.url });
    const ids = await send(t, 2);
    const c = client(server.url);
    await waitFor(async () => (await c.xlen(STREAM)) === 2);
    expect(await streamEventIds(c)).toEqual(ids);
  });

  /**
   * Six events stored while nothing listens on the proxy's port (so the first batch holds all of them), then the
   * proxy in front of a real Redis comes up with `hooks`; resolves once the backlog has drained.
   */
  async function firstBatchThrough(hooks: ProxyHooks): Promise<{ ids: number[]; c: Redis }> {
    const server = await redisServer();
    const port = await freePort();
    const t = await pipelineWith(`redis://127.0.0.1:${port}`);
    const ids = await send(t, 6);
    const proxy = await startTcpProxy(server.port, hooks, port);
    cleanup.push(() => proxy.close());
    await waitFor(() => t.pipeline.outboxBacklog().redis === 0, { what: 'the backlog drained' });
    return { ids, c: client(server.url) };
  }

  it('Redis refusing one XADD of a batch: the batch goes in whole on the next try, every event once, in order', async () => {
    let refused = false;
    const { ids, c } = await firstBatchThrough({
      // The batch's second XADD reaches Redis as an unknown command (as a transient -OOM or -MISCONF would).
      upstream: (chunk) => {
        const s = chunk.toString('latin1');
        const second = s.indexOf('$4\r\nxadd', s.indexOf('$4\r\nxadd') + 1);
        if (refused || second < 0) return chunk;
        refused = true;
        return Buffer.from(`${s.slice(0, second)}$4\r\nxadx${s.slice(second + 8)}`, 'latin1');
      },
    });
    expect(refused).toBe(true);
    expect(await streamEventIds(c)).toEqual(ids);
  });

  it('a connection cut after Redis ran a batch, before its answer: the batch is not appended twice', async () => {
    let cut = false;
    const { ids, c } = await firstBatchThrough({
      // The first answer that carries stream ids (the batch ran) never reaches the outbox.
      downstream: (chunk) => {
        if (cut || !/\d{13}-\d+/.test(chunk.toString('latin1'))) return 'pass';
        cut = true;
        return 'cut';
      },
    });
    expect(cut).toBe(true);
    expect(await streamEventIds(c)).toEqual(ids);
  });
});
