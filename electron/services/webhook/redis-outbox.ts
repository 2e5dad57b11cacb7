/**
 * The Redis outbox worker: appends every stored, non-duplicate event to the stream `redis.stream` (XADD MAXLEN ~),
 * in arrival order, retrying with backoff until Redis takes it. Redis down never affects the webhook: events wait
 * in the SQLite outbox (the backlog). After any uncertainty (a failed batch, a reconnect, a restart) the worker reads
 * the stream's tail first and skips what already got in, so an event is appended once.
 */
import type { Redis } from 'ioredis';
import type { ModuleLogger } from '../logging/types';
import { backoffDelay } from '../core/backoff';
import { closeRedisClient, createRedisClient } from '../core/redis-client';
import { Waker } from './backoff';
import type { EventStore } from './event-store';
import { storedStreamSource, streamFieldsOf, type StreamSource } from './stream-entry';
import type { OutboxRow } from './store-rows';

export interface RedisOutboxOptions {
  batchSize: number;
  baseDelayMs: number;
  maxDelayMs: number;
  connectTimeoutMs: number;
  /**
   * After a batch smaller than batchSize, wait this long for more before the next one (ms): under load, a few
   * larger appends (one query, one round trip, one commit each) cost far less than one per turn of the event loop.
   */
  gatherMs: number;
  /** Bytes of bodies kept in memory for their stream entries (past this, entries are read back from the store). */
  memoryBytes: number;
}

export const DEFAULT_REDIS_OPTIONS: RedisOutboxOptions = {
  batchSize: 500,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  connectTimeoutMs: 5_000,
  gatherMs: 10,
  memoryBytes: 8 * 1024 * 1024,
};

export interface RedisOutboxDeps {
  store: EventStore;
  log: ModuleLogger;
  /** '' → no Redis (the worker idles). */
  url: () => string;
  stream: () => string;
  /** Approximate cap of the stream (XADD MAXLEN ~). */
  maxLen: () => number;
  /** Delivery ids now in Redis (→ events:updated). */
  onQueued: (deliveryIds: number[]) => void;
  options?: Partial<RedisOutboxOptions>;
}

export interface RedisStatus {
  configured: boolean;
  connected: boolean;
  lastError: string | null;
}

/** How long an outbox row may wait for its in-memory copy before it is read from the store instead. */
const HANDOVER_WAIT_MS = 1_000;

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class RedisOutbox {
  private readonly opts: RedisOutboxOptions;
  private readonly waker = new Waker();
  private client: Redis | null = null;
  private clientUrl = '';
  private disposed = false;
  private loop: Promise<void> | null = null;
  private failures = 0;
  /** Set when we cannot be sure which of the last entries reached the stream. */
  private uncertain = true;
  private lastError: string | null = null;
  private down = false;
  /** Stream sources of events stored while running, by delivery id (the store is read only for the rest). */
  private readonly memory = new Map<number, StreamSource>();
  private memoryBytes = 0;
  /**
   * Every queued event up to this id has been handed over (remember()) or was stored before this worker started.
   * Later outbox rows are committed but not handed over yet: they wait for the next batch instead of being read
   * back from the store a moment before their copy arrives.
   */
  private handedOver: number;
  private waitingSince: { id: number; at: number } | null = null;
  private stopGathering: (() => void) | null = null;

  constructor(private readonly deps: RedisOutboxDeps) {
    this.opts = { ...DEFAULT_REDIS_OPTIONS, ...deps.options };
    this.handedOver = deps.store.lastDeliveryId();
  }

  start(): void {
    this.loop ??= this.run().catch((err) =>
      this.deps.log.error({ err: message(err) }, 'redis outbox stopped'),
    );
  }

  /** New events were stored, or settings changed. */
  kick(): void {
    this.waker.poke();
  }

  /** Keeps the stream entry of a just-stored, queued event, so appending it needs no read of the store. */
  remember(source: StreamSource): void {
    this.handedOver = Math.max(this.handedOver, source.id);
    if (this.memoryBytes + source.body.length > this.opts.memoryBytes || this.memory.has(source.id)) return;
    this.memory.set(source.id, source);
    this.memoryBytes += source.body.length;
  }

  /** Call when redis.url or redis.stream changed. */
  reconfigure(): void {
    this.uncertain = true;
    this.failures = 0;
    if (this.client && this.clientUrl !== this.deps.url()) this.closeClient();
    this.waker.poke();
  }

  status(): RedisStatus {
    return {
      configured: this.deps.url() !== '',
      connected: this.client?.status === 'ready',
      lastError: this.lastError,
    };
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.stopGathering?.();
    this.waker.poke();
    this.closeClient();
    await this.loop;
  }

  private closeClient(): void {
    const c = this.client;
    this.client = null;
    this.clientUrl = '';
    // A deliberate close is no outage: closeRedisClient drops our handlers (keeping errors handled) first.
    if (c) closeRedisClient(c);
  }

  private ensureClient(url: string): Redis {
    if (this.client && this.clientUrl === url) return this.client;
    this.closeClient();
    // Keep reconnecting for as long as the worker lives; outages are logged once, on each edge.
    const client = createRedisClient(url, {
      connectTimeoutMs: this.opts.connectTimeoutMs,
      maxRetriesPerRequest: 1,
      // A batch cut off before its answer may have run: it fails, and the stream's tail says what got in.
      resendUnanswered: false,
      reconnect: { stepMs: 100, maxMs: 2_000 },
      onError: (err) => this.markDown(err.message),
      name: 'kreo-outbox',
    });
    client.on('close', () => this.markDown('connection closed'));
    client.on('ready', () => {
      if (this.down) this.deps.log.info('Redis reachable again; draining the outbox');
      else this.deps.log.info({ stream: this.deps.stream() }, 'Redis connected');
      this.down = false;
      this.lastError = null;
      this.uncertain = true;
      this.waker.poke();
    });
    client.connect().catch(() => {
      // 'error' already logged; retryStrategy keeps trying.
    });
    this.client = client;
    this.clientUrl = url;
    return client;
  }

  /** Logs an outage once (the 'ready' handler logs the recovery). */
  private markDown(reason: string): void {
    this.lastError = reason;
    if (this.down || this.disposed) return;
    this.down = true;
    this.deps.log.warning(
      { err: reason },
      `Redis unreachable or refusing events (${reason}); they wait in the outbox (kreo events stats shows the backlog)`,
    );
  }

  private async run(): Promise<void> {
    while (!this.disposed) {
      const url = this.deps.url();
      if (!url) {
        this.closeClient();
        await this.waker.sleepUntil(Date.now() + 60_000);
        continue;
      }
      const client = this.ensureClient(url);
      if (client.status !== 'ready') {
        await this.waker.sleepUntil(Date.now() + 1_000);
        continue;
      }
      const pending = this.deps.store.pendingOutbox('redis', 0, this.opts.batchSize);
      const rows = this.handedOverPrefix(pending);
      if (rows.length === 0) {
        // Nothing, or only rows whose copy is on its way (the ingestor's kick wakes us; re-check within a second).
        await this.waker.sleepUntil(Date.now() + (pending.length ? HANDOVER_WAIT_MS : 60_000));
        continue;
      }
      try {
        await this.publish(client, rows);
        this.failures = 0;
        if (rows.length < this.opts.batchSize && this.opts.gatherMs > 0) await this.gather();
      } catch (err) {
        if (this.disposed) break;
        this.uncertain = true;
        this.failures += 1;
        this.markDown(message(err));
        const delay = backoffDelay(this.failures, {
          baseMs: this.opts.baseDelayMs,
          maxMs: this.opts.maxDelayMs,
        });
        this.deps.log.debug({ err: this.lastError, retryInMs: delay }, 'Redis append failed; will retry');
        await this.waker.sleepUntil(Date.now() + delay);
      }
    }
  }

  private forget(id: number): void {
    const source = this.memory.get(id);
    if (!source) return;
    this.memory.delete(id);
    this.memoryBytes -= source.body.length;
  }

  /**
   * The rows to append now, in order: up to the first one not handed over yet. A row still not handed over after
   * HANDOVER_WAIT_MS (its copy is never coming) is read back from the store like any other.
   */
  private handedOverPrefix(pending: OutboxRow[]): OutboxRow[] {
    const cut = pending.findIndex((r) => r.delivery_id > this.handedOver);
    if (cut === -1) {
      this.waitingSince = null;
      return pending;
    }
    const first = pending[cut]!.delivery_id;
    if (this.waitingSince?.id !== first) this.waitingSince = { id: first, at: Date.now() };
    else if (Date.now() - this.waitingSince.at >= HANDOVER_WAIT_MS) {
      this.handedOver = first;
      this.waitingSince = null;
      return this.handedOverPrefix(pending);
    }
    return pending.slice(0, cut);
  }

  /** Waits gatherMs (only dispose cuts it short) so that the next batch takes what arrived meanwhile. */
  private gather(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.stopGathering = null;
        resolve();
      }, this.opts.gatherMs);
      this.stopGathering = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Appends rows in order; marks done what Redis took; throws when a batch did not fully get in. */
  private async publish(client: Redis, rows: OutboxRow[]): Promise<void> {
    const stream = this.deps.stream();
    let pending = rows;
    if (this.uncertain) {
      const already = await this.alreadyInStream(client, stream, rows);
      if (already.length) {
        await this.markDone(already);
        pending = rows.slice(already.length);
      }
      this.uncertain = false;
    }
    if (pending.length === 0) return;
    const maxLen = String(this.deps.maxLen());
    // One transaction: Redis refusing any XADD (-OOM, -MISCONF…) discards the whole batch, so what is in the stream
    // is always a prefix of the rows, which the tail scan after a failure relies on.
    const pipe = client.multi();
    const sent: OutboxRow[] = [];
    const missing: OutboxRow[] = [];
    const instance = this.deps.store.instanceId;
    for (const row of pending) {
      const source = this.memory.get(row.delivery_id) ?? storedStreamSource(this.deps.store, row.delivery_id);
      if (!source) {
        missing.push(row);
        continue;
      }
      pipe.xadd(stream, 'MAXLEN', '~', maxLen, '*', ...streamFieldsOf(instance, source));
      sent.push(row);
    }
    const results = sent.length ? await answerOrClose(client, pipe.exec()) : [];
    const done: { row: OutboxRow; streamId: string | null }[] = [];
    let failure: unknown = null;
    for (let i = 0; i < sent.length; i++) {
      const [err, id] = results?.[i] ?? [new Error('no reply'), null];
      if (err) {
        failure = err;
        break; // later ones are uncertain: reconciled against the stream tail next time
      }
      done.push({ row: sent[i]!, streamId: String(id) });
    }
    for (const row of missing) done.push({ row, streamId: null });
    if (done.length) await this.markDone(done);
    if (failure) throw failure;
  }

  private async markDone(done: { row: OutboxRow; streamId: string | null }[]): Promise<void> {
    const store = this.deps.store;
    for (const d of done) this.forget(d.row.delivery_id);
    await store.committer.write(
      () =>
        store.markQueued(
          done.map((d) => ({ outboxId: d.row.id, deliveryId: d.row.delivery_id, streamId: d.streamId })),
        ),
      { durable: false },
    );
    this.deps.onQueued(done.map((d) => d.row.delivery_id));
  }

  /**
   * The prefix of `rows` already in the stream (entries of this store's instance), found by reading the stream's
   * tail newest-first in small pages until an older event of ours, or enough entries, have been seen.
   */
  private async alreadyInStream(
    client: Redis,
    stream: string,
    rows: OutboxRow[],
  ): Promise<{ row: OutboxRow; streamId: string | null }[]> {
    const first = rows[0]!.delivery_id;
    const ours = new Map<number, string>();
    let top = 0;
    let end = '+';
    let scanned = 0;
    scan: while (scanned < rows.length + 100) {
      const page = (await answerOrClose(client, client.xrevrange(stream, end, '-', 'COUNT', 25))) as [
        string,
        string[],
      ][];
      for (const [id, kv] of page) {
        scanned += 1;
        const f: Record<string, string> = {};
        for (let i = 0; i + 1 < kv.length; i += 2) if (kv[i] !== 'body') f[kv[i]!] = kv[i + 1]!;
        if (f.instance !== this.deps.store.instanceId) continue;
        const eventId = Number(f.event_id);
        ours.set(eventId, id);
        top = Math.max(top, eventId);
        if (eventId < first) break scan;
      }
      if (page.length < 25) break;
      end = `(${page[page.length - 1]![0]}`;
    }
    const out: { row: OutboxRow; streamId: string | null }[] = [];
    for (const row of rows) {
      if (row.delivery_id > top) break;
      out.push({ row, streamId: ours.get(row.delivery_id) ?? null });
    }
    if (out.length)
      this.deps.log.info({ count: out.length }, 'events already in the Redis stream were not re-added');
    return out;
  }
}

/**
 * `answer`, or a rejection if the connection closes first. The outbox client never re-sends a command cut off by a
 * dropped connection (it may have run), and ioredis then never settles it: this is how the worker hears of it.
 */
function answerOrClose<T>(client: Redis, answer: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const closed = () => reject(new Error('the connection to Redis closed before it answered'));
    client.once('close', closed);
    answer.then(
      (value) => {
        client.off('close', closed);
        resolve(value);
      },
      (err: unknown) => {
        client.off('close', closed);
        reject(err);
      },
    );
  });
}
