/**
 * The listeners of pushed events, for every client of the contract (the preload bridge, the browser bridge, the Node
 * control client): `add` returns the unsubscribe function (subscribing the same function twice gives two independent
 * subscriptions), `dispatch` calls each listener of an event, and one that throws never stops the others.
 */
import { isEventChannel, type EventChannel, type EventPayload } from './contract';

export interface PushListenersOptions {
  /** Told when a listener throws (the other listeners still get the event). */
  onListenerError?: (err: unknown, event: EventChannel) => void;
}

type AnyListener = (payload: unknown) => void;

export class PushListeners {
  private readonly byEvent = new Map<EventChannel, Set<AnyListener>>();

  constructor(private readonly opts: PushListenersOptions = {}) {}

  /** Subscribes; an unknown event or a listener that is not a function subscribes nothing. */
  add<E extends EventChannel>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    if (!isEventChannel(event) || typeof listener !== 'function') return () => {};
    let set = this.byEvent.get(event);
    if (!set) this.byEvent.set(event, (set = new Set()));
    const entry: AnyListener = (payload) => listener(payload as EventPayload<E>);
    const listeners = set;
    listeners.add(entry);
    return () => {
      listeners.delete(entry);
      if (listeners.size === 0 && this.byEvent.get(event) === listeners) this.byEvent.delete(event);
    };
  }

  /** Calls every listener of `event` (a string from the wire: anything that is not an event channel is ignored). */
  dispatch(event: unknown, payload: unknown): void {
    if (!isEventChannel(event)) return;
    const listeners = this.byEvent.get(event);
    if (!listeners) return;
    for (const listener of [...listeners]) {
      try {
        listener(payload);
      } catch (err) {
        this.opts.onListenerError?.(err, event);
      }
    }
  }

  /** How many subscriptions there are (all events). */
  get size(): number {
    let n = 0;
    for (const set of this.byEvent.values()) n += set.size;
    return n;
  }

  clear(): void {
    this.byEvent.clear();
  }
}
