/**
 * `kreo ngrok …` in-process (runCli with captured streams) against a temporary home, with no host running: what
 * works from the settings alone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../main';

let home: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'kreo-ngrok-cli-'));
  env = { KREO_HOME: home, KREO_SECRETS_BACKEND: 'file' };
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

async function kreo(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await runCli(argv, { streams: { stdout, stderr }, env });
  return { code, stdout: out, stderr: err };
}

describe('kreo ngrok without a host', () => {
  it('status names a reachable local target when the listener binds a wildcard address', async () => {
    env.KREO_SERVER_HOST = '0.0.0.0';
    env.KREO_SERVER_PORT = '8123';
    const res = await kreo('--json', 'ngrok', 'status');
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout).value).toMatchObject({
      host: null,
      tunnel: { state: 'stopped', url: null, localTarget: 'http://127.0.0.1:8123', domain: null },
    });
  });
});
