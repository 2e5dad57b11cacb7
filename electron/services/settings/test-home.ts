/**
 * Test fixture: a temporary home per test and the settings services opened on it, disposed (and the folder
 * removed) after each test. Call at the top of a test file; read `home.paths` / `home.dir` inside tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { ensureHome, type HomePaths } from '../core/home';
import { createSettingsService, type CreateSettingsOptions } from './settings-service';
import type { SettingsService } from './types';

export interface SettingsTestHome {
  /** The temporary folder (the home is `<dir>/home`; other homes may go beside it). */
  readonly dir: string;
  readonly paths: HomePaths;
  /** Opens a settings service on the home (no keychain, no environment unless given). */
  open(extra?: Partial<CreateSettingsOptions>): Promise<SettingsService>;
}

export function useSettingsHome(prefix: string): SettingsTestHome {
  let dir = '';
  let paths: HomePaths | null = null;
  const services: SettingsService[] = [];
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), prefix));
    paths = ensureHome(path.join(dir, 'home'));
  });
  afterEach(async () => {
    for (const s of services.splice(0)) await s.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return dir;
    },
    get paths() {
      return paths!;
    },
    async open(extra = {}) {
      const s = await createSettingsService({ paths: paths!, env: {}, keychain: null, ...extra });
      services.push(s);
      return s;
    },
  };
}
