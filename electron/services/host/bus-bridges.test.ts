import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/net';
import { waitFor } from '../../../test/support/wait';
import type { LogsBatch } from '../../../shared/domain/logs';
import { EventBus } from '../core/event-bus';
import { ensureHome } from '../core/home';
import { Emitter } from '../core/lifecycle';
import { createLogging } from '../logging/logging';
import type { ModuleLogger } from '../logging/types';
import { createSettingsService } from '../settings';
import { FakeNgrokDriver } from '../tunnel/testing';
import type { TunnelService } from '../tunnel/types';
import { bridgeToBus, busListenerErrorLogger } from './bus-bridges';
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
    error: ((obj: Record<string, unknown>, msg?: string) => {
      errors.push([obj, msg ?? '']);
    }) as unknown as ModuleLogger['error'],
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

describe('log lines to the bus', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(path.join(os.tmpdir(), 'kreo-bridges-logs-'));
  });
  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
  });

  it('publishes what the host logs as logs:lines, per file, in order and redacted, without reading the files', async () => {
    const paths = ensureHome(home);
    // No whatsapp.log can exist here: lines can only reach the bus from the write path.
    mkdirSync(path.join(paths.logsDir, 'whatsapp.log'));
    const settings = await createSettingsService({ paths, env: {}, keychain: null });
    const token = '2abcDEF123_xyzBridgeToken';
    await settings.update({ 'ngrok.authtoken': token });
    const logging = createLogging({
      logsDir: paths.logsDir,
      level: 'info',
      redact: () => settings.secretValues(),
      onError: () => {},
    });
    const bus = new EventBus();
    const tunnel = { onDidChangeStatus: new Emitter().event } as unknown as TunnelService;
    const batches: LogsBatch[] = [];
    bus.subscribe((m) => {
      if (m.event === 'logs:lines') batches.push(m.payload as LogsBatch);
    });
    const bridges = bridgeToBus({ bus, settings, logging, tunnel });
    try {
      log300(logging.whatsapp.child({ module: 'store' }));
      logging.ngrok.info(`starting with ${token}`);
      const lines = (file: string) => batches.filter((b) => b.file === file).flatMap((b) => b.lines);
      await waitFor(() => lines('ngrok').length === 1, SOON);
      expect(lines('whatsapp').map((l) => l.msg)).toEqual([
        ...Array.from({ length: 300 }, (_, i) => `event ${i}`),
        'starting with [REDACTED]',
      ]);
      expect(lines('ngrok')).toEqual([{ ...lines('whatsapp').at(-1)!, file: 'ngrok' }]);
      expect(JSON.stringify(batches)).not.toContain(token);
      expect(lines('webhook')).toEqual([]);
      expect(batches.length).toBeLessThanOrEqual(3); // batched, not one push per line
    } finally {
      await bridges.dispose();
      await logging.dispose();
      await settings.dispose();
    }
  });
});

function log300(log: ModuleLogger): void {
  for (let i = 0; i < 300; i++) log.info(`event ${i}`);
}
