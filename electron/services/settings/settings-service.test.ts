import { chmodSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KreoError } from '../../../shared/errors';
import { defaultSettings, type Settings } from '../../../shared/settings-schema';
import { ensureHome } from '../core/home';
import type { SecretStoreBackend } from './keychain';
import { keychainAccount } from './secret-store';
import type { SettingsChange } from './types';
import { useSettingsHome } from './test-home';

const TOKEN = '2abcDEF123_xyzSecretAuthtokenValue';

class FakeKeychain implements SecretStoreBackend {
  readonly entries = new Map<string, string>();
  failWrites = false;
  get(account: string) {
    return this.entries.get(account) ?? null;
  }
  set(account: string, value: string) {
    if (this.failWrites) throw new Error("Couldn't access platform storage: AccessDenied");
    this.entries.set(account, value);
  }
  delete(account: string) {
    if (this.failWrites) throw new Error("Couldn't access platform storage: AccessDenied");
    this.entries.delete(account);
  }
}

/** Like @napi-rs/keyring on a machine without a secret service: reads pass, writes throw. */
const lockedKeychain: SecretStoreBackend = {
  get: () => null,
  set: () => {
    throw new Error("Couldn't access platform storage: AccessDenied");
  },
  delete: () => {
    throw new Error("Couldn't access platform storage: AccessDenied");
  },
};

const home = useSettingsHome('kreo-settings-');
const open = home.open;

const mode = (file: string) => statSync(file).mode & 0o777;
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
const backups = () => readdirSync(home.paths.root).filter((f) => f.startsWith('settings.json.corrupt-'));

async function refused(p: Promise<unknown>): Promise<KreoError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(KreoError);
  return err as KreoError;
}

describe('defaults and validated updates', () => {
  it('starts on the schema defaults with a generated verify token', async () => {
    const s = await open();
    const { meta, ...rest } = s.get();
    const { meta: defMeta, ...defRest } = defaultSettings();
    expect(rest).toEqual(defRest);
    expect({ ...meta, verifyToken: '' }).toEqual(defMeta);
    expect(meta.verifyToken).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(s.view().warnings).toEqual([]);
    const other = await open({ paths: ensureHome(path.join(home.dir, 'h2')) });
    expect(other.get().meta.verifyToken).not.toBe(meta.verifyToken);
  });

  it('saves a valid update, keeps it across restarts and reports changed keys', async () => {
    const s = await open();
    const events: SettingsChange[] = [];
    s.onDidChange((e) => events.push(e));
    await s.update({
      'server.port': 8123,
      'webhook.fields': 'messages, statuses',
      'webhook.autoRegister': 'yes',
    });
    expect(events).toHaveLength(1);
    expect(events[0]!.changedKeys.sort()).toEqual(['server.port', 'webhook.autoRegister', 'webhook.fields']);
    expect(events[0]!.settings.server.port).toBe(8123);
    // Writing the same value again changes nothing, so no event.
    await s.update({ 'server.port': '8123' });
    expect(events).toHaveLength(1);

    const again = await open();
    expect(again.get().server.port).toBe(8123);
    expect(again.get().webhook.fields).toEqual(['messages', 'statuses']);
    expect(again.get().webhook.autoRegister).toBe(true);
    expect(again.get().meta.verifyToken).toBe(s.get().meta.verifyToken);
  });

  it('refuses a bad value with the key, the expected form and an example, and saves nothing', async () => {
    const s = await open();
    const err = await refused(s.update({ 'server.host': '0.0.0.0', 'server.port': 70000 }));
    expect(err.code).toBe('SETTINGS_INVALID');
    expect(err.message).toBe('server.port must be a whole number from 1 to 65535, e.g. 8000');
    expect(err.details).toEqual({
      key: 'server.port',
      expected: 'a whole number from 1 to 65535',
      example: '8000',
    });
    expect(err.hint).toContain('kreo config set server.port 8000');
    expect(s.get().server.host).toBe('127.0.0.1');

    for (const [key, value] of [
      ['server.port', 'abc'],
      ['webhook.scope', 'everything'],
      ['forward.url', 'ftp://x'],
      ['meta.graphApiVersion', '26'],
      ['rateLimit.messagesPerSecond', 0],
      ['webhook.autoRegister', 'maybe'],
    ] as const) {
      const e = await refused(s.update({ [key]: value }));
      expect(e.code).toBe('SETTINGS_INVALID');
      expect(e.message).toContain(key);
      expect(e.details?.example).toBeTruthy();
    }
  });

  it('refuses unknown keys (with a suggestion) and read-only keys unless the app writes them', async () => {
    const s = await open();
    const unknown = await refused(s.update({ 'server.prot': 1 } as never));
    expect(unknown.code).toBe('SETTINGS_UNKNOWN_KEY');
    const typo = await refused(s.update({ 'meta.graph_base_url': 'https://x.test' } as never));
    expect(typo.hint).toContain('meta.graphBaseUrl');

    const ro = await refused(s.update({ 'webhook.registered': true }));
    expect(ro.code).toBe('SETTINGS_READ_ONLY');
    await s.update(
      { 'webhook.registered': true, 'webhook.registeredUrl': 'https://a.ngrok-free.app/webhook' },
      { system: true },
    );
    expect(s.get().webhook.registered).toBe(true);
  });

  it('null resets a key to its default', async () => {
    const s = await open();
    await s.update({ 'server.port': 9001 });
    await s.update({ 'server.port': null });
    expect(s.get().server.port).toBe(8000);
    expect(readJson(home.paths.settingsFile)).toEqual({ server: {} });
  });
});

describe('damaged settings files', () => {
  it('moves an unreadable file aside and starts on defaults with a warning', async () => {
    writeFileSync(home.paths.settingsFile, '{"server": {"port": 9000,');
    const seen: string[] = [];
    const s = await open({ onWarning: (m) => seen.push(m) });
    expect(s.get().server.port).toBe(8000);
    expect(backups()).toHaveLength(1);
    expect(readFileSync(path.join(home.paths.root, backups()[0]!), 'utf8')).toBe('{"server": {"port": 9000,');
    expect(seen.join('\n')).toContain('is not valid JSON');
    expect(s.view().warnings).toEqual(seen);
    await s.update({ 'server.port': 8001 });
    expect(readJson(home.paths.settingsFile)).toEqual({ server: { port: 8001 } });
  });

  it('treats JSON that is not an object as corrupt', async () => {
    writeFileSync(home.paths.settingsFile, '[1,2,3]');
    const s = await open();
    expect(backups()).toHaveLength(1);
    expect(s.view().warnings[0]).toContain('does not hold a settings object');
  });

  it('drops single bad values to their defaults, keeps the good ones and a copy of the original', async () => {
    writeFileSync(
      home.paths.settingsFile,
      JSON.stringify({
        server: { host: '0.0.0.0', port: 'eighty' },
        webhook: { scope: 'waba', nonsense: 1 },
        bogus: { a: 1 },
        log: 'loud',
      }),
    );
    const s = await open();
    expect(s.get().server).toEqual({ host: '0.0.0.0', port: 8000 });
    expect(s.get().webhook.scope).toBe('waba');
    const text = s.view().warnings.join('\n');
    expect(text).toContain('server.port must be a whole number from 1 to 65535, e.g. 8000');
    expect(text).toContain('"webhook.nonsense" is not a setting');
    expect(text).toContain('"bogus" is not a settings section');
    expect(readJson(home.paths.settingsFile)).toEqual({
      server: { host: '0.0.0.0' },
      webhook: { scope: 'waba' },
    });
    expect(backups()).toHaveLength(1);
    expect(readJson(path.join(home.paths.root, backups()[0]!))).toMatchObject({ server: { port: 'eighty' } });
  });

  it('moves secrets found in settings.json into the secret store and strips them everywhere', async () => {
    writeFileSync(
      home.paths.settingsFile,
      JSON.stringify({ ngrok: { authtoken: TOKEN }, server: { port: 'x' } }),
    );
    const s = await open();
    expect(s.get().ngrok.authtoken).toBe(TOKEN);
    expect(readFileSync(home.paths.settingsFile, 'utf8')).not.toContain(TOKEN);
    for (const b of backups())
      expect(readFileSync(path.join(home.paths.root, b), 'utf8')).not.toContain(TOKEN);
    expect(readJson(home.paths.secretsFile)).toMatchObject({ 'ngrok.authtoken': TOKEN });
  });

  it('keeps running in memory when the store cannot be opened at all', async () => {
    const s = await open({
      storeFactory: () => {
        throw new Error('EACCES: permission denied');
      },
    });
    expect(s.view().warnings.join('\n')).toContain('changes last until the app exits');
    await s.update({ 'server.port': 8002 });
    expect(s.get().server.port).toBe(8002);
  });

  it('reports a write failure as SETTINGS_WRITE_FAILED and keeps the old value', async () => {
    let failing = false;
    const s = await open({
      storeFactory: () => {
        let data: Record<string, unknown> = {};
        return {
          get store() {
            return data;
          },
          set store(v) {
            if (failing) throw new Error('ENOSPC: no space left on device');
            data = v;
          },
          get: (k: string) => data[k],
          set: () => undefined,
        };
      },
    });
    failing = true;
    const err = await refused(s.update({ 'server.port': 8003 }));
    expect(err.code).toBe('SETTINGS_WRITE_FAILED');
    expect(s.get().server.port).toBe(8000);
  });
});

describe('environment overrides', () => {
  it('applies valid overrides, lists them, never saves them and refuses writes to them', async () => {
    const s = await open({
      env: {
        KREO_SERVER_PORT: '9100',
        KREO_META_GRAPH_BASE_URL: 'http://127.0.0.1:9999',
        NGROK_AUTHTOKEN: TOKEN,
        KREO_WEBHOOK_FIELDS: 'messages,statuses',
      },
    });
    const got: Settings = s.get();
    expect(got.server.port).toBe(9100);
    expect(got.meta.graphBaseUrl).toBe('http://127.0.0.1:9999');
    expect(got.ngrok.authtoken).toBe(TOKEN);
    expect(got.webhook.fields).toEqual(['messages', 'statuses']);
    expect(s.view().envOverrides.sort()).toEqual([
      'meta.graphBaseUrl',
      'ngrok.authtoken',
      'server.port',
      'webhook.fields',
    ]);
    const err = await refused(s.update({ 'server.port': 8004 }));
    expect(err.code).toBe('SETTINGS_READ_ONLY');
    expect(err.message).toContain('KREO_SERVER_PORT');
    await s.update({ 'server.host': '127.0.0.2' });
    const disk = readFileSync(home.paths.settingsFile, 'utf8');
    expect(disk).not.toContain('9100');
    expect(disk).not.toContain('9999');
    expect(disk).not.toContain(TOKEN);
    expect(readFileSync(home.paths.secretsFile, 'utf8')).not.toContain(TOKEN);
    expect(s.secretValues()).toContain(TOKEN);
  });

  it('ignores a bad override with a warning that does not echo the value', async () => {
    const s = await open({ env: { KREO_SERVER_PORT: 'abc', NGROK_AUTHTOKEN: 'bad token!' } });
    expect(s.get().server.port).toBe(8000);
    expect(s.get().ngrok.authtoken).toBe('');
    const text = s.view().warnings.join('\n');
    expect(text).toContain('KREO_SERVER_PORT is ignored: server.port must be a whole number from 1 to 65535');
    expect(text).toContain('NGROK_AUTHTOKEN is ignored');
    expect(text).not.toContain('bad token!');
    expect(s.view().envOverrides).toEqual([]);
  });

  it('KREO_NGROK_AUTHTOKEN wins over NGROK_AUTHTOKEN; read-only keys cannot be overridden', async () => {
    const s = await open({
      env: {
        NGROK_AUTHTOKEN: 'fromNgrokVar',
        KREO_NGROK_AUTHTOKEN: 'fromKreoVar',
        KREO_WEBHOOK_REGISTERED: 'true',
      },
    });
    expect(s.get().ngrok.authtoken).toBe('fromKreoVar');
    expect(s.get().webhook.registered).toBe(false);
    expect(s.view().warnings.join('\n')).toContain('KREO_WEBHOOK_REGISTERED is ignored');
  });
});

describe('secrets', () => {
  it('falls back to a 0600 file when the keychain refuses, and keeps secrets out of settings.json', async () => {
    const s = await open({ keychain: lockedKeychain });
    expect(s.secretsBackend).toBe('file');
    expect(s.secretsBackendReason).toContain('AccessDenied');
    await s.update({ 'ngrok.authtoken': TOKEN, 'meta.appSecret': 'abc123def456', 'server.port': 8010 });
    expect(mode(home.paths.secretsFile)).toBe(0o600);
    expect(readJson(home.paths.secretsFile)).toMatchObject({
      'ngrok.authtoken': TOKEN,
      'meta.appSecret': 'abc123def456',
    });
    const plain = readFileSync(home.paths.settingsFile, 'utf8');
    expect(plain).not.toContain(TOKEN);
    expect(plain).not.toContain('abc123def456');
    expect(plain).not.toContain(s.get().meta.verifyToken);
    expect(readdirSync(home.paths.root).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('fixes a secrets file whose mode drifted', async () => {
    const s = await open();
    await s.update({ 'ngrok.authtoken': TOKEN });
    chmodSync(home.paths.secretsFile, 0o644);
    const again = await open();
    expect(mode(home.paths.secretsFile)).toBe(0o600);
    expect(again.get().ngrok.authtoken).toBe(TOKEN);
    expect(again.view().warnings.join('\n')).toContain('mode is now 0600');
  });

  it('uses a working keychain, per home, with no secrets file', async () => {
    const keychain = new FakeKeychain();
    const s = await open({ keychain });
    expect(s.secretsBackend).toBe('keychain');
    await s.update({ 'ngrok.authtoken': TOKEN });
    expect(keychain.get(keychainAccount('ngrok.authtoken', home.paths.root))).toBe(TOKEN);
    expect(keychain.get(keychainAccount('meta.verifyToken', home.paths.root))).toBe(s.get().meta.verifyToken);
    expect(() => statSync(home.paths.secretsFile)).toThrow();
    const again = await open({ keychain });
    expect(again.get().ngrok.authtoken).toBe(TOKEN);
  });

  it('moves file secrets into a keychain that became available', async () => {
    const first = await open();
    await first.update({ 'ngrok.authtoken': TOKEN });
    const keychain = new FakeKeychain();
    const s = await open({ keychain });
    expect(s.secretsBackend).toBe('keychain');
    expect(s.get().ngrok.authtoken).toBe(TOKEN);
    expect(s.get().meta.verifyToken).toBe(first.get().meta.verifyToken);
    expect(() => statSync(home.paths.secretsFile)).toThrow();
  });

  it('switches to the file when the keychain starts failing', async () => {
    const keychain = new FakeKeychain();
    const s = await open({ keychain });
    keychain.failWrites = true;
    await s.update({ 'ngrok.authtoken': TOKEN });
    expect(s.secretsBackend).toBe('file');
    expect(s.get().ngrok.authtoken).toBe(TOKEN);
    expect(readJson(home.paths.secretsFile)).toMatchObject({ 'ngrok.authtoken': TOKEN });
    expect(s.view().warnings.join('\n')).toContain('stopped working');
  });

  it('masks secrets in the view, removes a secret set to empty, regenerates an emptied verify token', async () => {
    const s = await open();
    await s.update({ 'ngrok.authtoken': TOKEN, 'meta.accessToken': 'EAAGshort' });
    const view = s.view();
    expect(JSON.stringify(view)).not.toContain(TOKEN);
    expect(JSON.stringify(view)).not.toContain(s.get().meta.verifyToken);
    expect(view.values.ngrok!.authtoken).toBe('');
    expect(view.secrets['ngrok.authtoken']).toEqual({ set: true, masked: `••••••••${TOKEN.slice(-4)}` });
    expect(view.secrets['meta.accessToken']).toEqual({ set: true, masked: '••••••••' });
    expect(view.secrets['meta.appSecret']).toEqual({ set: false, masked: '' });
    expect(s.secretValues()).toEqual(expect.arrayContaining([TOKEN, 'EAAGshort', s.get().meta.verifyToken]));

    await s.update({ 'ngrok.authtoken': '' });
    expect(s.get().ngrok.authtoken).toBe('');
    expect(readJson(home.paths.secretsFile)).not.toHaveProperty(['ngrok.authtoken']);

    const old = s.get().meta.verifyToken;
    await s.update({ 'meta.verifyToken': '' });
    expect(s.get().meta.verifyToken).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(s.get().meta.verifyToken).not.toBe(old);
    const next = await s.generateVerifyToken();
    expect(next.meta.verifyToken).not.toBe(old);
  });

  it('moves an unreadable secrets file aside and starts without secrets', async () => {
    writeFileSync(home.paths.secretsFile, 'garbage', { mode: 0o600 });
    const s = await open();
    expect(s.get().ngrok.authtoken).toBe('');
    expect(readdirSync(home.paths.root).some((f) => f.startsWith('secrets.json.corrupt-'))).toBe(true);
    expect(s.view().warnings.join('\n')).toContain('could not be read');
    expect(s.get().meta.verifyToken).not.toBe('');
  });
});

describe('choosing the secret backend', () => {
  it('KREO_SECRETS_BACKEND=file skips the OS keychain entirely', async () => {
    // (keychain left to the service: it must not even try the OS binding)
    const s = await open({ env: { KREO_SECRETS_BACKEND: 'file' }, keychain: undefined });
    expect(s.secretsBackend).toBe('file');
    expect(s.secretsBackendReason).toBe('no OS keychain binding');
    expect(mode(home.paths.secretsFile)).toBe(0o600);
  });
});
