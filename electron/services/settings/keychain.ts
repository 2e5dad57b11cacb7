/**
 * The OS keychain behind a three-method interface, so the settings service can be tested with fakes and so a
 * missing or broken keychain (no Secret Service on a headless Linux box) simply means "use the 0600 file".
 */
import type { Entry as KeyringEntry } from '@napi-rs/keyring';
import { APP_NAME } from '../core/home';

/** A synchronous name → secret store; every method may throw when the platform store is unusable. */
export interface SecretStoreBackend {
  get(account: string): string | null;
  set(account: string, value: string): void;
  /** Removes the entry; no error when there was none. */
  delete(account: string): void;
}

export const KEYCHAIN_SERVICE = APP_NAME;

/**
 * The `@napi-rs/keyring` binding (macOS Keychain, Windows Credential Manager, Secret Service on Linux).
 * Resolves to null when the native module cannot be loaded on this platform.
 */
export async function createKeychainBackend(
  service: string = KEYCHAIN_SERVICE,
): Promise<SecretStoreBackend | null> {
  let Entry: typeof KeyringEntry;
  try {
    ({ Entry } = await import('@napi-rs/keyring'));
  } catch {
    return null;
  }
  // On Linux only the Secret Service persists: the kernel keyring (keyutils), the binding's silent fallback,
  // forgets everything at logout or reboot, which would quietly lose the user's tokens.
  const options = { linux: { store: 'secret-service' as const } };
  const entry = (account: string) => new Entry(service, account, options);
  return {
    get: (account) => entry(account).getPassword() ?? null,
    set: (account, value) => entry(account).setPassword(value),
    delete: (account) => {
      entry(account).deletePassword();
    },
  };
}
