#!/usr/bin/env node
// Packaging check that runs without the Electron binary: builds (electron-vite), packages with
// `electron-builder --dir` against a stand-in Electron folder, then asserts what the app.asar holds: main, preload
// and renderer, the tray icons, the native ngrok addon unpacked beside it, the fuses as configured, and no
// devDependencies (every node_modules package inside must be in the production dependency tree).
// Usage: node scripts/check-package.mjs [--no-build] [--keep]
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';

const require = createRequire(import.meta.url);
const asar = require('@electron/asar');
const { getCurrentFuseWire, FuseV1Options } = require('@electron/fuses');

const root = path.resolve(import.meta.dirname, '..');
const args = new Set(process.argv.slice(2));
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const electronVersion = JSON.parse(
  readFileSync(path.join(root, 'node_modules/electron/package.json'), 'utf8'),
).version;
const failures = [];
const passes = [];
const check = (ok, label) => (ok ? passes : failures).push(label);

function run(cmd, argv, opts = {}) {
  const res = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit', env: { ...process.env, ...opts.env } });
  if (res.status !== 0) {
    console.error(`✗ ${cmd} ${argv.join(' ')} exited with ${res.status ?? res.signal}`);
    process.exit(1);
  }
}

/**
 * A stand-in for the Electron distribution folder: an executable carrying the fuse sentinel and a fuse wire with
 * Electron's defaults, so electron-builder can copy it and flip the configured fuses exactly as on a real binary.
 */
function makeStandIn(dir) {
  mkdirSync(path.join(dir, 'resources'), { recursive: true });
  const sentinel = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
  const wire = Buffer.from([1, 8, ...Buffer.from('10110001')]); // version 1, 8 fuses, Electron's defaults
  const script = Buffer.from(
    '#!/bin/sh\necho "stand-in for Electron: the real binary is not installed" >&2\nexit 1\n',
  );
  const exe = path.join(dir, 'electron');
  writeFileSync(exe, Buffer.concat([script, Buffer.from(`# ${sentinel}`), wire, Buffer.from('\n')]));
  chmodSync(exe, 0o755);
  writeFileSync(path.join(dir, 'version'), electronVersion);
  writeFileSync(path.join(dir, 'LICENSE'), 'stand-in\n');
}

/** Names of every package in the production dependency tree (npm, offline). */
function productionPackages() {
  const res = spawnSync('npm', ['ls', '--omit=dev', '--all', '--json'], { cwd: root, encoding: 'utf8' });
  const tree = JSON.parse(res.stdout || '{}');
  const names = new Set();
  (function walk(node) {
    for (const [name, child] of Object.entries(node.dependencies ?? {})) {
      names.add(name);
      walk(child);
    }
  })(tree);
  return names;
}

/** Package names for every node_modules/<name>/package.json path in a file list. */
function packagesIn(files) {
  const names = new Set();
  for (const f of files) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\/package\.json$/.exec(f.replaceAll('\\', '/'));
    if (m) names.add(m[1]);
  }
  return names;
}

function walkFiles(dir, base = dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? walkFiles(full, base) : ['/' + path.relative(base, full).replaceAll('\\', '/')];
  });
}

// ── build ──
if (!args.has('--no-build')) run('npx', ['electron-vite', 'build']);

// ── package against the stand-in ──
const work = mkdtempSync(path.join(os.tmpdir(), 'kreo-package-'));
const standIn = path.join(work, 'electron-dist');
const output = path.join(work, 'dist');
makeStandIn(standIn);
run('npx', [
  'electron-builder',
  '--linux',
  '--dir',
  '--publish',
  'never',
  `-c.electronDist=${standIn}`,
  `-c.electronVersion=${electronVersion}`,
  '-c.npmRebuild=false',
  `-c.directories.output=${output}`,
]);

const appOut = path.join(output, 'linux-unpacked');
const resources = path.join(appOut, 'resources');
const archive = path.join(resources, 'app.asar');
check(existsSync(archive), 'resources/app.asar exists');
const files = new Set(asar.listPackage(archive, { isPack: false }).map((f) => f.replaceAll('\\', '/')));
const unpacked = walkFiles(path.join(resources, 'app.asar.unpacked'));

// ── what the app needs ──
const required = [
  '/package.json',
  '/out/main/index.js',
  '/out/main/ngrok-child.js',
  '/out/preload/index.cjs',
  '/out/renderer/index.html',
  '/build/icon.png',
  ...['stopped', 'starting', 'online', 'error'].map((s) => `/build/tray/tray-${s}.png`),
];
if (existsSync(path.join(root, 'electron/cli/main.ts'))) required.push('/out/main/cli.js');
for (const f of required) check(files.has(f), `archive holds ${f}`);

const packed = JSON.parse(asar.extractFile(archive, 'package.json').toString('utf8'));
check(
  packed.main === 'out/main/index.js' && files.has(`/${packed.main}`),
  `package.json main (${packed.main}) is packed`,
);
const html = files.has('/out/renderer/index.html')
  ? asar.extractFile(archive, 'out/renderer/index.html').toString('utf8')
  : '';
check(/http-equiv="Content-Security-Policy"/.test(html), 'renderer index.html carries the CSP meta tag');
const rendererAssets = [...files].filter((f) => f.startsWith('/out/renderer/') && f.endsWith('.js'));
check(rendererAssets.length > 0, `renderer scripts packed (${rendererAssets.length})`);

// ── the packed preload runs the way a sandboxed preload does: CommonJS, nothing to require but 'electron' ──
if (files.has('/out/preload/index.cjs')) {
  const exposed = {};
  const invoked = [];
  const fakeElectron = {
    contextBridge: { exposeInMainWorld: (key, value) => (exposed[key] = value) },
    ipcRenderer: { invoke: async (...a) => (invoked.push(a), { ok: true, value: null }), on: () => {} },
  };
  const requireInSandbox = (name) => {
    if (name === 'electron') return fakeElectron;
    throw new Error(`a sandboxed preload cannot require "${name}"`);
  };
  try {
    const code = asar.extractFile(archive, 'out/preload/index.cjs').toString('utf8');
    const context = vm.createContext({
      console,
      URL,
      TextEncoder,
      TextDecoder,
      setTimeout,
      clearTimeout,
      queueMicrotask,
    });
    const mod = { exports: {} };
    vm.runInContext(`(function (require, module, exports) {${code}\n})`, context)(
      requireInSandbox,
      mod,
      mod.exports,
    );
    await exposed.kreo?.tunnel?.status();
    check(
      Object.keys(exposed).join() === 'kreo' &&
        JSON.stringify(invoked) === '[["kreo:invoke","tunnel:status",null]]',
      'preload runs sandboxed (requires only electron) and exposes only window.kreo',
    );
  } catch (err) {
    check(false, `preload runs sandboxed: ${err.message}`);
  }
}

// ── native addons outside the archive ──
const ngrokAddons = unpacked.filter((f) => /^\/node_modules\/@ngrok\/.+\.node$/.test(f));
check(ngrokAddons.length > 0, `ngrok native addon unpacked (${ngrokAddons.join(', ') || 'none'})`);
check(
  unpacked.some((f) => /^\/node_modules\/better-sqlite3\/.+\.node$/.test(f)),
  'better-sqlite3 addon unpacked',
);
const nodeInArchive = [...files].filter((f) => f.endsWith('.node') && !unpacked.includes(f));
check(
  nodeInArchive.length === 0,
  `no .node file only inside the archive (${nodeInArchive.join(', ') || 'none'})`,
);

// ── nothing that is not a production dependency ──
const prod = productionPackages();
const shipped = new Set([...packagesIn(files), ...packagesIn(unpacked)]);
const devShipped = Object.keys(pkg.devDependencies ?? {}).filter((d) => shipped.has(d));
check(devShipped.length === 0, `no devDependencies packed (${devShipped.join(', ') || 'none'})`);
const strangers = [...shipped].filter((n) => !prod.has(n));
check(
  strangers.length === 0,
  `every packed package is a production dependency (${strangers.join(', ') || 'ok'})`,
);
for (const dep of Object.keys(pkg.dependencies ?? {})) check(shipped.has(dep), `dependency ${dep} packed`);
const sources = [...files].filter(
  (f) => /^\/(electron|renderer|shared|test|e2e|scripts)\//.test(f) || f.endsWith('.map'),
);
check(
  sources.length === 0,
  `no sources, tests or source maps packed (${sources.slice(0, 5).join(', ') || 'none'})`,
);

// ── fuses flipped as configured ──
const exe = path.join(appOut, 'kreo-whatsapp-panel'); // linux.executableName in electron-builder.yml
const fuses = await getCurrentFuseWire(exe);
const on = (f) => fuses[f] === 49;
check(on(FuseV1Options.RunAsNode), 'fuse RunAsNode on (the ngrok child runs with ELECTRON_RUN_AS_NODE)');
check(!on(FuseV1Options.EnableNodeOptionsEnvironmentVariable), 'fuse NODE_OPTIONS off');
check(!on(FuseV1Options.EnableNodeCliInspectArguments), 'fuse --inspect off');
check(on(FuseV1Options.OnlyLoadAppFromAsar), 'fuse OnlyLoadAppFromAsar on');

const size = (asar.getRawHeader(archive).headerSize / 1024).toFixed(0);
console.log(
  `\npackage: ${files.size} entries in app.asar (header ${size} KiB), ${unpacked.length} unpacked files`,
);
for (const p of passes) console.log(`  ✓ ${p}`);
for (const f of failures) console.log(`  ✗ ${f}`);
if (!args.has('--keep')) rmSync(work, { recursive: true, force: true });
else console.log(`kept ${work}`);
console.log(failures.length ? `packaging check failed (${failures.length})` : 'packaging check passed');
process.exit(failures.length ? 1 : 0);
