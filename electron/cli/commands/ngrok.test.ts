/**
 * `kreo ngrok …` in-process (runCli with captured streams) against a temporary home, with no host running: what
 * works from the settings alone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/net';
import { ensureHome } from '../../services/core/home';
import { isPidAlive, writeDiscoveryFile } from '../../services/control/discovery';
import { runKreo, type CliRun } from '../../../test/support/cli';

let home: string;
let env: NodeJS.ProcessEnv;
const children: ChildProcess[] = [];

beforeEach(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'kreo-ngrok-cli-'));
  env = { KREO_HOME: home, KREO_SECRETS_BACKEND: 'file' };
});
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  rmSync(home, { recursive: true, force: true });
});

const kreo = (...argv: string[]): Promise<CliRun> => runKreo(argv, env);

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

describe('kreo ngrok configure and start agree on --domain and --subdomain', () => {
  const savedDomain = async () =>
    JSON.parse((await kreo('--json', 'config', 'get', 'ngrok.domain')).stdout).value.value;

  it('--domain with a bare name is refused by both, pointing at --subdomain; nothing is saved or started', async () => {
    for (const cmd of ['configure', 'start']) {
      const res = await kreo('ngrok', cmd, '--domain', 'foo');
      expect(res.code, cmd).toBe(2);
      expect(res.stderr).toContain('Error: --domain needs a full domain such as foo.ngrok-free.app');
      expect(res.stderr).toContain('Hint: Use --subdomain foo');
    }
    const bad = await kreo('--json', 'ngrok', 'configure', '--domain', 'not_a.domain!');
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error.message).toMatch(/^--domain: a full domain/);
    expect(await savedDomain()).toBe('');
    expect(existsSync(path.join(home, 'run', 'host.json'))).toBe(false);
  });

  it('--subdomain saves the full domain it requests; --subdomain with dots is refused like start refuses it', async () => {
    const res = await kreo('--json', 'ngrok', 'configure', '--subdomain', 'my-app');
    expect(res.code, res.stdout).toBe(0);
    expect(JSON.parse(res.stdout).value.domain).toBe('my-app.ngrok-free.app');
    expect(await savedDomain()).toBe('my-app.ngrok-free.app');
    expect((await kreo('ngrok', 'configure', '--subdomain', 'my.app')).code).toBe(2);
    expect((await kreo('ngrok', 'start', '--subdomain', 'my.app')).code).toBe(2);

    expect((await kreo('ngrok', 'configure', '--domain', 'Hooks.Example.com')).code).toBe(0);
    expect(await savedDomain()).toBe('hooks.example.com');
    expect((await kreo('ngrok', 'configure', '--domain', '')).code).toBe(0);
    expect(await savedDomain()).toBe('');
  });
});

describe('kreo with a stale run/host.json (its pid reused by another process)', () => {
  let pid: number;
  let discoveryFile: string;
  beforeEach(async () => {
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)'], { stdio: 'ignore' });
    children.push(other);
    pid = other.pid!;
    discoveryFile = ensureHome(home).discoveryFile;
    writeDiscoveryFile(discoveryFile, {
      pid,
      port: await freePort(),
      token: 'stale-token-0123456789abcdef',
      startedAt: new Date(0).toISOString(),
      version: '0.1.0',
      mode: 'headless',
    });
  });

  it('host stop never signals that pid; it says no host runs and removes the stale file', async () => {
    const res = await kreo('--json', 'host', 'stop');
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout).value).toEqual({ stopped: false, running: false });
    expect(isPidAlive(pid)).toBe(true);
    expect(existsSync(discoveryFile)).toBe(false);
  });

  it('ngrok status and config list work locally instead of failing with HOST_NOT_RUNNING', async () => {
    const status = await kreo('--json', 'ngrok', 'status');
    expect(status.code, status.stdout).toBe(0);
    expect(JSON.parse(status.stdout).value).toMatchObject({ host: null, tunnel: { state: 'stopped' } });
    const list = await kreo('config', 'list');
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('server.port = ');
    expect(isPidAlive(pid)).toBe(true);
  });
});
