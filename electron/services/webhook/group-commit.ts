/**
 * Pipelined group commit for the event store.
 *
 * Every write queued during one turn of the event loop runs in ONE SQLite transaction, flushed on setImmediate.
 * The connection runs WAL with `synchronous=NORMAL`: a COMMIT appends to the -wal file without waiting for the disk
 * (checkpoints still sync both files, so the database is always consistent). Durability of an acknowledged write
 * comes from an explicit fdatasync of the -wal file on libuv's thread pool: a write that asked for `durable`
 * resolves only after a sync that started after its COMMIT has finished. While one sync is in flight, later batches
 * commit and wait for the next one, so one disk flush covers everything committed meanwhile, and the event loop
 * never blocks on the disk. Each write runs in its own savepoint (a failing write rejects only its own promise);
 * a failing COMMIT or sync rejects all the writes it covers.
 */
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type Database from 'better-sqlite3';

interface Pending {
  fn: () => unknown;
  durable: boolean;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export interface CommitStats {
  batches: number;
  writes: number;
  largestBatch: number;
  /** Disk flushes of the WAL, and how many durable writes they covered. */
  syncs: number;
  syncedWrites: number;
  /** Wall time from the start of a WAL flush to its end, summed and longest (ms). */
  syncMs: number;
  maxSyncMs: number;
  /** Time the event loop spent inside batch transactions, and the longest one (ms). */
  busyMs: number;
  maxMs: number;
}

export interface GroupCommitterOptions {
  /** The file whose flush makes a commit durable: `<db>-wal`. */
  walPath: string;
  /** Flushed instead when the WAL file is missing (e.g. right after a truncating checkpoint). */
  dbPath: string;
}

/** Prepared once: BEGIN/SAVEPOINT per batch and per write cost microseconds, not a statement compile each. */
function prepareSql(db: Database.Database) {
  return {
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    savepoint: db.prepare('SAVEPOINT kreo_write'),
    release: db.prepare('RELEASE kreo_write'),
    rollbackTo: db.prepare('ROLLBACK TO kreo_write'),
  };
}

/**
 * Flushes one file through a handle kept open between flushes (one thread-pool hop per flush). SQLite keeps the
 * -wal file for as long as a connection is open (it deletes it only when the last one closes), so the handle stays
 * valid; it is reopened after any error, and the database file is flushed instead while no -wal exists.
 */
class FileFlusher {
  private handle: FileHandle | null = null;

  constructor(
    private readonly path: string,
    private readonly fallback: string,
  ) {}

  async flush(): Promise<void> {
    try {
      this.handle ??= await fsp.open(this.path, 'r');
      await this.handle.datasync();
    } catch (err) {
      await this.close();
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      const db = await fsp.open(this.fallback, 'r');
      try {
        await db.datasync();
      } finally {
        await db.close();
      }
    }
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = null;
    await h?.close().catch(() => undefined);
  }
}

export class GroupCommitter {
  private queue: Pending[] = [];
  private scheduled = false;
  private closed = false;
  /** Committed durable writes waiting for the next WAL flush. */
  private awaitingSync: Pending[] = [];
  private syncing: Promise<void> | null = null;
  private readonly sql: ReturnType<typeof prepareSql>;
  private readonly wal: FileFlusher;
  readonly stats: CommitStats = {
    batches: 0,
    writes: 0,
    largestBatch: 0,
    syncs: 0,
    syncedWrites: 0,
    syncMs: 0,
    maxSyncMs: 0,
    busyMs: 0,
    maxMs: 0,
  };

  constructor(
    private readonly db: Database.Database,
    opts: GroupCommitterOptions,
  ) {
    this.sql = prepareSql(db);
    this.wal = new FileFlusher(opts.walPath, opts.dbPath);
  }

  /**
   * Queues `fn` to run inside the next batch transaction. Resolves with its result once committed and, when
   * `durable` (the default), once the disk holds it. `fn` must do database work only: when another write of its
   * batch fails, the batch is rolled back and run again.
   */
  write<T>(fn: () => T, opts: { durable?: boolean } = {}): Promise<T> {
    if (this.closed) return Promise.reject(new Error('event store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        fn,
        durable: opts.durable ?? true,
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      // While a WAL flush is in flight, writes wait and are committed together the moment it ends (they would
      // wait for the next flush anyway): one commit per flush, so fewer and fuller commits under load.
      if (!this.scheduled && !this.syncing) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits everything queued now; durable writes then wait for a WAL flush. */
  flush(): void {
    this.scheduled = false;
    this.commitQueued();
    if (this.awaitingSync.length && !this.syncing) this.syncing = this.syncLoop();
  }

  private commitQueued(): void {
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    const started = performance.now();
    let results: { ok: boolean; value: unknown }[];
    try {
      // Fast path: the whole batch in one transaction. If a write throws, roll back and redo the batch with a
      // savepoint per write, so only that write fails (writes are plain database work, safe to run again).
      results = this.runBatch(batch, false) ?? this.runBatch(batch, true)!;
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    const ms = performance.now() - started;
    this.stats.busyMs += ms;
    this.stats.maxMs = Math.max(this.stats.maxMs, ms);
    this.stats.batches += 1;
    this.stats.writes += batch.length;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
    batch.forEach((p, i) => {
      const r = results[i]!;
      if (!r.ok) p.reject(r.value);
      else if (!p.durable) p.resolve(r.value);
      else {
        // The value travels with the waiter; resolved by the sync that covers this commit.
        const value = r.value;
        this.awaitingSync.push({ ...p, resolve: () => p.resolve(value) });
      }
    });
  }

  /**
   * One transaction for the batch. Without savepoints, returns null when a write threw (after rolling back);
   * with them, isolates each write. Throws when the transaction itself fails (BEGIN/COMMIT: disk, closed db).
   */
  private runBatch(batch: Pending[], savepoints: boolean): { ok: boolean; value: unknown }[] | null {
    const sql = this.sql;
    const results: { ok: boolean; value: unknown }[] = [];
    sql.begin.run();
    try {
      for (const p of batch) {
        if (!savepoints) {
          try {
            results.push({ ok: true, value: p.fn() });
          } catch {
            sql.rollback.run();
            return null;
          }
          continue;
        }
        sql.savepoint.run();
        try {
          results.push({ ok: true, value: p.fn() });
          sql.release.run();
        } catch (err) {
          sql.rollbackTo.run();
          sql.release.run();
          results.push({ ok: false, value: err });
        }
      }
      sql.commit.run();
    } catch (err) {
      if (this.db.open && this.db.inTransaction) sql.rollback.run();
      throw err;
    }
    return results;
  }

  /** Flushes the WAL, commits what queued up meanwhile, and again, until no durable write is left waiting. */
  private async syncLoop(): Promise<void> {
    while (this.awaitingSync.length) {
      const covered = this.awaitingSync;
      this.awaitingSync = [];
      const started = performance.now();
      try {
        await this.wal.flush();
        const ms = performance.now() - started;
        this.stats.syncs += 1;
        this.stats.syncedWrites += covered.length;
        this.stats.syncMs += ms;
        this.stats.maxSyncMs = Math.max(this.stats.maxSyncMs, ms);
        for (const p of covered) p.resolve(undefined);
      } catch (err) {
        for (const p of covered) p.reject(err);
      }
      this.commitQueued();
    }
    this.syncing = null;
  }

  /** Commits what is queued, waits for pending flushes, and refuses further writes. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      this.flush();
    } finally {
      this.closed = true;
    }
    await this.syncing;
    await this.wal.close();
  }
}
