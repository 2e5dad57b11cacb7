import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support/wait';
import type { LogFile, LogLine } from '../../../shared/domain/logs';
import { createLogging, type CreateLoggingOptions } from './logging';
import type { Logging } from './types';

let dir: string;
let logsDir: string;
const open: Logging[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'kreo-log-feed-'));
  logsDir = path.join(dir, 'logs', 'whatsapp');
});
afterEach(async () => {
  for (const l of open.splice(0)) await l.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function make(extra: Partial<CreateLoggingOptions> = {}): Logging {
  const logging = createLogging({ logsDir, level: 'debug', redact: () => [], onError: () => {}, ...extra });
  open.push(logging);
  return logging;
}

/** Subscribes to every file; records the batches. */
function record(log: Logging) {
  const batches: { file: LogFile; lines: LogLine[] }[] = [];
  for (const file of ['whatsapp', 'ngrok', 'webhook'] as const)
    log.onLines(file, (lines) => batches.push({ file, lines }));
  const lines = (file: LogFile) => batches.filter((b) => b.file === file).flatMap((b) => b.lines);
  return { batches, lines };
}

const SOON = { timeoutMs: 5000, everyMs: 5 };

describe('onLines: the in-process line feed', () => {
  it('hands out each line parsed, once per file it goes to, in order, batched per turn', async () => {
    const log = make();
    const { batches, lines } = record(log);
    log.ngrok.info({ url: 'https://a.ngrok-free.app' }, 'tunnel online');
    for (let i = 0; i < 200; i++) log.whatsapp.child({ module: 'store' }).debug(`line ${i}`);
    log.webhook.warning('callback registered');
    expect(batches).toEqual([]); // never from inside the write
    await waitFor(() => lines('webhook').length === 1, SOON);

    expect(lines('ngrok')).toEqual([
      {
        file: 'ngrok',
        time: expect.any(String),
        level: 'INFO',
        module: 'ngrok',
        msg: 'tunnel online',
        raw: expect.stringMatching(/^\{"level":"INFO".*"msg":"tunnel online"\}$/),
      },
    ]);
    const general = lines('whatsapp');
    expect(general.map((l) => l.msg)).toEqual([
      'tunnel online',
      ...Array.from({ length: 200 }, (_, i) => `line ${i}`),
      'callback registered',
    ]);
    expect(general[0]).toEqual({ ...lines('ngrok')[0], file: 'whatsapp' });
    expect(general[1]).toMatchObject({ level: 'DEBUG', module: 'store' });
    // Written in one turn: one batch per file, not one per line.
    expect(batches.map((b) => b.file).sort()).toEqual(['ngrok', 'webhook', 'whatsapp']);
  });

  it('gives the redacted line, and nothing below the level', async () => {
    const secrets = ['2abcDEF123_xyzAuthtoken'];
    const log = make({ level: 'info', redact: () => secrets });
    const { lines } = record(log);
    log.ngrok.debug('hidden');
    log.ngrok.info({ authtoken: 'a' }, 'starting with 2abcDEF123_xyzAuthtoken');
    await log.flush(); // delivers what is queued, at once
    const [line] = lines('ngrok');
    expect(lines('ngrok')).toHaveLength(1);
    expect(line!.msg).toBe('starting with [REDACTED]');
    expect(line!.raw).not.toContain('2abcDEF123_xyzAuthtoken');
    expect(JSON.parse(line!.raw)).toMatchObject({ authtoken: '[REDACTED]' });
  });

  it('does not depend on the files: lines flow while a log file cannot be written', async () => {
    mkdirSync(path.join(logsDir, 'whatsapp.log'), { recursive: true }); // a folder where the file should be
    const log = make();
    const { lines } = record(log);
    log.whatsapp.info('still shown');
    await waitFor(() => lines('whatsapp').length === 1, SOON);
    expect(lines('whatsapp')[0]!.msg).toBe('still shown');
  });

  it('keeps feeding the others when a listener throws, and reports it', async () => {
    const errors: unknown[] = [];
    const log = make({ onListenerError: (e) => errors.push(e) });
    log.onLines('whatsapp', () => {
      throw new Error('listener broke');
    });
    const got: string[] = [];
    const sub = log.onLines('whatsapp', (batch) => got.push(...batch.map((l) => l.msg)));
    log.whatsapp.info('one');
    await waitFor(() => got.length === 1, SOON);
    expect(errors).toEqual([new Error('listener broke')]);
    await sub.dispose();
    log.whatsapp.info('two');
    await log.flush();
    expect(got).toEqual(['one']);
  });

  it('delivers what is queued on dispose, then nothing more', async () => {
    const log = make();
    const { lines } = record(log);
    log.webhook.info('last words');
    await log.dispose();
    expect(lines('webhook').map((l) => l.msg)).toEqual(['last words']);
    log.webhook.info('after');
    await new Promise((r) => setImmediate(r));
    expect(lines('webhook')).toHaveLength(1);
  });
});
