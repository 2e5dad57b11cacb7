/**
 * The loopback control API (Fastify), built apart from listen() so tests use inject():
 *   POST /api/:channel   JSON body = the channel's input → the Result as JSON (200 ok; 4xx/5xx from the error code)
 *   GET  /api/events     WebSocket pushing `{event, payload}` from the bus (high-rate events batched per ~50 ms)
 *   GET  /               the renderer build, for browser mode (no token: the page reads it from `#token=…`)
 * Every request needs a loopback Host header (403 otherwise); every /api request needs the bearer token (401).
 * Error bodies never carry stack traces.
 */
import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { httpStatusOf, KreoError, type ErrorCode, type Result } from '../../../shared/errors';
import type { EventBus } from '../core/event-bus';
import type { Invoke } from '../host/invoke';
import { attachEventSocket } from './event-socket';
import { WS_PROTOCOL } from '../../../shared/control-protocol';
import { extractToken, isLoopbackHost, tokensEqual } from './guards';

export interface ControlServerOptions {
  invoke: Invoke;
  bus: EventBus;
  token: string;
  /** The port the server listens on, once known: a Host header naming another port is refused. */
  port?: () => number | undefined;
  /** Folder holding the renderer build (index.html); served at / when it exists. */
  rendererDir?: string;
  batchIntervalMs?: number;
  /** Unexpected server-side errors (never sent to the client). */
  onError?: (err: unknown) => void;
}

function sendError(reply: FastifyReply, code: ErrorCode, message?: string, hint?: string, status?: number) {
  const body: Result<never> = { ok: false, error: new KreoError(code, message, hint).toInfo() };
  return reply
    .code(status ?? httpStatusOf(code))
    .header('cache-control', 'no-store')
    .send(body);
}

export async function buildControlServer(opts: ControlServerOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024, trustProxy: false });

  // An empty JSON body means "no input" rather than a parse error.
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body === '' || (typeof body === 'string' && body.trim() === '')) done(null, undefined);
    else jsonParser(req, body as string, done);
  });

  // Registered before the gates: its own onRequest hook marks upgrade requests so a refused one is closed.
  await app.register(fastifyWebsocket, {
    options: {
      maxPayload: 64 * 1024,
      // Answer with the plain protocol name, never echo the token back.
      handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
    },
  });

  app.addHook('onRequest', async (req, reply) => {
    if (!isLoopbackHost(req.headers.host, opts.port?.())) {
      return sendError(
        reply,
        'FORBIDDEN',
        'The Host header does not name this machine.',
        'Connect to 127.0.0.1 or localhost.',
      );
    }
    if (req.url.startsWith('/api/') || req.url === '/api') {
      const given = extractToken(req.headers);
      if (!given || !tokensEqual(given, opts.token)) {
        return sendError(
          reply,
          'UNAUTHORIZED',
          undefined,
          'Send "Authorization: Bearer <token>" with the token from run/host.json.',
        );
      }
    }
  });

  app.setErrorHandler((err: FastifyError, _req, reply) => {
    const status = err.statusCode ?? 500;
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      return sendError(reply, 'BAD_REQUEST', 'The request body is too large.', undefined, 413);
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
      return sendError(reply, 'BAD_REQUEST', 'Send a JSON body.', 'Use Content-Type: application/json.', 415);
    if (status >= 400 && status < 500)
      return sendError(
        reply,
        'BAD_REQUEST',
        err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY'
          ? 'The body is not valid JSON.'
          : 'The request was not understood.',
        undefined,
        status,
      );
    opts.onError?.(err);
    return sendError(reply, 'INTERNAL');
  });

  app.setNotFoundHandler((req, reply) =>
    sendError(reply, 'NOT_FOUND', `Nothing is served at ${req.method} ${req.url.split('?')[0]}.`),
  );

  app.get('/api/events', { websocket: true }, (socket) => {
    attachEventSocket(socket, opts.bus, { batchIntervalMs: opts.batchIntervalMs });
  });

  app.post<{ Params: { channel: string } }>('/api/:channel', async (req, reply) => {
    const result = await opts.invoke(req.params.channel, req.body);
    return reply
      .code(result.ok ? 200 : httpStatusOf(result.error.code))
      .header('cache-control', 'no-store')
      .send(result);
  });

  if (opts.rendererDir && existsSync(opts.rendererDir)) {
    await app.register(fastifyStatic, {
      root: opts.rendererDir,
      prefix: '/',
      index: 'index.html',
      setHeaders: (res) => {
        res.header('x-content-type-options', 'nosniff');
        res.header('referrer-policy', 'no-referrer');
        res.header('x-frame-options', 'DENY');
      },
    });
  } else {
    app.get('/', (_req, reply) =>
      reply
        .code(404)
        .type('text/plain; charset=utf-8')
        .send('The panel screens are not built yet. Run "npm run build", then reload this page.\n'),
    );
  }

  return app;
}
