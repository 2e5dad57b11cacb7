/**
 * The panel window: isolated, sandboxed, no Node in the page, web security on; it may not navigate away from the
 * panel, open new windows or attach webviews. Closing it hides it (the app lives on in the tray) unless the app is
 * quitting.
 */
import { BrowserWindow, type WebContents } from 'electron';
import type { RendererLocation } from './app-paths';

export interface MainWindowOptions {
  preloadPath: string;
  renderer: RendererLocation;
  iconPath?: string;
  /** Asked on close: true lets the window really close (app quitting), false hides it instead. */
  isQuitting: () => boolean;
  /** The panel could not load (e.g. out/renderer is missing: not built). Default: console.error. */
  onLoadError?: (err: unknown, target: string) => void;
}

/** True when `url` is the panel itself (same file, or same dev-server origin); the #hash may differ. */
export function isPanelUrl(url: string, renderer: RendererLocation): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (renderer.kind === 'dev') return parsed.origin === new URL(renderer.url).origin;
  const expected = new URL(renderer.fileUrl);
  return (
    parsed.protocol === 'file:' && parsed.pathname === expected.pathname && parsed.host === expected.host
  );
}

/** Blocks every way the page could leave the panel or open more windows. */
export function lockDownWebContents(contents: WebContents, renderer: RendererLocation): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event, url) => {
    if (!isPanelUrl(url, renderer)) event.preventDefault();
  });
  contents.on('will-frame-navigate', (event) => {
    if (!isPanelUrl(event.url, renderer)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isPanelUrl(url, renderer)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

export function createMainWindow(opts: MainWindowOptions): BrowserWindow {
  // Options stay literal here so the security scan (Electronegativity) can read them.
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'KREO WhatsApp Panel',
    backgroundColor: '#0f1115',
    autoHideMenuBar: true,
    icon: opts.iconPath,
    webPreferences: {
      preload: opts.preloadPath,
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
      safeDialogs: true,
      spellcheck: false,
      disableBlinkFeatures: 'Auxclick',
    },
  });

  lockDownWebContents(win.webContents, opts.renderer);
  win.once('ready-to-show', () => win.show());
  win.on('close', (event) => {
    if (opts.isQuitting()) return;
    event.preventDefault();
    win.hide();
  });

  const target = opts.renderer.kind === 'dev' ? opts.renderer.url : opts.renderer.filePath;
  const loading =
    opts.renderer.kind === 'dev' ? win.loadURL(opts.renderer.url) : win.loadFile(opts.renderer.filePath);
  loading.catch((err: unknown) => {
    if (opts.onLoadError) opts.onLoadError(err, target);
    else console.error(`kreo: the panel could not load ${target}`, err);
  });
  return win;
}

/** Shows, restores and focuses the window (second launch, tray "Open panel"). */
export function revealWindow(win: BrowserWindow): void {
  if (win.isMinimized()) win.restore();
  if (!win.isVisible()) win.show();
  win.focus();
}
