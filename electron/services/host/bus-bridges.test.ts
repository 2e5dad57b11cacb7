import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/net';
import { waitFor } from '../../../test/support/wait';
import type { ModuleLogger } from '../logging/types';
import { FakeNgrokDriver } from '../tunnel/testing';
import { busListenerErrorLogger } from './bus-bridges';
import { createHost, type Host } from './create-host';

const SOON = { timeoutMs: 5000 };

/** Records error lines; the other levels are not expected here. */
function recordingLogger(): { log: ModuleLogger; errors: [Record<string, unknown>, string][] } {
  const errors: [Record<string, unknown>, string][] = [];
  const fail = () => {
    throw new Error('unexpected level');
  };
  const log: ModuleLogger = {
    debug: fail,
    info: fail,
    warning: fail,
    critical: fail,
    error: ((obj: Record<string, unknown>, msg?: string) =>
      errors.push([obj, msg ?? ''])) as ModuleLogger['error'],
    child: () => log,
  };
  return { log, errors };
}

describe('busListenerErrorLogger', () => {
  it('logs a failing subscriber with the event name, once per event per quiet period, counting the rest', () => {
    const { log, errors } = recordingLogger();
    const report = busListenerErrorLogger(log, 60_000);
    const err = new Error('socket closed');
    for (let i = 0; i < 5; i++) report(err, { event: 'logs:lines', payload: { file: 'ngrok', lines: [] } });
    report(err, { event: 'events:new', payload: [] });
    expect(errors).toEqual([
      [{ err, event: 'logs:lines' }, 'a subscriber of logs:lines failed'],
      [{ err, event: 'events:new' }, 'a subscriber of events:new failed'],
    ]);
    const again = busListenerErrorLogger(log, 0);
    again(err, { event: 'events:new', payload: [] });
    again(err, { event: 'events:new', payload: [] });
    expect(errors).toHaveLength(4);
  });
});

describe('the host logs its emitters’ failing listeners', () => {
  let home: string;
  const hosts: Host[] = [];
  beforeEach(() => {
    home = mkdtempSync(path.join(os.tmpdir(), 'kreo-bridges-'));
  });
  afterEach(async () => {
    for (const h of hosts.splice(0)) await h.dispose();
    rmSync(home, { recursive: true, force: true });
  });

  it('a bus subscriber and a settings listener that throw are written to whatsapp.log; others still run', async () => {
    const host = await createHost({
      home,
      mode: 'headless',
      env: { KREO_SECRETS_BACKEND: 'file', KREO_SERVER_PORT: String(await freePort()) },
      keychain: null,
      ngrokDriver: new FakeNgrokDriver(),
      control: false,
    });
    hosts.push(host);
    await host.start();
    host.bus.subscribe((m) => {
      if (m.event === 'settings:changed') throw new Error('transport exploded');
    });
    host.settings.onDidChange(() => {
      throw new Error('settings listener exploded');
    });
    const pushed: string[] = [];
    host.bus.subscribe((m) => pushed.push(m.event));
    await host.settings.update({ 'rateLimit.concurrency': 3 });
    expect(pushed).toContain('settings:changed');
    const logText = () => readFileSync(path.join(host.paths.logsDir, 'whatsapp.log'), 'utf8');
    await waitFor(async () => {
      await host.logging.flush();
      return /transport exploded/.test(logText()) && /settings listener exploded/.test(logText());
    }, SOON);
    const lines = logText()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.msg === 'a subscriber of settings:changed failed')).toMatchObject({
      level: 'ERROR',
      module: 'host',
      event: 'settings:changed',
      err: { message: 'transport exploded' },
    });
    expect(lines.find((l) => l.msg === 'a settings change listener failed')).toMatchObject({
      level: 'ERROR',
      err: { message: 'settings listener exploded' },
    });
  });
});
