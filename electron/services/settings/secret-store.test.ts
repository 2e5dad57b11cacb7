import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureHome, type HomePaths } from '../core/home';
import type { SecretStoreBackend } from './keychain';
import { keychainAccount } from './secret-store';
import { createSettingsService } from './settings-service';
import type { SettingsService } from './types';

const DENIED = "Couldn't access platform storage: AccessDenied";

/** A keychain that records every call; `deny` makes reads and/or writes throw like @napi-rs/keyring without a store. */
class RecordingKeychain implements SecretStoreBackend {
  readonly entries = new Map<string, string>();
  readonly calls: string[] = [];
  deny: { reads?: boolean; writes?: boolean } = {};
  get(account: string) {
    this.calls.push(`get ${account}`);
    if (this.deny.reads) throw new Error(DENIED);
    return this.entries.get(account) ?? null;
  }
  set(account: string, value: string) {
    this.calls.push(`set ${account}`);
    if (this.deny.writes) throw new Error(DENIED);
    this.entries.set(account, value);
  }
  delete(account: string) {
    this.calls.push(`delete ${account}`);
    if (this.deny.writes) throw new Error(DENIED);
    this.entries.delete(account);
  }
  writes(): string[] {
    return this.calls.filter((c) => !c.startsWith('get '));
  }
}

let dir: string;
let paths: HomePaths;
const services: SettingsService[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'kreo-secret-store-'));
  paths = ensureHome(path.join(dir, 'home'));
});
afterEach(async () => {
  for (const s of services.splice(0)) await s.dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function open(keychain: SecretStoreBackend, warnings: string[] = []): Promise<SettingsService> {
  const s = await createSettingsService({ paths, env: {}, keychain, onWarning: (m) => warnings.push(m) });
  services.push(s);
  return s;
}

describe('choosing the backend without writing to the keychain', () => {
  it('opening settings on a keychain that already holds our entries writes nothing to it', async () => {
    const keychain = new RecordingKeychain();
    const first = await open(keychain);
    // A fresh home: the only write is the generated verify token, under its own account (no probe entry).
    expect(keychain.writes()).toEqual([`set ${keychainAccount('meta.verifyToken', paths.root)}`]);
    keychain.calls.length = 0;

    for (let i = 0; i < 3; i++) {
      const again = await open(keychain);
      expect(again.secretsBackend).toBe('keychain');
      expect(again.get().meta.verifyToken).toBe(first.get().meta.verifyToken);
    }
    expect(keychain.writes()).toEqual([]);
    expect(keychain.calls.every((c) => c.startsWith('get ') && c.endsWith(`@${paths.root}`))).toBe(true);
  });

  it('a keychain whose reads fail (no secret service) means the 0600 file, with no write attempted', async () => {
    const keychain = new RecordingKeychain();
    keychain.deny = { reads: true, writes: true };
    const warnings: string[] = [];
    const s = await open(keychain, warnings);
    expect(s.secretsBackend).toBe('file');
    expect(s.secretsBackendReason).toContain('AccessDenied');
    expect(keychain.writes()).toEqual([]);
    expect(statSync(paths.secretsFile).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(paths.secretsFile, 'utf8'))).toEqual({
      'meta.verifyToken': s.get().meta.verifyToken,
    });
    expect(warnings).toEqual([]);
  });

  it('a keychain that reads but refuses the first real write also means the file, without a "stopped" warning', async () => {
    const keychain = new RecordingKeychain();
    keychain.deny = { writes: true };
    const warnings: string[] = [];
    const s = await open(keychain, warnings);
    expect(s.secretsBackend).toBe('file');
    expect(s.secretsBackendReason).toContain('AccessDenied');
    expect(JSON.parse(readFileSync(paths.secretsFile, 'utf8'))).toHaveProperty(['meta.verifyToken']);
    expect(warnings).toEqual([]);
    // Later writes go straight to the file.
    keychain.calls.length = 0;
    await s.update({ 'meta.appSecret': 'abc123def456' });
    expect(keychain.calls).toEqual([]);
    expect(JSON.parse(readFileSync(paths.secretsFile, 'utf8'))).toHaveProperty(['meta.appSecret']);
  });

  it('a keychain that worked and then refuses a write still warns that it stopped working', async () => {
    const keychain = new RecordingKeychain();
    await open(keychain);
    const warnings: string[] = [];
    const s = await open(keychain, warnings);
    keychain.deny = { writes: true };
    await s.update({ 'meta.appSecret': 'abc123def456' });
    expect(s.secretsBackend).toBe('file');
    expect(warnings.join('\n')).toContain('stopped working');
    expect(s.get().meta.appSecret).toBe('abc123def456');
  });
});
