/** The host's push channel: services publish contract events here; transports (IPC, WebSocket) subscribe. */
import type { EventChannel, EventPayload } from '../../../shared/contract';
import { Emitter, type Disposable, type EmitterOptions } from './lifecycle';

export interface BusMessage<E extends EventChannel = EventChannel> {
  event: E;
  payload: EventPayload<E>;
}

export class EventBus {
  private readonly emitter: Emitter<BusMessage>;

  /** `onListenerError` hears a subscriber that threw (the message names the event); others still get it. */
  constructor(opts: EmitterOptions<BusMessage> = {}) {
    this.emitter = new Emitter<BusMessage>(opts);
  }

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
