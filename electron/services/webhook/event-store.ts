/**
 * The embedded event store: `<home>/data/events.db` (SQLite, WAL). Acknowledged deliveries reach it from the ingest
 * journal in batches (`applyDeliveries`, see ingest.ts). Write methods are synchronous and meant to run inside a
 * GroupCommitter batch (`store.committer.write(() => store.markQueued(...))`; `{ durable: true }` also waits for a
 * flush of the WAL); reads run directly and see committed data only.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type {
  EventDetail,
  EventRecord,
  EventsListInput,
  EventSummary,
  SignatureResult,
} from '../../../shared/domain/events';
import { GroupCommitter } from './group-commit';
import { WalCheckpointer } from './wal-checkpointer';
import { normaliseBody } from './parser';
import { MIGRATIONS } from './store-schema';
import {
  DELIVERY_COLUMNS,
  recordToRow,
  rowToAttempt,
  rowToRecord,
  rowToSummary,
  type AttemptRow,
  type DeliveryRow,
  type DeliverySource,
  type ForwardState,
  type OutboxRow,
  type OutboxTarget,
  type QueueState,
  type RecordRow,
} from './store-rows';

/** A delivery as the ingest journal holds it: what arrived, its id, and which outboxes it joins. */
export interface JournaledDelivery {
  id: number;
  receivedAt: number;
  source: DeliverySource;
  signature: SignatureResult;
  contentType: string;
  body: Buffer;
  headers: Record<string, string>;
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

export interface StoredBody {
  id: number;
  receivedAt: number;
  source: DeliverySource;
  signature: SignatureResult;
  contentType: string;
  body: Buffer;
  headers: Record<string, string>;
}

export interface ListFilter extends Omit<EventsListInput, 'since' | 'limit'> {
  /** Epoch ms */
  sinceMs?: number;
  limit: number;
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

  // ── reads ─────────────────────────────────────────────────────────────────────────────────────────

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

  getBody(id: number): StoredBody | null {
    const row = this.stmt.body.get(id);
    if (!row) return null;
    return {
      id: row.id,
      receivedAt: row.received_at,
      source: row.source as DeliverySource,
      signature: row.signature as SignatureResult,
      contentType: row.content_type,
      body: row.body,
      headers: JSON.parse(row.headers) as Record<string, string>,
    };
  }

  /** Records of these deliveries; those not written yet (parsed = 0) are parsed from the body. */
  private recordsOf(rows: DeliveryRow[]): Map<number, EventRecord[]> {
    const map = this.recordsFor(rows.filter((r) => r.parsed === 1).map((r) => r.id));
    for (const row of rows) {
      if (row.parsed === 1) continue;
      const stored = this.stmt.body.get(row.id);
      map.set(row.id, stored ? normaliseBody(stored.body) : []);
    }
    return map;
  }

  recordsFor(ids: number[]): Map<number, EventRecord[]> {
    const map = new Map<number, EventRecord[]>();
    if (ids.length === 0) return map;
    const rows = this.db
      .prepare(
        'SELECT * FROM records WHERE delivery_id IN (SELECT value FROM json_each(?)) ORDER BY delivery_id, idx',
      )
      .all(JSON.stringify(ids)) as RecordRow[];
    for (const row of rows) {
      const list = map.get(row.delivery_id) ?? [];
      list.push(rowToRecord(row));
      map.set(row.delivery_id, list);
    }
    return map;
  }

  summaries(ids: number[]): EventSummary[] {
    if (ids.length === 0) return [];
    const rows = this.db
      .prepare(
        `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`,
      )
      .all(JSON.stringify(ids)) as DeliveryRow[];
    const records = this.recordsOf(rows);
    return rows.map((r) => rowToSummary(r, records.get(r.id) ?? []));
  }

  list(f: ListFilter): EventSummary[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.beforeId !== undefined) {
      where.push('d.id < ?');
      args.push(f.beforeId);
    }
    if (f.sinceMs !== undefined) {
      where.push('d.received_at >= ?');
      args.push(f.sinceMs);
    }
    const rec: string[] = [];
    const recArgs: unknown[] = [];
    const add = (sql: string, ...values: unknown[]) => {
      rec.push(sql);
      recArgs.push(...values);
    };
    if (f.kind) add('r.kind = ?', f.kind);
    if (f.status) add('r.status = ?', f.status);
    if (f.messageId) add('r.message_id = ?', f.messageId);
    if (f.party) {
      add('(r.sender = ? OR r.recipient = ? OR r.phone_number_id = ?)', f.party, f.party, f.party);
    }
    if (f.text) {
      add("r.text LIKE ? ESCAPE '\\'", `%${f.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    }
    if (rec.length) {
      // Selective filters (ids) find candidates through their index; broad ones probe newest-first.
      if (f.messageId || f.party)
        where.push(`d.id IN (SELECT r.delivery_id FROM records r WHERE ${rec.join(' AND ')})`);
      else where.push(`EXISTS (SELECT 1 FROM records r WHERE r.delivery_id = d.id AND ${rec.join(' AND ')})`);
      args.push(...recArgs);
    }
    const sql = `SELECT ${DELIVERY_COLUMNS} FROM deliveries d ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY d.id DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...args, f.limit) as DeliveryRow[];
    const records = this.recordsOf(rows);
    return rows.map((r) => rowToSummary(r, records.get(r.id) ?? []));
  }

  detail(id: number): EventDetail | null {
    const summary = this.summaries([id])[0];
    const stored = this.getBody(id);
    if (!summary || !stored) return null;
    const stream = this.db.prepare('SELECT stream_id FROM deliveries WHERE id = ?').get(id) as {
      stream_id: string | null;
    };
    return {
      ...summary,
      headers: stored.headers,
      body: stored.body.toString('utf8'),
      attempts: this.stmt.attempts.all(id).map(rowToAttempt),
      streamId: stream.stream_id,
    };
  }

  stats(now: number): {
    total: number;
    duplicates: number;
    perMinute: { minute: string; count: number }[];
  } {
    const total = (this.db.prepare('SELECT count(*) AS n FROM deliveries').get() as { n: number }).n;
    const duplicates = (this.db.prepare('SELECT count(*) AS n FROM duplicates').get() as { n: number }).n;
    const since = Math.floor(now / 60_000) * 60_000 - 59 * 60_000;
    const rows = this.db
      .prepare(
        `SELECT received_at / 60000 AS m, count(*) AS n FROM deliveries WHERE received_at >= ?
         GROUP BY m ORDER BY m`,
      )
      .all(since) as { m: number; n: number }[];
    const perMinute = rows.map((r) => ({ minute: new Date(r.m * 60_000).toISOString(), count: r.n }));
    return { total, duplicates, perMinute };
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
    body: db.prepare<[number], StoredBodyRow>(
      'SELECT id, received_at, source, signature, content_type, body, headers FROM deliveries WHERE id = ?',
    ),
    attempts: db.prepare<[number], AttemptRow>('SELECT * FROM attempts WHERE delivery_id = ? ORDER BY id'),
  };
}

interface StoredBodyRow {
  id: number;
  received_at: number;
  source: string;
  signature: string;
  content_type: string;
  body: Buffer;
  headers: string;
}
