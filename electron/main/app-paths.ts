/**
 * Where the shell's files are, relative to the app root (`app.getAppPath()`: the project folder in development, the
 * app.asar in a package): the built preload and renderer, the tray icons and the app icon.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TrayIconState } from './tray-menu';

export type RendererLocation =
  { kind: 'dev'; url: string } | { kind: 'file'; filePath: string; fileUrl: string };

export interface AppPaths {
  preload: string;
  renderer: RendererLocation;
  appIcon: string;
  trayIcon: (state: TrayIconState) => string;
}

/**
 * `devServerUrl` is electron-vite's ELECTRON_RENDERER_URL, honoured only when the app is not packaged: a packaged app
 * never loads anything but its own files.
 */
export function resolveAppPaths(
  appRoot: string,
  opts: { packaged: boolean; devServerUrl?: string },
): AppPaths {
  const rendererFile = path.join(appRoot, 'out', 'renderer', 'index.html');
  const renderer: RendererLocation =
    !opts.packaged && opts.devServerUrl
      ? { kind: 'dev', url: opts.devServerUrl }
      : { kind: 'file', filePath: rendererFile, fileUrl: pathToFileURL(rendererFile).href };
  return {
    preload: path.join(appRoot, 'out', 'preload', 'index.cjs'),
    renderer,
    appIcon: path.join(appRoot, 'build', 'icon.png'),
    trayIcon: (state) => path.join(appRoot, 'build', 'tray', `tray-${state}.png`),
  };
}
