/** The settings file store for the desktop app: electron-store (conf underneath) in the host's home folder. */
import ElectronStore from 'electron-store';
import type { StoreFactory } from '../services/settings/settings-file';

export const electronStoreFactory: StoreFactory = ({ cwd, configName }) =>
  new ElectronStore<Record<string, unknown>>({
    cwd,
    name: configName,
    clearInvalidConfig: false,
    configFileMode: 0o600,
  });
