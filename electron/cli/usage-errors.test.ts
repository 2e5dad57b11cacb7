/**
 * Usage errors (unknown command or option, a bad flag value, a missing argument) in-process: human mode prints only
 * "Error: …" and "Hint: …" on stderr (never commander's own lower-case "error: …"), --json one envelope on stdout;
 * both exit 2 and start nothing.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runKreo, type CliRun } from '../../test/support/cli';

let home: string;
beforeEach(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'kreo-usage-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const kreo = (...argv: string[]): Promise<CliRun> => runKreo(argv, { KREO_HOME: home });

describe('usage errors', () => {
  it('human mode: "Error: …" then "Hint: …", exit 2, nothing on stdout', async () => {
    const cases: [string[], RegExp, RegExp][] = [
      [['bogus'], /^Error: Unknown command 'bogus'\.$/, /^Hint: Run "kreo --help"/],
      [
        ['ngrok', 'strat'],
        /^Error: Unknown command 'strat'\.$/,
        /^Hint: Did you mean start\? Run "kreo ngrok --help"/,
      ],
      [
        ['ngrok', 'start', '--bogus'],
        /^Error: Unknown option '--bogus'\.$/,
        /^Hint: Run "kreo ngrok start --help"/,
      ],
      [
        ['ngrok', 'start', '--port', 'abc'],
        /^Error: Option '--port <n>' argument 'abc' is invalid\. Expected a whole number/,
        /^Hint: /,
      ],
      [
        ['config', 'get'],
        /^Error: Missing required argument 'key'\.$/,
        /^Hint: Run "kreo config get --help"/,
      ],
    ];
    for (const [argv, error, hint] of cases) {
      const res = await kreo(...argv);
      expect(res.code, argv.join(' ')).toBe(2);
      expect(res.stdout).toBe('');
      const lines = res.stderr.trimEnd().split('\n');
      expect(lines, argv.join(' ')).toHaveLength(2);
      expect(lines[0]).toMatch(error);
      expect(lines[1]).toMatch(hint);
      expect(res.stderr).not.toMatch(/^error:/m);
    }
    expect(existsSync(path.join(home, 'run', 'host.json'))).toBe(false);
  });

  it('--json: one INVALID_ARGUMENT envelope on stdout, nothing on stderr', async () => {
    const res = await kreo('--json', 'ngrok', 'start', '--bogus');
    expect(res.code).toBe(2);
    expect(res.stderr).toBe('');
    expect(JSON.parse(res.stdout)).toEqual({
      ok: false,
      error: {
        code: 'INVALID_ARGUMENT',
        message: "Unknown option '--bogus'.",
        hint: 'Run "kreo ngrok start --help" to see what it takes.',
        details: { commander: 'commander.unknownOption' },
      },
    });
  });

  it('a group without its command shows its help, then the error', async () => {
    const res = await kreo('ngrok');
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^Usage: kreo ngrok/);
    expect(res.stderr.trimEnd().split('\n').slice(-2)).toEqual([
      'Error: "kreo ngrok" needs a command.',
      'Hint: Pick one (kreo ngrok --help lists them).',
    ]);
  });
});
