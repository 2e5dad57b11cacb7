import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LogLine } from '../../shared/domain/logs';
import type { TunnelStatus } from '../../shared/domain/tunnel';
import { EventBus } from '../services/core/event-bus';
import { IPC_PUSH, type PushMessage } from '../preload/ipc-channels';
import { createPushSender } from './push-sender';
import { FakeWebContents } from './testing/fake-electron';

vi.mock('electron', async () => (await import('./testing/fake-electron')).fakeElectron());

const line = (i: number): LogLine => ({
  file: 'whatsapp',
  time: '2026-11-28T10:00:00.000Z',
  level: 'INFO',
  msg: `line ${i}`,
  raw: `{"msg":"line ${i}"}`,
});

const status: TunnelStatus = {
  state: 'online',
  url: 'https://abc.ngrok-free.app',
  localTarget: 'http://127.0.0.1:8000',
  domain: null,
  startedAt: null,
  uptimeMs: null,
  lastError: null,
  connection: 'connected',
  connectionChanges: [],
};

let bus: EventBus;
let contents: FakeWebContents;

beforeEach(() => {
  vi.useFakeTimers();
  bus = new EventBus();
  contents = new FakeWebContents();
});
afterEach(() => {
  vi.useRealTimers();
  bus.dispose();
});

const batches = () => contents.sent.map((s) => (s.channel === IPC_PUSH ? (s.args[0] as PushMessage[]) : []));

describe('push sender', () => {
  it('sends 1000 log lines published one by one as ONE IPC message after the batch window', async () => {
    const sender = createPushSender({ bus, target: () => contents as never, intervalMs: 50 });
    for (let i = 0; i < 1000; i++) bus.publish('logs:lines', { file: 'whatsapp', lines: [line(i)] });
    await vi.advanceTimersByTimeAsync(10);
    expect(contents.sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(50);
    expect(contents.sent).toHaveLength(1);
    const [batch] = batches();
    expect(batch).toHaveLength(1);
    const payload = batch![0]!.payload as { file: string; lines: LogLine[] };
    expect(batch![0]!.event).toBe('logs:lines');
    expect(payload.lines.map((l) => l.msg)).toEqual(Array.from({ length: 1000 }, (_, i) => `line ${i}`));
    expect(sender.messagesSent).toBe(1);
    sender.dispose();
  });

  it('keeps log batches of different files apart and concatenates event arrays', async () => {
    const sender = createPushSender({ bus, target: () => contents as never });
    bus.publish('logs:lines', { file: 'whatsapp', lines: [line(1)] });
    bus.publish('logs:lines', { file: 'ngrok', lines: [{ ...line(2), file: 'ngrok' }] });
    bus.publish('logs:lines', { file: 'whatsapp', lines: [line(3)] });
    bus.publish('events:new', [{ id: 1 } as never]);
    bus.publish('events:new', [{ id: 2 } as never, { id: 3 } as never]);
    await vi.advanceTimersByTimeAsync(60);
    expect(contents.sent).toHaveLength(1);
    const batch = batches()[0]!;
    const logs = batch
      .filter((m) => m.event === 'logs:lines')
      .map((m) => m.payload as { file: string; lines: LogLine[] });
    expect(logs.map((p) => [p.file, p.lines.length])).toEqual([
      ['whatsapp', 2],
      ['ngrok', 1],
    ]);
    const events = batch.filter((m) => m.event === 'events:new');
    expect(events).toEqual([{ event: 'events:new', payload: [{ id: 1 }, { id: 2 }, { id: 3 }] }]);
    sender.dispose();
  });

  it('sends state events promptly (same tick), without waiting for the window', async () => {
    const sender = createPushSender({ bus, target: () => contents as never });
    bus.publish('tunnel:status', status);
    bus.publish('tunnel:status', { ...status, state: 'stopping' });
    await Promise.resolve();
    expect(contents.sent).toHaveLength(1);
    expect(batches()[0]!.map((m) => (m.payload as TunnelStatus).state)).toEqual(['online', 'stopping']);
    sender.dispose();
  });

  it('drops pushes while there is no live window', async () => {
    let target: FakeWebContents | null = null;
    const sender = createPushSender({ bus, target: () => target as never });
    bus.publish('tunnel:status', status);
    await Promise.resolve();
    target = contents;
    contents.destroyed = true;
    bus.publish('tunnel:status', status);
    await Promise.resolve();
    expect(contents.sent).toHaveLength(0);
    sender.dispose();
  });

  it('flushes pending batches on dispose and stops listening', async () => {
    const sender = createPushSender({ bus, target: () => contents as never });
    bus.publish('logs:lines', { file: 'whatsapp', lines: [line(1)] });
    sender.dispose();
    expect(contents.sent).toHaveLength(1);
    bus.publish('tunnel:status', status);
    await vi.advanceTimersByTimeAsync(100);
    expect(contents.sent).toHaveLength(1);
  });
});
