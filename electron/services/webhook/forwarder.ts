/**
 * The forward outbox worker: POSTs each stored, non-duplicate event to `forward.url` with the original body and the
 * original X-Hub-Signature-256 / Content-Type, so the developer's app verifies it exactly as it would Meta's. Up to
 * `concurrency` requests in flight while the target is healthy; after a failure only one probe at a time, spaced by
 * exponential backoff with jitter (each event also keeps its own backoff). Every attempt is recorded. State lives in
 * the SQLite outbox, so a restart resumes; a success is recorded after the fact (at-least-once delivery).
 */
import type { ModuleLogger } from '../logging/types';
import { backoffDelay } from '../core/backoff';
import { withoutCredentials } from '../core/display-url';
import { Waker } from './backoff';
import type { StoredBody } from './event-queries';
import type { EventStore } from './event-store';
import type { OutboxRow } from './store-rows';

export interface ForwarderOptions {
  concurrency: number;
  baseDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
  /** An event still failing this long after it arrived is marked failed (replay sends it again). */
  giveUpAfterMs: number;
}

export const DEFAULT_FORWARD_OPTIONS: ForwarderOptions = {
  concurrency: 4,
  baseDelayMs: 1_000,
  maxDelayMs: 5 * 60_000,
  timeoutMs: 10_000,
  giveUpAfterMs: 3 * 86_400_000,
};

export interface ForwarderDeps {
  store: EventStore;
  log: ModuleLogger;
  /** '' → forwarding off (the worker idles; pending events wait). */
  url: () => string;
  fetch: typeof fetch;
  /** Delivery ids whose forward state changed (→ events:updated). */
  onChanged: (deliveryIds: number[]) => void;
  options?: Partial<ForwarderOptions>;
}

export interface SendResult {
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  /** Response headers, when an answer came. */
  headers: Headers | null;
}

/** The headers a forwarded (or replayed) event carries: Meta's, as received. */
export function forwardHeaders(
  stored: Pick<StoredBody, 'id' | 'contentType' | 'headers'>,
): Record<string, string> {
  const h: Record<string, string> = {
    'content-type': stored.contentType || 'application/json',
    'user-agent': stored.headers['user-agent'] ?? 'kreo-whatsapp-panel',
    'x-kreo-event-id': String(stored.id),
  };
  const sig = stored.headers['x-hub-signature-256'];
  if (sig) h['x-hub-signature-256'] = sig;
  return h;
}

function describeError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
    const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code) return `${cause.code}${cause.message ? `: ${cause.message}` : ''}`;
    return err.message;
  }
  return String(err);
}

/** One POST; never throws. */
export async function sendEvent(
  doFetch: typeof fetch,
  url: string,
  body: Uint8Array,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<SendResult> {
  const started = performance.now();
  try {
    // fetch refuses URLs with credentials: send them as Basic auth instead.
    const target = new URL(url);
    if (target.username || target.password) {
      const user = decodeURIComponent(target.username);
      const pass = decodeURIComponent(target.password);
      headers = { ...headers, authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` };
      target.username = '';
      target.password = '';
    }
    const res = await doFetch(target, {
      method: 'POST',
      body,
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer().catch(() => undefined);
    const latencyMs = performance.now() - started;
    const ok = res.status >= 200 && res.status < 300;
    return {
      statusCode: res.status,
      latencyMs,
      error: ok ? null : `HTTP ${res.status}`,
      headers: res.headers,
    };
  } catch (err) {
    return {
      statusCode: null,
      latencyMs: performance.now() - started,
      error: describeError(err, timeoutMs),
      headers: null,
    };
  }
}

export class Forwarder {
  readonly opts: ForwarderOptions;
  private readonly waker = new Waker();
  private readonly inflight = new Set<number>();
  private readonly running = new Set<Promise<void>>();
  private failures = 0;
  private probeAt = 0;
  private disposed = false;
  private loop: Promise<void> | null = null;

  constructor(private readonly deps: ForwarderDeps) {
    this.opts = { ...DEFAULT_FORWARD_OPTIONS, ...deps.options };
  }

  start(): void {
    this.loop ??= this.run().catch((err) => this.deps.log.error({ err: String(err) }, 'forwarder stopped'));
  }

  kick(): void {
    this.waker.poke();
  }

  /** forward.url changed: try at once. */
  reconfigure(): void {
    this.failures = 0;
    this.probeAt = 0;
    this.waker.poke();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.waker.poke();
    await this.loop;
    await Promise.allSettled([...this.running]);
  }

  private async run(): Promise<void> {
    while (!this.disposed) {
      const url = this.deps.url();
      if (!url) {
        await this.waker.sleepUntil(Date.now() + 60_000);
        continue;
      }
      const now = Date.now();
      const slots = this.failures === 0 ? this.opts.concurrency : 1;
      const canProbe = this.failures === 0 || now >= this.probeAt;
      const free = canProbe ? slots - this.inflight.size : 0;
      if (free > 0) {
        const rows = this.deps.store
          .dueOutbox('forward', now, this.inflight.size + free)
          .filter((r) => !this.inflight.has(r.id))
          .slice(0, free);
        for (const row of rows) this.dispatch(row, url);
        if (rows.length) continue;
      }
      if (this.inflight.size >= slots) {
        await this.waker.sleepUntil(Date.now() + 60_000); // a finishing request pokes
        continue;
      }
      const due = this.deps.store.nextDue('forward', this.inflight);
      let at = due === null ? Date.now() + 60_000 : due;
      if (this.failures > 0) at = Math.max(at, this.probeAt);
      if (at <= Date.now() && free > 0) continue;
      await this.waker.sleepUntil(Math.max(at, Date.now() + 5));
    }
  }

  private dispatch(row: OutboxRow, url: string): void {
    this.inflight.add(row.id);
    const job = this.deliver(row, url)
      .catch((err) => {
        // The store refused the outcome (a full disk): the row is still due. Back off like after a failed send, so
        // the target is not sent the same event again at once, over and over, while the disk stays full.
        this.failed(Date.now());
        this.deps.log.error({ id: row.delivery_id, err: String(err) }, 'forward bookkeeping failed');
      })
      .finally(() => {
        this.inflight.delete(row.id);
        this.running.delete(job);
        this.waker.poke();
      });
    this.running.add(job);
  }

  /** One more failure in a row: until probeAt, one request at a time probes the target. */
  private failed(now: number): void {
    this.failures += 1;
    this.probeAt = now + this.backoff(this.failures);
  }

  private backoff(attempt: number): number {
    return backoffDelay(attempt, { baseMs: this.opts.baseDelayMs, maxMs: this.opts.maxDelayMs });
  }

  private async deliver(row: OutboxRow, url: string): Promise<void> {
    const store = this.deps.store;
    const stored = store.queries.getBody(row.delivery_id);
    if (!stored) {
      await store.committer.write(() => store.finishForward(row.id, row.delivery_id, 'failed'));
      return;
    }
    const result = await sendEvent(
      this.deps.fetch,
      url,
      stored.body,
      forwardHeaders(stored),
      this.opts.timeoutMs,
    );
    const now = Date.now();
    const attempt = {
      deliveryId: row.delivery_id,
      at: now,
      target: withoutCredentials(url),
      statusCode: result.statusCode,
      latencyMs: result.latencyMs,
      error: result.error,
      replay: false,
    };
    const log = this.deps.log;
    if (result.error === null) {
      await store.committer.write(
        () => {
          store.insertAttempt(attempt);
          store.finishForward(row.id, row.delivery_id, 'delivered');
        },
        { durable: false },
      );
      this.failures = 0; // (not before: a delivery the store could not record counts as a failure)
      log.info(
        { id: row.delivery_id, status: result.statusCode, latencyMs: Math.round(result.latencyMs) },
        `event ${row.delivery_id} forwarded (attempt ${row.attempts + 1})`,
      );
    } else {
      this.failed(now);
      const giveUp = now - row.created_at >= this.opts.giveUpAfterMs;
      const nextAt = now + this.backoff(row.attempts + 1);
      await store.committer.write(
        () => {
          store.insertAttempt(attempt);
          if (giveUp) store.finishForward(row.id, row.delivery_id, 'failed');
          else store.retryLater(row.id, nextAt, result.error!);
        },
        { durable: false },
      );
      const msg = giveUp
        ? `event ${row.delivery_id} not forwarded; gave up after ${row.attempts + 1} attempts (replay sends it again)`
        : `event ${row.delivery_id} forward failed (${result.error}); retry in ${Math.round((nextAt - now) / 1000)} s`;
      log[giveUp ? 'error' : 'warning'](
        { id: row.delivery_id, status: result.statusCode, error: result.error },
        msg,
      );
    }
    this.deps.onChanged([row.delivery_id]);
  }
}
