/**
 * Where the four secrets (and the userinfo of URL-valued settings, see url-credentials.ts) live: the OS keychain when it works, otherwise the 0600 secrets file. Opening never writes
 * to the keychain (every CLI command opens settings; a write on macOS may prompt): it reads our entries, and a read
 * that fails (AccessDenied where no secret service runs) means the file. A keychain that reads but holds none of our
 * entries yet is proven by the first real write (migrating file secrets, storing a new verify token); if that write
 * is refused, the secrets go to the file as if the read had failed. Migrates file secrets into a keychain that became
 * available, and falls back to the file if a keychain that worked starts failing. Never puts a secret value in a
 * warning.
 */
import { KreoError } from '../../../shared/errors';
import {
  SECRET_KEYS,
  fieldInfo,
  isSecretKey,
  leafSchema,
  type SecretKey,
} from '../../../shared/settings-schema';
import type { SecretStoreBackend } from './keychain';
import { readSecretsFile, writeSecretsFile } from './secrets-file';
import {
  URL_CREDENTIAL_KEYS,
  credentialSetting,
  isValidUserinfo,
  type UrlCredentialKey,
} from './url-credentials';

export type SecretsBackendName = 'keychain' | 'file';
/** What the store keeps: the secret settings and the userinfo of URL settings. */
export type StoredSecretKey = SecretKey | UrlCredentialKey;
export const STORED_SECRET_KEYS: readonly StoredSecretKey[] = [...SECRET_KEYS, ...URL_CREDENTIAL_KEYS];
export type SecretMap = Partial<Record<StoredSecretKey, string>>;

export interface SecretStore {
  readonly backend: SecretsBackendName;
  /** Why the keychain is not used (empty when it is). */
  readonly keychainProblem: string;
  /** The stored secrets that passed validation. */
  all(): SecretMap;
  /** Applies changes; '' removes a secret. Throws KreoError SECRETS_UNAVAILABLE when nothing can store them. */
  write(changes: SecretMap): void;
}

export interface SecretStoreOptions {
  secretsFile: string;
  /** Distinguishes homes in the shared OS keychain (tests and KREO_HOME must not clobber the real one). */
  homeRoot: string;
  keychain: SecretStoreBackend | null;
  warn: (msg: string) => void;
}

export function keychainAccount(key: StoredSecretKey, homeRoot: string): string {
  return `${key}@${homeRoot}`;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function openSecretStore(opts: SecretStoreOptions): SecretStore {
  const { secretsFile, homeRoot, warn } = opts;
  let values: SecretMap = {};
  let fileSecrets: Record<string, string> = {};
  try {
    const read = readSecretsFile(secretsFile);
    fileSecrets = read.secrets;
    if (read.modeFixed) warn(`${secretsFile} was readable by others; its mode is now 0600.`);
    if (read.corruptBackup)
      warn(
        `${secretsFile} could not be read and was moved to ${read.corruptBackup}; enter the secrets again (kreo config set).`,
      );
  } catch (err) {
    warn(`${secretsFile} could not be read (${message(err)}); starting without stored secrets.`);
  }

  let keychain = opts.keychain;
  let keychainProblem = keychain ? '' : 'no OS keychain binding';
  /** True once the keychain has taken a write (now or in an earlier run, which left our entries there). */
  let proven = false;
  if (keychain) {
    try {
      const fromKeychain: SecretMap = {};
      for (const key of STORED_SECRET_KEYS) {
        const stored = keychain.get(keychainAccount(key, homeRoot));
        if (stored) fromKeychain[key] = stored;
      }
      proven = Object.keys(fromKeychain).length > 0;
      const migrated: StoredSecretKey[] = [];
      for (const key of STORED_SECRET_KEYS) {
        const fromFile = fileSecrets[key];
        if (fromKeychain[key] || !fromFile) continue;
        keychain.set(keychainAccount(key, homeRoot), fromFile);
        proven = true;
        fromKeychain[key] = fromFile;
        migrated.push(key);
      }
      values = fromKeychain;
      if (Object.keys(fileSecrets).length > 0) writeSecretsFile(secretsFile, {});
      if (migrated.length)
        warn(`Moved ${migrated.map(describeKey).join(', ')} from ${secretsFile} into the OS keychain.`);
    } catch (err) {
      keychainProblem = message(err);
      keychain = null;
    }
  }
  if (!keychain) values = pick(fileSecrets);

  values = validated(values, warn);
  let backend: SecretsBackendName = keychain ? 'keychain' : 'file';

  const writeFile = (next: SecretMap) => {
    try {
      writeSecretsFile(secretsFile, next as Record<string, string>);
    } catch (err) {
      throw new KreoError(
        'SECRETS_UNAVAILABLE',
        `The secrets file ${secretsFile} could not be written (${message(err)}).`,
        'Check that the home folder is writable (kreo --home DIR, or KREO_HOME) and try again.',
      );
    }
  };

  return {
    get backend() {
      return backend;
    },
    get keychainProblem() {
      return keychainProblem;
    },
    all: () => ({ ...values }),
    write(changes) {
      const next: SecretMap = { ...values };
      for (const [key, value] of Object.entries(changes) as [StoredSecretKey, string][]) {
        if (value) next[key] = value;
        else delete next[key];
      }
      if (keychain) {
        try {
          for (const key of Object.keys(changes) as StoredSecretKey[]) {
            const account = keychainAccount(key, homeRoot);
            const value = next[key];
            if (value) keychain.set(account, value);
            else keychain.delete(account);
          }
          values = next;
          proven = true;
          return;
        } catch (err) {
          keychainProblem = message(err);
          keychain = null;
          backend = 'file';
          // A keychain that never took a write was not working to begin with: the file is simply the backend.
          if (proven)
            warn(
              `The OS keychain stopped working (${keychainProblem}); secrets are now kept in ${secretsFile} (mode 0600).`,
            );
        }
      }
      writeFile(next);
      values = next;
    },
  };
}

/** How a stored key is named in warnings. */
export function describeKey(key: StoredSecretKey): string {
  return isSecretKey(key) ? key : `the user and password in ${credentialSetting(key)}`;
}

function pick(raw: Record<string, string>): SecretMap {
  const out: SecretMap = {};
  for (const key of STORED_SECRET_KEYS) if (typeof raw[key] === 'string' && raw[key]) out[key] = raw[key];
  return out;
}

function validated(values: SecretMap, warn: (msg: string) => void): SecretMap {
  const out: SecretMap = {};
  for (const [key, value] of Object.entries(values) as [StoredSecretKey, string][]) {
    if (isSecretKey(key) ? leafSchema(key).safeParse(value).success : isValidUserinfo(value))
      out[key] = value;
    else if (isSecretKey(key))
      warn(`The stored ${key} is not ${fieldInfo(key).expected}; it is ignored. Set it again.`);
    else warn(`The stored ${describeKey(key)} could not be read; it is ignored. Set the URL again.`);
  }
  return out;
}
