/**
 * The only file that calls `webContents.send`. Bus events reach the panel window through the host's push batcher:
 * high-rate events (BATCHED_EVENTS) are coalesced per ~50 ms, and everything ready in the same tick leaves as ONE
 * IPC message holding an array of `{event, payload}`, never one message per log line.
 */
import type { WebContents } from 'electron';
import type { EventBus } from '../services/core/event-bus';
import type { Disposable } from '../services/core/lifecycle';
import { createPushBatcher } from '../services/host/push-batcher';
import { IPC_PUSH, type PushMessage } from '../preload/ipc-channels';

export interface PushSenderOptions {
  bus: EventBus;
  /** The window's webContents, or null while there is no window. */
  target: () => WebContents | null;
  intervalMs?: number;
}

export interface PushSender extends Disposable {
  /** Sends whatever is pending now (tests, shutdown). */
  flush(): void;
  /** IPC messages sent so far (for tests and diagnostics). */
  readonly messagesSent: number;
}

export function createPushSender(opts: PushSenderOptions): PushSender {
  let outbox: PushMessage[] = [];
  let scheduled = false;
  let messagesSent = 0;

  const sendOutbox = () => {
    scheduled = false;
    if (outbox.length === 0) return;
    const batch = outbox;
    outbox = [];
    const contents = opts.target();
    if (!contents || contents.isDestroyed()) return;
    contents.send(IPC_PUSH, batch);
    messagesSent += 1;
  };

  const batcher = createPushBatcher(
    (message) => {
      outbox.push({ event: message.event, payload: message.payload });
      if (!scheduled) {
        scheduled = true;
        queueMicrotask(sendOutbox);
      }
    },
    { intervalMs: opts.intervalMs ?? 50 },
  );
  const subscription = opts.bus.subscribe((message) => batcher.push(message));

  return {
    flush() {
      batcher.flush();
      sendOutbox();
    },
    get messagesSent() {
      return messagesSent;
    },
    dispose() {
      void subscription.dispose();
      batcher.dispose();
      sendOutbox();
    },
  };
}
