/**
 * Electron main entry: resolves the home folder (KREO_HOME or the per-user app data folder, the same one `kreo`
 * uses), then runs the desktop app around the shared composition root in desktop mode. `kreo host stop` (the
 * host:shutdown request) quits the app like the tray's Quit. Unhandled rejections and uncaught exceptions are logged
 * at CRITICAL (process-safety-net.ts).
 */
import { app } from 'electron';
import { resolveHome } from '../services/core/home';
import { createHost } from '../services/host/create-host';
import { installSafetyNet } from '../services/host/process-safety-net';
import type { ModuleLogger } from '../services/logging/types';
import { resolveAppPaths } from './app-paths';
import { startDesktopApp } from './desktop-app';
import { electronStoreFactory } from './settings-store';

const home = resolveHome({ env: process.env });
const paths = resolveAppPaths(app.getAppPath(), {
  packaged: app.isPackaged,
  devServerUrl: process.env.ELECTRON_RENDERER_URL,
});

let logger: ModuleLogger | null = null;
function log(level: 'info' | 'warning' | 'error', msg: string, err?: unknown): void {
  if (logger) logger[level](err ? { err } : {}, msg);
  else console[level === 'warning' ? 'warn' : level](msg, err ?? '');
}

const desktop = startDesktopApp({
  home,
  paths,
  log,
  startHost: async () => {
    const host = await createHost({ mode: 'desktop', home, settingsStoreFactory: electronStoreFactory });
    try {
      await host.start();
    } catch (err) {
      await host.dispose().catch(() => {});
      throw err;
    }
    logger = host.logging.whatsapp.child({ module: 'desktop' });
    for (const failure of host.startFailures) log('warning', `${failure.name} did not start`, failure.error);
    host.onDidRequestShutdown(() => app.quit());
    return host;
  },
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => app.quit());

// A stray rejection or exception in main is logged (CRITICAL, whatsapp.log) and the app keeps running, instead of
// Electron's error dialog or a silent loss; a burst of uncaught exceptions shuts the app down cleanly (exit 1).
installSafetyNet({
  logger: () => logger,
  fallback: (line) => console.error(line),
  onFatal: () => void desktop.shutdown().finally(() => app.exit(1)),
});

// End-to-end tests (e2e/electron.spec.ts) read the tray through this handle; never set in normal runs.
if (process.env.KREO_TEST_HOOKS === '1') (globalThis as { __kreoDesktop?: unknown }).__kreoDesktop = desktop;

void desktop.ready.then((running) => {
  if (running) log('info', 'desktop app ready');
});
