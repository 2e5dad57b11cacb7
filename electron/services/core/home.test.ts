import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { APP_NAME, appDataDir, ensureHome, homePaths, resolveHome } from './home';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'kreo-home-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('resolveHome', () => {
  it('prefers --home, then KREO_HOME, then the Electron userData folder', () => {
    const env = { KREO_HOME: path.join(dir, 'from-env'), XDG_CONFIG_HOME: path.join(dir, 'xdg') };
    expect(resolveHome({ home: path.join(dir, 'explicit'), env })).toBe(path.join(dir, 'explicit'));
    expect(resolveHome({ env })).toBe(path.join(dir, 'from-env'));
    expect(resolveHome({ env: { XDG_CONFIG_HOME: path.join(dir, 'xdg') } })).toBe(
      path.join(dir, 'xdg', APP_NAME),
    );
  });

  it('resolves a relative folder against the working directory', () => {
    expect(resolveHome({ home: 'rel/home', env: {} })).toBe(path.resolve('rel/home'));
    expect(resolveHome({ env: { KREO_HOME: './h' } })).toBe(path.resolve('h'));
  });

  it('ignores empty overrides', () => {
    const env = { KREO_HOME: '', XDG_CONFIG_HOME: path.join(dir, 'xdg') };
    expect(resolveHome({ home: '', env })).toBe(path.join(dir, 'xdg', APP_NAME));
  });
});

describe('appDataDir (what Electron calls appData)', () => {
  it('follows each platform', () => {
    const home = os.homedir();
    expect(appDataDir({}, 'linux')).toBe(path.join(home, '.config'));
    expect(appDataDir({ XDG_CONFIG_HOME: '/x/conf' }, 'linux')).toBe('/x/conf');
    expect(appDataDir({}, 'darwin')).toBe(path.join(home, 'Library', 'Application Support'));
    expect(appDataDir({ APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }, 'win32')).toBe(
      'C:\\Users\\a\\AppData\\Roaming',
    );
    expect(appDataDir({}, 'win32')).toBe(path.join(home, 'AppData', 'Roaming'));
  });
});

describe('homePaths and ensureHome', () => {
  it('lays out settings, secrets, the three logs folder, data and run', () => {
    const root = path.join(dir, 'h');
    expect(homePaths(root)).toEqual({
      root,
      settingsFile: path.join(root, 'settings.json'),
      secretsFile: path.join(root, 'secrets.json'),
      logsDir: path.join(root, 'logs', 'whatsapp'),
      dataDir: path.join(root, 'data'),
      runDir: path.join(root, 'run'),
      discoveryFile: path.join(root, 'run', 'host.json'),
    });
  });

  it('creates the folders owner-only and is idempotent', () => {
    const paths = ensureHome(path.join(dir, 'h'));
    ensureHome(paths.root);
    for (const d of [paths.root, paths.logsDir, paths.dataDir, paths.runDir]) {
      expect(statSync(d).isDirectory()).toBe(true);
      if (process.platform !== 'win32') expect(statSync(d).mode & 0o077).toBe(0);
    }
  });
});
