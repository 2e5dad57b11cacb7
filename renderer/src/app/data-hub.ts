/**
 * Wires the host to the panel: subscribes to every pushed event, feeds high-rate pushes (events, log lines) into
 * their stores once per animation frame, and performs the first load. Lives as long as the app; screens that are not
 * open still see what arrived meanwhile.
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
  /** Log lines pushed before the initial tail answered; merged without repeats afterwards. */
  private earlyLogs: LogLine[] | null = [];

  constructor(
    private readonly api: KreoApi,
    private readonly dispatch: (action: AppAction) => void,
    opts: { schedule?: Scheduler; eventCap?: number; logCap?: number } = {},
  ) {
    this.events = new EventsStore(opts.eventCap);
    this.logs = new LogsStore(opts.logCap);
    const schedule = opts.schedule ?? frameScheduler;
    this.eventBatcher = new FrameBatcher((items) => this.events.upsert(items), schedule);
    this.logBatcher = new FrameBatcher((items) => this.logs.append(items), schedule);
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
    );
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

  private async loadLogs(): Promise<void> {
    const tails = await Promise.all(
      LOG_FILES.map((file) =>
        this.api.logs
          .tail({ file, lines: INITIAL_LOG_LINES })
          .then((r) => r.lines)
          .catch(() => [] as LogLine[]),
      ),
    );
    const initial = tails.flat().sort((a, b) => a.time.localeCompare(b.time));
    const seen = new Set(initial.map((l) => `${l.file}|${l.raw}`));
    const early = (this.earlyLogs ?? []).filter((l) => !seen.has(`${l.file}|${l.raw}`));
    this.earlyLogs = null;
    this.logs.append(initial);
    this.logBatcher.push(early);
  }

  dispose(): void {
    for (const off of this.unsubscribers.splice(0)) off();
    this.eventBatcher.dispose();
    this.logBatcher.dispose();
  }
}
