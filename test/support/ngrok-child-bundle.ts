/**
 * Bundles the ngrok helper (electron/services/tunnel/ngrok-child.ts) to plain JS the way electron-vite does
 * (dependencies external), in a folder beside node_modules so @ngrok/ngrok still resolves. For what must run the
 * helper as it ships: without tsx.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface BundledNgrokChild {
  /** The folder holding `ngrok-child.js` (and a package.json marking it ESM). */
  dir: string;
  file: string;
  remove(): void;
}

export async function bundleNgrokChild(): Promise<BundledNgrokChild> {
  const dir = mkdtempSync(path.join(ROOT, 'node_modules', '.tmp-kreo-ngrok-child-'));
  const file = path.join(dir, 'ngrok-child.js');
  await build({
    entryPoints: [path.join(ROOT, 'electron/services/tunnel/ngrok-child.ts')],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
  });
  writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}');
  return { dir, file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
