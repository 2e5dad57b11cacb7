/**
 * The plain settings file (settings.json) behind a small `ConfLike` interface: `conf` in plain Node, electron-store
 * in the Electron main. Opening it never throws: unreadable JSON is moved aside to `settings.json.corrupt-<time>`
 * and the app starts on defaults; single bad values are dropped (a copy of the original is kept aside) so the good
 * ones survive; secrets found in the file (secret keys, and the user:password of URL settings written by older
 * versions) are handed back to be moved into the secret store and stripped.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import Conf from 'conf';
import {
  fieldInfo,
  isSecretKey,
  isSettingKey,
  leafSchema,
  settingsSchema,
  type SettingKey,
} from '../../../shared/settings-schema';
import { describeKey, type SecretMap, type StoredSecretKey } from './secret-store';
import { corruptName } from './secrets-file';
import { isUrlSettingKey, stripUserinfo, urlCredentialKey } from './url-credentials';

/** What the settings service needs from conf / electron-store. */
export interface ConfLike {
  /** The file behind the store, when there is one. */
  readonly path?: string;
  store: Record<string, unknown>;
  get(key: string): unknown;
  set(key: string, value: unknown): void;
}

export type StoreFactory = (o: { cwd: string; configName: string }) => ConfLike;

/** Sparse nested plain settings as stored: only keys someone set. */
export type StoredSettings = Record<string, Record<string, unknown>>;

export const confStoreFactory: StoreFactory = ({ cwd, configName }) =>
  new Conf<Record<string, unknown>>({ cwd, configName, clearInvalidConfig: false, configFileMode: 0o600 });

/** Keeps settings in memory only: used when the file cannot be opened at all, so the app still runs. */
export function memoryStore(): ConfLike {
  let data: Record<string, unknown> = {};
  return {
    get store() {
      return structuredClone(data);
    },
    set store(value) {
      data = structuredClone(value);
    },
    get: (key) => data[key],
    set: (key, value) => {
      data[key] = value;
    },
  };
}

export interface OpenedSettings {
  store: ConfLike;
  saved: StoredSettings;
  /** Secrets that were (wrongly) in settings.json: to move into the secret store. */
  secretsFound: SecretMap;
  /** The file must be rewritten (bad values dropped or secrets stripped). */
  rewrite: boolean;
  /** False when only an in-memory store could be opened. */
  persistent: boolean;
  warnings: string[];
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Looks at the file itself (conf would turn `null` or `[]` into `{}`): a problem description, or null if fine. */
function checkJsonObject(file: string): string | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? null : `could not be read (${code ?? String(err)})`;
  }
  try {
    return isPlainObject(JSON.parse(text)) ? null : 'does not hold a settings object';
  } catch {
    return 'is not valid JSON';
  }
}

function moveAside(file: string): string | null {
  const backup = corruptName(file);
  try {
    renameSync(file, backup);
    return backup;
  } catch {
    return null;
  }
}

export function openSettingsStore(opts: {
  cwd: string;
  configName: string;
  file: string;
  factory: StoreFactory;
}): OpenedSettings {
  const warnings: string[] = [];
  const file = opts.file;
  const open = (): { store: ConfLike; raw: unknown } => {
    const store = opts.factory({ cwd: opts.cwd, configName: opts.configName });
    return { store, raw: store.store };
  };
  const startOver = (why: string): { store: ConfLike; raw: unknown; persistent: boolean } => {
    const backup = moveAside(file);
    warnings.push(
      `${file} ${why}; ${backup ? `it was kept as ${backup} and ` : ''}the panel started on default settings.`,
    );
    try {
      return { ...open(), persistent: true };
    } catch (err) {
      warnings.push(
        `Settings cannot be saved (${err instanceof Error ? err.message : String(err)}); changes last until the app exits.`,
      );
      return { store: memoryStore(), raw: {}, persistent: false };
    }
  };

  let opened: { store: ConfLike; raw: unknown; persistent: boolean } | undefined;
  const problem = checkJsonObject(file);
  if (problem) opened = startOver(problem);
  else {
    try {
      opened = { ...open(), persistent: true };
    } catch (err) {
      opened = startOver(`could not be read (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  if (!isPlainObject(opened.raw)) opened = startOver('does not hold a settings object');

  const { saved, secretsFound, dropped } = sanitize(opened.raw as Record<string, unknown>);
  let rewrite = Object.keys(secretsFound).length > 0;
  if (dropped.length > 0) {
    rewrite = true;
    const backup = keepCopy(file, opened.raw as Record<string, unknown>);
    for (const d of dropped) warnings.push(`${file}: ${d}`);
    if (backup) warnings.push(`The original ${file} was kept as ${backup}.`);
  }
  if (Object.keys(secretsFound).length > 0)
    warnings.push(
      `${(Object.keys(secretsFound) as StoredSecretKey[]).map(describeKey).join(', ')} moved out of ${file} into the secret store.`,
    );

  // Whole-object check too: every leaf passed, but the schema is the final judge.
  if (!settingsSchema.safeParse(withSections(saved)).success) {
    const again = startOver('does not match the settings schema');
    return {
      store: again.store,
      saved: {},
      secretsFound,
      rewrite: false,
      persistent: again.persistent,
      warnings,
    };
  }
  return { store: opened.store, saved, secretsFound, rewrite, persistent: opened.persistent, warnings };
}

/** Adds the empty sections the schema requires so defaults fill them. */
export function withSections(saved: StoredSettings): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const section of Object.keys(settingsSchema.shape)) out[section] = { ...(saved[section] ?? {}) };
  return out;
}

function sanitize(raw: Record<string, unknown>): {
  saved: StoredSettings;
  secretsFound: SecretMap;
  dropped: string[];
} {
  const saved: StoredSettings = {};
  const secretsFound: SecretMap = {};
  const dropped: string[] = [];
  for (const [section, value] of Object.entries(raw)) {
    if (section === '__internal__') continue; // conf's own bookkeeping
    if (!Object.prototype.hasOwnProperty.call(settingsSchema.shape, section)) {
      dropped.push(`"${section}" is not a settings section; it was ignored.`);
      continue;
    }
    if (!isPlainObject(value)) {
      dropped.push(`"${section}" must be an object of settings; the defaults are used.`);
      continue;
    }
    for (const [name, v] of Object.entries(value)) {
      const key = `${section}.${name}`;
      if (!isSettingKey(key)) {
        dropped.push(`"${key}" is not a setting; it was ignored.`);
        continue;
      }
      const parsed = leafSchema(key).safeParse(v);
      if (isSecretKey(key)) {
        if (parsed.success && typeof parsed.data === 'string' && parsed.data) secretsFound[key] = parsed.data;
        else if (v !== '') dropped.push(`${key} is not ${fieldInfo(key).expected}; it was ignored.`);
        continue;
      }
      if (!parsed.success) {
        dropped.push(describeDrop(key));
        continue;
      }
      if (isUrlSettingKey(key)) {
        const { bare, userinfo } = stripUserinfo(parsed.data as string);
        if (userinfo) secretsFound[urlCredentialKey(key)] = userinfo;
        (saved[section] ??= {})[name] = bare;
        continue;
      }
      (saved[section] ??= {})[name] = parsed.data;
    }
  }
  return { saved, secretsFound, dropped };
}

function describeDrop(key: SettingKey): string {
  const info = fieldInfo(key);
  return `${key} must be ${info.expected}, e.g. ${info.example}; the default is used instead.`;
}

/** A copy of the original file next to it, without any secret values in it. */
function keepCopy(file: string, raw: Record<string, unknown>): string | null {
  const copy: Record<string, unknown> = {};
  for (const [section, value] of Object.entries(raw)) {
    if (!isPlainObject(value)) {
      copy[section] = value;
      continue;
    }
    copy[section] = Object.fromEntries(
      Object.entries(value)
        .filter(([name]) => !isSecretKey(`${section}.${name}`))
        .map(([name, v]) => [
          name,
          isUrlSettingKey(`${section}.${name}`) && typeof v === 'string' ? stripUserinfo(v).bare : v,
        ]),
    );
  }
  const backup = corruptName(file);
  try {
    writeFileSync(backup, JSON.stringify(copy, null, 2) + '\n', { mode: 0o600 });
    return backup;
  } catch {
    return null;
  }
}
