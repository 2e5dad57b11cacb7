/** The settings service seam: effective settings (file + secrets + environment), validated updates, change events. */
import type { SettingsView } from '../../../shared/domain/settings';
import type { SecretKey, Settings, SettingKey, SettingsPatch } from '../../../shared/settings-schema';
import type { Disposable, Listener } from '../core/lifecycle';

export interface SettingsChange {
  settings: Settings;
  changedKeys: SettingKey[];
}

export interface SettingsService extends Disposable {
  /** Effective settings, secrets and URL passwords included (for services only, never for UIs). */
  get(): Settings;
  /**
   * Validates and saves a patch of dotted keys. Throws KreoError SETTINGS_INVALID (details: key, expected, example),
   * SETTINGS_UNKNOWN_KEY or SETTINGS_READ_ONLY. `system: true` lets the app write read-only keys.
   */
  update(patch: SettingsPatch, opts?: { system?: boolean }): Promise<Settings>;
  /**
   * What UIs see: secrets blanked (with a mask in `secrets`), the password in redis.url / forward.url replaced by
   * `••••••••` (`redis://:••••••••@127.0.0.1:6379/0`). `update` accepts such a masked URL back: unchanged, it is
   * ignored; edited around the mask, the stored password is kept.
   */
  view(): SettingsView;
  readonly secretsBackend: 'keychain' | 'file';
  /** Why secrets are in the file rather than the keychain (e.g. the keychain's error); '' when in the keychain. */
  readonly secretsBackendReason: string;
  /** Replaces meta.verifyToken with a new random one (also done automatically whenever it is empty). */
  generateVerifyToken(): Promise<Settings>;
  /** Current secret values (non-empty) and URL passwords (as written and percent-decoded), for log redaction. */
  secretValues(): string[];
  onDidChange(listener: Listener<SettingsChange>): Disposable;
}

export type { SecretKey };
