/**
 * One WebSocket client of `GET /api/events`: forwards every bus message as `{event, payload}` JSON, batching the
 * high-rate events. A client that cannot keep up (more than `maxBufferedBytes` unsent) misses batched events until it
 * drains; other events are always sent.
 */
import type { WebSocket } from 'ws';
import { BATCHED_EVENTS } from '../../../shared/contract';
import type { EventBus } from '../core/event-bus';
import { createPushBatcher } from '../host/push-batcher';

export interface EventSocketOptions {
  batchIntervalMs?: number;
  maxBufferedBytes?: number;
}

export function attachEventSocket(socket: WebSocket, bus: EventBus, opts: EventSocketOptions = {}): void {
  const maxBuffered = opts.maxBufferedBytes ?? 8 * 1024 * 1024;
  const batched = new Set<string>(BATCHED_EVENTS);
  const batcher = createPushBatcher(
    (message) => {
      if (socket.readyState !== socket.OPEN) return;
      if (batched.has(message.event) && socket.bufferedAmount > maxBuffered) return;
      socket.send(JSON.stringify(message));
    },
    { intervalMs: opts.batchIntervalMs ?? 50 },
  );
  const subscription = bus.subscribe((message) => batcher.push(message));
  const close = () => {
    void subscription.dispose();
    batcher.dispose();
  };
  socket.on('close', close);
  socket.on('error', close);
  // Clients only listen; anything they send is ignored.
}
