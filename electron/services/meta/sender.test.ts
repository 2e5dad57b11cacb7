import { afterEach, describe, expect, it } from 'vitest';
import type { RateLimitStatus } from '../../../shared/domain/meta';
import { KreoError } from '../../../shared/errors';
import {
  GRAPH_FAKE_DEFAULTS as D,
  startGraphFake,
  type GraphFake,
  type GraphFakeOptions,
} from '../../../test/fakes/graph-api';
import { metaError } from '../../../test/fakes/graph-api/meta-errors';
import { waitFor } from '../../../test/support/wait';
import { EventBus } from '../core/event-bus';
import { GraphApi } from './graph-api';
import { GraphClient } from './graph-client';
import { LocalRateLimiter } from './rate-limiter';
import { Sender, type SenderDeps } from './sender';
import { CaptureLogger, MemorySettings, maxInWindow } from './test-support';

let fake: GraphFake;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function setup(
  rateLimit: Partial<{ messagesPerSecond: number; concurrency: number; maxQueueSize: number }>,
  fakeOpts: GraphFakeOptions = {},
  extra: Partial<SenderDeps> = {},
) {
  fake = await startGraphFake(fakeOpts);
  cleanups.push(() => fake.close());
  const settings = new MemorySettings({
    meta: { accessToken: D.token, phoneNumberId: D.phoneNumberId, graphBaseUrl: fake.url },
    rateLimit: { messagesPerSecond: 50, concurrency: 4, maxQueueSize: 100, ...rateLimit },
  });
  const logger = new CaptureLogger();
  const bus = new EventBus();
  const slots: number[] = [];
  const graph = new GraphApi(new GraphClient({ config: () => settings.get().meta }));
  // Counts the sends in flight at once.
  const flight = { now: 0, max: 0 };
  const sendMessage = graph.sendMessage.bind(graph);
  graph.sendMessage = async (...args: Parameters<GraphApi['sendMessage']>) => {
    flight.max = Math.max(flight.max, ++flight.now);
    try {
      return await sendMessage(...args);
    } finally {
      flight.now--;
    }
  };
  const sender = new Sender({
    settings,
    graph,
    limiter: new LocalRateLimiter(),
    logger,
    bus,
    onSlot: (t) => slots.push(t),
    statusIntervalMs: 100,
    ...extra,
  });
  cleanups.push(() => sender.dispose());
  return { sender, settings, logger, bus, slots, flight };
}

const text = (i: number) => ({ to: `+1555000${String(i).padStart(4, '0')}`, text: `hello ${i}` });

describe('Sender', () => {
  it('sends text and template messages and returns the wamid', async () => {
    const { sender } = await setup({});
    const a = await sender.sendText({ to: '+15550001234', text: 'hola ñandú' });
    expect(a).toMatchObject({ to: '15550001234', attempts: 1 });
    expect(a.messageId).toMatch(/^wamid\./);
    const b = await sender.sendTemplate({ to: '15550001234', name: 'hello_world', language: 'en_US' });
    expect(b.messageId).toMatch(/^wamid\./);
    expect(fake.state.sends.map((s) => [s.type, s.body ?? s.template?.name])).toEqual([
      ['text', 'hola ñandú'],
      ['template', 'hello_world'],
    ]);
  });

  it('turns a refused template into SEND_FAILED with the hint for 132001', async () => {
    const { sender } = await setup({});
    const err = await sender
      .sendTemplate({ to: '15550001234', name: 'missing', language: 'es' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KreoError);
    expect((err as KreoError).code).toBe('SEND_FAILED');
    expect((err as KreoError).details?.graphCode).toBe(132001);
    expect((err as KreoError).hint).toContain('template name and language');
    expect((await sender.status()).failed).toBe(1);
  });

  it('refuses with META_NOT_CONFIGURED when the number or token is missing', async () => {
    const { sender, settings } = await setup({});
    await settings.update({ 'meta.phoneNumberId': '' });
    const err = (await sender.sendText(text(1)).catch((e: unknown) => e)) as KreoError;
    expect(err.code).toBe('META_NOT_CONFIGURED');
    expect(err.message).toContain('meta.phoneNumberId');
  });

  it('refuses with SEND_QUEUE_FULL when the queue is full, and counts it', async () => {
    const { sender, slots } = await setup({ messagesPerSecond: 0.5, concurrency: 1, maxQueueSize: 3 });
    // A message waits in the queue until it is granted a slot; the first is granted at once.
    const pending = [sender.sendText(text(0)).catch((e: unknown) => e)];
    await expect.poll(() => slots.length).toBe(1);
    pending.push(...[1, 2, 3].map((i) => sender.sendText(text(i)).catch((e: unknown) => e)));
    const err = (await sender.sendText(text(9)).catch((e: unknown) => e)) as KreoError;
    expect(err).toBeInstanceOf(KreoError);
    expect(err.code).toBe('SEND_QUEUE_FULL');
    expect(err.message).toContain('maxQueueSize=3');
    expect(err.hint).toContain('kreo ratelimit status');
    const st = await sender.status();
    expect(st).toMatchObject({ queueDepth: 3, rejected: 1, maxQueueSize: 3, backend: 'local' });
    await sender.dispose();
    const outcomes = await Promise.all(pending);
    // The first went out at once; the queued ones are refused (not lost silently) when the sender stops.
    expect((outcomes[0] as { messageId: string }).messageId).toMatch(/^wamid\./);
    expect(outcomes.slice(1).every((o) => o instanceof KreoError && o.code === 'UNAVAILABLE')).toBe(true);
  });

  it('keeps to the configured rate and concurrency', async () => {
    const { sender, slots } = await setup({ messagesPerSecond: 40, concurrency: 3 }, { sendLatencyMs: 20 });
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => sender.sendText(text(i))));
    const elapsed = performance.now() - started;
    expect(results).toHaveLength(30);
    expect(new Set(results.map((r) => r.messageId)).size).toBe(30);
    // A fresh backlog is paced, not burst: the last of 30 slots at 40/s is at least 29/40 s after the first.
    expect(elapsed).toBeGreaterThanOrEqual(29 * 25 - 5);
    expect(maxInWindow(slots, 1000 - 0.002)).toBeLessThanOrEqual(40);
    const st = await sender.status();
    expect(st).toMatchObject({ sent: 30, failed: 0, throttled: 0, queueDepth: 0, inFlight: 0 });
  });

  it('never has more than rateLimit.concurrency sends in flight', async () => {
    const { sender, flight } = await setup(
      { messagesPerSecond: 1000, concurrency: 3, maxQueueSize: 100 },
      { sendLatencyMs: 40, messagesPerSecond: 10_000 },
    );
    const pending = Array.from({ length: 20 }, (_, i) => sender.sendText(text(i)));
    await expect.poll(async () => (await sender.status()).inFlight).toBe(3);
    expect((await sender.status()).queueDepth).toBeGreaterThan(0);
    await Promise.all(pending);
    expect(flight.max).toBe(3);
  });

  it('catches up, in one batch, the slots missed while the event loop was blocked', async () => {
    const { sender, slots } = await setup(
      { messagesPerSecond: 50, concurrency: 64, maxQueueSize: 200 },
      { sendLatencyMs: 5, messagesPerSecond: 10_000 },
    );
    const pending = Array.from({ length: 60 }, (_, i) => sender.sendText(text(i)));
    await expect.poll(() => slots.length).toBeGreaterThanOrEqual(5);
    // Nothing runs for 400 ms (20 slots at 50/s), as when the process is not scheduled.
    const blockedAt = slots.length;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 400);
    await Promise.all(pending);
    // The first grant after the stall is a batch: every slot that fell due meanwhile (at least 400 ms × 50/s).
    const at = slots[blockedAt]!;
    expect(slots.filter((t) => t === at).length).toBeGreaterThanOrEqual(20);
    // And no one-second window holds more than the limit.
    expect(maxInWindow(slots, 1000 - 0.002)).toBeLessThanOrEqual(50);
  });

  it('slows down and retries when Meta answers 130429', async () => {
    const { sender, logger } = await setup(
      { messagesPerSecond: 50, concurrency: 8 },
      { messagesPerSecond: 6 },
      { throttlePauseMs: 300, recoverMs: 5_000 },
    );
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => sender.sendText(text(i))));
    expect(results).toHaveLength(16);
    expect(fake.state.sends).toHaveLength(16);
    expect(fake.state.rejectedSends.length).toBeGreaterThan(0);
    const st = await sender.status();
    expect(st.throttled).toBe(fake.state.rejectedSends.length);
    expect(st.failed).toBe(0);
    expect(results.some((r) => r.attempts > 1)).toBe(true);
    expect(logger.text()).toContain('Meta is throttling (code 130429)');
  });

  it('holds a recipient after 131056 and retries transient errors', async () => {
    const { sender } = await setup({}, {}, { pairHoldMs: 100 });
    fake.failNext(/messages$/, 400, { message: '(#131056) Pair rate limit hit', code: 131056 }, 1);
    const held = await sender.sendText(text(1));
    expect(held.attempts).toBe(2);
    fake.failNext(/messages$/, 500, { message: 'temporary', code: 2, isTransient: true }, 1);
    const retried = await sender.sendText(text(2));
    expect(retried.attempts).toBe(2);
    const st = await sender.status();
    expect(st).toMatchObject({ sent: 2, throttled: 1, failed: 0 });
  });

  it('publishes ratelimit:status while active', async () => {
    const { sender, bus } = await setup({ messagesPerSecond: 20 });
    const seen: RateLimitStatus[] = [];
    bus.subscribe((m) => m.event === 'ratelimit:status' && seen.push(m.payload as RateLimitStatus));
    await Promise.all(Array.from({ length: 6 }, (_, i) => sender.sendText(text(i))));
    await new Promise((r) => setTimeout(r, 350));
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(seen.at(-1)).toMatchObject({ sent: 6, messagesPerSecond: 20, backend: 'local' });
  });

  it('a send in flight when the sender stops is rejected, never retried by a timer nobody clears', async () => {
    const { sender, flight } = await setup({});
    // A transient error (retried after a delay when the sender runs), answered once the sender has stopped.
    fake.addFault({
      path: /messages$/,
      times: 1,
      delayMs: 200,
      answer: metaError(500, { message: 'temporary', code: 2, isTransient: true }),
    });
    const send = sender.sendText(text(1));
    await waitFor(() => flight.now === 1, { what: 'the send in flight' });
    await sender.dispose();
    await expect(send).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(fake.state.sends).toHaveLength(0);
  });
});
