/**
 * The disk flush behind every acknowledgement: fdatasync of the SQLite -wal file on libuv's thread pool, through a
 * descriptor kept open between flushes (one thread-pool hop per flush, no FileHandle bookkeeping). SQLite keeps the
 * -wal file for as long as a connection is open (it deletes it only when the last one closes), so the descriptor
 * stays valid; it is reopened after any error, and the database file is flushed instead while no -wal exists.
 */
import { close, closeSync, fdatasync, openSync } from 'node:fs';

/** What the group committer needs: make everything written so far durable. Tests pass slow or failing fakes. */
export interface Flusher {
  flush(): Promise<void>;
  close(): Promise<void>;
}

const datasync = (fd: number) =>
  new Promise<void>((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));

export class FileFlusher implements Flusher {
  private fd: number | null = null;
  /** Flushes in flight per descriptor: a descriptor dropped after an error is closed once none uses it. */
  private readonly users = new Map<number, number>();

  constructor(
    private readonly path: string,
    private readonly fallback: string,
  ) {}

  async flush(): Promise<void> {
    let fd: number;
    try {
      fd = this.fd ??= openSync(this.path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      const db = openSync(this.fallback, 'r');
      try {
        await datasync(db);
      } finally {
        closeSync(db);
      }
      return;
    }
    this.users.set(fd, (this.users.get(fd) ?? 0) + 1);
    try {
      await datasync(fd);
    } catch (err) {
      if (this.fd === fd) this.fd = null;
      throw err;
    } finally {
      this.release(fd);
    }
  }

  private release(fd: number): void {
    const n = (this.users.get(fd) ?? 1) - 1;
    if (n > 0) {
      this.users.set(fd, n);
      return;
    }
    this.users.delete(fd);
    if (this.fd !== fd) close(fd, () => undefined);
  }

  async close(): Promise<void> {
    const fd = this.fd;
    this.fd = null;
    if (fd !== null && !this.users.has(fd)) await new Promise<void>((resolve) => close(fd, () => resolve()));
  }
}
