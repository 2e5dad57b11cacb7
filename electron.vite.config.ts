/**
 * electron-vite build of the three parts:
 * - main (ESM, out/main/): the Electron main process, plus the ngrok helper child and the `kreo` CLI as extra
 *   entries, so bin/kreo.js and the packaged app run built JavaScript. All chunks stay flat in out/main/ (the tunnel
 *   driver finds `ngrok-child.js` beside the bundle that holds it). Dependencies (the native @ngrok/ngrok,
 *   better-sqlite3, @napi-rs/keyring among them) stay external and load from node_modules at run time.
 * - preload (CommonJS, out/preload/index.cjs): sandboxed preloads cannot load ESM or node_modules, so it is one
 *   self-contained file.
 * - renderer (out/renderer/): the React panel, with the panel's CSP written into index.html as a meta tag.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import { injectCspMeta } from './electron/main/csp';

const root = import.meta.dirname;
const r = (p: string) => resolve(root, p);

/** Main-side entries; the CLI and the ngrok child are included once their sources exist. */
function mainEntries(): Record<string, string> {
  const entries: Record<string, string> = { index: r('electron/main/index.ts') };
  const optional: Record<string, string> = {
    'ngrok-child': 'electron/services/tunnel/ngrok-child.ts',
    cli: 'electron/cli/main.ts',
  };
  for (const [name, file] of Object.entries(optional)) if (existsSync(r(file))) entries[name] = r(file);
  return entries;
}

/** Writes the production CSP into the built index.html (file:// pages and browser mode get no CSP header). */
function cspMeta(): Plugin {
  return {
    name: 'kreo:csp-meta',
    apply: 'build',
    transformIndexHtml: { order: 'post', handler: (html) => injectCspMeta(html) },
  };
}

export default defineConfig({
  main: {
    build: {
      outDir: r('out/main'),
      rolldownOptions: {
        input: mainEntries(),
        output: { entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: r('out/preload'),
      // Bundle zod and the contract into the preload: a sandboxed preload can only require 'electron'.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: r('electron/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: r('renderer'),
    base: './',
    plugins: [react(), cspMeta()],
    build: {
      outDir: r('out/renderer'),
      emptyOutDir: true,
      rolldownOptions: { input: r('renderer/index.html') },
    },
  },
});
