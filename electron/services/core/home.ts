/**
 * The per-user home folder: the same folder Electron uses as userData ("<appData>/KREO WhatsApp Panel"),
 * overridable with KREO_HOME or --home. Everything the panel keeps lives below it.
 */
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const APP_NAME = 'KREO WhatsApp Panel';

export interface HomePaths {
  root: string;
  /** settings.json (no secrets in it) */
  settingsFile: string;
  /** secrets.json, mode 0600, used when no OS keychain is available */
  secretsFile: string;
  logsDir: string;
  dataDir: string;
  runDir: string;
  /** run/host.json: pid, port and token of the running host, mode 0600 */
  discoveryFile: string;
}

/** The OS application-data folder Electron's app.getPath('appData') returns. */
export function appDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  const home = os.homedir();
  if (platform === 'win32') return env.APPDATA || path.join(home, 'AppData', 'Roaming');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support');
  return env.XDG_CONFIG_HOME || path.join(home, '.config');
}

export function resolveHome(opts: { home?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const env = opts.env ?? process.env;
  const chosen = opts.home || env.KREO_HOME;
  return path.resolve(chosen || path.join(appDataDir(env), APP_NAME));
}

export function homePaths(root: string): HomePaths {
  const runDir = path.join(root, 'run');
  return {
    root,
    settingsFile: path.join(root, 'settings.json'),
    secretsFile: path.join(root, 'secrets.json'),
    logsDir: path.join(root, 'logs', 'whatsapp'),
    dataDir: path.join(root, 'data'),
    runDir,
    discoveryFile: path.join(runDir, 'host.json'),
  };
}

/** Creates the folders (owner-only where the OS honours modes) and returns the paths. */
export function ensureHome(root: string): HomePaths {
  const paths = homePaths(root);
  for (const dir of [paths.root, paths.logsDir, paths.dataDir, paths.runDir]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
  return paths;
}
