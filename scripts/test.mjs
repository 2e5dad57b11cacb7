#!/usr/bin/env node
// The README's test command: typecheck, lint, unit/integration tests (vitest) and end-to-end tests (Playwright).
// Each runner writes a JSON report under reports/; the last line printed is "N passed, N failed, N skipped".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { stripVTControlCharacters } from 'node:util';

const reports = 'reports';
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });
const only = process.argv[2]; // optional: "unit", "e2e", "static", "package" or "bench"

const tally = { passed: 0, failed: 0, skipped: 0 };
const failures = []; // names of failed tests, repeated just above the last line so a truncated log still shows them

function run(label, cmd, args, env = {}) {
  console.log(`\n▶ ${label}: ${cmd} ${args.join(' ')}`);
  const res = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return res.status === 0;
}

function check(label, ok) {
  if (ok) tally.passed += 1;
  else {
    tally.failed += 1;
    failures.push(label);
    console.log(`✗ ${label} failed`);
  }
}

if (!only || only === 'static') {
  check('typecheck', run('typecheck', 'npm', ['run', '--silent', 'typecheck']));
  check('lint', run('lint', 'npx', ['eslint', '.', '--max-warnings=0']));
}

if (!only || only === 'package') {
  // Builds, packages with a stand-in Electron and inspects app.asar; then scans the shell (Electronegativity).
  check('packaging', run('packaging check', 'node', ['scripts/check-package.mjs']));
  check('security scan', run('security scan', 'node', ['scripts/check-electronegativity.mjs']));
}

if (!only || only === 'unit') {
  const out = `${reports}/vitest.json`;
  const ok = run('unit and integration tests', 'npx', [
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${out}`,
  ]);
  if (existsSync(out)) {
    const r = JSON.parse(readFileSync(out, 'utf8'));
    tally.passed += r.numPassedTests ?? 0;
    tally.failed += r.numFailedTests ?? 0;
    tally.skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    // Suites that failed to load count as failures too.
    const brokenSuites = (r.testResults ?? []).filter(
      (s) => s.status === 'failed' && (s.assertionResults ?? []).length === 0,
    );
    tally.failed += brokenSuites.length;
    for (const s of r.testResults ?? []) {
      const file = s.name ? s.name.replace(`${process.cwd()}/`, '') : '?';
      if (s.status === 'failed' && (s.assertionResults ?? []).length === 0)
        failures.push(`${file}: suite failed to load: ${firstLine(s.message)}`);
      for (const a of s.assertionResults ?? [])
        if (a.status === 'failed')
          failures.push(`${file} › ${a.fullName}: ${firstLine(a.failureMessages?.[0])}`);
    }
  } else if (!ok) tally.failed += 1;
}

if ((!only || only === 'e2e') && existsSync('playwright.config.ts')) {
  const out = `${reports}/playwright.json`;
  // Where Electron is installed but there is no display, run under xvfb-run so the desktop tests can open windows.
  const xvfb =
    process.platform === 'linux' &&
    !process.env.DISPLAY &&
    existsSync('node_modules/electron/path.txt') &&
    spawnSync('sh', ['-c', 'command -v xvfb-run'], { stdio: 'ignore' }).status === 0;
  const [cmd, args] = xvfb
    ? ['xvfb-run', ['-a', 'npx', 'playwright', 'test']]
    : ['npx', ['playwright', 'test']];
  const ok = run('end-to-end tests', cmd, args, { PLAYWRIGHT_JSON_OUTPUT_NAME: out });
  if (existsSync(out)) {
    const report = JSON.parse(readFileSync(out, 'utf8'));
    const s = report.stats ?? {};
    collectPlaywrightFailures(report.suites ?? []);
    tally.passed += (s.expected ?? 0) + (s.flaky ?? 0);
    tally.failed += s.unexpected ?? 0;
    tally.skipped += s.skipped ?? 0;
  } else if (!ok) tally.failed += 1;
}

if (!only || only === 'bench') {
  // Every benchmark in its short mode: counted as one check that they all run (figures: bench/README.md).
  check('benchmarks (short)', run('benchmarks, short mode', 'node', ['scripts/bench.mjs', '--short']));
}

if (failures.length > 0) {
  console.log('\nFailed:');
  for (const f of failures) console.log(`  ✗ ${f}`);
}
console.log(`\n${tally.passed} passed, ${tally.failed} failed, ${tally.skipped} skipped`);
process.exit(tally.failed === 0 ? 0 : 1);

/** The first non-empty line of a failure message, without the colours runners put in it. */
function firstLine(text) {
  return (
    stripVTControlCharacters(String(text ?? ''))
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim()
      .slice(0, 300) ?? ''
  );
}

function collectPlaywrightFailures(suites, trail = []) {
  for (const suite of suites) {
    const names = suite.title ? [...trail, suite.title] : trail;
    for (const spec of suite.specs ?? [])
      for (const t of spec.tests ?? [])
        if (t.status === 'unexpected') {
          const err = t.results?.at(-1)?.error?.message;
          failures.push(`${[...names, spec.title].join(' › ')} [${t.projectName}]: ${firstLine(err)}`);
        }
    collectPlaywrightFailures(suite.suites ?? [], names);
  }
}
