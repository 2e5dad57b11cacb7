/**
 * An in-memory host behind the real `KreoApi` shape (buildKreoApi), for unit and component tests, the dev harness
 * and the renderer benchmark. It validates settings with the contract's schema and refuses like the host does
 * (KreoError with details.key), walks the tunnel through its states, stores, triggers and replays events, and lets
 * callers push any contract event with `emit`.
 */
import type { EventChannel, EventPayload, RequestChannel } from '../../../shared/contract';
import type { EventDetail, EventsListInput, EventSummary, TriggerKind } from '../../../shared/domain/events';
import type { LogFile, LogLine } from '../../../shared/domain/logs';
import type { HealthReport, RateLimitStatus, WebhookStatus } from '../../../shared/domain/meta';
import type { SettingsView } from '../../../shared/domain/settings';
import { stoppedTunnelStatus, type TunnelStatus } from '../../../shared/domain/tunnel';
import { KreoError } from '../../../shared/errors';
import { buildKreoApi, type KreoApi } from '../../../shared/kreo-api';
import {
  defaultSettings,
  FIELD_INFO,
  isReadOnlyKey,
  isSettingKey,
  leafSchema,
  maskSecret,
  SECRET_KEYS,
  type Settings,
} from '../../../shared/settings-schema';
import { compileFilter, EMPTY_FILTER } from '../events/event-filter';
import { makeDetail, makeLogLine, makeSummary, wamid } from './fake-events';

export interface FakeKreo {
  api: KreoApi;
  emit<E extends EventChannel>(event: E, payload: EventPayload<E>): void;
  calls: { channel: RequestChannel; input: unknown }[];
  settings: Settings;
  events: Map<number, EventDetail>;
  /** Adds n stored events (oldest first) without pushing them. */
  seedEvents(n: number, kind?: TriggerKind): void;
  /** Stores and pushes one event, as the listener would. */
  deliver(kind: TriggerKind, source?: EventSummary['source']): EventSummary;
  listeners(event: EventChannel): number;
  /** What logs.tail answers from (20 lines per file to start with). */
  logHistory: LogLine[];
  /** Makes a channel fail with this error until cleared. */
  fail(channel: RequestChannel, error: KreoError | null): void;
}

export function createFakeKreo(opts: { delayMs?: number; authtoken?: string } = {}): FakeKreo {
  const delay = opts.delayMs ?? 0;
  const listeners = new Map<EventChannel, Set<(p: unknown) => void>>();
  const failures = new Map<RequestChannel, KreoError>();
  const calls: FakeKreo['calls'] = [];
  const settings = defaultSettings();
  settings.ngrok.authtoken = opts.authtoken ?? '2abcDEF123_xyzFAKEtoken';
  settings.meta.appSecret = 'a1b2c3d4e5f6';
  settings.meta.verifyToken = 'kreo-verify-1234567890';
  const events = new Map<number, EventDetail>();
  let nextId = 1;
  const logHistory: LogLine[] = [];
  for (let i = 0; i < 60; i++) logHistory.push(makeLogLine(i));
  const startedAt = new Date().toISOString();

  const emit = <E extends EventChannel>(event: E, payload: EventPayload<E>) => {
    for (const l of [...(listeners.get(event) ?? [])]) l(payload);
  };

  const view = (): SettingsView => {
    const values = JSON.parse(JSON.stringify(settings)) as Record<string, Record<string, unknown>>;
    const secrets = {} as SettingsView['secrets'];
    for (const key of SECRET_KEYS) {
      const [s, k] = key.split('.') as [string, string];
      secrets[key] = maskSecret(String(values[s]![k]));
      values[s]![k] = '';
    }
    return { values, secrets, secretsBackend: 'file', envOverrides: [], warnings: [] };
  };

  let tunnel: TunnelStatus = stoppedTunnelStatus('http://127.0.0.1:8000');
  const setTunnel = (patch: Partial<TunnelStatus>) => {
    tunnel = { ...tunnel, ...patch };
    emit('tunnel:status', tunnel);
    return tunnel;
  };

  let webhook: WebhookStatus = {
    registered: false,
    registeredAt: null,
    registeredUrl: null,
    expectedUrl: null,
    metaUrl: null,
    matches: null,
    scope: 'app',
    previousUrl: null,
  };

  const rate: RateLimitStatus = {
    messagesPerSecond: 80,
    concurrency: 8,
    maxQueueSize: 1000,
    currentRate: 0,
    tokens: 80,
    queueDepth: 0,
    inFlight: 0,
    sent: 0,
    failed: 0,
    throttled: 0,
    rejected: 0,
    backend: 'local',
  };

  const store = (s: EventSummary) => {
    const d = makeDetail(s);
    events.set(s.id, d);
    return d;
  };
  const summaryOf = (d: EventDetail): EventSummary => {
    const { headers: _h, body: _b, attempts: _a, streamId: _s, ...summary } = d;
    return summary;
  };

  const health = (): HealthReport => {
    const at = new Date().toISOString();
    const checks: HealthReport['checks'] = [
      { name: 'listener', state: 'ok', detail: 'Listening on http://127.0.0.1:8000/webhook', checkedAt: at },
      { name: 'store', state: 'ok', detail: `${events.size} events stored`, checkedAt: at },
      {
        name: 'tunnel',
        state: tunnel.state === 'online' ? 'ok' : 'warning',
        detail: tunnel.state === 'online' ? `Online at ${tunnel.url}` : 'The tunnel is not running.',
        hint: tunnel.state === 'online' ? undefined : 'Start the tunnel (Start tunnel, or kreo ngrok start).',
        checkedAt: at,
      },
      {
        name: 'meta',
        state: settings.meta.accessToken ? 'ok' : 'not_configured',
        detail: settings.meta.accessToken ? 'Token valid' : 'No access token.',
        hint: settings.meta.accessToken ? undefined : 'Set the access token in Settings → Meta.',
        checkedAt: at,
      },
      {
        name: 'webhook',
        state: webhook.registered ? 'ok' : 'warning',
        detail: webhook.registered ? `Registered ${webhook.registeredUrl}` : 'Not registered with Meta.',
        checkedAt: at,
      },
      {
        name: 'redis',
        state: 'not_configured',
        detail: 'No Redis URL; events are kept locally.',
        checkedAt: at,
      },
      { name: 'secrets', state: 'ok', detail: 'Secrets in a 0600 file (no keychain here).', checkedAt: at },
    ];
    const overall = checks.some((c) => c.state === 'failed')
      ? 'failed'
      : checks.some((c) => c.state === 'warning')
        ? 'warning'
        : 'ok';
    return { checkedAt: at, overall, checks };
  };
  let lastHealth: HealthReport | null = null;

  const deliver = (kind: TriggerKind, source: EventSummary['source'] = 'webhook') => {
    const s = makeSummary(nextId++, kind, { source });
    store(s);
    emit('events:new', [s]);
    return s;
  };

  const handlers: Partial<Record<RequestChannel, (input: never) => unknown>> = {
    'host:shutdown': () => ({ stopping: false }),
    'host:info': () => ({
      version: '0.1.0',
      mode: 'headless',
      pid: 4242,
      home: '/home/dev/.config/kreo',
      startedAt,
      webhookUrl: 'http://127.0.0.1:8000/webhook',
      listening: true,
    }),
    'settings:get': () => view(),
    'settings:set': (input: { patch: Record<string, unknown> }) => {
      const next = JSON.parse(JSON.stringify(settings)) as Settings;
      for (const [key, value] of Object.entries(input.patch)) {
        if (!isSettingKey(key))
          throw new KreoError('SETTINGS_UNKNOWN_KEY', `There is no setting ${key}.`, undefined, { key });
        if (isReadOnlyKey(key)) throw new KreoError('SETTINGS_READ_ONLY', undefined, undefined, { key });
        const res = leafSchema(key).safeParse(value);
        if (!res.success)
          throw new KreoError(
            'SETTINGS_INVALID',
            `${key} must be ${FIELD_INFO[key].expected}.`,
            `Example: ${FIELD_INFO[key].example}`,
            { key, expected: FIELD_INFO[key].expected, example: FIELD_INFO[key].example },
          );
        const [s, k] = key.split('.') as [keyof Settings, string];
        (next[s] as Record<string, unknown>)[k] = res.data;
      }
      Object.assign(settings, next);
      const v = view();
      emit('settings:changed', v);
      return v;
    },
    'settings:generateVerifyToken': () => {
      settings.meta.verifyToken = `gen-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
      const v = view();
      emit('settings:changed', v);
      return v;
    },
    'tunnel:start': async () => {
      if (!settings.ngrok.authtoken) {
        const error = new KreoError('TUNNEL_AUTH_MISSING', undefined, 'Set Ngrok Authtoken in Settings.');
        setTunnel({ state: 'error', lastError: error.toInfo() });
        throw error;
      }
      setTunnel({ state: 'starting', lastError: null });
      await sleep(delay);
      const domain = settings.ngrok.domain || null;
      return setTunnel({
        state: 'online',
        url: `https://${domain ?? 'fake-1234.ngrok-free.app'}`,
        domain,
        startedAt: new Date().toISOString(),
        uptimeMs: 0,
        connection: 'connected',
        connectionChanges: [
          ...tunnel.connectionChanges,
          { at: new Date().toISOString(), status: 'connected' },
        ],
      });
    },
    'tunnel:stop': async () => {
      setTunnel({ state: 'stopping' });
      await sleep(delay);
      return setTunnel({ state: 'stopped', url: null, startedAt: null, uptimeMs: null, connection: null });
    },
    'tunnel:restart': async () => {
      await handlers['tunnel:stop']!({} as never);
      return handlers['tunnel:start']!({} as never);
    },
    'tunnel:status': () => ({
      ...tunnel,
      uptimeMs: tunnel.startedAt ? Date.now() - Date.parse(tunnel.startedAt) : null,
    }),
    'tunnel:testConnection': () => {
      if (tunnel.state !== 'online')
        return {
          ok: false,
          url: null,
          statusCode: null,
          roundTripMs: null,
          challengeMatched: false,
          error: new KreoError('TUNNEL_NOT_RUNNING', undefined, 'Start the tunnel first.').toInfo(),
        };
      return {
        ok: true,
        url: `${tunnel.url}/webhook`,
        statusCode: 200,
        roundTripMs: 42,
        challengeMatched: true,
        error: null,
      };
    },
    'logs:tail': (input: { file: LogFile; lines: number }) => ({
      file: input.file,
      lines: logHistory.filter((l) => l.file === input.file).slice(-input.lines),
    }),
    'events:list': (input: EventsListInput) => {
      const test = compileFilter({
        ...EMPTY_FILTER,
        kind: input.kind ?? '',
        party: input.party ?? '',
        messageId: input.messageId ?? '',
        status: input.status ?? '',
        text: input.text ?? '',
      });
      const out: EventSummary[] = [];
      const ids = [...events.keys()].sort((a, b) => b - a);
      for (const id of ids) {
        if (input.beforeId !== undefined && id >= input.beforeId) continue;
        const s = summaryOf(events.get(id)!);
        if (test(s)) out.push(s);
        if (out.length >= (input.limit ?? 100)) break;
      }
      return { events: out };
    },
    'events:get': (input: { id: number }) => {
      const d = events.get(input.id);
      if (!d) throw new KreoError('EVENT_NOT_FOUND', `No stored event has id ${input.id}.`);
      return d;
    },
    'events:replay': (input: { id: number; body?: string }) => {
      const d = events.get(input.id);
      if (!d) throw new KreoError('EVENT_NOT_FOUND');
      const attempt = {
        at: new Date().toISOString(),
        target: settings.forward.url || 'http://127.0.0.1:3000/webhook',
        statusCode: 200,
        latencyMs: 12,
        error: null,
        replay: true,
      };
      const next: EventDetail = { ...d, attempts: [...d.attempts, attempt], forward: 'delivered' };
      events.set(d.id, next);
      emit('events:updated', [summaryOf(next)]);
      return { eventId: d.id, statusCode: 200, error: null };
    },
    'events:trigger': (input: { kind: TriggerKind; viaTunnel?: boolean }) => {
      const s = deliver(input.kind, 'trigger');
      return {
        statusCode: 200,
        eventId: s.id,
        target: input.viaTunnel && tunnel.url ? `${tunnel.url}/webhook` : 'http://127.0.0.1:8000/webhook',
      };
    },
    'events:stats': () => {
      const perMinute = new Map<string, number>();
      for (const d of events.values()) {
        const minute = new Date(Math.floor(Date.parse(d.receivedAt) / 60000) * 60000).toISOString();
        perMinute.set(minute, (perMinute.get(minute) ?? 0) + 1);
      }
      return {
        total: events.size,
        duplicates: 0,
        queueBacklog: 0,
        forwardBacklog: 0,
        perMinute: [...perMinute].map(([minute, count]) => ({ minute, count })),
      };
    },
    'webhook:register': async () => {
      if (tunnel.state !== 'online')
        throw new KreoError(
          'REGISTER_PREFLIGHT_FAILED',
          'The tunnel is not online.',
          'Start the tunnel, then register.',
        );
      await sleep(delay);
      const url = `${tunnel.url}${settings.webhook.path}`;
      const at = new Date().toISOString();
      webhook = {
        ...webhook,
        registered: true,
        registeredAt: at,
        registeredUrl: url,
        expectedUrl: url,
        metaUrl: url,
        matches: true,
      };
      settings.webhook.registered = true;
      settings.webhook.registeredAt = at;
      settings.webhook.registeredUrl = url;
      emit('settings:changed', view());
      emit('webhook:status', webhook);
      return webhook;
    },
    'webhook:unregister': () => {
      webhook = {
        ...webhook,
        registered: false,
        registeredAt: null,
        registeredUrl: null,
        metaUrl: null,
        matches: null,
      };
      settings.webhook.registered = false;
      settings.webhook.registeredAt = '';
      settings.webhook.registeredUrl = '';
      emit('settings:changed', view());
      emit('webhook:status', webhook);
      return webhook;
    },
    'webhook:status': () => webhook,
    'health:run': async () => {
      await sleep(delay);
      lastHealth = health();
      emit('health:changed', lastHealth);
      return lastHealth;
    },
    'health:get': () => lastHealth,
    'send:text': (input: { to: string; text: string }) => {
      rate.sent++;
      const messageId = wamid(100000 + rate.sent);
      return { messageId, to: input.to, queuedMs: 3, attempts: 1 };
    },
    'send:template': (input: { to: string }) => {
      rate.sent++;
      return { messageId: wamid(100000 + rate.sent), to: input.to, queuedMs: 3, attempts: 1 };
    },
    'ratelimit:status': () => ({ ...rate }),
  };

  const api = buildKreoApi(
    async (channel, input) => {
      calls.push({ channel, input });
      if (delay) await sleep(delay);
      const failure = failures.get(channel);
      if (failure) throw failure;
      const handler = handlers[channel];
      if (!handler) throw new KreoError('UNAVAILABLE', `The fake host does not implement ${channel}.`);
      return handler((input ?? {}) as never);
    },
    (event, listener) => {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
  );

  return {
    api,
    emit,
    calls,
    settings,
    logHistory,
    events,
    seedEvents(n, kind) {
      const kinds: TriggerKind[] = [
        'text',
        'status-sent',
        'status-delivered',
        'status-read',
        'image',
        'reaction',
      ];
      const now = Date.now();
      for (let i = 0; i < n; i++) {
        const k = kind ?? kinds[i % kinds.length]!;
        const id = nextId++;
        // statuses refer to the text message a few ids before, so timelines link up
        const messageNumber = k.startsWith('status') ? id - (i % kinds.length) : id;
        store(makeSummary(id, k, { at: new Date(now - (n - i) * 1000), messageNumber }));
      }
    },
    deliver,
    listeners: (event) => listeners.get(event)?.size ?? 0,
    fail(channel, error) {
      if (error) failures.set(channel, error);
      else failures.delete(channel);
    },
  };

  function sleep(ms: number) {
    return ms > 0 ? new Promise<void>((r) => setTimeout(r, ms)) : Promise.resolve();
  }
}
