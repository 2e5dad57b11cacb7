#!/usr/bin/env node
// Runs every benchmark in bench/ one after the other and prints their figures, then a summary.
//   node scripts/bench.mjs            full runs (the figures quoted in bench/README.md; several minutes)
//   node scripts/bench.mjs --short    CI mode: each bench with --short, checking that it runs and reports
//   options: --only a,b  --skip a,b   (names as in the summary, e.g. webhook-ingest)
//            --strict                 also fail when a bench reports a missed target (default: only a crash, a
//                                     non-zero exit or a timeout fails; targets are printed either way)
// A bench is any bench/*.ts or bench/*.mjs that is not a helper (-worker, -client, -harness). Each may print one
// JSON line {"bench": name, ..., "targets": [{name, value, ok}]} that the summary picks up. The summary is also
// written to reports/bench.json. Exit code: 0 when every bench ran (and, with --strict, met its targets).
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = path.join(root, 'bench');
const args = process.argv.slice(2);
const SHORT = args.includes('--short');
const STRICT = args.includes('--strict');
const listArg = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1].split(',').map((s) => s.trim()) : null;
};
const only = listArg('--only');
const skip = listArg('--skip') ?? [];

/** Per-bench settings; benches not listed run with the defaults. Timeouts in seconds. */
const KNOWN = {
  'webhook-ingest': { short: 120, full: 900 },
  'logs-tail-follow': { short: 90, full: 300 },
  'host-memory': { short: 120, full: 900 },
  'send-rate': { short: 120, full: 600 },
  'tunnel-offline': { short: 180, full: 300 },
  'renderer-stream': { short: 240, full: 600 },
};
const DEFAULT_TIMEOUT = { short: 180, full: 900 };
const HELPER = /-(worker|client|harness)\.(ts|mjs)$/;

const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const benches = readdirSync(benchDir)
  .filter((f) => /\.(ts|mjs)$/.test(f) && !f.endsWith('.d.ts') && !f.endsWith('.test.ts') && !HELPER.test(f))
  .map((f) => ({ name: f.replace(/\.(ts|mjs)$/, ''), file: path.join(benchDir, f) }))
  .filter((b) => (!only || only.includes(b.name)) && !skip.includes(b.name))
  .sort((a, b) => a.name.localeCompare(b.name));

function run(bench) {
  const timeoutS = (KNOWN[bench.name] ?? DEFAULT_TIMEOUT)[SHORT ? 'short' : 'full'];
  const nodeArgs = bench.file.endsWith('.ts') ? ['--import', tsx, bench.file] : [bench.file];
  if (SHORT) nodeArgs.push('--short');
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, nodeArgs, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let result = null;
    let buffered = '';
    const onText = (stream) => (chunk) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines) {
        if (line.startsWith('{"bench"')) {
          try {
            result = JSON.parse(line);
            continue;
          } catch {}
        }
        stream.write(`  ${line}\n`);
      }
    };
    child.stdout.on('data', onText(process.stdout));
    child.stderr.on('data', onText(process.stderr));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
    }, timeoutS * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (buffered) process.stdout.write(`  ${buffered}\n`);
      resolve({
        name: bench.name,
        code,
        signal,
        timedOut,
        seconds: (performance.now() - started) / 1000,
        result,
      });
    });
  });
}

console.log(
  `Benchmarks (${SHORT ? 'short mode: checks that each runs' : 'full runs'}): ${benches.map((b) => b.name).join(', ')}`,
);
const outcomes = [];
for (const bench of benches) {
  const cmd = `npx tsx bench/${path.basename(bench.file)}${SHORT ? ' --short' : ''}`;
  console.log(`\n▶ ${bench.name}  (${cmd})`);
  outcomes.push(await run(bench));
}

console.log('\nSummary');
let failed = 0;
for (const o of outcomes) {
  const ran = o.code === 0 && !o.timedOut;
  const targets = o.result?.targets ?? [];
  const missed = targets.filter((t) => !t.ok);
  const bad = !ran || (STRICT && missed.length > 0);
  if (bad) failed++;
  const status = o.timedOut ? `TIMEOUT` : ran ? 'ran' : `FAILED (exit ${o.code ?? o.signal})`;
  const figures = targets.map((t) => `${t.name}: ${t.value}${t.ok ? '' : ' (missed)'}`).join('; ');
  console.log(
    `  ${bad ? '✗' : '✓'} ${o.name.padEnd(18)} ${status.padEnd(10)} ${o.seconds.toFixed(1).padStart(6)} s  ${figures}`,
  );
}
mkdirSync(path.join(root, 'reports'), { recursive: true });
writeFileSync(
  path.join(root, 'reports', 'bench.json'),
  `${JSON.stringify({ short: SHORT, at: new Date().toISOString(), outcomes }, null, 2)}\n`,
);
console.log(`\n${outcomes.length - failed} benchmarks ran, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
