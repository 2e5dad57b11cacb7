/** Test-only bounded polling: for state that announces no event to await (files, other processes, servers). */

export interface WaitOptions {
  /** How long to keep polling before failing (default 10 s). */
  timeoutMs?: number;
  /** Pause between checks (default 20 ms). */
  everyMs?: number;
  /**
   * What is awaited, for the failure message ("… waiting for the stream to catch up"); a function is called at
   * the timeout, so it can report state gathered meanwhile. Defaults to the source text of `check`.
   */
  what?: string | (() => string);
}

/**
 * Calls `check` (sync or async) until it returns a truthy value, and resolves with that value. After `timeoutMs`
 * it rejects with `timed out after N ms waiting for <what>`. An exception from `check` rejects at once.
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  { timeoutMs = 10_000, everyMs = 20, what }: WaitOptions = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) {
      const described = typeof what === 'function' ? what() : (what ?? sourceOf(check));
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${described}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** `() => got.length === 1` → `got.length === 1`, on one line and cut short. */
function sourceOf(check: () => unknown): string {
  const text = String(check)
    .replace(/^(async\s*)?\(\s*\)\s*=>\s*/, '')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}
