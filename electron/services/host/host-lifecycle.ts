/**
 * Starts the host's parts in order and hands each started part to a DisposableStore, so disposal runs in reverse.
 * A critical part that fails to start stops the start (what already started is disposed); a non-critical one (e.g.
 * the webhook listener when its port is taken) is reported and skipped so the control API still comes up.
 */
import type { DisposableStore } from '../core/lifecycle';

export interface HostPart {
  name: string;
  start?(): void | Promise<void>;
  dispose?(): void | Promise<void>;
  /** Default true. */
  critical?: boolean;
}

export interface PartFailure {
  name: string;
  error: unknown;
}

export async function startParts(
  parts: readonly HostPart[],
  store: DisposableStore,
  hooks: { onStarted?: (name: string) => void; onFailed?: (failure: PartFailure) => void } = {},
): Promise<PartFailure[]> {
  const failures: PartFailure[] = [];
  for (const part of parts) {
    let failure: PartFailure | undefined;
    try {
      await part.start?.();
    } catch (error) {
      failure = { name: part.name, error };
    }
    // Added even after a failed start: a part may have half-started.
    if (part.dispose) store.add({ dispose: () => part.dispose!() });
    if (!failure) {
      hooks.onStarted?.(part.name);
      continue;
    }
    hooks.onFailed?.(failure);
    if (part.critical === false) {
      failures.push(failure);
      continue;
    }
    await store.dispose().catch(() => {});
    throw failure.error;
  }
  return failures;
}
