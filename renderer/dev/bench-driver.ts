/**
 * Page-side driver for the renderer benchmark (bench/renderer-stream.mjs): pushes events or log lines through the
 * fake host's `emit` at a set rate, the way the host's batched pushes arrive, optionally scrolls a list meanwhile,
 * and records every frame's duration (requestAnimationFrame deltas) and every long task (PerformanceObserver).
 */
import type { EventSummary, TriggerKind } from '../../shared/domain/events';
import type { LogFile, LogLine } from '../../shared/domain/logs';
import { ALL_KINDS, makeLogLine, makeSummary } from '../src/testing/fake-events';
import type { FakeKreo } from '../src/testing/fake-kreo';

export interface StreamOptions {
  kind: 'events' | 'logs' | 'idle';
  /** Items per second. */
  rate: number;
  seconds: number;
  /** Push period in ms (the host batches pushes every few ms). */
  tickMs?: number;
  /** CSS selector of a scroll container to scroll by `scrollPx` every frame while streaming. */
  scroll?: string;
  scrollPx?: number;
}

export interface StreamReport {
  sent: number;
  elapsedMs: number;
  frames: number[];
  longTasks: number[];
  /** Longest time from a push to the frame after it (ms): how late new data shows. */
  maxPushToFrameMs: number;
}

export function createBenchDriver(fake: FakeKreo) {
  let nextEventId = 1_000_000;
  let nextLine = 0;

  const eventBatch = (n: number): EventSummary[] => {
    const out: EventSummary[] = [];
    const now = new Date();
    for (let i = 0; i < n; i++) {
      const id = nextEventId++;
      const kind: TriggerKind = ALL_KINDS[id % ALL_KINDS.length]!;
      out.push(makeSummary(id, kind, { at: now }));
    }
    return out;
  };
  const files: LogFile[] = ['whatsapp', 'ngrok', 'webhook'];
  const logBatch = (n: number): LogLine[] => {
    const now = new Date();
    const out: LogLine[] = [];
    for (let i = 0; i < n; i++) out.push(makeLogLine(nextLine++, undefined, now));
    return out;
  };

  async function run(opts: StreamOptions): Promise<StreamReport> {
    const tick = opts.tickMs ?? 16;
    const frames: number[] = [];
    const longTasks: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) longTasks.push(e.duration);
    });
    try {
      observer.observe({ type: 'longtask', buffered: false });
    } catch {}
    const scrollEl = opts.scroll ? document.querySelector<HTMLElement>(opts.scroll) : null;
    let lastPush = 0;
    let maxPushToFrame = 0;
    let last = performance.now();
    let running = true;
    const onFrame = (t: number) => {
      frames.push(t - last);
      last = t;
      if (lastPush) {
        maxPushToFrame = Math.max(maxPushToFrame, t - lastPush);
        lastPush = 0;
      }
      if (scrollEl) scrollEl.scrollTop += opts.scrollPx ?? 40;
      if (running) requestAnimationFrame(onFrame);
    };
    requestAnimationFrame((t) => {
      last = t;
      requestAnimationFrame(onFrame);
    });

    const start = performance.now();
    let sent = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const elapsed = performance.now() - start;
        if (elapsed >= opts.seconds * 1000) {
          clearInterval(timer);
          resolve();
          return;
        }
        const due = Math.floor((elapsed / 1000) * opts.rate) - sent;
        if (due <= 0 || opts.kind === 'idle') return;
        if (opts.kind === 'events') fake.emit('events:new', eventBatch(due));
        else {
          // The host pushes one batch per file.
          const lines = logBatch(due);
          for (const file of files) {
            const mine = lines.filter((l) => l.file === file);
            if (mine.length) fake.emit('logs:lines', { file, lines: mine });
          }
        }
        if (!lastPush) lastPush = performance.now();
        sent += due;
      }, tick);
    });
    // Let the last batch render.
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    running = false;
    observer.disconnect();
    return {
      sent,
      elapsedMs: performance.now() - start,
      frames,
      longTasks,
      maxPushToFrameMs: maxPushToFrame,
    };
  }

  return { run };
}
