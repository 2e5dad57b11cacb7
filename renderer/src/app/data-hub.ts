/**
 * Wires the host to the panel: subscribes to every pushed event, feeds high-rate pushes (events, log lines) into
 * their stores once per animation frame, and performs the first load. When the push connection was down for a while
 * (`connection:restored`, browser mode), it refetches what pushes would have brought: state, newest events, and the
 * log lines after the last one it holds. Lives as long as the app; screens that are not open still see what arrived
 * meanwhile.
 */
import type { LogFile, LogLine } from '../../../shared/domain/logs';
import type { EventSummary } from '../../../shared/domain/events';
import type { KreoApi } from '../../../shared/kreo-api';
import { RateHistory } from '../charts/rate-history';
import { EventsStore } from '../events/events-store';
import { toUiError } from '../lib/errors';
import { FrameBatcher, frameScheduler, type Scheduler } from '../lib/frame-batcher';
import { LogsStore } from '../logs/logs-store';
import type { AppAction } from './app-state';

export const LOG_FILES: readonly LogFile[] = ['whatsapp', 'ngrok', 'webhook'];
const INITIAL_EVENTS = 1000;
const INITIAL_LOG_LINES = 1000;

export class DataHub {
  readonly events: EventsStore;
  readonly logs: LogsStore;
  readonly rate = new RateHistory();
  private readonly eventBatcher: FrameBatcher<EventSummary>;
  private readonly logBatcher: FrameBatcher<LogLine>;
  private unsubscribers: (() => void)[] = [];
  /** Log lines pushed before a tail (first load, resync) answered; merged without repeats afterwards. */
  private earlyLogs: LogLine[] | null = [];
  /** The newest line held per log file (a resync appends what came after it). */
  private readonly lastLog = new Map<LogFile, LogLine>();

  constructor(
    private readonly api: KreoApi,
    private readonly dispatch: (action: AppAction) => void,
    opts: { schedule?: Scheduler; eventCap?: number; logCap?: number } = {},
  ) {
    this.events = new EventsStore(opts.eventCap);
    this.logs = new LogsStore(opts.logCap);
    const schedule = opts.schedule ?? frameScheduler;
    this.eventBatcher = new FrameBatcher((items) => this.events.upsert(items), schedule);
    this.logBatcher = new FrameBatcher((items) => this.appendLogs(items), schedule);
  }

  /** Subscribes to pushes; call before load() so nothing that happens during the load is missed. */
  subscribe(): void {
    const { api, dispatch } = this;
    this.unsubscribers.push(
      api.on('settings:changed', (view) => dispatch({ type: 'settings', view })),
      api.on('tunnel:status', (status) => dispatch({ type: 'tunnel', status })),
      api.on('webhook:status', (status) => dispatch({ type: 'webhook', status })),
      api.on('health:changed', (report) => dispatch({ type: 'health', report })),
      api.on('ratelimit:status', (status) => {
        this.rate.add(status);
        dispatch({ type: 'rate', status });
      }),
      api.on('events:new', (events) => this.eventBatcher.push(events)),
      api.on('events:updated', (events) => this.eventBatcher.push(events)),
      api.on('logs:lines', (batch) => {
        if (this.earlyLogs) this.earlyLogs.push(...batch.lines);
        else this.logBatcher.push(batch.lines);
      }),
      api.on('connection:restored', () => void this.resync()),
    );
  }

  /** After pushes were missed: state as it is now, the newest events, the log lines after the last one held. */
  async resync(): Promise<void> {
    const { api, dispatch } = this;
    const optional = <T>(p: Promise<T>): Promise<T | null> => p.catch(() => null);
    const after = new Map(this.lastLog);
    this.earlyLogs ??= [];
    void this.loadEvents();
    void this.loadLogs(after);
    const [settings, tunnel, webhook, health, rate] = await Promise.all([
      optional(api.settings.get()),
      optional(api.tunnel.status()),
      optional(api.webhook.status()),
      optional(api.health.get()),
      optional(api.ratelimit.status()),
    ]);
    if (settings) dispatch({ type: 'settings', view: settings });
    if (tunnel) dispatch({ type: 'tunnel', status: tunnel });
    if (webhook) dispatch({ type: 'webhook', status: webhook });
    if (health) dispatch({ type: 'health', report: health });
    if (rate) {
      this.rate.add(rate);
      dispatch({ type: 'rate', status: rate });
    }
  }

  private appendLogs(lines: readonly LogLine[]): void {
    this.logs.append(lines);
    for (const l of lines) this.lastLog.set(l.file, l);
  }

  /** The first load: host facts, settings and tunnel make the panel ready; the rest fills in as it arrives. */
  async load(): Promise<void> {
    const { api, dispatch } = this;
    const optional = <T>(p: Promise<T>): Promise<T | null> => p.catch(() => null);
    const webhook = optional(api.webhook.status());
    const health = optional(api.health.get());
    const rate = optional(api.ratelimit.status());
    void this.loadEvents();
    void this.loadLogs();
    try {
      const [host, settings, tunnel] = await Promise.all([
        api.host.info(),
        api.settings.get(),
        api.tunnel.status(),
      ]);
      dispatch({ type: 'loaded', host, settings, tunnel, webhook: null, health: null, rate: null });
    } catch (err) {
      dispatch({ type: 'loadFailed', error: toUiError(err) });
      return;
    }
    const [w, h, r] = await Promise.all([webhook, health, rate]);
    if (w) dispatch({ type: 'webhook', status: w });
    if (h) dispatch({ type: 'health', report: h });
    if (r) {
      this.rate.add(r);
      dispatch({ type: 'rate', status: r });
    }
  }

  private async loadEvents(): Promise<void> {
    try {
      const { events } = await this.api.events.list({ limit: INITIAL_EVENTS });
      this.events.upsert(events);
    } catch {}
  }

  /**
   * Tails every log file and appends what it returns, or with `after`, only the lines after the last one held per
   * file (all of a tail that no longer contains it: the gap was longer than the tail). Lines pushed meanwhile are
   * merged without repeats.
   */
  private async loadLogs(after?: ReadonlyMap<LogFile, LogLine>): Promise<void> {
    const tails = await Promise.all(
      LOG_FILES.map((file) =>
        this.api.logs
          .tail({ file, lines: INITIAL_LOG_LINES })
          .then((r) => (after ? linesAfter(r.lines, after.get(file)) : r.lines))
          .catch(() => [] as LogLine[]),
      ),
    );
    const fetched = tails.flat().sort((a, b) => a.time.localeCompare(b.time));
    const seen = new Set(fetched.map((l) => `${l.file}|${l.raw}`));
    const early = (this.earlyLogs ?? []).filter((l) => !seen.has(`${l.file}|${l.raw}`));
    this.earlyLogs = null;
    this.appendLogs(fetched);
    this.logBatcher.push(early);
  }

  dispose(): void {
    for (const off of this.unsubscribers.splice(0)) off();
    this.eventBatcher.dispose();
    this.logBatcher.dispose();
  }
}

/** The lines of a tail after `last` (the newest line held); the whole tail when `last` is not in it. */
function linesAfter(lines: readonly LogLine[], last: LogLine | undefined): LogLine[] {
  if (!last) return [...lines];
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i]!;
    if (l.raw === last.raw && l.time === last.time) return lines.slice(i + 1);
    if (l.time < last.time) return lines.slice(i + 1);
  }
  return [...lines];
}
