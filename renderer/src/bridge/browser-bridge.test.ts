import { afterEach, describe, expect, it, vi } from 'vitest';
import { KreoError } from '../../../shared/errors';
import {
  createBrowserBridge,
  installBrowserBridge,
  takeToken,
  TOKEN_STORAGE_KEY,
  type BrowserBridgeEnv,
} from './browser-bridge';

class FakeSocket {
  static all: FakeSocket[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  closed = false;
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {
    FakeSocket.all.push(this);
  }
  close() {
    this.closed = true;
  }
  open() {
    this.onopen?.({});
  }
  message(data: unknown) {
    this.onmessage?.({ data: typeof data === 'string' ? data : JSON.stringify(data) });
  }
  drop() {
    this.onclose?.({});
  }
}

function makeEnv(hash: string, stored: string | null = null) {
  const storage = new Map<string, string>(stored ? [[TOKEN_STORAGE_KEY, stored]] : []);
  const replaced: string[] = [];
  const requests: { url: string; init: RequestInit }[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  let respond: (url: string, init: RequestInit) => Promise<Response> = async () =>
    new Response(JSON.stringify({ ok: true, value: { version: '0.1.0' } }), { status: 200 });
  const env: BrowserBridgeEnv = {
    location: {
      hash,
      pathname: '/',
      search: '',
      protocol: 'http:',
      host: '127.0.0.1:4100',
      origin: 'http://127.0.0.1:4100',
    },
    history: {
      state: null,
      replaceState: (_s: unknown, _t: string, url?: string | URL | null) => void replaced.push(String(url)),
    },
    storage: {
      getItem: (k: string) => storage.get(k) ?? null,
      setItem: (k: string, v: string) => void storage.set(k, v),
    },
    fetch: (async (url: string, init: RequestInit) => {
      requests.push({ url, init });
      return respond(url, init);
    }) as unknown as typeof fetch,
    WebSocket: FakeSocket as unknown as BrowserBridgeEnv['WebSocket'],
    setTimeout: (fn, ms) => timers.push({ fn, ms }),
    clearTimeout: () => {},
  };
  return {
    env,
    storage,
    replaced,
    requests,
    timers,
    respondWith: (fn: typeof respond) => (respond = fn),
  };
}

afterEach(() => {
  FakeSocket.all.length = 0;
  vi.unstubAllGlobals();
});

describe('token handshake', () => {
  it('moves #token from the address bar into session storage', () => {
    const t = makeEnv('#token=abc_DEF-123');
    expect(takeToken(t.env)).toBe('abc_DEF-123');
    expect(t.storage.get(TOKEN_STORAGE_KEY)).toBe('abc_DEF-123');
    expect(t.replaced).toEqual(['/']);
  });

  it('keeps other fragment parameters', () => {
    const t = makeEnv('#token=abc&view=logs');
    takeToken(t.env);
    expect(t.replaced).toEqual(['/#view=logs']);
  });

  it('uses the stored token after a reload (no fragment)', () => {
    const t = makeEnv('', 'stored-token');
    expect(takeToken(t.env)).toBe('stored-token');
    expect(t.replaced).toEqual([]);
  });
});

describe('requests', () => {
  it('POSTs /api/<channel> with the bearer token and the JSON input', async () => {
    const t = makeEnv('#token=tok123');
    const { api } = createBrowserBridge({ env: t.env });
    await expect(api.host.info()).resolves.toEqual({ version: '0.1.0' });
    await api.events.get({ id: 5 });
    expect(t.requests.map((r) => r.url)).toEqual(['/api/host%3Ainfo', '/api/events%3Aget']);
    const init = t.requests[1]!.init;
    expect(init.method).toBe('POST');
    expect((init.headers as Record<string, string>).authorization).toBe('Bearer tok123');
    expect(init.body).toBe('{"id":5}');
    expect(init.credentials).toBe('omit');
  });

  it('rejects with a KreoError carrying code, message and hint', async () => {
    const t = makeEnv('#token=tok');
    t.respondWith(
      async () =>
        new Response(
          JSON.stringify({
            ok: false,
            error: { code: 'UNAUTHORIZED', message: 'no token', hint: 'Send the bearer token.' },
          }),
          { status: 401 },
        ),
    );
    const err = await createBrowserBridge({ env: t.env })
      .api.tunnel.start()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KreoError);
    expect(err).toMatchObject({ code: 'UNAUTHORIZED', message: 'no token', hint: 'Send the bearer token.' });
  });

  it('fails without a token, telling the user where to get one, and sends nothing', async () => {
    const t = makeEnv('');
    const bridge = createBrowserBridge({ env: t.env });
    await expect(bridge.api.host.info()).rejects.toMatchObject({ code: 'UNAUTHORIZED', hint: /kreo serve/ });
    expect(t.requests).toEqual([]);
    expect(FakeSocket.all).toEqual([]);
  });

  it('maps a host that is down and a non-JSON answer to typed errors', async () => {
    const t = makeEnv('#token=tok');
    t.respondWith(async () => {
      throw new TypeError('Failed to fetch');
    });
    const bridge = createBrowserBridge({ env: t.env });
    await expect(bridge.api.host.info()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    t.respondWith(async () => new Response('<html>502</html>', { status: 502 }));
    await expect(bridge.api.host.info()).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});

describe('pushed events', () => {
  it('opens /api/events with the token as a subprotocol and dispatches messages', () => {
    const t = makeEnv('#token=tok9');
    const { api } = createBrowserBridge({ env: t.env });
    const ws = FakeSocket.all[0]!;
    expect(ws.url).toBe('ws://127.0.0.1:4100/api/events');
    expect(ws.protocols).toEqual(['kreo.v1', 'kreo.token.tok9']);
    const seen: unknown[] = [];
    const off = api.on('tunnel:status', (p) => seen.push(p.state));
    ws.open();
    ws.message({ event: 'tunnel:status', payload: { state: 'online' } });
    ws.message({ event: 'bogus', payload: 1 });
    ws.message('not json');
    off();
    ws.message({ event: 'tunnel:status', payload: { state: 'stopped' } });
    expect(seen).toEqual(['online']);
  });

  it('reconnects with growing delays and resets them once connected', () => {
    const t = makeEnv('#token=tok');
    const bridge = createBrowserBridge({ env: t.env, reconnectMs: 100, maxReconnectMs: 300 });
    FakeSocket.all[0]!.drop();
    t.timers.shift()!.fn();
    FakeSocket.all[1]!.drop();
    t.timers.shift()!.fn();
    FakeSocket.all[2]!.drop();
    t.timers.shift()!.fn();
    FakeSocket.all[3]!.open();
    FakeSocket.all[3]!.drop();
    expect(t.timers.map((x) => x.ms)).toEqual([100]);
    expect(FakeSocket.all).toHaveLength(4);
    bridge.close();
    expect(FakeSocket.all[3]!.closed).toBe(false); // already dropped; nothing new is opened
    t.timers.shift()!.fn();
    expect(FakeSocket.all).toHaveLength(4);
  });
  it('dispatches connection:restored when a dropped socket is back, not on the first open', () => {
    const t = makeEnv('#token=tok');
    const { api } = createBrowserBridge({ env: t.env, reconnectMs: 100 });
    const restored: number[] = [];
    api.on('connection:restored', (p) => restored.push(p.downMs));
    FakeSocket.all[0]!.open();
    expect(restored).toEqual([]);
    FakeSocket.all[0]!.drop();
    t.timers.shift()!.fn();
    FakeSocket.all[1]!.drop(); // a failed attempt is not a restoration
    t.timers.shift()!.fn();
    FakeSocket.all[2]!.open();
    expect(restored).toHaveLength(1);
    expect(restored[0]).toBeGreaterThanOrEqual(0);
  });
});

describe('installBrowserBridge', () => {
  it('sets window.kreo and resolves once the event socket is open', async () => {
    const t = makeEnv('#token=tok');
    const win: Record<string, unknown> = {};
    vi.stubGlobal('window', win);
    const installed = installBrowserBridge({ env: t.env, openWaitMs: 10_000 });
    await Promise.resolve();
    FakeSocket.all[0]!.open();
    await installed;
    expect(typeof (win.kreo as { host: { info: unknown } }).host.info).toBe('function');
  });
});
