import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { GroupCommitter } from './group-commit';

let dir: string;
let db: Database.Database;
let committer: GroupCommitter;

function open(): void {
  dir = mkdtempSync(path.join(os.tmpdir(), 'kreo-commit-'));
  const file = path.join(dir, 't.db');
  db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)');
  committer = new GroupCommitter(db, { walPath: `${file}-wal`, dbPath: file });
}

afterEach(async () => {
  await committer.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const insert = (v: string) => () => Number(db.prepare('INSERT INTO t (v) VALUES (?)').run(v).lastInsertRowid);

describe('GroupCommitter', () => {
  it('writes queued in one turn share one transaction and one WAL flush', async () => {
    open();
    const ids = await Promise.all(Array.from({ length: 25 }, (_, i) => committer.write(insert(`v${i}`))));
    expect(ids).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(committer.stats).toMatchObject({
      batches: 1,
      writes: 25,
      largestBatch: 25,
      syncs: 1,
      syncedWrites: 25,
    });
  });

  it('a durable write resolves only after a flush that started after its commit', async () => {
    open();
    const first = committer.write(insert('a'));
    await new Promise((r) => setImmediate(r)); // batch 1 committed, its flush in flight
    const second = committer.write(insert('b'));
    await Promise.all([first, second]);
    expect(committer.stats.batches).toBe(2);
    expect(committer.stats.syncs).toBe(2);
    expect(committer.stats.syncedWrites).toBe(2);
  });

  it('non-durable writes resolve at commit without a flush', async () => {
    open();
    await committer.write(insert('x'), { durable: false });
    expect(committer.stats.syncs).toBe(0);
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 1 });
  });

  it('a failing write rejects alone; the rest of its batch commits', async () => {
    open();
    const results = await Promise.allSettled([
      committer.write(insert('dup')),
      committer.write(() => {
        insert('partial')();
        return insert('dup')(); // UNIQUE violation after a partial write
      }),
      committer.write(insert('ok')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const values = (db.prepare('SELECT v FROM t ORDER BY id').all() as { v: string }[]).map((r) => r.v);
    expect(values).toEqual(['dup', 'ok']); // the failing write's partial insert was rolled back
  });

  it('a database that cannot write rejects the whole batch; a closed committer refuses writes', async () => {
    open();
    db.close();
    await expect(Promise.all([committer.write(insert('a')), committer.write(insert('b'))])).rejects.toThrow();
    db = new Database(':memory:');
    await committer.close();
    await expect(committer.write(insert('c'))).rejects.toThrow(/closed/);
  });
});
