/**
 * Pushes the event feed on the EventBus: `events:new` for each stored delivery (batched per event-loop turn, so well
 * within 100 ms of the acknowledgement) and `events:updated` when an event's queue or forward state changes
 * (coalesced over a short window). Updated summaries are read back from the store, except for the commonest change
 * under load, an event Redis just took: the summary pushed as new is kept while it waits for Redis and pushed again
 * with `queued: 'queued'`, with no read of the store.
 */
import type { EventSummary } from '../../../shared/domain/events';
import type { EventBus } from '../core/event-bus';
import type { EventStore } from './event-store';

export const UPDATE_WINDOW_MS = 50;
/** Summaries kept while their events wait for Redis (past this, updates are read back from the store). */
const AWAITING_REDIS_CAP = 2_000;

export class LiveFeed {
  private added: EventSummary[] = [];
  private addScheduled = false;
  private changed = new Set<number>();
  /** Summaries of events waiting for Redis, as pushed, by id. */
  private awaitingRedis = new Map<number, EventSummary>();
  /** Events Redis took since the last update push. */
  private queuedNow = new Set<number>();
  private changeTimer: NodeJS.Timeout | null = null;
  private disposed = false;

  constructor(
    private readonly bus: Pick<EventBus, 'publish'>,
    private readonly store: () => EventStore | null,
  ) {}

  add(summary: EventSummary): void {
    if (this.disposed) return;
    this.added.push(summary);
    if (summary.queued === 'pending' && this.awaitingRedis.size < AWAITING_REDIS_CAP)
      this.awaitingRedis.set(summary.id, summary);
    if (this.addScheduled) return;
    this.addScheduled = true;
    setImmediate(() => {
      this.addScheduled = false;
      const batch = this.added;
      this.added = [];
      if (batch.length && !this.disposed) this.bus.publish('events:new', batch);
    });
  }

  /** These events changed in the store (queue, forward or duplicate state): push them as they are now. */
  change(ids: Iterable<number>): void {
    if (this.disposed) return;
    for (const id of ids) this.changed.add(id);
    this.schedule();
  }

  /** Redis took these events (their summaries change only in `queued`). */
  queued(ids: Iterable<number>): void {
    if (this.disposed) return;
    for (const id of ids) {
      if (this.awaitingRedis.has(id)) this.queuedNow.add(id);
      else this.changed.add(id);
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.changeTimer || (this.changed.size === 0 && this.queuedNow.size === 0)) return;
    this.changeTimer = setTimeout(() => this.flushChanges(), UPDATE_WINDOW_MS);
  }

  private flushChanges(): void {
    this.changeTimer = null;
    const ids = this.changed;
    this.changed = new Set();
    const out: EventSummary[] = [];
    for (const id of this.queuedNow) {
      const s = this.awaitingRedis.get(id);
      this.awaitingRedis.delete(id);
      // Anything else that changed meanwhile is read from the store below, which then has the queued state too.
      if (s && !ids.has(id)) out.push({ ...s, queued: 'queued' });
    }
    this.queuedNow.clear();
    // A kept summary that changed otherwise is stale: later updates of it are read from the store.
    for (const id of ids) this.awaitingRedis.delete(id);
    const store = this.store();
    if (this.disposed) return;
    try {
      if (store && ids.size) out.push(...store.queries.summaries([...ids]));
    } catch {
      // The store closing under us: the next list shows the state.
    }
    if (out.length)
      this.bus.publish(
        'events:updated',
        out.sort((a, b) => a.id - b.id),
      );
  }

  dispose(): void {
    this.disposed = true;
    if (this.changeTimer) clearTimeout(this.changeTimer);
    this.changeTimer = null;
  }
}
