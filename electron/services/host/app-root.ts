/**
 * Where the app's own files are: the folder holding its package.json (found upward from this module, so it works from
 * the sources, a bundle in out/, or an asar archive), the version, and the renderer build for browser mode.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'kreo-whatsapp-panel';

export interface AppRoot {
  dir: string;
  version: string;
  /** out/renderer: the built panel served at / in browser mode (may not exist). */
  rendererDir: string;
}

let cached: AppRoot | undefined;

export function appRoot(): AppRoot {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === PACKAGE_NAME) {
        cached = { dir, version: pkg.version ?? '0.0.0', rendererDir: path.join(dir, 'out', 'renderer') };
        return cached;
      }
    } catch {}
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  cached = { dir: process.cwd(), version: '0.0.0', rendererDir: path.join(process.cwd(), 'out', 'renderer') };
  return cached;
}
