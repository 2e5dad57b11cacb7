/** Reads a mutable store (events, log lines) into React through useSyncExternalStore, keyed by its version. */
import { useSyncExternalStore } from 'react';

export interface VersionedStore {
  readonly version: number;
  subscribe(listener: () => void): () => void;
}

export function useStoreVersion(store: VersionedStore): number {
  return useSyncExternalStore(
    (cb) => store.subscribe(cb),
    () => store.version,
  );
}

/** A tiny listener set with a version counter, the base of the mutable stores. */
export class StoreSignal implements VersionedStore {
  version = 0;
  private listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  protected changed(): void {
    this.version++;
    for (const l of [...this.listeners]) l();
  }
}

/** Re-renders only when `select(store)` returns a different value (compared with Object.is). */
export function useStoreSelect<S extends VersionedStore, T>(store: S, select: (store: S) => T): T {
  return useSyncExternalStore(
    (cb) => store.subscribe(cb),
    () => select(store),
  );
}
