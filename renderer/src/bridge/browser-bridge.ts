/**
 * Browser mode: `window.kreo` over the host's loopback control API, for when the panel is opened in a browser by
 * `kreo serve` rather than in the Electron window. Same shape as the preload's API (both come from `buildKreoApi`).
 *
 * Token handshake: the URL `kreo serve` prints carries the host token in its fragment (`#token=…`, never sent to
 * the server). The bridge moves it into sessionStorage (so a reload keeps working) and removes it from the address
 * bar. Requests are `POST /api/<channel>` with `Authorization: Bearer <token>`; pushes come over the WebSocket
 * `/api/events`, the token riding as a subprotocol (`kreo.token.<token>` beside `kreo.v1`), reconnecting with backoff;
 * once a dropped socket is back, `connection:restored` is dispatched so the panel refetches what it missed.
 * Failures reject with a KreoError carrying `{code, message, hint}`.
 */
import { WS_PROTOCOL, WS_TOKEN_PREFIX } from '../../../shared/control-protocol';
import { KreoError, type ErrorInfo } from '../../../shared/errors';
import { buildKreoApi, type KreoApi } from '../../../shared/kreo-api';
import { PushListeners } from '../../../shared/push-listeners';

export const TOKEN_STORAGE_KEY = 'kreo.token';

interface SocketLike {
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  close(): void;
}

/** Everything the bridge takes from the page, injectable for tests. */
export interface BrowserBridgeEnv {
  location: Pick<Location, 'hash' | 'pathname' | 'search' | 'protocol' | 'host' | 'origin'>;
  history: Pick<History, 'replaceState' | 'state'>;
  storage: Pick<Storage, 'getItem' | 'setItem'>;
  fetch: typeof fetch;
  WebSocket: new (url: string, protocols: string[]) => SocketLike;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (id: never) => void;
}

export interface BrowserBridgeOptions {
  env?: Partial<BrowserBridgeEnv>;
  /** First reconnect delay (doubles up to maxReconnectMs). */
  reconnectMs?: number;
  maxReconnectMs?: number;
  /** How long install waits for the event socket to open before resolving anyway. */
  openWaitMs?: number;
}

export interface BrowserBridge {
  api: KreoApi;
  /** Closes the event socket and stops reconnecting. */
  close(): void;
}

const ENV_KEYS: (keyof BrowserBridgeEnv)[] = [
  'location',
  'history',
  'storage',
  'fetch',
  'WebSocket',
  'setTimeout',
  'clearTimeout',
];

function defaultEnv(): BrowserBridgeEnv {
  return {
    location: window.location,
    history: window.history,
    storage: window.sessionStorage,
    fetch: window.fetch.bind(window),
    WebSocket: window.WebSocket as unknown as BrowserBridgeEnv['WebSocket'],
    setTimeout: (fn, ms) => window.setTimeout(fn, ms),
    clearTimeout: (id) => window.clearTimeout(id),
  };
}

/** Takes `#token=…` out of the address bar into session storage; returns the token to use, if any. */
export function takeToken(env: Pick<BrowserBridgeEnv, 'location' | 'history' | 'storage'>): string | null {
  const hash = env.location.hash.startsWith('#') ? env.location.hash.slice(1) : env.location.hash;
  const params = new URLSearchParams(hash);
  const fromHash = params.get('token');
  if (fromHash) {
    try {
      env.storage.setItem(TOKEN_STORAGE_KEY, fromHash);
    } catch {
      // Storage may be disabled; the token still works for this page's life.
    }
    params.delete('token');
    const rest = params.toString();
    env.history.replaceState(
      env.history.state,
      '',
      `${env.location.pathname}${env.location.search}${rest ? `#${rest}` : ''}`,
    );
    return fromHash;
  }
  try {
    return env.storage.getItem(TOKEN_STORAGE_KEY);
  } catch {
    return null;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

const NO_TOKEN = new KreoError(
  'UNAUTHORIZED',
  'This page has no access token for the panel.',
  'Open the address that "kreo serve" printed (it ends in #token=…).',
);

export function createBrowserBridge(
  opts: BrowserBridgeOptions = {},
): BrowserBridge & { opened: Promise<void> } {
  const given = opts.env ?? {};
  const complete = ENV_KEYS.every((key) => given[key] !== undefined);
  const env = { ...(complete ? {} : defaultEnv()), ...given } as BrowserBridgeEnv;
  const token = takeToken(env);
  const listeners = new PushListeners({
    onListenerError: (err, event) => console.error(`kreo: a listener of ${event} threw`, err),
  });

  const invoke = async (channel: string, input: unknown): Promise<unknown> => {
    if (!token) throw NO_TOKEN;
    let response: Response;
    try {
      response = await env.fetch(`/api/${encodeURIComponent(channel)}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(input === undefined ? {} : input),
        cache: 'no-store',
        credentials: 'omit',
        redirect: 'error',
      });
    } catch {
      throw new KreoError(
        'UNAVAILABLE',
        'The panel host is not answering.',
        'Check that "kreo serve" is still running, then reload this page.',
      );
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new KreoError('INTERNAL', `The host answered ${response.status} without a result.`);
    }
    if (isRecord(body) && body.ok === true) return body.value;
    if (isRecord(body) && body.ok === false && isRecord(body.error)) {
      throw KreoError.from(body.error as unknown as ErrorInfo);
    }
    throw new KreoError('INTERNAL', `The host answered ${response.status} without a result.`);
  };

  // --- pushed events -------------------------------------------------------------------------------------------
  const dispatch = (raw: unknown) => {
    let message: unknown;
    try {
      message = typeof raw === 'string' ? JSON.parse(raw) : null;
    } catch {
      return;
    }
    if (isRecord(message)) listeners.dispatch(message.event, message.payload);
  };

  const base = opts.reconnectMs ?? 500;
  const max = opts.maxReconnectMs ?? 10_000;
  let delay = base;
  let closed = false;
  let socket: SocketLike | null = null;
  let retryTimer: unknown = null;
  /** When the last open socket dropped (null: never opened, or open now). */
  let droppedAt: number | null = null;
  let everOpened = false;
  let markOpened: () => void = () => {};
  const opened = new Promise<void>((resolve) => (markOpened = resolve));

  const connect = () => {
    if (closed || !token) return;
    const scheme = env.location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new env.WebSocket(`${scheme}//${env.location.host}/api/events`, [
      WS_PROTOCOL,
      `${WS_TOKEN_PREFIX}${token}`,
    ]);
    socket = ws;
    ws.onopen = () => {
      delay = base;
      markOpened();
      // Back after a drop: what was pushed meanwhile is lost, so the panel refetches its state.
      if (everOpened && droppedAt !== null)
        listeners.dispatch('connection:restored', { downMs: Math.max(0, Date.now() - droppedAt) });
      everOpened = true;
      droppedAt = null;
    };
    ws.onmessage = (ev) => dispatch(ev.data);
    ws.onerror = () => {};
    ws.onclose = () => {
      if (socket === ws) socket = null;
      if (everOpened) droppedAt ??= Date.now();
      if (closed) return;
      retryTimer = env.setTimeout(connect, delay);
      delay = Math.min(delay * 2, max);
    };
  };
  connect();

  const api = buildKreoApi(invoke, (event, listener) => listeners.add(event, listener));

  return {
    api,
    opened: token ? opened : Promise.resolve(),
    close() {
      closed = true;
      if (retryTimer !== null) env.clearTimeout(retryTimer as never);
      socket?.close();
      socket = null;
    },
  };
}

/**
 * Installs `window.kreo` for browser mode. Resolves once the event socket is open (or after a short wait, so a host
 * that is down still lets the page render its error states).
 */
export async function installBrowserBridge(opts: BrowserBridgeOptions = {}): Promise<void> {
  const bridge = createBrowserBridge(opts);
  window.kreo = bridge.api;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, opts.openWaitMs ?? 3000)));
  await Promise.race([bridge.opened, waited]);
  clearTimeout(timer);
}
