/**
 * A recording stand-in for the parts of the `electron` module the shell uses, for unit tests:
 *   vi.mock('electron', async () => (await import('./testing/fake-electron')).fakeElectron())
 * Every object records what it was asked to do; `resetFakeElectron()` clears state between tests.
 */
import { EventEmitter } from 'node:events';

type Handler = (...args: unknown[]) => unknown;

export class FakeWebContents extends EventEmitter {
  static nextId = 1;
  readonly id = FakeWebContents.nextId++;
  windowOpenHandler: Handler | null = null;
  destroyed = false;
  url = '';
  readonly sent: { channel: string; args: unknown[] }[] = [];
  setWindowOpenHandler(handler: Handler) {
    this.windowOpenHandler = handler;
  }
  send(channel: string, ...args: unknown[]) {
    this.sent.push({ channel, args });
  }
  isDestroyed() {
    return this.destroyed;
  }
  getURL() {
    return this.url;
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static instances: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  visible = false;
  minimized = false;
  destroyed = false;
  focused = 0;
  loaded: { kind: 'url' | 'file'; target: string } | null = null;
  constructor(readonly options: Record<string, unknown>) {
    super();
    FakeBrowserWindow.instances.push(this);
  }
  /** When set, loadURL/loadFile reject with it (as Electron does when out/renderer is missing). */
  static loadError: Error | null = null;
  loadURL(url: string) {
    this.loaded = { kind: 'url', target: url };
    return FakeBrowserWindow.loadError ? Promise.reject(FakeBrowserWindow.loadError) : Promise.resolve();
  }
  loadFile(file: string) {
    this.loaded = { kind: 'file', target: file };
    return FakeBrowserWindow.loadError ? Promise.reject(FakeBrowserWindow.loadError) : Promise.resolve();
  }
  show() {
    this.visible = true;
  }
  hide() {
    this.visible = false;
  }
  isVisible() {
    return this.visible;
  }
  isMinimized() {
    return this.minimized;
  }
  restore() {
    this.minimized = false;
  }
  focus() {
    this.focused += 1;
  }
  isDestroyed() {
    return this.destroyed;
  }
  destroy() {
    this.destroyed = true;
    this.webContents.destroyed = true;
  }
  /** Simulates the user closing the window: returns true when a listener prevented it. */
  simulateClose(): boolean {
    let prevented = false;
    this.emit('close', { preventDefault: () => (prevented = true) });
    return prevented;
  }
}

export class FakeTray extends EventEmitter {
  static instances: FakeTray[] = [];
  image: unknown;
  tooltip = '';
  menu: { template: Record<string, unknown>[] } | null = null;
  destroyed = false;
  readonly images: unknown[] = [];
  constructor(image: unknown) {
    super();
    this.image = image;
    this.images.push(image);
    FakeTray.instances.push(this);
  }
  setImage(image: unknown) {
    this.image = image;
    this.images.push(image);
  }
  setToolTip(text: string) {
    this.tooltip = text;
  }
  setContextMenu(menu: { template: Record<string, unknown>[] }) {
    this.menu = menu;
  }
  isDestroyed() {
    return this.destroyed;
  }
  destroy() {
    this.destroyed = true;
  }
}

export class FakeNotification extends EventEmitter {
  static supported = true;
  static shown: FakeNotification[] = [];
  static isSupported() {
    return FakeNotification.supported;
  }
  constructor(readonly options: { title: string; body: string }) {
    super();
  }
  show() {
    FakeNotification.shown.push(this);
  }
  close() {
    this.emit('close');
  }
}

export class FakeSession {
  permissionRequestHandler: Handler | null = null;
  permissionCheckHandler: Handler | null = null;
  devicePermissionHandler: Handler | null = null;
  beforeRequest: Handler | null = null;
  headersReceived: Handler | null = null;
  readonly webRequest = {
    onBeforeRequest: (fn: Handler) => (this.beforeRequest = fn),
    onHeadersReceived: (fn: Handler) => (this.headersReceived = fn),
  };
  setPermissionRequestHandler(fn: Handler) {
    this.permissionRequestHandler = fn;
  }
  setPermissionCheckHandler(fn: Handler) {
    this.permissionCheckHandler = fn;
  }
  setDevicePermissionHandler(fn: Handler) {
    this.devicePermissionHandler = fn;
  }
}

class FakeApp extends EventEmitter {
  paths = new Map<string, string>();
  lock = true;
  readonly calls: string[] = [];
  exitCode: number | null = null;
  setPath(name: string, value: string) {
    this.calls.push(`setPath:${name}`);
    this.paths.set(name, value);
  }
  getPath(name: string) {
    return this.paths.get(name) ?? `/tmp/fake-${name}`;
  }
  getAppPath() {
    return '/fake/app';
  }
  getVersion() {
    return '0.0.0-test';
  }
  requestSingleInstanceLock() {
    this.calls.push('requestSingleInstanceLock');
    return this.lock;
  }
  whenReady() {
    return Promise.resolve();
  }
  quit() {
    this.calls.push('quit');
    let prevented = false;
    this.emit('before-quit', { preventDefault: () => (prevented = true) });
    return prevented;
  }
  exit(code = 0) {
    this.calls.push(`exit:${code}`);
    this.exitCode = code;
  }
  isPackaged = false;
}

export const state = {
  app: new FakeApp(),
  session: new FakeSession(),
  ipcHandlers: new Map<string, Handler>(),
  ipcRendererListeners: new Map<string, Handler[]>(),
  ipcRendererInvokes: [] as unknown[][],
  exposed: new Map<string, unknown>(),
  clipboard: [] as string[],
  errorBoxes: [] as { title: string; content: string }[],
  applicationMenu: undefined as unknown,
};

export function resetFakeElectron(): void {
  FakeBrowserWindow.loadError = null;
  state.app = new FakeApp();
  state.session = new FakeSession();
  state.ipcHandlers.clear();
  state.ipcRendererListeners.clear();
  state.ipcRendererInvokes.length = 0;
  state.exposed.clear();
  state.clipboard.length = 0;
  state.errorBoxes.length = 0;
  state.applicationMenu = undefined;
  FakeBrowserWindow.instances.length = 0;
  FakeTray.instances.length = 0;
  FakeNotification.shown.length = 0;
  FakeNotification.supported = true;
}

/** The module object handed to vi.mock('electron'). Getters, so resetFakeElectron() swaps app and session. */
export function fakeElectron() {
  const electron = {
    get app() {
      return state.app;
    },
    get session() {
      return { defaultSession: state.session };
    },
    BrowserWindow: FakeBrowserWindow,
    Tray: FakeTray,
    Notification: FakeNotification,
    Menu: {
      buildFromTemplate: (template: Record<string, unknown>[]) => ({ template }),
      setApplicationMenu: (menu: unknown) => (state.applicationMenu = menu),
    },
    nativeImage: { createFromPath: (p: string) => ({ path: p }) },
    ipcMain: {
      handle: (channel: string, fn: Handler) => {
        if (state.ipcHandlers.has(channel)) throw new Error(`second handler for ${channel}`);
        state.ipcHandlers.set(channel, fn);
      },
      removeHandler: (channel: string) => state.ipcHandlers.delete(channel),
      on: () => {},
    },
    ipcRenderer: {
      invoke: (...args: unknown[]) => {
        state.ipcRendererInvokes.push(args);
        return Promise.resolve({ ok: true, value: null });
      },
      on: (channel: string, fn: Handler) => {
        const list = state.ipcRendererListeners.get(channel) ?? [];
        list.push(fn);
        state.ipcRendererListeners.set(channel, list);
      },
    },
    contextBridge: {
      exposeInMainWorld: (key: string, value: unknown) => state.exposed.set(key, value),
    },
    clipboard: { writeText: (text: string) => state.clipboard.push(text) },
    dialog: {
      showErrorBox: (title: string, content: string) => state.errorBoxes.push({ title, content }),
    },
    shell: { openPath: async () => '' },
  };
  // `import electron from 'electron'` (electron-store does this) gets the same object (getters kept).
  Object.defineProperty(electron, 'default', { value: electron, enumerable: true });
  return electron;
}
