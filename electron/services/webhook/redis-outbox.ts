/**
 * The Redis outbox worker: appends every stored, non-duplicate event to the stream `redis.stream` (XADD MAXLEN ~),
 * in arrival order, retrying with backoff until Redis takes it. Redis down never affects the webhook: events wait
 * in the SQLite outbox (the backlog). After any uncertainty (a failed batch, a reconnect, a restart) the worker reads
 * the stream's tail first and skips what already got in, so an event is appended once.
 */
import { Redis } from 'ioredis';
import type { ModuleLogger } from '../logging/types';
import { backoffDelay, Waker } from './backoff';
import type { EventStore } from './event-store';
import { normaliseBody } from './parser';
import type { OutboxRow } from './store-rows';
import { iso } from './store-rows';

export interface RedisOutboxOptions {
  batchSize: number;
  baseDelayMs: number;
  maxDelayMs: number;
  connectTimeoutMs: number;
}

export const DEFAULT_REDIS_OPTIONS: RedisOutboxOptions = {
  batchSize: 200,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  connectTimeoutMs: 5_000,
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

/** The fields of one stream entry (documented in the README). */
export function streamFields(
  store: EventStore,
  row: OutboxRow,
): { fields: (string | Buffer)[]; found: boolean } {
  const stored = store.getBody(row.delivery_id);
  if (!stored) return { fields: [], found: false };
  const records = normaliseBody(stored.body);
  const distinct = (values: (string | null)[]) =>
    [...new Set(values.filter((v): v is string => !!v))].join(',');
  const fields: (string | Buffer)[] = [
    'event_id',
    String(stored.id),
    'instance',
    store.instanceId,
    'dedupe_key',
    `${store.instanceId}:${stored.id}`,
    'received_at',
    iso(stored.receivedAt),
    'source',
    stored.source,
    'signature',
    stored.signature,
    'kinds',
    distinct(records.map((r) => r.kind)),
    'fields',
    distinct(records.map((r) => r.field)),
    'message_ids',
    distinct(records.map((r) => r.messageId)),
    'waba_id',
    records.find((r) => r.wabaId)?.wabaId ?? '',
    'phone_number_id',
    records.find((r) => r.phoneNumberId)?.phoneNumberId ?? '',
    'content_type',
    stored.contentType,
    'x_hub_signature_256',
    stored.headers['x-hub-signature-256'] ?? '',
    'body',
    stored.body,
  ];
  return { fields, found: true };
}

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

  constructor(private readonly deps: RedisOutboxDeps) {
    this.opts = { ...DEFAULT_REDIS_OPTIONS, ...deps.options };
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
    this.waker.poke();
    this.closeClient();
    await this.loop;
  }

  private closeClient(): void {
    const c = this.client;
    this.client = null;
    this.clientUrl = '';
    if (c) {
      // A deliberate close is no outage: drop our handlers (keeping errors handled) before disconnecting.
      c.removeAllListeners();
      c.on('error', () => undefined);
      c.disconnect();
    }
  }

  private ensureClient(url: string): Redis {
    if (this.client && this.clientUrl === url) return this.client;
    this.closeClient();
    const client = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: this.opts.connectTimeoutMs,
      // Keep reconnecting for as long as the worker lives; outages are logged once, on each edge.
      retryStrategy: (times) => Math.min(100 * times, 2_000),
    });
    client.on('error', (err: Error) => this.markDown(err.message));
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
      const rows = this.deps.store.pendingOutbox('redis', 0, this.opts.batchSize);
      if (rows.length === 0) {
        await this.waker.sleepUntil(Date.now() + 60_000);
        continue;
      }
      try {
        await this.publish(client, rows);
        this.failures = 0;
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
    const pipe = client.pipeline();
    const sent: OutboxRow[] = [];
    const missing: OutboxRow[] = [];
    for (const row of pending) {
      const { fields, found } = streamFields(this.deps.store, row);
      if (!found) {
        missing.push(row);
        continue;
      }
      pipe.xadd(stream, 'MAXLEN', '~', maxLen, '*', ...fields);
      sent.push(row);
    }
    const results = sent.length ? await pipe.exec() : [];
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
      const page = (await client.xrevrange(stream, end, '-', 'COUNT', 25)) as [string, string[]][];
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
