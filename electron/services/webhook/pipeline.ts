/**
 * The webhook pipeline, assembled for the composition root: event store → ingest → listener → Redis outbox →
 * forwarder → live feed → retention. Reacts to settings changes (re-listen on host/port, reconnect Redis, retarget
 * forwarding) without a restart. Node-only.
 */
import type { Handlers } from '../../../shared/contract';
import type {
  EventDetail,
  EventsListInput,
  EventsStats,
  EventSummary,
  TriggerKind,
} from '../../../shared/domain/events';
import { KreoError } from '../../../shared/errors';
import type { Settings } from '../../../shared/settings-schema';
import type { EventBus } from '../core/event-bus';
import type { Disposable, Listener } from '../core/lifecycle';
import type { ModuleLogger } from '../logging/types';
import type { SettingsChange } from '../settings/types';
import type { EventStore } from './event-store';
import { Forwarder, type ForwarderOptions } from './forwarder';
import { webhookHandlers } from './handlers';
import { Ingestor } from './ingest';
import type { IngestJournal } from './ingest-journal';
import { WebhookListener, type ListenerAddress, type ListenerState } from './listener';
import { LiveFeed } from './live';
import { RedisOutbox, type RedisOutboxOptions, type RedisStatus } from './redis-outbox';
import { openEventStore } from './store-open';
import { replayEvent, type ReplayResult } from './replay';
import { buildWebhookServer, type IncomingDelivery } from './server';
import { triggerEvent, type TriggerResult } from './simulator';
import { parseSince } from './since';

/** What the pipeline needs of the settings service. */
export interface WebhookSettingsSource {
  get(): Settings;
  onDidChange(listener: Listener<SettingsChange>): Disposable;
}

export interface WebhookPipelineOptions {
  /** Overrides server.host / server.port (port 0 = any free port: tests, benchmarks). */
  host?: string;
  port?: number;
  bodyLimit?: number;
  forward?: Partial<ForwarderOptions>;
  redis?: Partial<RedisOutboxOptions>;
  /** Approximate cap of the Redis stream; default store.retentionCount. */
  streamMaxLen?: number;
  /** How often retention runs (ms); default one minute. */
  pruneIntervalMs?: number;
}

export interface WebhookPipelineDeps {
  settings: WebhookSettingsSource;
  /** The whatsapp.log module logger. */
  log: ModuleLogger;
  bus: Pick<EventBus, 'publish'>;
  /** `<home>/data`; the store is `<dataDir>/events.db`, the ingest journal `<dataDir>/journal/`. */
  dataDir: string;
  /** The tunnel's public base URL, or null when it is down. */
  publicUrl: () => string | null;
  fetch?: typeof fetch;
  options?: WebhookPipelineOptions;
}

export type WebhookHandlers = Pick<
  Handlers,
  'events:list' | 'events:get' | 'events:replay' | 'events:trigger' | 'events:stats'
>;

export interface WebhookPipeline extends Disposable {
  /**
   * Opens the store, binds the listener, starts the outbox workers. Starts everything it can, then rejects with a
   * KreoError when the store could not be opened (POSTs get 503) or the port could not be bound (the next change
   * of server.port/server.host re-binds): the host reports it as a failed non-critical part and keeps running.
   */
  start(): Promise<void>;
  dispose(): Promise<void>;
  readonly handlers: WebhookHandlers;
  /** Where the listener is bound, or null (not started, or binding failed: see listenError()). */
  listenerAddress(): ListenerAddress | null;
  listenError(): string | null;
  onDidChangeListener(listener: Listener<ListenerState>): Disposable;
  /** The open store, or null before start() or when it could not be opened (POSTs then get 503). */
  readonly store: EventStore | null;
  /** The ingest journal every acknowledged POST is written to first (null while the store is not open). */
  readonly journal: IngestJournal | null;
  storeError(): string | null;
  outboxBacklog(): { redis: number; forward: number };
  redisStatus(): RedisStatus;
  list(input: EventsListInput): EventSummary[];
  get(id: number): EventDetail;
  stats(): EventsStats;
  replay(id: number, body?: string): Promise<ReplayResult>;
  trigger(kind: TriggerKind, viaTunnel?: boolean): Promise<TriggerResult>;
}

const UNCHECKED_WARN_EVERY_MS = 60_000;

export function createWebhookPipeline(deps: WebhookPipelineDeps): WebhookPipeline {
  const { settings, log } = deps;
  const opts = deps.options ?? {};
  const doFetch = deps.fetch ?? globalThis.fetch;
  const s = () => settings.get();
  let store: EventStore | null = null;
  let journal: IngestJournal | null = null;
  let storeError: string | null = null;
  let redis: RedisOutbox | null = null;
  let forwarder: Forwarder | null = null;
  let pruneTimer: NodeJS.Timeout | null = null;
  let pruning = false;
  let subscription: Disposable | null = null;
  let lastUncheckedWarn = 0;
  let handlers: WebhookHandlers | null = null;

  const live = new LiveFeed(deps.bus, () => store);
  const ingestor = new Ingestor({
    store: () => store,
    journal: () => journal,
    targets: () => ({ redis: s().redis.url !== '', forward: s().forward.url !== '' }),
    live,
    log,
    onQueued: (events) => {
      if (redis) {
        for (const { delivery: d, result, records } of events) {
          if (result.queued !== 'pending') continue;
          redis.remember({
            id: result.id,
            receivedAt: d.receivedAt,
            source: d.source,
            signature: d.signature,
            contentType: d.contentType,
            hubSignature: d.headers['x-hub-signature-256'] ?? '',
            body: d.body,
            records,
          });
        }
        redis.kick();
      }
      forwarder?.kick();
    },
  });

  const ingest = (d: IncomingDelivery) => {
    if (d.signature === 'unchecked' && Date.now() - lastUncheckedWarn > UNCHECKED_WARN_EVERY_MS) {
      lastUncheckedWarn = Date.now();
      log.warning('meta.appSecret is not set: events are accepted without checking X-Hub-Signature-256');
    }
    return ingestor.ingest(d);
  };

  const listener = new WebhookListener({
    build: () =>
      buildWebhookServer({
        path: () => s().webhook.path,
        verifyToken: () => s().meta.verifyToken,
        appSecret: () => s().meta.appSecret,
        ingest,
        log,
        bodyLimit: opts.bodyLimit,
      }),
    host: () => opts.host ?? s().server.host,
    port: () => opts.port ?? s().server.port,
    path: () => s().webhook.path,
    log,
  });

  /** The store for readers: they see every acknowledged event, also those whose rows were waiting for their batch. */
  const readStore = (): EventStore | null => {
    if (store) void ingestor.applyNow().catch(() => undefined);
    return store;
  };

  const requireStore = (): EventStore => {
    const st = readStore();
    if (st) return st;
    throw new KreoError(
      'STORE_UNAVAILABLE',
      storeError ? `The event store could not be opened: ${storeError}` : 'The event store is not open.',
      'See whatsapp.log; check the data folder’s permissions and free space.',
    );
  };

  async function prune(): Promise<void> {
    if (!store || pruning) return;
    pruning = true;
    const st = store;
    let total = 0;
    try {
      await ingestor.applyNow();
      for (;;) {
        const { retentionCount, retentionDays } = s().store;
        const n = await st.committer.write(() => st.pruneChunk(Date.now(), retentionCount, retentionDays), {
          durable: false,
        });
        total += n;
        if (n < 500) break;
        await new Promise((r) => setImmediate(r));
      }
      if (total) log.info({ pruned: total }, `retention removed ${total} old event(s)`);
    } catch (err) {
      log.warning({ err: String(err) }, 'retention pass failed; will retry');
    } finally {
      pruning = false;
    }
  }

  /** Opens the store and its journal; what the journal holds beyond the store (a crash before) is applied. */
  async function openStore(): Promise<void> {
    const opened = await openEventStore(deps.dataDir);
    store = opened.store;
    journal = opened.journal;
    journal.prepareAhead();
    if (opened.recovered)
      log.info(
        { count: opened.recovered },
        `applied ${opened.recovered} acknowledged event(s) from the ingest journal that were not in the store yet`,
      );
  }

  async function startWorkers(st: EventStore): Promise<void> {
    redis = new RedisOutbox({
      store: st,
      log,
      url: () => s().redis.url,
      stream: () => s().redis.stream,
      maxLen: () => opts.streamMaxLen ?? s().store.retentionCount,
      onQueued: (ids) => live.queued(ids),
      options: opts.redis,
    });
    forwarder = new Forwarder({
      store: st,
      log,
      url: () => s().forward.url,
      fetch: doFetch,
      onChanged: (ids) => live.change(ids),
      options: opts.forward,
    });
    redis.start();
    forwarder.start();
    const backlog = st.backlog();
    if (backlog.redis || backlog.forward) log.info(backlog, 'resuming outbox backlog');
    pruneTimer = setInterval(() => void prune(), opts.pruneIntervalMs ?? 60_000);
    pruneTimer.unref();
    void prune();
  }

  function onSettings(change: SettingsChange): void {
    const keys = new Set<string>(change.changedKeys);
    if (keys.has('server.host') || keys.has('server.port')) void listener.relisten();
    if (keys.has('redis.url') || keys.has('redis.stream')) redis?.reconfigure();
    if (keys.has('forward.url')) forwarder?.reconfigure();
    if (keys.has('store.retentionCount') || keys.has('store.retentionDays')) void prune();
  }

  const pipeline: WebhookPipeline = {
    async start() {
      try {
        await openStore();
        log.info({ file: store!.file }, 'event store open');
      } catch (err) {
        storeError = err instanceof Error ? err.message : String(err);
        log.critical(
          { err: storeError },
          'event store could not be opened; webhook POSTs are answered 503 so Meta retries',
        );
      }
      subscription = settings.onDidChange(onSettings);
      await listener.start();
      if (store) await startWorkers(store);
      // Everything that could start is running (handshakes answer, POSTs get 503 without a store, a new port is
      // tried on the next settings change); report what could not, so the host lists it as a failed part.
      if (!store) {
        throw new KreoError(
          'STORE_UNAVAILABLE',
          `The event store could not be opened: ${storeError}`,
          'Check the data folder’s permissions and free space; webhook POSTs get 503 (Meta retries) meanwhile.',
        );
      }
      const listenErr = listener.error();
      if (listenErr) {
        throw new KreoError(
          'UNAVAILABLE',
          listenErr,
          'Change server.port (or stop what holds it); the listener binds at once.',
        );
      }
    },

    async dispose() {
      subscription?.dispose();
      subscription = null;
      if (pruneTimer) clearInterval(pruneTimer);
      await listener.dispose();
      // Handlers can outlive the listener's close: the journal's close waits for their appends, then the ingestor
      // writes every acknowledged row (and its outbox rows) while the store is still open.
      await journal?.close();
      journal = null;
      await ingestor.close();
      await Promise.allSettled([redis?.dispose(), forwarder?.dispose()]);
      live.dispose();
      if (store) {
        try {
          await store.close();
        } catch (err) {
          log.error({ err: String(err) }, 'closing the event store failed');
        }
      }
      store = null;
    },

    get handlers() {
      return (handlers ??= webhookHandlers(pipeline));
    },
    listenerAddress: () => listener.address(),
    listenError: () => listener.error(),
    onDidChangeListener: (l) => listener.onDidChange(l),
    get store() {
      return store;
    },
    get journal() {
      return journal;
    },
    storeError: () => storeError,
    outboxBacklog: () => readStore()?.backlog() ?? { redis: 0, forward: 0 },
    redisStatus: () =>
      redis?.status() ?? { configured: s().redis.url !== '', connected: false, lastError: null },

    list(input) {
      const { since, limit, ...rest } = input;
      return requireStore().queries.list({ ...rest, limit, sinceMs: since ? parseSince(since) : undefined });
    },
    get(id) {
      const detail = requireStore().queries.detail(id);
      if (!detail)
        throw new KreoError(
          'EVENT_NOT_FOUND',
          `No stored event has id ${id}.`,
          'List ids with `kreo events list`.',
        );
      return detail;
    },
    stats() {
      const st = requireStore();
      const { total, duplicates, perMinute } = st.queries.stats(Date.now());
      const backlog = st.backlog();
      return { total, duplicates, queueBacklog: backlog.redis, forwardBacklog: backlog.forward, perMinute };
    },
    replay: (id, body) =>
      replayEvent(
        {
          store: readStore,
          ingestor,
          forwardUrl: () => s().forward.url,
          appSecret: () => s().meta.appSecret,
          fetch: doFetch,
          log,
          timeoutMs: forwarder?.opts.timeoutMs ?? 10_000,
          onChanged: (ids) => live.change(ids),
        },
        id,
        body,
      ),
    trigger: (kind, viaTunnel) =>
      triggerEvent(
        {
          settings: s,
          localUrl: () => listener.address()?.url ?? null,
          publicUrl: deps.publicUrl,
          fetch: doFetch,
          log,
        },
        kind,
        viaTunnel,
      ),
  };
  return pipeline;
}
