import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { EventBus } from '../services/core/event-bus';
import { state } from './testing/fake-electron';

vi.mock('electron', async () => (await import('./testing/fake-electron')).fakeElectron());

const home = mkdtempSync(path.join(os.tmpdir(), 'kreo-main-'));
const shutdownListeners: (() => void)[] = [];
const created: Record<string, unknown>[] = [];
const disposed: string[] = [];
const criticals: Record<string, unknown>[] = [];

vi.mock('../services/host/create-host', () => ({
  createHost: async (opts: Record<string, unknown>) => {
    created.push(opts);
    const log = {
      info: () => {},
      warning: () => {},
      error: () => {},
      critical: (obj: Record<string, unknown>, msg: string) => void criticals.push({ ...obj, msg }),
    };
    return {
      bus: new EventBus(),
      startFailures: [],
      logging: { whatsapp: { child: () => log } },
      start: async () => {},
      dispose: async () => void disposed.push('host'),
      invoke: async () => ({ ok: true, value: null }),
      onDidRequestShutdown: (listener: () => void) => {
        shutdownListeners.push(listener);
        return { dispose: () => {} };
      },
    };
  },
}));

const signalsBefore = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
const netBefore = {
  unhandledRejection: process.listeners('unhandledRejection'),
  uncaughtException: process.listeners('uncaughtException'),
};

afterAll(() => {
  rmSync(home, { recursive: true, force: true });
  // The entry quits the app on SIGINT/SIGTERM; leave this test process's signal handling as it was.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    for (const l of process.listeners(signal)) if (!signalsBefore[signal].includes(l)) process.off(signal, l);
  }
  for (const l of process.listeners('unhandledRejection'))
    if (!netBefore.unhandledRejection.includes(l)) process.off('unhandledRejection', l);
  for (const l of process.listeners('uncaughtException'))
    if (!netBefore.uncaughtException.includes(l)) process.off('uncaughtException', l);
});

describe('main entry', () => {
  it('starts the desktop host in the KREO_HOME folder with electron-store, and quits on host:shutdown', async () => {
    vi.stubEnv('KREO_HOME', home);
    await import('./index');
    await vi.waitFor(() => expect(state.ipcHandlers.size).toBe(1));
    expect(state.app.paths.get('userData')).toBe(home);
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ mode: 'desktop', home });

    // The settings store the desktop host gets is electron-store, writing settings.json in the home, owner-only.
    const factory = created[0]!.settingsStoreFactory as (o: { cwd: string; configName: string }) => {
      set(k: string, v: unknown): void;
      path: string;
    };
    const store = factory({ cwd: home, configName: 'settings' });
    store.set('server', { port: 8123 });
    expect(store.path).toBe(path.join(home, 'settings.json'));
    expect(JSON.parse(readFileSync(store.path, 'utf8'))).toEqual({ server: { port: 8123 } });
    if (process.platform !== 'win32') expect(statSync(store.path).mode & 0o777).toBe(0o600);

    // A rejection nobody handled in main is logged at CRITICAL to the host's whatsapp.log; the app keeps running.
    const [onRejection] = process
      .listeners('unhandledRejection')
      .filter((l) => !netBefore.unhandledRejection.includes(l));
    expect(onRejection).toBeTypeOf('function');
    onRejection!(new Error('nobody awaited me'), Promise.resolve());
    expect(criticals).toEqual([
      expect.objectContaining({ msg: expect.stringMatching(/unhandled promise rejection/) }),
    ]);
    expect(state.app.exitCode).toBeNull();

    // `kreo host stop` (host:shutdown) quits the app, which disposes the host and exits.
    shutdownListeners[0]!();
    await vi.waitFor(() => expect(state.app.exitCode).toBe(0));
    expect(disposed).toEqual(['host']);
    vi.unstubAllEnvs();
  });
});
