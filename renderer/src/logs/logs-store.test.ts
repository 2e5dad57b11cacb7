import { describe, expect, it } from 'vitest';
import type { LogLine } from '../../../shared/domain/logs';
import { makeLogLine } from '../testing/fake-events';
import { compileLogFilter, DEFAULT_LOG_FILTER, LogsStore } from './logs-store';

const lines = (from: number, n: number) => Array.from({ length: n }, (_, i) => makeLogLine(from + i));
const shown = (s: LogsStore) => Array.from({ length: s.shown }, (_, i) => s.at(i)!);

describe('log filter', () => {
  const l = (level: LogLine['level'], file: LogLine['file'], msg: string): LogLine => ({
    file,
    level,
    msg,
    time: '2026-11-28T10:00:00.000Z',
    raw: JSON.stringify({ level, msg, module: 'tunnel' }),
  });

  it('applies file, minimum level and text (message or raw line)', () => {
    const f = compileLogFilter({ file: 'ngrok', minLevel: 'WARNING', text: 'session' });
    expect(f(l('ERROR', 'ngrok', 'session dropped'))).toBe(true);
    expect(f(l('INFO', 'ngrok', 'session up'))).toBe(false);
    expect(f(l('ERROR', 'whatsapp', 'session dropped'))).toBe(false);
    expect(f(l('CRITICAL', 'ngrok', 'other'))).toBe(false);
    expect(compileLogFilter({ ...DEFAULT_LOG_FILTER, text: 'TUNNEL' })(l('DEBUG', 'webhook', 'x'))).toBe(
      true,
    );
  });
});

describe('LogsStore', () => {
  it('keeps the filtered view in step as lines arrive', () => {
    const store = new LogsStore();
    store.setFilter({ file: 'ngrok', minLevel: 'DEBUG', text: '' });
    store.append(lines(0, 30));
    expect(store.total).toBe(30);
    expect(shown(store).every((x) => x.file === 'ngrok')).toBe(true);
    expect(store.shown).toBe(10);
    store.append(lines(30, 3));
    expect(store.shown).toBe(11);
    store.setFilter(DEFAULT_LOG_FILTER);
    expect(shown(store).map((x) => x.msg)).toEqual(lines(0, 33).map((x) => x.msg));
  });

  it('holds new lines aside while paused and shows them in order on resume', () => {
    const store = new LogsStore();
    store.append(lines(0, 5));
    store.setPaused(true);
    store.append(lines(5, 4));
    expect(store.shown).toBe(5);
    expect(store.heldCount).toBe(4);
    store.setPaused(false);
    expect(store.heldCount).toBe(0);
    expect(shown(store).map((x) => x.msg)).toEqual(lines(0, 9).map((x) => x.msg));
  });

  it('drops the oldest lines beyond its cap, keeping the view consistent', () => {
    const store = new LogsStore(100);
    store.setFilter({ ...DEFAULT_LOG_FILTER, minLevel: 'ERROR' });
    for (let i = 0; i < 50; i++) store.append(lines(i * 10, 10));
    expect(store.total).toBeLessThanOrEqual(120);
    expect(store.total).toBeGreaterThanOrEqual(100);
    const all = lines(0, 500);
    const kept = all.slice(500 - store.total);
    expect(shown(store).map((x) => x.msg)).toEqual(kept.filter((x) => x.level === 'ERROR').map((x) => x.msg));
  });

  it('clear empties the view but keeps following', () => {
    const store = new LogsStore();
    store.append(lines(0, 5));
    store.clear();
    expect(store.shown).toBe(0);
    store.append(lines(5, 2));
    expect(shown(store).map((x) => x.msg)).toEqual(lines(5, 2).map((x) => x.msg));
  });

  it('notifies subscribers once per append', () => {
    const store = new LogsStore();
    let n = 0;
    const off = store.subscribe(() => n++);
    store.append(lines(0, 1000));
    off();
    store.append(lines(0, 1));
    expect(n).toBe(1);
  });
});
