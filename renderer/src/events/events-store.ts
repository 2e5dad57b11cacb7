/**
 * The events held by the inspector: a mutable, id-ordered store that takes batches of new and updated summaries,
 * keeps a filtered view in step incrementally (no re-filtering 100,000 rows per push), indexes message ids for the
 * timeline and drops the oldest beyond a cap. React reads it through its version (useSyncExternalStore).
 */
import type { EventSummary } from '../../../shared/domain/events';
import { StoreSignal } from '../lib/use-store';
import { compileFilter, EMPTY_FILTER, type EventFilter } from './event-filter';

/** Index of the first element >= id in an ascending array. */
function lowerBound(arr: number[], id: number): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid]! < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertSorted(arr: number[], id: number): void {
  if (arr.length === 0 || arr[arr.length - 1]! < id) arr.push(id);
  else {
    const at = lowerBound(arr, id);
    if (arr[at] !== id) arr.splice(at, 0, id);
  }
}

function removeSorted(arr: number[], id: number): void {
  const at = lowerBound(arr, id);
  if (arr[at] === id) arr.splice(at, 1);
}

export class EventsStore extends StoreSignal {
  private byId = new Map<number, EventSummary>();
  private ids: number[] = [];
  private visible: number[] = [];
  private byMessageId = new Map<string, Set<number>>();
  private filter: EventFilter = EMPTY_FILTER;
  private test: (e: EventSummary) => boolean = () => true;

  constructor(private readonly cap = 200_000) {
    super();
  }

  get total(): number {
    return this.ids.length;
  }

  get shown(): number {
    return this.visible.length;
  }

  get currentFilter(): EventFilter {
    return this.filter;
  }

  /** The i-th visible event, newest first. */
  at(index: number): EventSummary | undefined {
    const id = this.visible[this.visible.length - 1 - index];
    return id === undefined ? undefined : this.byId.get(id);
  }

  get(id: number): EventSummary | undefined {
    return this.byId.get(id);
  }

  /** Position of an event in the visible list (newest first), or -1. */
  indexOf(id: number): number {
    const at = lowerBound(this.visible, id);
    return this.visible[at] === id ? this.visible.length - 1 - at : -1;
  }

  oldestVisibleId(): number | undefined {
    return this.visible[0];
  }

  newestId(): number | undefined {
    return this.ids[this.ids.length - 1];
  }

  /** Every held event whose records carry this message id. */
  withMessageId(messageId: string): EventSummary[] {
    const ids = this.byMessageId.get(messageId);
    if (!ids) return [];
    return [...ids].sort((a, b) => a - b).map((id) => this.byId.get(id)!);
  }

  setFilter(filter: EventFilter): void {
    this.filter = filter;
    this.test = compileFilter(filter);
    const visible: number[] = [];
    for (const id of this.ids) if (this.test(this.byId.get(id)!)) visible.push(id);
    this.visible = visible;
    this.changed();
  }

  /** Adds new events and replaces known ones (same id). Returns how many new events became visible. */
  upsert(events: readonly EventSummary[]): number {
    if (events.length === 0) return 0;
    let addedVisible = 0;
    // A batch can hold the same id twice (events:new then events:updated in one frame): the later one wins.
    const freshById = new Map<number, EventSummary>();
    for (const e of events) {
      const old = this.byId.get(e.id);
      if (!old) {
        freshById.set(e.id, e);
        continue;
      }
      this.byId.set(e.id, e);
      this.unindex(old);
      this.index(e);
      const was = this.test(old);
      const now = this.test(e);
      if (was && !now) removeSorted(this.visible, e.id);
      else if (!was && now) insertSorted(this.visible, e.id);
    }
    const fresh = [...freshById.values()];
    if (fresh.length > 1) fresh.sort((a, b) => a.id - b.id);
    for (const e of fresh) {
      this.byId.set(e.id, e);
      insertSorted(this.ids, e.id);
      this.index(e);
      if (this.test(e)) {
        insertSorted(this.visible, e.id);
        addedVisible++;
      }
    }
    this.evict();
    this.changed();
    return addedVisible;
  }

  clear(): void {
    this.byId.clear();
    this.byMessageId.clear();
    this.ids = [];
    this.visible = [];
    this.changed();
  }

  private index(e: EventSummary): void {
    for (const r of e.records) {
      if (!r.messageId) continue;
      let set = this.byMessageId.get(r.messageId);
      if (!set) this.byMessageId.set(r.messageId, (set = new Set()));
      set.add(e.id);
    }
  }

  private unindex(e: EventSummary): void {
    for (const r of e.records) {
      if (!r.messageId) continue;
      const set = this.byMessageId.get(r.messageId);
      set?.delete(e.id);
      if (set && set.size === 0) this.byMessageId.delete(r.messageId);
    }
  }

  /** Drops the oldest events in chunks (a tenth of the cap) so eviction stays amortised. */
  private evict(): void {
    if (this.ids.length <= this.cap + Math.floor(this.cap / 10)) return;
    const drop = this.ids.length - this.cap;
    for (let i = 0; i < drop; i++) {
      const id = this.ids[i]!;
      const e = this.byId.get(id);
      if (e) this.unindex(e);
      this.byId.delete(id);
    }
    this.ids = this.ids.slice(drop);
    const first = this.ids[0];
    if (first !== undefined) this.visible = this.visible.slice(lowerBound(this.visible, first));
  }
}
