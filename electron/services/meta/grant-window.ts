/**
 * The send-rate limit as a pure function over a small state: the in-process limiter runs it as is, and the Redis
 * script in redis-bucket.ts mirrors it line for line (a test checks that both answer alike). Times are µs on the
 * limiter's clock. Two rules decide how many of the `wanted` sends may go now:
 *
 *  - pacing (GCRA): a slot falls due every T = 1/rate; `tat` is the next one. Slots that fell due while the caller's
 *    backlog waited (its process stalled, its timer fired late) are granted at once, in one batch, instead of being
 *    lost; how far back is bounded by `lagUs` (how long the caller has had sends waiting) and by the window, so a
 *    fresh backlog after an idle spell starts paced, never with a burst;
 *  - a sliding window: every grant is logged, and none is given while the last W = C/rate µs already hold C grants
 *    (C = ceil(rate), so W is exactly one second for whole rates). No window of W, so no one-second window, ever
 *    holds more than C grants, wherever the catch-up batches fall.
 *
 * A caller that gets fewer than it wanted is told when to come back: when the next grant can be given, or, when
 * another caller was already told to come then, one slot after that (`hint`, `hintBy`), so several processes
 * sharing one limiter take turns instead of all waking for the same slot. Waking later than told costs nothing
 * (the slots are caught up); waking earlier costs a call.
 */

/** µs per second. */
const US = 1_000_000;
/** Wake-ups handed to waiting callers are spread over at most this many slots. */
export const HINT_SLOTS = 8;
/** The pacing debt a penalty may build up (seconds). */
export const MAX_DEBT_SECONDS = 60;
/** Grants are logged for at least this long (µs). */
export const LOG_KEEP_US = 2 * US;

export interface WindowShape {
  /** µs between slots. */
  slotUs: number;
  /** Grants a window may hold. */
  capacity: number;
  /** The window's length (µs): capacity slots. */
  windowUs: number;
}

export function windowShape(rate: number): WindowShape {
  const capacity = Math.max(1, Math.ceil(rate - 1e-9));
  return { slotUs: US / rate, capacity, windowUs: (capacity * US) / rate };
}

/** Grant times in ascending order, oldest dropped first. */
export class GrantLog {
  private items: number[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  add(at: number, n: number): void {
    for (let i = 0; i < n; i++) this.items.push(at);
  }

  /** Drops the grants at or before `t`. */
  dropUpTo(t: number): void {
    while (this.head < this.items.length && this.items[this.head]! <= t) this.head++;
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  /** Grants after `t`. */
  countAfter(t: number): number {
    let lo = this.head;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.items[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    return this.items.length - lo;
  }

  /** The k-th newest grant (1 = the newest), or undefined. */
  newest(k: number): number | undefined {
    const i = this.items.length - k;
    return i >= this.head ? this.items[i] : undefined;
  }
}

export interface WindowState {
  /** The next slot due (pacing); null before the first grant. */
  tat: number | null;
  /** The last wake-up handed to a waiting caller, and to whom. */
  hint: number | null;
  hintBy: string;
  log: GrantLog;
}

export function newWindowState(): WindowState {
  return { tat: null, hint: null, hintBy: '', log: new GrantLog() };
}

export interface Decision {
  /** Sends allowed now (0..wanted). */
  granted: number;
  /** The grants' time on the limiter's clock (µs). */
  atUs: number;
  /** With granted < wanted: when to ask again (µs from now). */
  waitUs: number;
}

/**
 * Takes up to `wanted` grants at `now`; `lagUs`: how long the caller's backlog has waited; `caller`: who asks (one
 * id per limiter instance). Mutates `state`.
 */
export function take(
  state: WindowState,
  now: number,
  rate: number,
  wanted: number,
  lagUs: number,
  caller = '',
): Decision {
  const { slotUs, capacity, windowUs } = windowShape(rate);
  state.log.dropUpTo(now - Math.max(windowUs, LOG_KEEP_US));
  let tat = state.tat ?? now;
  const from = now - Math.min(windowUs, Math.max(0, lagUs));
  if (tat < from) tat = from;
  const due = tat <= now ? Math.floor((now - tat) / slotUs) + 1 : 0;
  const held = state.log.countAfter(now - windowUs);
  const granted = Math.max(0, Math.min(wanted, due, capacity - held));
  tat += granted * slotUs;
  state.tat = tat;
  state.log.add(now, granted);
  let waitUs = 0;
  if (granted < wanted) {
    let free = Math.max(tat, now);
    if (held + granted >= capacity) free = Math.max(free, state.log.newest(capacity)! + windowUs);
    let wake = free;
    if (state.hint !== null && state.hintBy !== caller && state.hint + slotUs > wake) {
      wake = Math.min(state.hint + slotUs, free + HINT_SLOTS * slotUs);
    }
    state.hint = wake;
    state.hintBy = caller;
    waitUs = wake - now;
  }
  return { granted, atUs: now, waitUs };
}

/** Pushes every later slot back by `seconds` (at most MAX_DEBT_SECONDS ahead of now). */
export function penalize(state: WindowState, now: number, seconds: number): void {
  const tat = Math.max(state.tat ?? now, now) + seconds * US;
  state.tat = Math.min(tat, now + MAX_DEBT_SECONDS * US);
}

/**
 * Sends the limit would allow right now to a backlog that has waited a full window; negative while slots are
 * pushed back (a penalty): minus the slots to wait for.
 */
export function available(state: WindowState, now: number, rate: number): number {
  const { slotUs, capacity, windowUs } = windowShape(rate);
  const tat = Math.max(state.tat ?? now - windowUs, now - windowUs);
  if (tat > now) return -(tat - now) / slotUs;
  const due = Math.floor((now - tat) / slotUs) + 1;
  return Math.min(due, capacity - state.log.countAfter(now - windowUs));
}
