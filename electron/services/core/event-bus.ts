/** The host's push channel: services publish contract events here; transports (IPC, WebSocket) subscribe. */
import type { EventChannel, EventPayload } from '../../../shared/contract';
import { Emitter, type Disposable } from './lifecycle';

export interface BusMessage<E extends EventChannel = EventChannel> {
  event: E;
  payload: EventPayload<E>;
}

export class EventBus {
  private readonly emitter = new Emitter<BusMessage>();

  publish<E extends EventChannel>(event: E, payload: EventPayload<E>): void {
    this.emitter.fire({ event, payload } as BusMessage);
  }

  subscribe(listener: (message: BusMessage) => void): Disposable {
    return this.emitter.event(listener);
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
