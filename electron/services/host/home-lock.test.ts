import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/net';
import { writeDiscoveryFile } from '../control/discovery';
import { waitFor } from '../../../test/support/wait';
import { acquireHomeLock, homeLockFile, type HomeLock } from './home-lock';

describe('home lock', () => {
  let dir: string;
  let paths: { runDir: string; discoveryFile: string };
  const locks: HomeLock[] = [];
  const children: ChildProcess[] = [];

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kreo-lock-'));
    paths = { runDir: path.join(dir, 'run'), discoveryFile: path.join(dir, 'run', 'host.json') };
    mkdirSync(paths.runDir);
  });
  afterEach(() => {
    for (const l of locks.splice(0)) l.release();
    for (const c of children.splice(0)) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const take = async (opts?: Parameters<typeof acquireHomeLock>[1]) => {
    const lock = await acquireHomeLock(paths, opts);
    locks.push(lock);
    return lock;
  };
  const holdBy = (pid: number, ageMs = 0) => {
    const file = homeLockFile(paths);
    writeFileSync(file, JSON.stringify({ pid, nonce: 'x' }));
    const at = new Date(Date.now() - ageMs);
    utimesSync(file, at, at);
  };
  const otherProcess = () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)'], { stdio: 'ignore' });
    children.push(child);
    return child.pid!;
  };

  it('only one of two takers at the same moment gets it; released, it can be taken again', async () => {
    const results = await Promise.allSettled([take(), take(), take()]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((x) => x.status === 'rejected'))
      expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'UNAVAILABLE' });
    const held = (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<HomeLock>).value;
    expect(JSON.parse(readFileSync(held.file, 'utf8')).pid).toBe(process.pid);
    held.release();
    expect(existsSync(held.file)).toBe(false);
    await take();
  });

  it('never removes a lock it does not hold', async () => {
    const first = await take();
    first.release();
    const second = await take();
    first.release();
    expect(existsSync(second.file)).toBe(true);
  });

  it('recovers a lock whose pid is dead', async () => {
    holdBy(spawnSync(process.execPath, ['-e', '']).pid!);
    const lock = await take();
    expect(JSON.parse(readFileSync(lock.file, 'utf8')).pid).toBe(process.pid);
  });

  it('a live pid that does not answer holds the lock only while it may be starting or stopping', async () => {
    const pid = otherProcess();
    holdBy(pid);
    await expect(take()).rejects.toMatchObject({ code: 'UNAVAILABLE', details: { pid } });
    // Long past any start or stop: a reused pid after a crash or reboot.
    holdBy(pid, 120_000);
    await take();
  });

  it('the holder keeps its lock fresh, so a host slow to start or stop is never taken for a crash', async () => {
    const held = await take({ heartbeatMs: 20 });
    // As if the holder had shown no sign of life for ten minutes: its next heartbeat makes the lock fresh again.
    const old = new Date(Date.now() - 600_000);
    utimesSync(held.file, old, old);
    await waitFor(() => Date.now() - statSync(held.file).mtimeMs < 60_000, { what: 'heartbeat' });
    await expect(acquireHomeLock(paths)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    held.release();
    const old2 = new Date(Date.now() - 600_000);
    writeFileSync(held.file, JSON.stringify({ pid: process.pid, nonce: 'gone' }));
    utimesSync(held.file, old2, old2);
    // A released lock beats no more: the same stale file is taken over.
    await take();
  });

  it('a lock whose pid run/host.json names, but which does not answer there, is stale once old', async () => {
    const pid = otherProcess();
    holdBy(pid, 120_000);
    // The discovery file names that pid, but nothing answers on its port: not a host, so the lock is stale.
    writeDiscoveryFile(paths.discoveryFile, {
      pid,
      port: await freePort(),
      token: 'token-0123456789abcdefghij',
      startedAt: new Date().toISOString(),
      version: '0.1.0',
      mode: 'headless',
    });
    await take();
    expect(existsSync(paths.discoveryFile)).toBe(false);
  });

  it('a host whose port accepts but never answers keeps its lock, and the error says how to clear it', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const pid = otherProcess();
      holdBy(pid, 120_000);
      writeDiscoveryFile(paths.discoveryFile, {
        pid,
        port: (server.address() as net.AddressInfo).port,
        token: 'token-0123456789abcdefghij',
        startedAt: new Date().toISOString(),
        version: '0.1.0',
        mode: 'headless',
      });
      const err = await take({ probeMs: 200 }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'UNAVAILABLE', details: { pid } });
      expect((err as { hint: string }).hint).toContain(paths.discoveryFile);
      expect(existsSync(homeLockFile(paths))).toBe(true);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((r) => server.close(r));
    }
  });
});
