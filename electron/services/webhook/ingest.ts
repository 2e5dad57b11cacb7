/**
 * Keep-before-ack: an accepted delivery gets its id and its duplicate / outbox decisions at arrival, is appended to
 * the ingest journal (durable: the promise resolves once its frame is on disk) and is acknowledged. Off the
 * acknowledgement path it is normalised into records, published live and, in batches (one transaction per
 * `APPLY_WINDOW_MS`), written to the event store's rows and indexes; then the outbox workers are woken. Frames the
 * store had not applied before a crash are applied at start (`recover()`). While the store refuses writes (full
 * disk), new deliveries are refused (503: Meta retries) and the acknowledged ones wait in memory and in the journal.
 */
import { createHash } from 'node:crypto';
import type { EventRecord } from '../../../shared/domain/events';
import type { ModuleLogger } from '../logging/types';
import type { EventStore, InsertedDelivery, JournaledDelivery } from './event-store';
import { IngestLog, type IngestLogOptions } from './ingest-log';
import type { IngestJournal, JournalFrame } from './ingest-journal';
import type { LiveFeed } from './live';
import { normaliseBody, normalisePayload } from './parser';
import type { IncomingDelivery } from './server';
import { iso, type DeliverySource } from './store-rows';

export interface IngestorDeps {
  store: () => EventStore | null;
  journal: () => IngestJournal | null;
  /** Which outboxes a new event joins (from settings at arrival). */
  targets: () => { redis: boolean; forward: boolean };
  live: LiveFeed;
  log: ModuleLogger;
  /** Called after new events joined an outbox (wake the outbox workers; keep what they will send). */
  onQueued: (events: QueuedEvent[]) => void;
  /** How stored events are logged (per event while few, summed up per window in a burst). */
  logOptions?: Partial<IngestLogOptions>;
}

/** A stored event that joined an outbox, with its records (so workers need not read it back). */
export interface QueuedEvent {
  delivery: IncomingDelivery | StoreInput;
  result: InsertedDelivery;
  records: EventRecord[];
}

export interface StoreInput extends Omit<IncomingDelivery, 'source' | 'parsed'> {
  source: DeliverySource;
  parsed?: unknown;
  /** false: never a duplicate and never queued (replays of edited bodies). */
  pipeline?: boolean;
}

interface Acked {
  delivery: IncomingDelivery | StoreInput;
  row: JournaledDelivery;
  seq: number;
  /** The body's hash key while this delivery is the original later copies are matched against. */
  hashKey: string | null;
}

interface ToApply {
  row: JournaledDelivery;
  seq: number;
  records: EventRecord[];
  hashKey: string | null;
  queued: QueuedEvent | null;
}

export function sha256(body: Uint8Array): Buffer {
  return createHash('sha256').update(body).digest();
}

/** Acknowledged deliveries reach the store's rows at most this long after their acknowledgement, or past this many. */
const APPLY_WINDOW_MS = 20;
const APPLY_MAX_PENDING = 500;
/** While the store refuses writes, applying is retried this often (and before every new delivery). */
const APPLY_RETRY_MS = 1_000;

/** The frame meta of a journaled delivery (the body is the frame's payload). */
function toMeta(r: JournaledDelivery): Record<string, unknown> {
  return {
    id: r.id,
    at: r.receivedAt,
    src: r.source,
    sig: r.signature,
    ct: r.contentType,
    h: r.headers,
    dup: r.duplicateOf,
    q: r.queued,
    f: r.forward,
  };
}

function fromFrame(f: JournalFrame): JournaledDelivery {
  const m = f.meta;
  return {
    id: m.id as number,
    receivedAt: m.at as number,
    source: m.src as DeliverySource,
    signature: m.sig as JournaledDelivery['signature'],
    contentType: m.ct as string,
    headers: m.h as Record<string, string>,
    duplicateOf: (m.dup as number | null) ?? null,
    queued: m.q as JournaledDelivery['queued'],
    forward: m.f as JournaledDelivery['forward'],
    body: f.body,
    hash: sha256(f.body),
  };
}

export class Ingestor {
  private post: Acked[] = [];
  private postScheduled = false;
  private toApply: ToApply[] = [];
  private applyTimer: NodeJS.Timeout | null = null;
  private applying: Promise<void> | null = null;
  private applyError: unknown = null;
  /** Originals acknowledged but not yet in the store's rows, by body hash: later copies are their duplicates. */
  private readonly unapplied = new Map<string, number>();
  private nextId = 0;
  private readonly ingestLog: IngestLog;

  constructor(private readonly deps: IngestorDeps) {
    this.ingestLog = new IngestLog(deps.log, deps.logOptions);
  }

  /** Resolves once the delivery is durably journaled; rejects when it cannot be (the listener answers 503). */
  async ingest(d: IncomingDelivery | StoreInput): Promise<InsertedDelivery> {
    const store = this.deps.store();
    const journal = this.deps.journal();
    if (!store || !journal) throw new Error('event store is not open');
    if (this.applyError) await this.applyNow();
    const inPipeline = !('pipeline' in d) || d.pipeline !== false;
    const targets = inPipeline ? this.deps.targets() : { redis: false, forward: false };
    const hash = sha256(d.body);
    const key = hash.toString('base64');
    const duplicateOf = inPipeline ? (this.unapplied.get(key) ?? store.idByHash(hash)) : null;
    this.nextId ||= store.nextDeliveryId();
    const row: JournaledDelivery = {
      id: this.nextId++,
      receivedAt: d.receivedAt,
      source: d.source,
      signature: d.signature,
      contentType: d.contentType,
      body: d.body,
      hash,
      headers: d.headers,
      duplicateOf,
      queued: !duplicateOf && targets.redis ? 'pending' : 'none',
      forward: !duplicateOf && targets.forward ? 'pending' : 'none',
    };
    const hashKey = inPipeline && !duplicateOf && d.source !== 'replay' ? key : null;
    if (hashKey) this.unapplied.set(hashKey, row.id);
    let seq: number;
    try {
      seq = await journal.append(toMeta(row), d.body);
    } catch (err) {
      if (hashKey && this.unapplied.get(hashKey) === row.id) this.unapplied.delete(hashKey);
      throw err;
    }
    this.post.push({ delivery: d, row, seq, hashKey });
    if (!this.postScheduled) {
      this.postScheduled = true;
      setImmediate(() => this.afterAck());
    }
    return { id: row.id, duplicateOf, queued: row.queued, forward: row.forward };
  }

  /** Runs after the 200s of a batch went out: normalise, publish, log; the rows follow within the apply window. */
  private afterAck(): void {
    this.postScheduled = false;
    const batch = this.post;
    this.post = [];
    for (const { delivery, row, seq, hashKey } of batch) {
      const records =
        delivery.parsed !== undefined ? normalisePayload(delivery.parsed) : normaliseBody(delivery.body);
      const result: InsertedDelivery = {
        id: row.id,
        duplicateOf: row.duplicateOf,
        queued: row.queued,
        forward: row.forward,
      };
      this.deps.live.add({
        id: row.id,
        receivedAt: iso(row.receivedAt),
        signature: row.signature,
        bodySize: row.body.length,
        duplicateOf: row.duplicateOf,
        duplicates: 0,
        records,
        forward: row.forward,
        queued: row.queued,
        source: row.source,
      });
      const queued =
        row.queued === 'pending' || row.forward === 'pending' ? { delivery, result, records } : null;
      this.toApply.push({ row, seq, records, hashKey, queued });
      this.ingestLog.stored({
        result,
        records,
        source: row.source,
        signature: row.signature,
        bytes: row.body.length,
      });
    }
    if (this.toApply.length >= APPLY_MAX_PENDING) void this.apply().catch(() => undefined);
    else this.applyTimer ??= setTimeout(() => void this.apply().catch(() => undefined), APPLY_WINDOW_MS);
  }

  /**
   * Writes the acknowledged deliveries waiting for their rows in one transaction (not flushed to disk: the journal
   * holds them). Batches are queued in order; the store refuses one that does not follow the last it applied, so
   * its journal position only moves forward without gaps even when an earlier batch failed.
   */
  private apply(): Promise<void> {
    if (this.applyTimer) clearTimeout(this.applyTimer);
    this.applyTimer = null;
    const store = this.deps.store();
    const items = this.toApply;
    if (!store || items.length === 0) return this.applying ?? Promise.resolve();
    this.toApply = [];
    const firstSeq = items[0]!.seq;
    const lastSeq = items[items.length - 1]!.seq;
    const run = store.committer
      .write(() => store.applyDeliveries(items, firstSeq, lastSeq), { durable: false })
      .then(
        () => this.applied(items, lastSeq),
        (err: unknown) => {
          // Nothing is lost (the journal has them); they wait in order, and new deliveries are refused meanwhile.
          this.toApply = items.concat(this.toApply).sort((x, y) => x.seq - y.seq);
          if (!this.applyError)
            this.deps.log.error(
              { err: String(err), waiting: this.toApply.length },
              'the event store refuses writes: acknowledged events wait in the journal; new ones get 503 until it takes them',
            );
          this.applyError = err;
          this.applyTimer ??= setTimeout(() => void this.apply().catch(() => undefined), APPLY_RETRY_MS);
          throw err;
        },
      )
      .finally(() => {
        if (this.applying === run) this.applying = null;
      });
    this.applying = run;
    return run;
  }

  private applied(items: ToApply[], lastSeq: number): void {
    if (this.applyError) {
      this.applyError = null;
      this.deps.log.info('the event store takes writes again; new events are accepted');
    }
    const queued: QueuedEvent[] = [];
    const changedOriginals = new Set<number>();
    for (const it of items) {
      if (it.hashKey && this.unapplied.get(it.hashKey) === it.row.id) this.unapplied.delete(it.hashKey);
      if (it.row.duplicateOf) changedOriginals.add(it.row.duplicateOf);
      if (it.queued) queued.push(it.queued);
    }
    this.deps.journal()?.applied(lastSeq);
    if (changedOriginals.size) this.deps.live.change(changedOriginals);
    if (queued.length) this.deps.onQueued(queued);
  }

  /**
   * Makes every acknowledged delivery visible to the store's readers now: commits the pending rows synchronously
   * (unless a WAL restart holds the writer for a moment). Returns the write, which rejects while the store refuses.
   */
  applyNow(): Promise<void> {
    const run = this.apply();
    this.deps.store()?.committer.flush();
    return run;
  }

  /** Writes pending rows and the pending log summary (before the store closes). */
  async flush(): Promise<void> {
    this.ingestLog.flush();
    await this.applyNow().catch(() => undefined);
  }

  /** Applies journal frames the store had not applied before the last stop (a crash between ack and apply). */
  async recover(frames: JournalFrame[]): Promise<number> {
    const store = this.deps.store();
    if (!store || frames.length === 0) return 0;
    for (let i = 0; i < frames.length; i += APPLY_MAX_PENDING) {
      const chunk = frames.slice(i, i + APPLY_MAX_PENDING).map((f) => {
        const row = fromFrame(f);
        return { row, records: normaliseBody(row.body) };
      });
      const [first, last] = [frames[i]!.seq, frames[Math.min(frames.length, i + APPLY_MAX_PENDING) - 1]!.seq];
      await store.committer.write(() => store.applyDeliveries(chunk, first, last), { durable: false });
    }
    this.deps.log.info(
      { count: frames.length },
      `applied ${frames.length} acknowledged event(s) from the ingest journal that were not in the store yet`,
    );
    return frames.length;
  }
}
