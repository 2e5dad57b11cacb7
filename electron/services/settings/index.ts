/** Public entry of the settings service. */
export { createSettingsService, SETTINGS_CONFIG_NAME, type CreateSettingsOptions } from './settings-service';
export type { ConfLike, StoreFactory } from './settings-file';
export { confStoreFactory, memoryStore } from './settings-file';
export { createKeychainBackend, KEYCHAIN_SERVICE, type SecretStoreBackend } from './keychain';
export { generateVerifyToken } from './verify-token';
export type { SettingsChange, SettingsService } from './types';
