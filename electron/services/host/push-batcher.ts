/**
 * Coalesces high-rate pushed events (BATCHED_EVENTS in the contract) into one message per event per interval, for
 * every push transport (the control API's WebSocket, Electron IPC). Arrays are concatenated; `logs:lines` batches are
 * merged per file. Other events pass straight through.
 */
import { BATCHED_EVENTS, type EventChannel } from '../../../shared/contract';
import type { BusMessage } from '../core/event-bus';
import type { Disposable } from '../core/lifecycle';

export interface PushBatcherOptions {
  /** Window during which batched events are collected (default 50 ms). */
  intervalMs?: number;
  /** Stop collecting and flush at once when a window holds this many items (default 5000). */
  maxItems?: number;
}

export interface PushBatcher extends Disposable {
  push(message: BusMessage): void;
  /** Sends whatever is pending now. */
  flush(): void;
}

type Pending = Map<EventChannel, unknown[]>;

function itemCount(payload: unknown): number {
  if (Array.isArray(payload)) return payload.length;
  const lines = (payload as { lines?: unknown[] } | null)?.lines;
  return Array.isArray(lines) ? lines.length : 1;
}

/** Merges the payloads collected for one event into as few payloads as keep the contract's shape. */
export function mergePayloads(payloads: unknown[]): unknown[] {
  if (payloads.every(Array.isArray)) return [(payloads as unknown[][]).flat()];
  if (payloads.every((p) => p && typeof p === 'object' && Array.isArray((p as { lines?: unknown }).lines))) {
    const byFile = new Map<unknown, { file: unknown; lines: unknown[] }>();
    for (const p of payloads as { file: unknown; lines: unknown[] }[]) {
      const entry = byFile.get(p.file);
      if (entry) entry.lines.push(...p.lines);
      else byFile.set(p.file, { ...p, lines: [...p.lines] });
    }
    return [...byFile.values()];
  }
  return payloads;
}

export function createPushBatcher(
  send: (message: BusMessage) => void,
  opts: PushBatcherOptions = {},
): PushBatcher {
  const intervalMs = opts.intervalMs ?? 50;
  const maxItems = opts.maxItems ?? 5000;
  const batched = new Set<EventChannel>(BATCHED_EVENTS);
  let pending: Pending = new Map();
  let count = 0;
  let timer: NodeJS.Timeout | undefined;
  let disposed = false;

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const current = pending;
    pending = new Map();
    count = 0;
    for (const [event, payloads] of current) {
      for (const payload of mergePayloads(payloads)) send({ event, payload } as BusMessage);
    }
  };

  return {
    push(message) {
      if (disposed) return;
      if (!batched.has(message.event)) {
        send(message);
        return;
      }
      const list = pending.get(message.event);
      if (list) list.push(message.payload);
      else pending.set(message.event, [message.payload]);
      count += itemCount(message.payload);
      if (count >= maxItems) flush();
      else timer ??= setTimeout(flush, intervalMs);
    },
    flush,
    dispose() {
      if (disposed) return;
      flush();
      disposed = true;
    },
  };
}
