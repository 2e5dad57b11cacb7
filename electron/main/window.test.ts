import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolveAppPaths } from './app-paths';
import { FakeBrowserWindow, resetFakeElectron } from './testing/fake-electron';
import { createMainWindow, isPanelUrl } from './window';

vi.mock('electron', async () => (await import('./testing/fake-electron')).fakeElectron());

const prod = resolveAppPaths('/opt/kreo/resources/app.asar', { packaged: true });
const dev = resolveAppPaths('/src/kreo', { packaged: false, devServerUrl: 'http://localhost:5173/' });

function open(paths = prod, quitting = false) {
  createMainWindow({
    preloadPath: paths.preload,
    renderer: paths.renderer,
    iconPath: paths.appIcon,
    isQuitting: () => quitting,
  });
  return FakeBrowserWindow.instances.at(-1)!;
}

function navigate(win: FakeBrowserWindow, event: 'will-navigate' | 'will-redirect', url: string): boolean {
  let prevented = false;
  win.webContents.emit(event, { preventDefault: () => (prevented = true) }, url);
  return prevented;
}

afterEach(() => resetFakeElectron());

describe('panel window', () => {
  it('is isolated, sandboxed, without Node, with web security and the built preload', () => {
    const win = open();
    const prefs = win.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
    });
    expect(prefs.preload).toBe('/opt/kreo/resources/app.asar/out/preload/index.cjs');
    expect(win.options.show).toBe(false);
  });

  it('loads the packaged renderer from its file, never a dev server URL', () => {
    const packagedWithDevVar = resolveAppPaths('/opt/app', {
      packaged: true,
      devServerUrl: 'http://evil:1/',
    });
    expect(open(packagedWithDevVar).loaded).toEqual({
      kind: 'file',
      target: '/opt/app/out/renderer/index.html',
    });
    expect(open(dev).loaded).toEqual({ kind: 'url', target: 'http://localhost:5173/' });
  });

  it('denies new windows', () => {
    const win = open();
    expect(win.webContents.windowOpenHandler?.({ url: 'https://example.com' })).toEqual({ action: 'deny' });
  });

  it('blocks navigation away from the panel but allows the panel itself', () => {
    const win = open();
    expect(navigate(win, 'will-navigate', 'https://example.com/')).toBe(true);
    expect(navigate(win, 'will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(navigate(win, 'will-redirect', 'http://127.0.0.1:9/')).toBe(true);
    expect(
      navigate(win, 'will-navigate', 'file:///opt/kreo/resources/app.asar/out/renderer/index.html#/logs'),
    ).toBe(false);
    let prevented = false;
    win.webContents.emit('will-frame-navigate', {
      url: 'https://example.com/',
      preventDefault: () => (prevented = true),
    });
    expect(prevented).toBe(true);
  });

  it('refuses to attach webviews', () => {
    const win = open();
    let prevented = false;
    win.webContents.emit('will-attach-webview', { preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);
  });

  it('hides on close unless the app is quitting', () => {
    const win = open(prod, false);
    win.show();
    expect(win.simulateClose()).toBe(true);
    expect(win.visible).toBe(false);
    const quittingWin = open(prod, true);
    expect(quittingWin.simulateClose()).toBe(false);
  });

  it('reports a panel that cannot load (renderer not built) instead of leaving the rejection unhandled', async () => {
    FakeBrowserWindow.loadError = new Error('ERR_FILE_NOT_FOUND (-6) loading index.html');
    const failures: [unknown, string][] = [];
    createMainWindow({
      preloadPath: prod.preload,
      renderer: prod.renderer,
      isQuitting: () => false,
      onLoadError: (err, target) => failures.push([err, target]),
    });
    await vi.waitFor(() => expect(failures).toHaveLength(1));
    expect(failures[0]![1]).toBe('/opt/kreo/resources/app.asar/out/renderer/index.html');
    expect(String(failures[0]![0])).toContain('ERR_FILE_NOT_FOUND');
  });

  it('shows itself once ready', () => {
    const win = open();
    expect(win.visible).toBe(false);
    win.emit('ready-to-show');
    expect(win.visible).toBe(true);
  });
});

describe('isPanelUrl', () => {
  it('matches the dev server by origin only', () => {
    expect(isPanelUrl('http://localhost:5173/#/events', dev.renderer)).toBe(true);
    expect(isPanelUrl('http://localhost:5174/', dev.renderer)).toBe(false);
    expect(isPanelUrl('not a url', dev.renderer)).toBe(false);
  });
});
