import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogging } from '../logging/logging';
import type { SecretStoreBackend } from './keychain';
import { keychainAccount } from './secret-store';
import type { SettingsChange } from './types';
import { useSettingsHome } from './test-home';

const M = '••••••••';
const REDIS_PW = 'r3disPassw0rdValue';
const FORWARD_PW = 'f0rwardPass%40word';
const REDIS = `redis://:${REDIS_PW}@127.0.0.1:6379/0`;
const FORWARD = `http://alice:${FORWARD_PW}@127.0.0.1:3000/hook`;

const home = useSettingsHome('kreo-url-settings-');
const open = home.open;

const text = (file: string) => readFileSync(file, 'utf8');
const readJson = (file: string) => JSON.parse(text(file)) as Record<string, unknown>;
/** Every file in the home but the 0600 secrets file. */
const plainFiles = () =>
  readdirSync(home.paths.root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .filter((f) => f !== home.paths.secretsFile);

describe('passwords in URL settings', () => {
  it('are masked in the view, kept whole for services, and never written to settings.json', async () => {
    const s = await open();
    await s.update({ 'redis.url': REDIS, 'forward.url': FORWARD });
    expect(s.get().redis.url).toBe(REDIS);
    expect(s.get().forward.url).toBe(FORWARD);
    const view = s.view();
    expect(view.values.redis!.url).toBe(`redis://:${M}@127.0.0.1:6379/0`);
    expect(view.values.forward!.url).toBe(`http://alice:${M}@127.0.0.1:3000/hook`);
    expect(JSON.stringify(view)).not.toContain(REDIS_PW);
    expect(JSON.stringify(view)).not.toContain(FORWARD_PW);

    expect(readJson(home.paths.settingsFile)).toEqual({
      redis: { url: 'redis://127.0.0.1:6379/0' },
      forward: { url: 'http://127.0.0.1:3000/hook' },
    });
    expect(readJson(home.paths.secretsFile)).toMatchObject({
      'redis.url#userinfo': `:${REDIS_PW}`,
      'forward.url#userinfo': `alice:${FORWARD_PW}`,
    });
    for (const file of plainFiles()) {
      expect(text(file), file).not.toContain(REDIS_PW);
      expect(text(file), file).not.toContain(FORWARD_PW);
    }

    const again = await open();
    expect(again.get().redis.url).toBe(REDIS);
    expect(again.get().forward.url).toBe(FORWARD);
  });

  it('are known to log redaction, as written and percent-decoded', async () => {
    const s = await open();
    await s.update({ 'redis.url': REDIS, 'forward.url': FORWARD });
    expect(s.secretValues()).toEqual(expect.arrayContaining([REDIS_PW, FORWARD_PW, 'f0rwardPass@word']));
    const logging = createLogging({
      logsDir: home.paths.logsDir,
      level: 'info',
      redact: () => s.secretValues(),
    });
    logging.whatsapp.info({ url: s.get().redis.url }, `connecting to ${s.get().forward.url}`);
    logging.whatsapp.error({ err: new Error('WRONGPASS for f0rwardPass@word') }, 'refused');
    await logging.dispose();
    const log = text(path.join(home.paths.logsDir, 'whatsapp.log'));
    expect(log).toContain('[REDACTED]');
    for (const secret of [REDIS_PW, FORWARD_PW, 'f0rwardPass@word']) expect(log).not.toContain(secret);
  });

  it('survive a form that sends the masked URL back, or edits the host around the masked password', async () => {
    const s = await open();
    await s.update({ 'redis.url': REDIS, 'forward.url': FORWARD });
    const events: SettingsChange[] = [];
    s.onDidChange((e) => events.push(e));
    const secretsBefore = text(home.paths.secretsFile);

    const shown = s.view().values;
    await s.update({ 'redis.url': shown.redis!.url, 'forward.url': shown.forward!.url });
    expect(s.get().redis.url).toBe(REDIS);
    expect(s.get().forward.url).toBe(FORWARD);
    expect(events).toEqual([]);
    expect(text(home.paths.secretsFile)).toBe(secretsBefore);

    await s.update({ 'redis.url': `redis://:${M}@10.0.0.5:6380/2` });
    expect(s.get().redis.url).toBe(`redis://:${REDIS_PW}@10.0.0.5:6380/2`);
    expect(events.at(-1)!.changedKeys).toEqual(['redis.url']);
    expect(readJson(home.paths.settingsFile)).toMatchObject({ redis: { url: 'redis://10.0.0.5:6380/2' } });

    // A new password replaces the old one; a URL without one removes it from the store; null resets.
    await s.update({ 'redis.url': 'redis://:newPassw0rd@10.0.0.5:6380/2' });
    expect(s.get().redis.url).toBe('redis://:newPassw0rd@10.0.0.5:6380/2');
    await s.update({ 'forward.url': 'http://127.0.0.1:3000/hook' });
    expect(s.get().forward.url).toBe('http://127.0.0.1:3000/hook');
    expect(readJson(home.paths.secretsFile)).not.toHaveProperty(['forward.url#userinfo']);
    await s.update({ 'redis.url': null });
    expect(s.get().redis.url).toBe('');
    expect(readJson(home.paths.secretsFile)).not.toHaveProperty(['redis.url#userinfo']);
  });

  it('written into settings.json by an older version are moved into the secret store at start', async () => {
    writeFileSync(home.paths.settingsFile, JSON.stringify({ redis: { url: REDIS }, server: { port: 8123 } }));
    const warnings: string[] = [];
    const s = await open({ onWarning: (m) => warnings.push(m) });
    expect(s.get().redis.url).toBe(REDIS);
    expect(s.get().server.port).toBe(8123);
    expect(readJson(home.paths.settingsFile)).toEqual({
      redis: { url: 'redis://127.0.0.1:6379/0' },
      server: { port: 8123 },
    });
    expect(readJson(home.paths.secretsFile)).toMatchObject({ 'redis.url#userinfo': `:${REDIS_PW}` });
    expect(warnings.join('\n')).toContain('the user and password in redis.url moved out of');
    for (const file of plainFiles()) expect(text(file), file).not.toContain(REDIS_PW);
  });

  it('go to the OS keychain when it works, and come from an environment override masked too', async () => {
    const entries = new Map<string, string>();
    const keychain: SecretStoreBackend = {
      get: (a) => entries.get(a) ?? null,
      set: (a, v) => void entries.set(a, v),
      delete: (a) => void entries.delete(a),
    };
    const s = await open({ keychain });
    await s.update({ 'forward.url': FORWARD });
    expect(entries.get(keychainAccount('forward.url#userinfo', home.paths.root))).toBe(`alice:${FORWARD_PW}`);
    expect((await open({ keychain })).get().forward.url).toBe(FORWARD);

    const env = await open({ env: { KREO_REDIS_URL: 'rediss://default:envSecretPw@cache:6380' } });
    expect(env.get().redis.url).toBe('rediss://default:envSecretPw@cache:6380');
    expect(env.view().values.redis!.url).toBe(`rediss://default:${M}@cache:6380`);
    expect(env.secretValues()).toContain('envSecretPw');
  });
});
