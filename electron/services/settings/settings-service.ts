/**
 * The settings service: effective settings = schema defaults ← settings.json ← secret store ← environment.
 * Every value is validated with shared/settings-schema.ts when read and when written; secrets go to the OS keychain
 * or the 0600 secrets file, never to settings.json — including the user:password of URL settings (redis.url,
 * forward.url), which UIs see masked; nothing here throws at start-up (problems become warnings).
 */
import type { SettingsView } from '../../../shared/domain/settings';
import { KreoError } from '../../../shared/errors';
import {
  SECRET_KEYS,
  SETTING_KEYS,
  coerceSettingValue,
  defaultSettings,
  getSetting,
  isReadOnlyKey,
  isSecretKey,
  isSettingKey,
  leafSchema,
  maskSecret,
  settingsSchema,
  type SettingKey,
  type Settings,
  type SettingsPatch,
} from '../../../shared/settings-schema';
import type { HomePaths } from '../core/home';
import { Emitter } from '../core/lifecycle';
import { readEnvOverrides } from './env-overrides';
import { createKeychainBackend, type SecretStoreBackend } from './keychain';
import { openSecretStore, type SecretMap, type StoredSecretKey } from './secret-store';
import { envOverridden, invalidValue, readOnly, unknownKey } from './settings-errors';
import {
  confStoreFactory,
  openSettingsStore,
  withSections,
  type ConfLike,
  type StoreFactory,
  type StoredSettings,
} from './settings-file';
import type { SettingsChange, SettingsService } from './types';
import {
  URL_SETTING_KEYS,
  isUrlSettingKey,
  maskUrl,
  stripUserinfo,
  unmaskUrl,
  urlCredentialKey,
  urlSecrets,
  withUserinfo,
  type UrlSettingKey,
} from './url-credentials';
import { generateVerifyToken } from './verify-token';

export type { ConfLike, SecretStoreBackend, StoreFactory };

export interface CreateSettingsOptions {
  paths: HomePaths;
  /** Environment for overrides; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * The OS keychain. Omitted: `@napi-rs/keyring` (unless KREO_SECRETS_BACKEND=file in env). null: no keychain,
   * secrets go to paths.secretsFile.
   */
  keychain?: SecretStoreBackend | null;
  /** conf by default; the Electron main passes an electron-store factory with the same cwd and name. */
  storeFactory?: StoreFactory;
  onWarning?: (msg: string) => void;
  /** Hears an onDidChange listener that threw (the other listeners still run); default: dropped. */
  onListenerError?: (err: unknown) => void;
}

export const SETTINGS_CONFIG_NAME = 'settings';

const setLeaf = (target: Record<string, Record<string, unknown>>, key: SettingKey, value: unknown) => {
  const [section, name] = key.split('.') as [string, string];
  (target[section] ??= {})[name] = value;
};

export async function createSettingsService(opts: CreateSettingsOptions): Promise<SettingsService> {
  const { paths } = opts;
  const env = opts.env ?? process.env;
  const warnings: string[] = [];
  const warn = (msg: string) => {
    warnings.push(msg);
    try {
      opts.onWarning?.(msg);
    } catch {}
  };

  let keychain = opts.keychain;
  if (keychain === undefined)
    keychain = env.KREO_SECRETS_BACKEND === 'file' ? null : await createKeychainBackend();

  const opened = openSettingsStore({
    cwd: paths.root,
    configName: SETTINGS_CONFIG_NAME,
    file: paths.settingsFile,
    factory: opts.storeFactory ?? confStoreFactory,
  });
  opened.warnings.forEach(warn);
  const store: ConfLike = opened.store;
  let saved: StoredSettings = opened.saved;

  const secrets = openSecretStore({
    secretsFile: paths.secretsFile,
    homeRoot: paths.root,
    keychain,
    warn,
  });
  /** Secrets that could not be stored anywhere: kept for this run only. */
  const volatileSecrets: SecretMap = {};
  const storeSecrets = (changes: SecretMap): void => {
    try {
      secrets.write(changes);
    } catch (err) {
      Object.assign(volatileSecrets, changes);
      warn(`${(err as Error).message} Secrets last until the app exits.`);
    }
  };

  const storedSecrets = (): SecretMap => ({ ...secrets.all(), ...volatileSecrets });
  /** Records a URL's new userinfo ('' removes it) only when it differs from the stored one: no needless writes. */
  const setCredential = (changes: SecretMap, key: UrlSettingKey, userinfo: string) => {
    const credential = urlCredentialKey(key);
    if ((storedSecrets()[credential] ?? '') !== userinfo) changes[credential] = userinfo;
  };

  if (Object.keys(opened.secretsFound).length > 0) storeSecrets(opened.secretsFound);
  if (opened.rewrite) {
    try {
      store.store = saved;
    } catch (err) {
      warn(`${paths.settingsFile} could not be cleaned up (${(err as Error).message}).`);
    }
  }

  const envOverrides = readEnvOverrides(env);
  envOverrides.warnings.forEach(warn);

  const compute = (plain: StoredSettings): Settings => {
    const merged = withSections(plain);
    const allSecrets = storedSecrets();
    for (const [key, value] of Object.entries(allSecrets))
      if (value && isSecretKey(key)) setLeaf(merged, key, value);
    for (const key of URL_SETTING_KEYS) {
      // A URL's user:password joins the URL saved without it (a credential without a URL is left unused).
      const userinfo = allSecrets[urlCredentialKey(key)];
      const [section, name] = key.split('.') as [string, string];
      const bare = merged[section]?.[name];
      if (userinfo && typeof bare === 'string' && bare) setLeaf(merged, key, withUserinfo(bare, userinfo));
    }
    for (const [key, value] of Object.entries(envOverrides.values)) setLeaf(merged, key as SettingKey, value);
    const parsed = settingsSchema.safeParse(merged);
    if (parsed.success) return parsed.data;
    warn('The combined settings did not pass validation; using the defaults.');
    return defaultSettings();
  };

  let current = compute(saved);
  if (!current.meta.verifyToken) {
    storeSecrets({ 'meta.verifyToken': generateVerifyToken() });
    current = compute(saved);
  }

  const changes = new Emitter<SettingsChange>({ onListenerError: (err) => opts.onListenerError?.(err) });
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(job: () => T): Promise<T> => {
    const run = queue.then(job);
    queue = run.catch(() => undefined);
    return run;
  };

  const applyPatch = (patch: SettingsPatch, system: boolean): Settings => {
    const nextSaved: StoredSettings = structuredClone(saved);
    const secretChanges: SecretMap = {};
    let plainChanged = false;
    for (const [key, raw] of Object.entries(patch)) {
      if (!isSettingKey(key)) throw unknownKey(key);
      if (isReadOnlyKey(key) && !system) throw readOnly(key);
      const variable = envOverrides.sources[key];
      if (variable) throw envOverridden(key, variable);
      if (raw === null || raw === undefined) {
        // null resets a key: a secret is removed, a plain key goes back to following the default.
        if (isSecretKey(key)) secretChanges[key] = '';
        else {
          const [section, name] = key.split('.') as [string, string];
          if (nextSaved[section]) delete nextSaved[section][name];
          if (isUrlSettingKey(key)) setCredential(secretChanges, key, '');
          plainChanged = true;
        }
        continue;
      }
      if (isUrlSettingKey(key)) {
        const shown = getSetting(current, key) as string;
        // A UI sending back the masked URL it was shown changes nothing; a masked password in an edited URL is kept.
        if (raw === maskUrl(shown)) continue;
        const parsed = leafSchema(key).safeParse(typeof raw === 'string' ? unmaskUrl(raw, shown) : raw);
        if (!parsed.success) throw invalidValue(key);
        const { bare, userinfo } = stripUserinfo(parsed.data as string);
        setLeaf(nextSaved, key, bare);
        setCredential(secretChanges, key, userinfo);
        plainChanged = true;
        continue;
      }
      const parsed = leafSchema(key).safeParse(normalize(key, raw));
      if (!parsed.success) throw invalidValue(key);
      if (isSecretKey(key)) secretChanges[key] = parsed.data as string;
      else {
        setLeaf(nextSaved, key, parsed.data);
        plainChanged = true;
      }
    }
    // An empty verify token would let anyone pass Meta's verification handshake: replace it at once.
    if (secretChanges['meta.verifyToken'] === '') secretChanges['meta.verifyToken'] = generateVerifyToken();

    const check = settingsSchema.safeParse(withSections(nextSaved));
    if (!check.success) throw invalidValue(firstIssueKey(check.error.issues) ?? 'server.port');

    if (Object.keys(secretChanges).length > 0) {
      secrets.write(secretChanges);
      for (const key of Object.keys(secretChanges) as StoredSecretKey[]) delete volatileSecrets[key];
    }
    if (plainChanged) {
      try {
        store.store = nextSaved;
      } catch (err) {
        throw new KreoError(
          'SETTINGS_WRITE_FAILED',
          `${paths.settingsFile} could not be written (${(err as Error).message}).`,
          'Check that the home folder is writable and has free space, then try again.',
        );
      }
      saved = nextSaved;
    }

    const before = current;
    current = compute(saved);
    const changedKeys = SETTING_KEYS.filter(
      (k) => JSON.stringify(getSetting(before, k)) !== JSON.stringify(getSetting(current, k)),
    );
    if (changedKeys.length) changes.fire({ settings: current, changedKeys });
    return current;
  };

  const service: SettingsService = {
    get: () => current,
    update: (patch, o) => serial(() => applyPatch(patch, o?.system === true)),
    generateVerifyToken: () => serial(() => applyPatch({ 'meta.verifyToken': generateVerifyToken() }, false)),
    view(): SettingsView {
      const values = structuredClone(current) as unknown as Record<string, Record<string, unknown>>;
      for (const key of SECRET_KEYS) setLeaf(values, key, '');
      for (const key of URL_SETTING_KEYS) setLeaf(values, key, maskUrl(getSetting(current, key) as string));
      return {
        values,
        secrets: Object.fromEntries(
          SECRET_KEYS.map((k) => [k, maskSecret(getSetting(current, k) as string)]),
        ) as SettingsView['secrets'],
        secretsBackend: secrets.backend,
        envOverrides: Object.keys(envOverrides.sources),
        warnings: [...warnings],
      };
    },
    get secretsBackend() {
      return secrets.backend;
    },
    get secretsBackendReason() {
      return secrets.backend === 'keychain' ? '' : secrets.keychainProblem;
    },
    secretValues: () => [
      ...SECRET_KEYS.map((k) => getSetting(current, k) as string).filter((v) => v.length > 0),
      ...URL_SETTING_KEYS.flatMap((k) => urlSecrets(getSetting(current, k) as string)),
    ],
    onDidChange: (listener) => changes.event(listener),
    dispose: () => changes.dispose(),
  };
  return service;
}

/** Text typed in a form, CLI or HTTP query becomes the leaf's type; other values are validated as given. */
function normalize(key: SettingKey, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const def = getSetting(defaultSettings(), key);
  return typeof def === 'string' ? value : coerceSettingValue(key, value);
}

function firstIssueKey(issues: readonly { path: readonly PropertyKey[] }[]): SettingKey | undefined {
  for (const issue of issues) {
    const key = issue.path.slice(0, 2).join('.');
    if (isSettingKey(key)) return key;
  }
  return undefined;
}
