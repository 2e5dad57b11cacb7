/**
 * Properties of the settings service under random patches (real files in a temp home, secrets in the 0600 file):
 * a patch is either saved whole — the result passes the schema, survives a restart, and no secret lands in
 * settings.json or the masked view — or refused whole with the key, the expected form and an example, leaving
 * memory and disk exactly as they were. Never anything else (no crash, no half-applied patch).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KreoError } from '../../shared/errors';
import {
  FIELD_INFO,
  SETTING_KEYS,
  coerceSettingValue,
  defaultSettings,
  getSetting,
  isReadOnlyKey,
  isSecretKey,
  leafSchema,
  settingsSchema,
  type SettingKey,
  type Settings,
} from '../../shared/settings-schema';
import { ensureHome, resolveHome, type HomePaths } from '../../electron/services/core/home';
import { createSettingsService } from '../../electron/services/settings';
import type { SettingsService } from '../../electron/services/settings/types';
import { anyJson, RUNS } from './support';

let home: string;
let paths: HomePaths;
let service: SettingsService;

const open = () => createSettingsService({ paths, env: {}, keychain: null });

beforeAll(async () => {
  home = mkdtempSync(path.join(os.tmpdir(), 'kreo-prop-settings-'));
  paths = ensureHome(resolveHome({ home, env: {} }));
  service = await open();
});
afterAll(() => {
  service.dispose();
  rmSync(home, { recursive: true, force: true });
});

const readText = (file: string) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

/** A key: mostly real ones, sometimes a near miss or noise. */
const keyArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...SETTING_KEYS) },
  { weight: 1, arbitrary: fc.constantFrom(...SETTING_KEYS).map((k) => k.toUpperCase()) },
  { weight: 1, arbitrary: fc.constantFrom(...SETTING_KEYS).map((k) => k.replace('.', '_')) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('__proto__', 'constructor', 'server', 'server.', '.port', 'server.port.x'),
  },
);

/** A value for `key`: its documented example, things a person might type, or junk. */
const valueFor = (key: string) =>
  fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constant((FIELD_INFO as Record<string, { example: string }>)[key]?.example ?? 'x'),
    },
    { weight: 2, arbitrary: fc.constant(null) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '',
        ' ',
        'true',
        'no',
        '0',
        '-1',
        '80',
        '65536',
        '1e3',
        ' 8080 ',
        'a,b',
        'http://127.0.0.1:3000/hook',
        'redis://127.0.0.1:6379/0',
        'v21.0',
        'SECRETabc123',
        'has space',
        'ñandú',
      ),
    },
    { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean()) },
    { weight: 1, arbitrary: fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 1, arbitrary: anyJson },
  );

const patchArb = fc
  .array(
    keyArb.chain((k) => fc.tuple(fc.constant(k), valueFor(k))),
    { minLength: 1, maxLength: 4 },
  )
  .map((pairs) => {
    const patch: Record<string, unknown> = {};
    for (const [k, v] of pairs)
      Object.defineProperty(patch, k, { value: v, enumerable: true, writable: true, configurable: true });
    return patch;
  });

/** What the service should store for a plain key, per the schema (text is converted to the key's type). */
function expectedValue(key: SettingKey, raw: unknown): unknown {
  if (raw === null) return getSetting(defaultSettings(), key);
  const def = getSetting(defaultSettings(), key);
  const input = typeof raw === 'string' && typeof def !== 'string' ? coerceSettingValue(key, raw) : raw;
  return leafSchema(key).parse(input);
}

/**
 * The secrets of `s` worth looking for in plain text: long enough not to occur by chance, and not also the value
 * of a plain setting (a secret "65536" next to phoneNumberId "65536" is no leak).
 */
function secretsIn(s: Settings): string[] {
  const blanked = structuredClone(s);
  blanked.ngrok.authtoken = blanked.meta.appSecret = blanked.meta.accessToken = blanked.meta.verifyToken = '';
  const plainText = JSON.stringify(blanked);
  return (['ngrok.authtoken', 'meta.appSecret', 'meta.accessToken', 'meta.verifyToken'] as const)
    .map((k) => getSetting(s, k) as string)
    .filter((v) => v.length >= 8 && !plainText.includes(v));
}

describe('settings service under random patches', () => {
  it('saves a patch whole (valid, persisted, secrets kept out of plain files) or refuses it whole with key/expected/example', async () => {
    let saved = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(patchArb, async (patch) => {
        const before = structuredClone(service.get());
        const fileBefore = readText(paths.settingsFile);
        const secretsBefore = readText(paths.secretsFile);
        let after: Settings;
        try {
          after = await service.update(patch);
        } catch (err) {
          refused++;
          expect(err).toBeInstanceOf(KreoError);
          const e = err as KreoError;
          expect(['SETTINGS_INVALID', 'SETTINGS_UNKNOWN_KEY', 'SETTINGS_READ_ONLY']).toContain(e.code);
          const key = String(e.details?.key);
          expect(Object.keys(patch)).toContain(key);
          expect(e.message).toContain(key);
          expect(e.hint).toBeTruthy();
          if (e.code === 'SETTINGS_INVALID') {
            expect(typeof e.details?.expected).toBe('string');
            expect(typeof e.details?.example).toBe('string');
            expect(e.message).toContain(String(e.details?.example));
          }
          if (e.code === 'SETTINGS_READ_ONLY') expect(isReadOnlyKey(key)).toBe(true);
          // Nothing changed, in memory or on disk.
          expect(service.get()).toEqual(before);
          expect(readText(paths.settingsFile)).toBe(fileBefore);
          expect(readText(paths.secretsFile)).toBe(secretsBefore);
          return;
        }
        saved++;
        expect(settingsSchema.safeParse(after).success).toBe(true);
        for (const [key, raw] of Object.entries(patch) as [SettingKey, unknown][]) {
          const got = getSetting(after, key);
          if (key === 'meta.verifyToken' && (raw === null || raw === '')) {
            // An empty verify token is replaced by a random one at once.
            expect(String(got).length).toBeGreaterThanOrEqual(32);
          } else if (isSecretKey(key)) expect(got).toBe(raw === null ? '' : raw);
          else expect(got).toEqual(expectedValue(key, raw));
        }
        // No secret in settings.json nor in what UIs see.
        const plain = readText(paths.settingsFile);
        const view = JSON.stringify(service.view());
        for (const secret of secretsIn(after)) {
          expect(plain).not.toContain(secret);
          expect(view).not.toContain(secret);
        }
        // A restart reads back exactly the same settings.
        const reopened = await open();
        try {
          expect(reopened.get()).toEqual(after);
        } finally {
          reopened.dispose();
        }
      }),
      { numRuns: RUNS },
    );
    // Both outcomes were exercised, not one by accident.
    expect(saved).toBeGreaterThan(5);
    expect(refused).toBeGreaterThan(5);
  });

  it('refuses a read-only key and an unknown key with what to do instead', async () => {
    await expect(service.update({ 'webhook.registered': true })).rejects.toMatchObject({
      code: 'SETTINGS_READ_ONLY',
      details: { key: 'webhook.registered' },
    });
    await expect(service.update({ Server_Port: 8080 } as never)).rejects.toMatchObject({
      code: 'SETTINGS_UNKNOWN_KEY',
      hint: expect.stringContaining('server.port'),
    });
  });
});
