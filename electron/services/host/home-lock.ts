/**
 * One host per home folder. `run/host.lock` is created exclusively (O_EXCL) holding `{pid, nonce}` before any part of
 * a host starts, and removed when the host is disposed (or its process exits), so two hosts started at the same
 * moment cannot both open the store and bind the webhook port. A lock is recovered (taken over) when it is stale:
 * its pid is dead, or its pid is alive but is no running host (its control API does not answer as that pid) and the
 * lock showed no sign of life for `graceMs`: a reused pid after a crash or a reboot. The holder touches the lock every
 * quarter of the grace period for as long as it holds it, so a host that is slow to start or stop is never taken for
 * a crash; only a process that stopped beating (died, or its event loop is frozen) can be.
 * Taking the lock also refuses to run beside a live host named by run/host.json (the one check per start).
 */
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readFileSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import path from 'node:path';
import { KreoError } from '../../../shared/errors';
import type { HomePaths } from '../core/home';
import { isPidAlive, type DiscoveryInfo } from '../control/discovery';
import { lookupHost } from '../control/live-host';

export interface HomeLock {
  readonly file: string;
  /** A sign of life (e.g. when a stop begins, which may take a while): the grace period counts from here. */
  touch(): void;
  /** Removes the lock if it is still ours. Idempotent. */
  release(): void;
}

export interface HomeLockOptions {
  /** How long a lock whose pid lives but does not answer counts as a host starting or stopping (default 60 s). */
  graceMs?: number;
  /** How often the holder touches its lock (default a quarter of graceMs). */
  heartbeatMs?: number;
  /** How long to wait for a host's control API to answer (default 1.5 s). */
  probeMs?: number;
}

/** A host start or stop that has gone on longer than this is taken to be a crash whose pid was reused. */
export const LOCK_GRACE_MS = 60_000;
const BREAK_STALE_MS = 10_000;

export function homeLockFile(paths: Pick<HomePaths, 'runDir'>): string {
  return path.join(paths.runDir, 'host.lock');
}

function tryCreate(file: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readRaw(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function holderPid(raw: string): number | null {
  try {
    const pid = (JSON.parse(raw) as { pid?: unknown }).pid;
    return typeof pid === 'number' && Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function busy(pid: number | null, how: string, info?: DiscoveryInfo, discoveryFile?: string): KreoError {
  const who = info
    ? `pid ${info.pid}, ${info.mode}, port ${info.port}`
    : pid
      ? `pid ${pid}`
      : 'another process';
  const hint = discoveryFile
    ? `It may be busy: try again in a moment. If pid ${pid} is not KREO, delete ${discoveryFile} and start again.`
    : 'Use it (kreo ngrok status), stop it with "kreo host stop", or pick another home with --home.';
  return new KreoError('UNAVAILABLE', `Another KREO host is already ${how} for this home (${who}).`, hint, {
    ...(pid ? { pid } : {}),
    ...(info ? { port: info.port } : {}),
  });
}

/**
 * Removes a lock judged stale, unless it changed since it was read. A short-lived `.break` lock keeps two processes
 * recovering at once from removing the fresh lock one of them has just taken.
 */
function breakStaleLock(file: string, seen: string): void {
  const breaker = `${file}.break`;
  if (!tryCreate(breaker, String(process.pid))) {
    if (ageMs(breaker) > BREAK_STALE_MS) {
      try {
        unlinkSync(breaker);
      } catch {}
    }
    return;
  }
  try {
    if (readRaw(file) === seen) unlinkSync(file);
  } catch {
  } finally {
    try {
      unlinkSync(breaker);
    } catch {}
  }
}

/** Takes the home's lock or throws UNAVAILABLE naming the host that holds it. */
export async function acquireHomeLock(
  paths: Pick<HomePaths, 'runDir' | 'discoveryFile'>,
  opts: HomeLockOptions = {},
): Promise<HomeLock> {
  const file = homeLockFile(paths);
  const graceMs = opts.graceMs ?? LOCK_GRACE_MS;
  const mine = `${JSON.stringify({ pid: process.pid, nonce: randomUUID(), at: new Date().toISOString() })}\n`;

  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(file, mine)) {
      const lock = ownedLock(file, mine, opts.heartbeatMs ?? graceMs / 4);
      // Ours now; a host that runs without the lock (an older version, a deleted lock file) still counts.
      const other = await lookupHost(paths.discoveryFile, { timeoutMs: opts.probeMs });
      if (other.state !== 'none') {
        lock.release();
        throw other.state === 'live'
          ? busy(other.info.pid, 'running', other.info)
          : busy(other.info.pid, 'running but not answering', other.info, paths.discoveryFile);
      }
      return lock;
    }
    const seen = readRaw(file);
    if (seen === null) continue; // released meanwhile
    const pid = holderPid(seen);
    if (pid !== null && isPidAlive(pid)) {
      const host = await lookupHost(paths.discoveryFile, { timeoutMs: opts.probeMs });
      if (host.state === 'live' && host.info.pid === pid) throw busy(pid, 'running', host.info);
      if (host.state === 'silent' && host.info.pid === pid)
        throw busy(pid, 'running but not answering', host.info, paths.discoveryFile);
      if (ageMs(file) < graceMs) throw busy(pid, 'starting or stopping');
    } else if (pid === null && ageMs(file) < graceMs) {
      // Unreadable: being written this very moment, or garbage. Only old garbage is stale.
      throw busy(null, 'starting');
    }
    breakStaleLock(file, seen);
  }
  throw new KreoError(
    'UNAVAILABLE',
    `Could not take the host lock ${file}: other processes keep taking it.`,
    'Try again in a moment.',
  );
}

function ownedLock(file: string, content: string, heartbeatMs: number): HomeLock {
  let held = true;
  const touch = () => {
    if (!held) return;
    try {
      const now = new Date();
      utimesSync(file, now, now);
    } catch {}
  };
  const beat = setInterval(touch, heartbeatMs);
  beat.unref();
  const release = () => {
    if (!held) return;
    held = false;
    clearInterval(beat);
    process.off('exit', release);
    try {
      if (readRaw(file) === content) unlinkSync(file);
    } catch {}
  };
  // A process that exits without disposing its host leaves no lock behind.
  process.on('exit', release);
  return { file, touch, release };
}
