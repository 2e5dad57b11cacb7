import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  isPidAlive,
  readDiscoveryFile,
  readLiveDiscovery,
  removeDiscoveryFile,
  writeDiscoveryFile,
  type DiscoveryInfo,
} from './discovery';

const info = (pid: number, token = 'a-token-that-is-long-enough-xyz'): DiscoveryInfo => ({
  pid,
  port: 40000,
  token,
  startedAt: new Date().toISOString(),
  version: '0.1.0',
  mode: 'headless',
});

/** The pid of a process that has already exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

describe('discovery file', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kreo-discovery-'));
    file = path.join(dir, 'host.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is written with mode 0600, also over a wider existing file', () => {
    writeFileSync(file, '{}', { mode: 0o644 });
    const written = info(process.pid);
    writeDiscoveryFile(file, written);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readDiscoveryFile(file)).toEqual(written);
  });

  it('treats a file whose pid is dead as stale, and garbage as absent', () => {
    const pid = deadPid();
    expect(isPidAlive(pid)).toBe(false);
    writeDiscoveryFile(file, info(pid));
    expect(readDiscoveryFile(file)?.pid).toBe(pid);
    expect(readLiveDiscovery(file)).toBeNull();
    writeFileSync(file, 'not json');
    expect(readLiveDiscovery(file)).toBeNull();
    writeFileSync(file, JSON.stringify({ pid: process.pid }));
    expect(readLiveDiscovery(file)).toBeNull();
  });

  it('is removed only by its owner', () => {
    const mine = info(process.pid, 'my-token-0123456789abcdef');
    writeDiscoveryFile(file, mine);
    expect(removeDiscoveryFile(file, { pid: process.pid, token: 'someone-elses-token-xxxxx' })).toBe(false);
    expect(readLiveDiscovery(file)).toEqual(mine);
    expect(removeDiscoveryFile(file, mine)).toBe(true);
    expect(readDiscoveryFile(file)).toBeNull();
  });
});
