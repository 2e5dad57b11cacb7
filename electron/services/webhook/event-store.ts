/**
 * The embedded event store: `<home>/data/events.db` (SQLite, WAL). Acknowledged deliveries reach it from the ingest
 * journal in batches (`applyDeliveries`, see ingest.ts). Write methods are synchronous and meant to run inside a
 * GroupCommitter batch (`store.committer.write(() => store.markQueued(...))`; `{ durable: true }` also waits for a
 * flush of the WAL). Reads for the panel and the CLI are in `store.queries` (event-queries.ts); they run directly and
 * see committed data only.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { EventRecord } from '../../../shared/domain/events';
import { GroupCommitter } from './group-commit';
import { WalCheckpointer } from './wal-checkpointer';
import { EventQueries, type StoredBody } from './event-queries';
import { MIGRATIONS } from './store-schema';
import {
  recordToRow,
  type ForwardState,
  type OutboxRow,
  type OutboxTarget,
  type QueueState,
} from './store-rows';

/** A delivery as the ingest journal holds it: what is stored of it, and which outboxes it joins. */
export interface JournaledDelivery extends StoredBody {
  /** Which outboxes it joins unless it is a duplicate (settings at arrival). */
  targets: { redis: boolean; forward: boolean };
  /** false: never taken for a duplicate, nor matched by later deliveries (edited replays). */
  dedupe: boolean;
}

export function sha256(body: Uint8Array): Buffer {
  return createHash('sha256').update(body).digest();
}

export interface InsertedDelivery {
  id: number;
  duplicateOf: number | null;
  queued: QueueState;
  forward: ForwardState;
}

export interface NewAttempt {
  deliveryId: number;
  at: number;
  target: string;
  statusCode: number | null;
  latencyMs: number | null;
  error: string | null;
  replay: boolean;
}

const CHUNK = 500;

export class EventStore {
  readonly db: Database.Database;
  readonly committer: GroupCommitter;
  /** Random id of this store, persisted: stream entries carry it so `instance:event_id` is globally unique. */
  readonly instanceId: string;
  readonly file: string;
  /** Runs WAL checkpoints in a worker thread from the first commit on (none for read-only uses such as the CLI). */
  readonly checkpointer: WalCheckpointer;
  /** Why checkpoints fell back to the writer's thread, if they did. */
  checkpointFallback: string | null = null;
  private readonly stmt: ReturnType<typeof prepareStatements>;
  /** Reads for the panel, the CLI and the outbox workers (event-queries.ts). */
  readonly queries: EventQueries;

  static open(dataDir: string): EventStore {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    return new EventStore(path.join(dataDir, 'events.db'));
  }

  constructor(file: string) {
    this.file = file;
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // Commits do not wait for the disk; the committer flushes the WAL itself, off the event loop (group-commit.ts).
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    this.instanceId = this.ensureInstanceId();
    // A WAL that grew during a burst is cut back to this size when it starts over.
    this.db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    this.checkpointer = new WalCheckpointer({
      dbPath: file,
      onRelease: () => this.committer.flush(),
      onFailure: (err) => {
        this.checkpointFallback = err instanceof Error ? err.message : String(err);
        if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
      },
    });
    this.committer = new GroupCommitter(this.db, {
      walPath: `${file}-wal`,
      dbPath: file,
      onCommit: () => this.committed(),
      holding: () => this.checkpointer.holding(),
    });
    this.stmt = prepareStatements(this.db);
    this.queries = new EventQueries(this.db);
  }

  private checkpointsStarted = false;

  private committed(): void {
    if (!this.checkpointsStarted) {
      this.checkpointsStarted = true;
      // From now on the writer's commits never checkpoint (and never stall on the disk for it).
      if (this.checkpointer.start()) this.db.pragma('wal_autocheckpoint = 0');
    }
    this.checkpointer.committed();
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  private ensureInstanceId(): string {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'instance'").get() as
      { value: string } | undefined;
    if (row) return row.value;
    const id = randomUUID();
    this.db.prepare("INSERT INTO meta (key, value) VALUES ('instance', ?)").run(id);
    return id;
  }

  // ── writes (inside a committer batch) ──────────────────────────────────────────────────────────────

  /**
   * Writes the rows of journaled deliveries with their records, in the caller's transaction, and remembers the last
   * journal frame applied. A body identical to an earlier original (also one earlier in this batch) makes the
   * delivery a duplicate: counted on the original, never queued or forwarded. Refuses a batch that does not follow
   * the last frame applied, so the store's journal position only moves forward, without gaps.
   */
  applyDeliveries(
    items: { row: JournaledDelivery; records: EventRecord[] }[],
    firstSeq: number,
    lastSeq: number,
  ): InsertedDelivery[] {
    const at = Number(this.stmt.journalSeq.get()?.value ?? 0);
    if (at !== firstSeq - 1)
      throw new Error(
        `journal frames ${firstSeq}–${lastSeq} do not follow frame ${at}, the last one applied`,
      );
    const results = items.map(({ row: d, records }) => {
      const hash = sha256(d.body);
      const duplicateOf = d.dedupe ? (this.stmt.findOriginal.get(hash)?.id ?? null) : null;
      const queued: QueueState = !duplicateOf && d.targets.redis ? 'pending' : 'none';
      const forward: ForwardState = !duplicateOf && d.targets.forward ? 'pending' : 'none';
      this.stmt.insertDelivery.run({
        id: d.id,
        receivedAt: d.receivedAt,
        source: d.source,
        signature: d.signature,
        contentType: d.contentType,
        body: d.body,
        bodySize: d.body.length,
        hash,
        headers: JSON.stringify(d.headers),
        duplicateOf,
        queued,
        forward,
      });
      if (duplicateOf) {
        this.stmt.bumpDuplicates.run(duplicateOf);
        this.stmt.insertDuplicate.run(d.id, duplicateOf, d.receivedAt);
      }
      if (queued === 'pending') this.stmt.insertOutbox.run(d.id, 'redis', d.receivedAt, d.receivedAt);
      if (forward === 'pending') this.stmt.insertOutbox.run(d.id, 'forward', d.receivedAt, d.receivedAt);
      records.forEach((r, i) => this.stmt.insertRecord.run(recordToRow(d.id, i, r)));
      return { id: d.id, duplicateOf, queued, forward };
    });
    this.stmt.setJournalSeq.run(String(lastSeq));
    return results;
  }

  /** The last ingest-journal frame whose delivery is in the store (0: none). */
  journalSeq(): number {
    return Number(this.stmt.journalSeq.get()?.value ?? 0);
  }

  /** The id the next delivery gets: ids are never reused, even after retention removed the newest. */
  nextDeliveryId(): number {
    const row = this.db
      .prepare(
        "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'deliveries'), 0), coalesce((SELECT max(id) FROM deliveries), 0)) AS m",
      )
      .get() as { m: number };
    return row.m + 1;
  }

  /** Redis took these outbox rows. */
  markQueued(done: { outboxId: number; deliveryId: number; streamId: string | null }[]): void {
    for (const d of done) {
      this.stmt.deleteOutbox.run(d.outboxId);
      this.stmt.setQueued.run(d.streamId, d.deliveryId);
    }
  }

  /** A forward outbox row finished: delivered, or given up. */
  finishForward(outboxId: number, deliveryId: number, state: 'delivered' | 'failed'): void {
    this.stmt.deleteOutbox.run(outboxId);
    this.stmt.setForward.run(state, deliveryId);
  }

  retryLater(outboxId: number, nextAt: number, error: string): void {
    this.stmt.retryOutbox.run(nextAt, error, outboxId);
  }

  insertAttempt(a: NewAttempt): void {
    this.stmt.insertAttempt.run({ ...a, replay: a.replay ? 1 : 0 });
  }

  /**
   * Removes deliveries past the retention (older than `days`, or beyond the newest `count`), never one still
   * pending in an outbox. At most `CHUNK` per call; returns how many went.
   */
  pruneChunk(now: number, count: number, days: number): number {
    const cutoffTime = now - days * 86_400_000;
    const nth = this.db.prepare('SELECT id FROM deliveries ORDER BY id DESC LIMIT 1 OFFSET ?').get(count) as
      { id: number } | undefined;
    const cutoffId = nth?.id ?? 0;
    const ids = (
      this.db
        .prepare(
          `SELECT id FROM deliveries WHERE (received_at < ? OR id <= ?)
             AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.delivery_id = deliveries.id)
           ORDER BY id LIMIT ?`,
        )
        .all(cutoffTime, cutoffId, CHUNK) as { id: number }[]
    ).map((r) => r.id);
    if (ids.length === 0) return 0;
    const list = JSON.stringify(ids);
    for (const [table, column] of [
      ['records', 'delivery_id'],
      ['attempts', 'delivery_id'],
      ['duplicates', 'delivery_id'],
      ['deliveries', 'id'],
    ] as const) {
      this.db.prepare(`DELETE FROM ${table} WHERE ${column} IN (SELECT value FROM json_each(?))`).run(list);
    }
    return ids.length;
  }

  // ── outbox reads ──────────────────────────────────────────────────────────────────────────────────

  pendingOutbox(target: OutboxTarget, afterId: number, limit: number): OutboxRow[] {
    return this.stmt.pendingOutbox.all(target, afterId, limit);
  }

  dueOutbox(target: OutboxTarget, now: number, limit: number): OutboxRow[] {
    return this.stmt.dueOutbox.all(target, now, limit);
  }

  /** Earliest next_at among pending rows of a target, ignoring `exclude` (rows in flight). */
  nextDue(target: OutboxTarget, exclude: Iterable<number> = []): number | null {
    return this.stmt.nextDue.get(target, JSON.stringify([...exclude]))?.next ?? null;
  }

  /** The newest delivery id (0 when empty). */
  lastDeliveryId(): number {
    const row = this.db.prepare('SELECT max(id) AS m FROM deliveries').get() as { m: number | null };
    return row.m ?? 0;
  }

  backlog(): { redis: number; forward: number } {
    const out = { redis: 0, forward: 0 };
    for (const row of this.stmt.backlog.all()) {
      if (row.target === 'redis' || row.target === 'forward') out[row.target] = row.n;
    }
    return out;
  }

  /** Commits queued writes, waits for their flush, then closes the database. */
  async close(): Promise<void> {
    try {
      await this.checkpointer.close();
      await this.committer.close();
    } finally {
      if (this.db.open) this.db.close();
    }
  }
}

function prepareStatements(db: Database.Database) {
  return {
    findOriginal: db.prepare<[Buffer], { id: number }>(
      "SELECT id FROM deliveries WHERE body_hash = ? AND duplicate_of IS NULL AND source <> 'replay' ORDER BY id LIMIT 1",
    ),
    insertDelivery: db.prepare(
      `INSERT INTO deliveries (id, received_at, source, signature, content_type, body, body_size, body_hash, headers,
         duplicate_of, queued, forward, parsed)
       VALUES (@id, @receivedAt, @source, @signature, @contentType, @body, @bodySize, @hash, @headers,
         @duplicateOf, @queued, @forward, 1)`,
    ),
    journalSeq: db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'journal_seq'"),
    setJournalSeq: db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('journal_seq', ?)"),
    bumpDuplicates: db.prepare('UPDATE deliveries SET duplicates = duplicates + 1 WHERE id = ?'),
    insertDuplicate: db.prepare(
      'INSERT INTO duplicates (delivery_id, original_id, received_at) VALUES (?, ?, ?)',
    ),
    insertOutbox: db.prepare(
      'INSERT INTO outbox (delivery_id, target, created_at, next_at) VALUES (?, ?, ?, ?)',
    ),
    insertRecord: db.prepare(
      `INSERT OR REPLACE INTO records (delivery_id, idx, kind, field, waba_id, phone_number_id, message_id, sender,
         sender_type, recipient, message_type, status, error_codes, error_titles, ts, text)
       VALUES (@delivery_id, @idx, @kind, @field, @waba_id, @phone_number_id, @message_id, @sender, @sender_type,
         @recipient, @message_type, @status, @error_codes, @error_titles, @ts, @text)`,
    ),
    deleteOutbox: db.prepare('DELETE FROM outbox WHERE id = ?'),
    setQueued: db.prepare("UPDATE deliveries SET queued = 'queued', stream_id = ? WHERE id = ?"),
    setForward: db.prepare('UPDATE deliveries SET forward = ? WHERE id = ?'),
    retryOutbox: db.prepare(
      'UPDATE outbox SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE id = ?',
    ),
    insertAttempt: db.prepare(
      `INSERT INTO attempts (delivery_id, at, target, status_code, latency_ms, error, replay)
       VALUES (@deliveryId, @at, @target, @statusCode, @latencyMs, @error, @replay)`,
    ),
    pendingOutbox: db.prepare<[OutboxTarget, number, number], OutboxRow>(
      'SELECT * FROM outbox WHERE target = ? AND id > ? ORDER BY id LIMIT ?',
    ),
    dueOutbox: db.prepare<[OutboxTarget, number, number], OutboxRow>(
      'SELECT * FROM outbox WHERE target = ? AND next_at <= ? ORDER BY id LIMIT ?',
    ),
    nextDue: db.prepare<[OutboxTarget, string], { next: number | null }>(
      'SELECT min(next_at) AS next FROM outbox WHERE target = ? AND id NOT IN (SELECT value FROM json_each(?))',
    ),
    backlog: db.prepare<[], { target: string; n: number }>(
      'SELECT target, count(*) AS n FROM outbox GROUP BY target',
    ),
  };
}
