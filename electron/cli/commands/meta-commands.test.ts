/**
 * `kreo webhook|health|send|ratelimit` in-process (runCli) against a temporary home and the Graph API fake, with no
 * host running: the commands build the Meta services in the CLI process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GRAPH_FAKE_DEFAULTS as D, startGraphFake, type GraphFake } from '../../../test/fakes/graph-api';
import { runKreo, type CliRun } from '../../../test/support/cli';

let home: string;
let fake: GraphFake;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  home = mkdtempSync(path.join(os.tmpdir(), 'kreo-meta-cli-'));
  fake = await startGraphFake();
  env = {
    PATH: process.env.PATH,
    KREO_HOME: home,
    KREO_SECRETS_BACKEND: 'file',
    KREO_SERVER_PORT: '1',
    KREO_META_APP_ID: D.appId,
    KREO_META_APP_SECRET: D.appSecret,
    KREO_META_ACCESS_TOKEN: D.token,
    KREO_META_VERIFY_TOKEN: 'verify-cli-0001',
    KREO_META_PHONE_NUMBER_ID: D.phoneNumberId,
    KREO_META_GRAPH_BASE_URL: fake.url,
  };
});

afterEach(async () => {
  await fake.close();
  rmSync(home, { recursive: true, force: true });
});

const kreo = (...argv: string[]): Promise<CliRun> => runKreo(argv, env);

describe('Meta commands without a host', () => {
  it('kreo send --text and --template send through the queue', async () => {
    const text = await kreo('send', '--to', '+15550001234', '--text', 'hola');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Sent wamid\.\S+ to 15550001234/);
    const tpl = await kreo(
      '--json',
      'send',
      '--to',
      '15550001234',
      '--template',
      'hello_world',
      '--language',
      'en_US',
    );
    expect(tpl.code).toBe(0);
    expect(JSON.parse(tpl.stdout)).toMatchObject({ ok: true, value: { to: '15550001234', attempts: 1 } });
    expect(fake.state.sends.map((s) => s.type)).toEqual(['text', 'template']);
  });

  it('bad flags are usage errors (exit 2) that name the flag', async () => {
    const bad = await kreo('send', '--to', '12', '--text', 'x');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--to');
    const both = await kreo('send', '--to', '15550001234');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--text or --template');
    const noLang = await kreo('send', '--to', '15550001234', '--template', 'hello_world');
    expect(noLang.code).toBe(2);
    expect(fake.state.sends).toHaveLength(0);
  });

  it('a Meta refusal exits 1 with its hint', async () => {
    const r = await kreo('send', '--to', '15550001234', '--template', 'nope', '--language', 'es');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Template does not exist');
    expect(r.stderr).toContain('Hint:');
  });

  it('kreo health exits 1 when a check failed and prints each check', async () => {
    const human = await kreo('health');
    expect(human.code).toBe(1);
    expect(human.stdout).toContain('✔ meta');
    expect(human.stdout).toMatch(/✖ listener/);
    const json = await kreo('--json', 'health');
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout).value;
    expect(report.checks.map((c: { name: string }) => c.name)).toEqual([
      'meta',
      'redis',
      'tunnel',
      'webhook',
      'listener',
      'store',
      'secrets',
    ]);
    expect(report.overall).toBe('failed');
  });

  it('kreo ratelimit status and kreo webhook status answer without a host', async () => {
    const rl = await kreo('--json', 'ratelimit', 'status');
    expect(JSON.parse(rl.stdout).value).toMatchObject({
      messagesPerSecond: 80,
      backend: 'local',
      queueDepth: 0,
    });
    const human = await kreo('ratelimit', 'status');
    expect(human.stdout).toContain('80 messages/s');
    const wh = await kreo('--json', 'webhook', 'status');
    expect(JSON.parse(wh.stdout).value).toMatchObject({
      registered: false,
      expectedUrl: null,
      matches: null,
      scope: 'app',
    });
    const reg = await kreo('webhook', 'register');
    expect(reg.code).toBe(1);
    expect(reg.stderr).toContain('Hint:');
  });
});
