#!/usr/bin/env node
// The installed `kreo` command. Runs the built CLI (out/main/cli.js, made by `npm run build` beside the Electron
// main bundle) when it exists, otherwise the TypeScript sources through tsx (a devDependency: fine for `npm link`
// from a checkout).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const built = fileURLToPath(new URL('../out/main/cli.js', import.meta.url));
if (existsSync(built)) {
  const { main } = await import(pathToFileURL(built).href);
  main();
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../electron/cli/main.ts');
  main();
}
