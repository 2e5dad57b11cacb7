import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TunnelStatus } from '../../shared/domain/tunnel';
import { KreoError, type Result } from '../../shared/errors';
import { EventBus } from '../services/core/event-bus';
import { IPC_INVOKE } from '../preload/ipc-channels';
import { resolveAppPaths } from './app-paths';
import { startDesktopApp, type DesktopHost } from './desktop-app';
import {
  FakeBrowserWindow,
  FakeNotification,
  FakeTray,
  resetFakeElectron,
  state,
} from './testing/fake-electron';

vi.mock('electron', async () => (await import('./testing/fake-electron')).fakeElectron());

const paths = resolveAppPaths('/opt/kreo/app.asar', { packaged: true });
const HOME = '/home/dev/.config/KREO WhatsApp Panel';

const status = (s: TunnelStatus['state'], url: string | null = null): TunnelStatus => ({
  state: s,
  url,
  localTarget: 'http://127.0.0.1:8000',
  domain: null,
  startedAt: null,
  uptimeMs: null,
  lastError: null,
  connection: s === 'online' ? 'connected' : null,
  connectionChanges: [],
});

function fakeHost(answers: Record<string, Result<unknown>> = {}) {
  const order: string[] = [];
  const calls: [string, unknown][] = [];
  const bus = new EventBus();
  const host: DesktopHost & { order: string[]; calls: typeof calls } = {
    bus,
    order,
    calls,
    invoke: async (channel, input) => {
      calls.push([channel, input]);
      return answers[channel] ?? { ok: true, value: channel === 'tunnel:status' ? status('stopped') : null };
    },
    dispose: async () => {
      order.push(`host disposed (tray destroyed: ${FakeTray.instances[0]?.destroyed})`);
    },
  };
  return host;
}

afterEach(() => resetFakeElectron());

describe('desktop app lifecycle', () => {
  it('uses the home folder as userData before taking the single-instance lock', async () => {
    const host = fakeHost();
    const desktop = startDesktopApp({ home: HOME, paths, startHost: async () => host });
    expect(state.app.paths.get('userData')).toBe(HOME);
    expect(state.app.calls.slice(0, 2)).toEqual(['setPath:userData', 'requestSingleInstanceLock']);
    await expect(desktop.ready).resolves.toBe(true);
  });

  it('a second instance quits at once without starting a host', async () => {
    state.app.lock = false;
    const startHost = vi.fn();
    const desktop = startDesktopApp({ home: HOME, paths, startHost });
    await expect(desktop.ready).resolves.toBe(false);
    expect(startHost).not.toHaveBeenCalled();
    expect(state.app.calls).toContain('quit');
    expect(FakeBrowserWindow.instances).toHaveLength(0);
  });

  it('a second launch focuses the running window', async () => {
    const desktop = startDesktopApp({ home: HOME, paths, startHost: async () => fakeHost() });
    await desktop.ready;
    const win = FakeBrowserWindow.instances[0]!;
    win.minimized = true;
    state.app.emit('second-instance');
    expect(win.visible).toBe(true);
    expect(win.minimized).toBe(false);
    expect(win.focused).toBe(1);
  });

  it('starts window, IPC, tray; the tray follows tunnel events', async () => {
    const host = fakeHost({
      'tunnel:status': { ok: true, value: status('online', 'https://a.ngrok-free.app') },
    });
    const desktop = startDesktopApp({ home: HOME, paths, startHost: async () => host });
    await desktop.ready;
    expect(state.ipcHandlers.has(IPC_INVOKE)).toBe(true);
    const tray = FakeTray.instances[0]!;
    expect(tray.tooltip).toContain('https://a.ngrok-free.app');
    host.bus.publish('tunnel:status', status('error'));
    expect(tray.image).toEqual({ path: '/opt/kreo/app.asar/build/tray/tray-error.png' });
    expect(state.session.permissionRequestHandler).not.toBeNull();
  });

  it('closing the window leaves the app running in the tray', async () => {
    const host = fakeHost();
    const desktop = startDesktopApp({ home: HOME, paths, startHost: async () => host });
    await desktop.ready;
    const win = FakeBrowserWindow.instances[0]!;
    win.show();
    expect(win.simulateClose()).toBe(true);
    state.app.emit('window-all-closed');
    expect(win.visible).toBe(false);
    expect(host.order).toEqual([]);
    expect(state.app.exitCode).toBeNull();
  });

  it('quitting disposes tray, IPC and window, then the host, then exits', async () => {
    const host = fakeHost();
    const desktop = startDesktopApp({ home: HOME, paths, startHost: async () => host });
    await desktop.ready;
    const prevented = state.app.quit();
    expect(prevented).toBe(true); // held until the host has shut down
    await vi.waitFor(() => expect(state.app.exitCode).toBe(0));
    expect(host.order).toEqual(['host disposed (tray destroyed: true)']);
    expect(state.ipcHandlers.has(IPC_INVOKE)).toBe(false);
    expect(FakeBrowserWindow.instances[0]!.destroyed).toBe(true);
    // A window closed while quitting really closes.
    expect(FakeBrowserWindow.instances[0]!.simulateClose()).toBe(false);
  });

  it('exits after the bound when the host hangs on shutdown', async () => {
    const host = fakeHost();
    host.dispose = () => new Promise(() => {});
    const desktop = startDesktopApp({
      home: HOME,
      paths,
      startHost: async () => host,
      shutdownTimeoutMs: 50,
    });
    await desktop.ready;
    state.app.quit();
    await vi.waitFor(() => expect(state.app.exitCode).toBe(0));
  });

  it('shows an error and exits when the host cannot start', async () => {
    const desktop = startDesktopApp({
      home: HOME,
      paths,
      startHost: async () => {
        throw new Error('settings.json is not writable');
      },
    });
    await expect(desktop.ready).resolves.toBe(false);
    expect(state.errorBoxes[0]!.content).toContain('settings.json is not writable');
    expect(state.errorBoxes[0]!.content).toContain(HOME);
    expect(state.app.exitCode).toBe(1);
  });

  it('shows the hint of a host that refuses to start (another host runs for this home)', async () => {
    const desktop = startDesktopApp({
      home: HOME,
      paths,
      startHost: async () => {
        throw new KreoError(
          'UNAVAILABLE',
          'Another KREO host is already running.',
          'Stop it with kreo host stop.',
        );
      },
    });
    await desktop.ready;
    expect(state.errorBoxes[0]!.content).toMatch(/already running\.\nStop it with kreo host stop\./);
  });

  it('restricts file loads to the renderer folder', async () => {
    const desktop = startDesktopApp({ home: HOME, paths, startHost: async () => fakeHost() });
    await desktop.ready;
    let out: { cancel: boolean } | undefined;
    state.session.beforeRequest!({ url: 'file:///etc/hosts' }, (r: { cancel: boolean }) => (out = r));
    expect(out).toEqual({ cancel: true });
  });

  it('tray actions go through the host and report failures as notifications', async () => {
    const host = fakeHost({
      'tunnel:start': {
        ok: false,
        error: { code: 'TUNNEL_AUTH_MISSING', message: 'No ngrok authtoken is configured.', hint: 'Set it.' },
      },
    });
    const desktop = startDesktopApp({ home: HOME, paths, startHost: async () => host });
    await desktop.ready;
    const menu = FakeTray.instances[0]!.menu!.template;
    (menu.find((i) => i.id === 'tunnel-start')!.click as () => void)();
    await vi.waitFor(() => expect(FakeNotification.shown).toHaveLength(1));
    expect(host.calls.map(([c]) => c)).toContain('tunnel:start');
    expect(FakeNotification.shown[0]!.options).toMatchObject({
      title: 'Could not start the tunnel',
      body: 'No ngrok authtoken is configured.\nSet it.',
    });
  });

  it('copies the public URL from the tray', async () => {
    const host = fakeHost({
      'tunnel:status': { ok: true, value: status('online', 'https://b.ngrok-free.app') },
    });
    const desktop = startDesktopApp({ home: HOME, paths, startHost: async () => host });
    await desktop.ready;
    const menu = FakeTray.instances[0]!.menu!.template;
    (menu.find((i) => i.id === 'copy-url')!.click as () => void)();
    expect(state.clipboard).toEqual(['https://b.ngrok-free.app']);
  });
});
