/**
 * Pushes the event feed on the EventBus: `events:new` for each stored delivery (batched per event-loop turn, so well
 * within 100 ms of the acknowledgement) and `events:updated` when an event's queue or forward state changes
 * (coalesced over a short window, read back from the store).
 */
import type { EventSummary } from '../../../shared/domain/events';
import type { EventBus } from '../core/event-bus';
import type { EventStore } from './event-store';

export const UPDATE_WINDOW_MS = 50;

export class LiveFeed {
  private added: EventSummary[] = [];
  private addScheduled = false;
  private changed = new Set<number>();
  private changeTimer: NodeJS.Timeout | null = null;
  private disposed = false;

  constructor(
    private readonly bus: Pick<EventBus, 'publish'>,
    private readonly store: () => EventStore | null,
  ) {}

  add(summary: EventSummary): void {
    if (this.disposed) return;
    this.added.push(summary);
    if (this.addScheduled) return;
    this.addScheduled = true;
    setImmediate(() => {
      this.addScheduled = false;
      const batch = this.added;
      this.added = [];
      if (batch.length && !this.disposed) this.bus.publish('events:new', batch);
    });
  }

  change(ids: Iterable<number>): void {
    if (this.disposed) return;
    for (const id of ids) this.changed.add(id);
    if (this.changeTimer || this.changed.size === 0) return;
    this.changeTimer = setTimeout(() => this.flushChanges(), UPDATE_WINDOW_MS);
  }

  private flushChanges(): void {
    this.changeTimer = null;
    const ids = [...this.changed];
    this.changed.clear();
    const store = this.store();
    if (!store || this.disposed || ids.length === 0) return;
    try {
      const summaries = store.summaries(ids);
      if (summaries.length) this.bus.publish('events:updated', summaries);
    } catch {
      // The store closing under us: the next list shows the state.
    }
  }

  dispose(): void {
    this.disposed = true;
    if (this.changeTimer) clearTimeout(this.changeTimer);
    this.changeTimer = null;
  }
}
