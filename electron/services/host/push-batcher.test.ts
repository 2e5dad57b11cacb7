import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LogLine } from '../../../shared/domain/logs';
import type { TunnelStatus } from '../../../shared/domain/tunnel';
import type { BusMessage } from '../core/event-bus';
import { createPushBatcher, mergePayloads } from './push-batcher';

const line = (file: LogLine['file'], msg: string): LogLine => ({
  file,
  time: 't',
  level: 'INFO',
  msg,
  raw: msg,
});

describe('push batcher', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('passes ordinary events straight through and coalesces batched ones per interval', () => {
    vi.useFakeTimers();
    const sent: BusMessage[] = [];
    const batcher = createPushBatcher((m) => sent.push(m), { intervalMs: 50 });
    batcher.push({ event: 'tunnel:status', payload: { state: 'online' } as TunnelStatus });
    expect(sent).toHaveLength(1);
    for (let i = 0; i < 3; i++) {
      batcher.push({ event: 'logs:lines', payload: { file: 'ngrok', lines: [line('ngrok', `n${i}`)] } });
      batcher.push({ event: 'logs:lines', payload: { file: 'webhook', lines: [line('webhook', `w${i}`)] } });
    }
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(50);
    expect(sent.slice(1)).toEqual([
      {
        event: 'logs:lines',
        payload: { file: 'ngrok', lines: ['n0', 'n1', 'n2'].map((m) => line('ngrok', m)) },
      },
      {
        event: 'logs:lines',
        payload: { file: 'webhook', lines: ['w0', 'w1', 'w2'].map((m) => line('webhook', m)) },
      },
    ]);
    batcher.dispose();
  });

  it('flushes early when a window holds maxItems, and on dispose', () => {
    vi.useFakeTimers();
    const sent: BusMessage[] = [];
    const batcher = createPushBatcher((m) => sent.push(m), { intervalMs: 1000, maxItems: 4 });
    batcher.push({ event: 'events:new', payload: [{ id: 1 }, { id: 2 }] as never });
    batcher.push({ event: 'events:new', payload: [{ id: 3 }, { id: 4 }] as never });
    expect(sent).toEqual([{ event: 'events:new', payload: [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }] }]);
    batcher.push({ event: 'events:new', payload: [{ id: 5 }] as never });
    batcher.dispose();
    expect(sent.at(-1)).toEqual({ event: 'events:new', payload: [{ id: 5 }] });
    batcher.push({ event: 'events:new', payload: [{ id: 6 }] as never });
    expect(sent).toHaveLength(2);
  });

  it('mergePayloads concatenates arrays and leaves other shapes alone', () => {
    expect(mergePayloads([[1], [2, 3]])).toEqual([[1, 2, 3]]);
    expect(mergePayloads([{ a: 1 }, { a: 2 }])).toEqual([{ a: 1 }, { a: 2 }]);
  });
});
