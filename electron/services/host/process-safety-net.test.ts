import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogging } from '../logging/logging';
import type { Logging } from '../logging/types';
import { installSafetyNet } from './process-safety-net';

describe('process safety net', () => {
  let dir: string;
  let logging: Logging;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kreo-safety-'));
    logging = createLogging({ logsDir: dir, level: 'info', redact: () => [] });
  });
  afterEach(async () => {
    await logging.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const logLines = async () => {
    await logging.flush();
    return readFileSync(path.join(dir, 'whatsapp.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { level: string; msg: string; module?: string });
  };

  it('logs an unhandled rejection and an uncaught exception to whatsapp.log at CRITICAL, and keeps running', async () => {
    const proc = new EventEmitter();
    let fatal = 0;
    const net = installSafetyNet({
      logger: () => logging.whatsapp.child({ module: 'process' }),
      onFatal: () => fatal++,
      target: proc as never,
    });
    proc.emit('unhandledRejection', new Error('nobody awaited me'), Promise.resolve());
    proc.emit('uncaughtException', new Error('a callback threw'), 'uncaughtException');
    const lines = await logLines();
    expect(lines).toHaveLength(2);
    expect(lines.map((l) => l.level)).toEqual(['CRITICAL', 'CRITICAL']);
    expect(lines[0]!.msg).toMatch(/unhandled promise rejection/);
    expect(lines[1]!.msg).toMatch(/uncaught exception/);
    expect(JSON.stringify(lines)).toContain('nobody awaited me');
    expect(fatal).toBe(0);

    net.dispose();
    expect(proc.listenerCount('unhandledRejection')).toBe(0);
    expect(proc.listenerCount('uncaughtException')).toBe(0);
  });

  it('a burst of uncaught exceptions stops the host once; before the logger exists, lines go to the fallback', () => {
    const proc = new EventEmitter();
    const fallback: string[] = [];
    const fatal: unknown[] = [];
    let t = 0;
    installSafetyNet({
      logger: () => null,
      fallback: (line) => fallback.push(line),
      onFatal: (err) => fatal.push(err),
      target: proc as never,
      maxUncaught: 3,
      windowMs: 1000,
      now: () => t,
    });
    // Spread out: never fatal.
    for (let i = 0; i < 5; i++) {
      proc.emit('uncaughtException', new Error(`slow ${i}`));
      t += 600;
    }
    expect(fatal).toEqual([]);
    for (let i = 0; i < 5; i++) proc.emit('uncaughtException', new Error(`burst ${i}`));
    expect(fatal).toHaveLength(1);
    expect(fallback[0]).toMatch(/^CRITICAL uncaught exception .*slow 0/s);
    expect(fallback.at(-1)).toMatch(/stopping the host/);
  });
});
