/**
 * Keep-before-ack: an accepted delivery gets its id at arrival, is appended to the ingest journal (durable: the
 * promise resolves once its frame is on disk) and is acknowledged. Off the acknowledgement path, in batches (one
 * transaction per `APPLY_WINDOW_MS`), it is normalised into records and written to the event store, which decides
 * duplicates and outbox rows; then it is published live, logged, and the outbox workers are woken. Frames the store
 * had not applied before a crash are applied when the store is opened (store-open.ts). While the store refuses writes (full disk), new
 * deliveries are refused (503: Meta retries) and the acknowledged ones wait in memory and in the journal.
 */
import type { EventRecord } from '../../../shared/domain/events';
import type { ModuleLogger } from '../logging/types';
import type { EventStore, InsertedDelivery, JournaledDelivery } from './event-store';
import { IngestLog, type IngestLogOptions } from './ingest-log';
import { toFrameMeta } from './delivery-frame';
import type { IngestJournal } from './ingest-journal';
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

/** An acknowledged delivery waiting for its rows. */
interface ToApply {
  row: JournaledDelivery;
  seq: number;
  /** As it arrived (null when read back from the journal at start). */
  delivery: IncomingDelivery | StoreInput | null;
  records: EventRecord[];
}

/** Acknowledged deliveries reach the store at most this long after their acknowledgement, or past this many. */
const APPLY_WINDOW_MS = 20;
const APPLY_MAX_PENDING = 500;
/** While the store refuses writes, applying is retried this often (and before every new delivery). */
const APPLY_RETRY_MS = 1_000;

export class Ingestor {
  private toApply: ToApply[] = [];
  private applyTimer: NodeJS.Timeout | null = null;
  private applying: Promise<void> | null = null;
  private applyError: unknown = null;
  private closed = false;
  private nextId = 0;
  private readonly ingestLog: IngestLog;

  constructor(private readonly deps: IngestorDeps) {
    this.ingestLog = new IngestLog(deps.log, deps.logOptions);
  }

  /** Resolves with the event's id once it is durably journaled; rejects when it cannot be (503). */
  async ingest(d: IncomingDelivery | StoreInput): Promise<{ id: number }> {
    const store = this.deps.store();
    const journal = this.deps.journal();
    if (this.closed || !store || !journal) throw new Error('event store is not open');
    if (this.applyError) await this.applyNow();
    const inPipeline = !('pipeline' in d) || d.pipeline !== false;
    this.nextId ||= store.nextDeliveryId();
    const row: JournaledDelivery = {
      id: this.nextId++,
      receivedAt: d.receivedAt,
      source: d.source,
      signature: d.signature,
      contentType: d.contentType,
      body: d.body,
      headers: d.headers,
      targets: inPipeline ? this.deps.targets() : { redis: false, forward: false },
      dedupe: inPipeline,
    };
    const seq = await journal.append(toFrameMeta(row), d.body);
    this.toApply.push({ row, seq, delivery: d, records: [] });
    if (this.toApply.length >= APPLY_MAX_PENDING) this.applySoon();
    else this.applyTimer ??= setTimeout(() => this.applySoon(), APPLY_WINDOW_MS);
    return { id: row.id };
  }

  private applySoon(): void {
    void this.apply().catch(() => undefined);
  }

  /**
   * Writes the acknowledged deliveries waiting for their rows in one transaction (not flushed to disk: the journal
   * holds them), then publishes them. Batches are queued in order; the store refuses one that does not follow the
   * last it applied, so nothing is skipped when an earlier batch failed.
   */
  private apply(): Promise<void> {
    if (this.applyTimer) clearTimeout(this.applyTimer);
    this.applyTimer = null;
    const store = this.deps.store();
    const items = this.toApply;
    if (!store || items.length === 0) return this.applying ?? Promise.resolve();
    this.toApply = [];
    for (const it of items) {
      if (it.records.length === 0 && it.delivery) {
        const d = it.delivery;
        it.records = d.parsed !== undefined ? normalisePayload(d.parsed) : normaliseBody(d.body);
      }
    }
    const firstSeq = items[0]!.seq;
    const lastSeq = items[items.length - 1]!.seq;
    const run = store.committer
      .write(() => store.applyDeliveries(items, firstSeq, lastSeq), { durable: false })
      .then(
        (results) => this.applied(items, results, lastSeq),
        (err: unknown) => {
          // Nothing is lost (the journal has them); they wait in order, and new deliveries are refused meanwhile.
          this.toApply = items.concat(this.toApply).sort((x, y) => x.seq - y.seq);
          if (!this.applyError)
            this.deps.log.error(
              { err: String(err), waiting: this.toApply.length },
              'the event store refuses writes: acknowledged events wait in the journal; new ones get 503 until it takes them',
            );
          this.applyError = err;
          if (!this.closed) this.applyTimer ??= setTimeout(() => this.applySoon(), APPLY_RETRY_MS);
          throw err;
        },
      )
      .finally(() => {
        if (this.applying === run) this.applying = null;
      });
    this.applying = run;
    return run;
  }

  /** After a batch is in the store: push it live, log it, wake the outbox workers. */
  private applied(items: ToApply[], results: InsertedDelivery[], lastSeq: number): void {
    if (this.applyError) {
      this.applyError = null;
      this.deps.log.info('the event store takes writes again; new events are accepted');
    }
    const queued: QueuedEvent[] = [];
    const changedOriginals = new Set<number>();
    items.forEach(({ row, delivery, records }, i) => {
      const result = results[i]!;
      this.deps.live.add({
        id: row.id,
        receivedAt: iso(row.receivedAt),
        signature: row.signature,
        bodySize: row.body.length,
        duplicateOf: result.duplicateOf,
        duplicates: 0,
        records,
        forward: result.forward,
        queued: result.queued,
        source: row.source,
      });
      if (result.duplicateOf) changedOriginals.add(result.duplicateOf);
      if (delivery && (result.queued === 'pending' || result.forward === 'pending'))
        queued.push({ delivery, result, records });
      this.ingestLog.stored({
        result,
        records,
        source: row.source,
        signature: row.signature,
        bytes: row.body.length,
      });
    });
    this.deps.journal()?.applied(lastSeq);
    if (changedOriginals.size) this.deps.live.change(changedOriginals);
    if (queued.length) this.deps.onQueued(queued);
  }

  /**
   * Makes every acknowledged delivery visible to the store's readers now: commits the waiting rows synchronously
   * (unless a WAL restart holds the writer for a moment). Returns the write, which rejects while the store refuses.
   */
  applyNow(): Promise<void> {
    const run = this.apply();
    this.deps.store()?.committer.flush();
    return run;
  }

  /**
   * Writes the waiting rows and the pending log summary, then stops: no timer left, later ingests refused. Called
   * after the journal has closed (so every append that will ever be acknowledged has been) and before the store does.
   */
  async close(): Promise<void> {
    this.closed = true;
    await this.applyNow().catch(() => undefined);
    if (this.applyTimer) clearTimeout(this.applyTimer);
    this.applyTimer = null;
    this.ingestLog.flush();
  }
}
