import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support/wait';
import type { LogLine } from '../../../shared/domain/logs';
import { ensureHome } from '../core/home';
import { createSettingsService } from '../settings/settings-service';
import { createLogging, type CreateLoggingOptions } from './logging';
import type { Logging } from './types';

let dir: string;
let logsDir: string;
const open: Logging[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'kreo-logging-'));
  logsDir = path.join(dir, 'logs', 'whatsapp');
});
afterEach(async () => {
  for (const l of open.splice(0)) await l.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function make(extra: Partial<CreateLoggingOptions> = {}): Logging {
  const logging = createLogging({ logsDir, level: 'debug', redact: () => [], ...extra });
  open.push(logging);
  return logging;
}

const read = (name: string) => {
  const file = path.join(logsDir, name);
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
};
const lines = (name: string) =>
  read(name)
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const SOON = { timeoutMs: 5000, everyMs: 10 };

describe('lines and files', () => {
  it('writes JSON lines with ISO time and the users level names', async () => {
    const log = make();
    log.whatsapp.debug('d');
    log.whatsapp.info({ port: 8000 }, 'listening');
    log.whatsapp.warning('w');
    log.whatsapp.error({ err: new Error('kaput') }, 'e');
    log.whatsapp.critical('c');
    await log.flush();
    const got = lines('whatsapp.log');
    expect(got.map((l) => l.level)).toEqual(['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL']);
    expect(got[1]).toEqual({
      level: 'INFO',
      time: expect.any(String),
      module: 'app',
      port: 8000,
      msg: 'listening',
    });
    expect(new Date(got[1]!.time as string).toISOString()).toBe(got[1]!.time);
    expect((got[3]!.err as { message: string }).message).toBe('kaput');
  });

  it('sends each module to its own file and every line to whatsapp.log', async () => {
    const log = make();
    log.ngrok.info('tunnel online');
    log.webhook.info('callback registered');
    log.whatsapp.info('general');
    await log.flush();
    expect(lines('ngrok_manager.log').map((l) => [l.module, l.msg])).toEqual([['ngrok', 'tunnel online']]);
    expect(lines('webhook_config.log').map((l) => [l.module, l.msg])).toEqual([
      ['webhook', 'callback registered'],
    ]);
    expect(lines('whatsapp.log').map((l) => l.msg)).toEqual([
      'tunnel online',
      'callback registered',
      'general',
    ]);
  });

  it('filters by level, also for children made earlier, and keeps a single module key', async () => {
    const log = make({ level: 'info' });
    const store = log.whatsapp.child({ module: 'store' });
    const req = log.ngrok.child({ reqId: 7 });
    store.debug('hidden');
    log.setLevel('warning');
    store.info('hidden too');
    store.warning('shown');
    req.error('req failed');
    log.setLevel('debug');
    req.debug('now visible');
    await log.flush();
    const raw = read('whatsapp.log');
    expect(raw).not.toContain('hidden');
    expect(raw.match(/"module"/g)).toHaveLength(3);
    expect(lines('whatsapp.log').map((l) => [l.module, l.msg])).toEqual([
      ['store', 'shown'],
      ['ngrok', 'req failed'],
      ['ngrok', 'now visible'],
    ]);
    expect(lines('ngrok_manager.log').map((l) => l.reqId)).toEqual([7, 7]);
  });

  it('keeps running when a log file cannot be opened', async () => {
    mkdirSync(path.join(logsDir, 'whatsapp.log'), { recursive: true }); // a folder where the file should be
    const errors: unknown[] = [];
    const log = make({ onError: (e) => errors.push(e) });
    log.ngrok.info('still works');
    await waitFor(() => errors.length > 0, SOON);
    for (let i = 0; i < 20; i++) log.whatsapp.info('dropped while the file is broken');
    await log.flush();
    expect(read('ngrok_manager.log')).toContain('still works');
    expect(errors).toHaveLength(1); // reported once, not once per line
  });

  it('ignores lines logged after dispose', async () => {
    const log = make();
    log.whatsapp.info('before');
    await log.dispose();
    expect(() => log.whatsapp.info('after')).not.toThrow();
    expect(read('whatsapp.log')).toContain('before');
    expect(read('whatsapp.log')).not.toContain('after');
  });
});

describe('redaction', () => {
  it('replaces current secret values everywhere, including ones added later and escaped forms', async () => {
    const secrets: string[] = ['2abcDEF123_xyzAuthtoken'];
    const log = make({ redact: () => secrets });
    log.ngrok.info('token is 2abcDEF123_xyzAuthtoken');
    secrets.push('we"ird\\verify', 'EAAG/with+plus');
    log.webhook.warning(
      { url: `https://h/webhook?hub.verify_token=${encodeURIComponent('EAAG/with+plus')}` },
      'x',
    );
    log.whatsapp.error({ err: new Error('bad we"ird\\verify') }, 'failed');
    log.whatsapp.info({ header: 'Bearer EAAG/with+plus' }, 'sent');
    await log.flush();
    const all = read('whatsapp.log') + read('ngrok_manager.log') + read('webhook_config.log');
    for (const secret of secrets) {
      expect(all).not.toContain(secret);
      expect(all).not.toContain(JSON.stringify(secret).slice(1, -1));
      expect(all).not.toContain(encodeURIComponent(secret));
    }
    expect(all).toContain('[REDACTED]');
    // Lines stay valid JSON after redaction.
    expect(lines('whatsapp.log')).toHaveLength(4);
  });

  it('censors sensitive keys whatever their value', async () => {
    const log = make();
    log.whatsapp.info(
      {
        authtoken: 'a',
        meta: { accessToken: 'b', appSecret: 'c' },
        req: { headers: { authorization: 'Bearer d' } },
        query: { 'hub.verify_token': 'e', 'hub.challenge': '42' },
      },
      'keys',
    );
    await log.flush();
    const got = lines('whatsapp.log')[0]!;
    expect(got.authtoken).toBe('[REDACTED]');
    expect(got.meta).toEqual({ accessToken: '[REDACTED]', appSecret: '[REDACTED]' });
    expect(got.req).toEqual({ headers: { authorization: '[REDACTED]' } });
    expect(got.query).toEqual({ 'hub.verify_token': '[REDACTED]', 'hub.challenge': '42' });
  });

  it('keeps secrets saved through the settings service out of every file in the home', async () => {
    const paths = ensureHome(path.join(dir, 'home'));
    logsDir = paths.logsDir;
    const settings = await createSettingsService({ paths, env: {}, keychain: null });
    const log = make({ redact: () => settings.secretValues() });
    const token = '2abcDEF123_xyzConfiguredLater';
    await settings.update({ 'ngrok.authtoken': token, 'meta.appSecret': 'abcdef0123456789' });
    log.ngrok.info(`starting tunnel with authtoken ${token}`);
    log.webhook.info({ settings: settings.get() }, 'effective settings');
    log.whatsapp.info(`verify token ${settings.get().meta.verifyToken}`);
    await log.flush();
    const secrets = [token, 'abcdef0123456789', settings.get().meta.verifyToken];
    const files = readdirSync(paths.root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    for (const entry of files) {
      const full = path.join(entry.parentPath, entry.name);
      if (full === paths.secretsFile) continue;
      const text = readFileSync(full, 'utf8');
      for (const s of secrets) expect(text, full).not.toContain(s);
    }
    expect(read('ngrok_manager.log')).toContain('[REDACTED]');
    await settings.dispose();
  });
});

describe('rotation, tail and follow', () => {
  it('rotates by size and keeps maxFiles rotated files', async () => {
    const log = make({ maxSize: '2K', maxFiles: 2 });
    for (let i = 0; i < 200; i++) log.whatsapp.info({ i }, `line ${i}`);
    await log.flush();
    const names = readdirSync(logsDir)
      .filter((f) => f.startsWith('whatsapp.log'))
      .sort();
    expect(names).toEqual(['whatsapp.log', 'whatsapp.log.1', 'whatsapp.log.2']);
    for (const name of names) {
      expect(read(name).length).toBeLessThan(2048 + 200);
      for (const l of lines(name)) expect(l.level).toBe('INFO');
    }
    // The newest lines are in the current file and the tail reads on into the rotated ones.
    const tail = await log.tail('whatsapp', 30);
    expect(tail.map((l) => l.msg)).toEqual(Array.from({ length: 30 }, (_, k) => `line ${170 + k}`));
    expect(tail[0]).toMatchObject({ file: 'whatsapp', level: 'INFO', module: 'app' });
  });

  it('follows a module file across rotations without losing or repeating a line', async () => {
    const log = make({ maxSize: '4K', maxFiles: 50 });
    const got: LogLine[] = [];
    const sub = log.follow('ngrok', (batch) => got.push(...batch));
    log.ngrok.info('first');
    await waitFor(() => got.length === 1, SOON);
    for (let i = 0; i < 300; i++) {
      log.ngrok.info(`line ${i}`);
      if (i % 50 === 0) await log.flush();
    }
    await log.flush();
    await waitFor(() => got.length === 301, SOON);
    await sub.dispose();
    expect(readdirSync(logsDir).filter((f) => f.startsWith('ngrok_manager.log.')).length).toBeGreaterThan(3);
    expect(got.map((l) => l.msg)).toEqual(['first', ...Array.from({ length: 300 }, (_, i) => `line ${i}`)]);
    expect(got.every((l) => l.file === 'ngrok' && l.level === 'INFO')).toBe(true);
  });
});
