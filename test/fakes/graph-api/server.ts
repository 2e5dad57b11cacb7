/**
 * A loopback fake of Meta's Graph API for tests and benchmarks (never shipped). It checks app and user tokens,
 * runs the verification handshake against a callback before saving a subscription or override, counts sends per
 * second and answers 130429 beyond its limit, and answers with Meta's error shapes. Faults are programmable.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { errors, metaError, type MetaErrorSpec } from './meta-errors';
import { route, type Answer, type FakeCall, type RouteEnv } from './routes';
import { FakeState, type FakeRequest, type FaultRule, type GraphFakeOptions } from './state';

export interface GraphFake {
  /** e.g. http://127.0.0.1:41234 — use as meta.graphBaseUrl. */
  readonly url: string;
  readonly state: FakeState;
  /** `<appId>|<appSecret>` */
  readonly appToken: string;
  addFault(rule: FaultRule): () => void;
  /** Shorthand: the next `times` matching calls answer with this Meta error. */
  failNext(path: string | RegExp, status: number, spec: MetaErrorSpec, times?: number): () => void;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseParams(url: URL, body: string, contentType: string): Record<string, unknown> | null {
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
  if (!body) return params;
  if (contentType.includes('application/json')) {
    try {
      const json: unknown = JSON.parse(body);
      if (!json || typeof json !== 'object' || Array.isArray(json)) return null;
      return { ...params, ...(json as Record<string, unknown>) };
    } catch {
      return null;
    }
  }
  return { ...params, ...Object.fromEntries(new URLSearchParams(body)) };
}

function bearer(req: http.IncomingMessage, params: Record<string, unknown>): string | null {
  const h = req.headers.authorization;
  if (h && /^bearer /i.test(h)) return h.slice(7).trim();
  return typeof params.access_token === 'string' ? params.access_token : null;
}

export async function startGraphFake(opts: GraphFakeOptions = {}): Promise<GraphFake> {
  const state = new FakeState(opts);
  const env: RouteEnv = {
    state,
    fetch: opts.fetch ?? ((input, init) => fetch(input, init)),
    handshakeTimeoutMs: opts.handshakeTimeoutMs ?? 6_000,
    sendLatencyMs: opts.sendLatencyMs ?? 0,
    requireHttps: opts.requireHttps ?? false,
  };

  type Outcome = Answer | { raw: NonNullable<FaultRule['raw']> };
  const handle = async (req: http.IncomingMessage, seen: Partial<FakeRequest>): Promise<Outcome> => {
    const url = new URL(req.url ?? '/', 'http://graph.local');
    const m = /^\/(v\d+\.\d+)(\/.*)?$/.exec(url.pathname);
    const method = (req.method ?? 'GET').toUpperCase();
    const body = await readBody(req);
    const params = parseParams(url, body, String(req.headers['content-type'] ?? ''));
    const auth = state.classify(params ? bearer(req, params) : null);
    const path = m?.[2] ?? url.pathname;
    Object.assign(seen, { path, version: m?.[1] ?? null, auth: auth.kind });
    const fault = state.takeFault(method, path);
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault?.raw) return { raw: fault.raw };
    if (fault?.answer) return fault.answer;
    if (!m) return errors.badVersion();
    if (!params) return errors.param('Could not parse the request body as JSON');
    const call: FakeCall = { method, segments: path.split('/').filter(Boolean), params, auth };
    return route(call, env);
  };

  const server = http.createServer((req, res) => {
    const seen: Partial<FakeRequest> = { method: req.method ?? 'GET' };
    handle(req, seen)
      .then((answer) => {
        const status = 'raw' in answer ? answer.raw.status : answer.status;
        state.requests.push({ path: '', version: null, auth: 'none', ...seen, status } as FakeRequest);
        if ('raw' in answer) {
          res.writeHead(answer.raw.status, { 'content-type': answer.raw.contentType ?? 'text/html' });
          res.end(answer.raw.body);
          return;
        }
        const payload = JSON.stringify(answer.body);
        res.writeHead(status, {
          'content-type': 'application/json; charset=UTF-8',
          'content-length': Buffer.byteLength(payload),
          ...(status >= 400 ? { 'www-authenticate': 'OAuth "Facebook Platform" "invalid_request"' } : {}),
        });
        res.end(payload);
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify(errors.server().body));
      });
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const addFault = (rule: FaultRule) => {
    state.faults.push(rule);
    return () => {
      const i = state.faults.indexOf(rule);
      if (i >= 0) state.faults.splice(i, 1);
    };
  };
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    appToken: state.appToken,
    addFault,
    failNext: (path, status, spec, times = 1) => addFault({ path, times, answer: metaError(status, spec) }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
