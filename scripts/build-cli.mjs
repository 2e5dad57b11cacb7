#!/usr/bin/env node
// Bundles the `kreo` CLI into out/cli/ (kreo.mjs + the ngrok helper child, chunks beside them, node_modules
// external) so bin/kreo.js runs it without tsx and starts faster. `npm run kreo` always runs the sources instead.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('out/cli', { recursive: true, force: true });
await build({
  // The tunnel driver spawns ngrok-child.mjs from the folder holding its own code: keep every chunk in out/cli.
  entryPoints: { kreo: 'electron/cli/main.ts', 'ngrok-child': 'electron/services/tunnel/ngrok-child.ts' },
  outdir: 'out/cli',
  chunkNames: '[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
console.log('built out/cli/kreo.mjs');
