import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { GroupCommitter } from './group-commit';
import { WalCheckpointer } from './wal-checkpointer';
import { waitFor } from '../../../test/support/wait';

let dir: string;
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** A writer wired like EventStore: automatic checkpoints off, the worker holding commits when it asks. */
function setup(opts: { restartFrames: number; intervalMs: number }) {
  dir = mkdtempSync(path.join(os.tmpdir(), 'kreo-ckpt-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 't.db');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)');
  const failures: unknown[] = [];
  const checkpointer: WalCheckpointer = new WalCheckpointer({
    dbPath: file,
    ...opts,
    onRelease: () => committer.flush(),
    onFailure: (err) => failures.push(err),
  });
  const committer: GroupCommitter = new GroupCommitter(db, {
    walPath: `${file}-wal`,
    dbPath: file,
    onCommit: () => checkpointer.committed(),
    holding: () => checkpointer.holding(),
  });
  expect(checkpointer.start()).toBe(true);
  db.pragma('wal_autocheckpoint = 0');
  cleanup.push(async () => {
    await checkpointer.close();
    await committer.close();
    if (db.open) db.close();
  });
  return { file, db, committer, checkpointer, failures };
}

describe('WalCheckpointer', () => {
  it('checkpoints in its worker and lets the WAL start over under steady writes; nothing is lost', async () => {
    const { file, db, committer, checkpointer, failures } = setup({ restartFrames: 64, intervalMs: 2 });
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const row = Buffer.alloc(1500, 7);
    let maxWal = 0;
    const writes: Promise<unknown>[] = [];
    // 10 writers in a closed loop, like the listener under load: a new write as soon as one is acknowledged.
    let next = 0;
    const loop = async () => {
      while (next < 3000) {
        next++;
        await committer.write(() => insert.run(row));
        maxWal = Math.max(maxWal, statSync(`${file}-wal`).size);
      }
    };
    for (let i = 0; i < 10; i++) writes.push(loop());
    await Promise.all(writes);
    expect(failures).toEqual([]);
    // 3,000 rows of 1.5 KB are ~5 MB of WAL frames: restarts keep it far smaller.
    expect(maxWal).toBeLessThan(4 * 1024 * 1024);
    expect(checkpointer.stats().restarts).toBeGreaterThan(0);
    expect(checkpointer.stats().checkpoints).toBeGreaterThan(1);

    await checkpointer.close();
    await committer.close();
    db.close();
    const reopened = new Database(file);
    cleanup.push(() => {
      reopened.close();
    });
    expect(reopened.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 3000 });
  });

  it('a worker that cannot open the database reports a failure (the writer then checkpoints itself)', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kreo-ckpt-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const failures: unknown[] = [];
    const checkpointer = new WalCheckpointer({
      dbPath: path.join(dir, 'missing.db'),
      onRelease: () => undefined,
      onFailure: (err) => failures.push(err),
    });
    cleanup.push(() => checkpointer.close());
    checkpointer.start();
    await waitFor(() => failures.length > 0, { what: 'the failure' });
    expect(checkpointer.running).toBe(false);
    expect(checkpointer.holding()).toBe(false);
  });
});
