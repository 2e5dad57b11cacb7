/**
 * The webhook listener's Fastify app, built apart from listen() (tests use inject()). GET answers Meta's handshake;
 * POST checks X-Hub-Signature-256 over the raw bytes, checks the JSON, and hands the delivery to `ingest`, which
 * resolves once it is durably stored; only then 200. Every error is JSON `{error:{code,message,hint}}`, no stack.
 * Path, verify token and app secret are read per request, so settings changes apply without a restart.
 */
import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import type { SignatureResult } from '../../../shared/domain/events';
import { ERROR_CODES, httpStatusOf, KreoError } from '../../../shared/errors';
import type { ModuleLogger } from '../logging/types';
import { PROBE_HEADER, type HandshakeProbe } from '../tunnel/handshake';
import { checkSignature, SIGNATURE_HEADER } from './signature';

/** Meta sends at most 3 MB; we accept a little more so a legitimate payload is never refused. */
export const DEFAULT_BODY_LIMIT = 4 * 1024 * 1024;

/** Headers never kept with a stored event. */
const DROPPED_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);

export interface IncomingDelivery {
  receivedAt: number;
  body: Buffer;
  /** JSON.parse of body (done on the request path only to answer 400 for malformed JSON). */
  parsed: unknown;
  headers: Record<string, string>;
  contentType: string;
  signature: SignatureResult;
  source: 'webhook' | 'trigger';
}

export interface WebhookServerDeps {
  path(): string;
  verifyToken(): string;
  appSecret(): string;
  /** Resolves once the delivery is durably stored; rejects when storage failed (→ 503, Meta retries). */
  ingest(delivery: IncomingDelivery): Promise<{ id: number }>;
  log: ModuleLogger;
  bodyLimit?: number;
}

function sendError(reply: FastifyReply, err: KreoError, status = httpStatusOf(err.code)): FastifyReply {
  const error: Record<string, string> = { code: err.code, message: err.message };
  if (err.hint) error.hint = err.hint;
  if (status === 503) reply.header('retry-after', '5');
  return reply.code(status).type('application/json; charset=utf-8').send({ error });
}

const PROBES: readonly HandshakeProbe[] = ['health', 'tunnel-test', 'preflight'];

/** The panel's own handshakes name themselves in X-Kreo-Probe; anything else is treated as Meta's. */
function probeOf(header: string | string[] | undefined): HandshakeProbe | null {
  return PROBES.find((p) => p === header) ?? null;
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  const p = q === -1 ? url : url.slice(0, q);
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function keptHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined || DROPPED_HEADERS.has(name)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Maps Fastify's own errors (body too large, unsupported media type, bad content-length...) to ours. */
function fromFastifyError(err: FastifyError, bodyLimit: number): KreoError {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new KreoError(
        'WEBHOOK_PAYLOAD_TOO_LARGE',
        `The body is larger than ${bodyLimit} bytes.`,
        "Meta's payloads are at most 3 MB; split the test payload.",
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return new KreoError(
        'WEBHOOK_UNSUPPORTED_MEDIA_TYPE',
        ERROR_CODES.WEBHOOK_UNSUPPORTED_MEDIA_TYPE,
        'Send the event with Content-Type: application/json.',
      );
    default:
      return new KreoError('BAD_REQUEST', ERROR_CODES.BAD_REQUEST, 'Send a POST with a JSON body.');
  }
}

export function buildWebhookServer(deps: WebhookServerDeps): FastifyInstance {
  const bodyLimit = deps.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const log = deps.log;
  const app = Fastify({
    logger: false,
    bodyLimit,
    forceCloseConnections: true,
    return503OnClosing: true,
    requestTimeout: 60_000,
    routerOptions: { ignoreDuplicateSlashes: true },
  });

  // Raw bytes, untouched: the signature is over exactly these.
  app.removeAllContentTypeParsers();
  for (const type of ['application/json', /^application\/[a-z0-9.-]+\+json$/i]) {
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit }, (_req, body, done) => done(null, body));
  }

  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof KreoError) return sendError(reply, err);
    const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (status >= 500) {
      log.error({ err: err.message, code: err.code, url: pathOf(request.url) }, 'webhook listener error');
      return sendError(reply, new KreoError('INTERNAL', ERROR_CODES.INTERNAL, 'See whatsapp.log.'), 500);
    }
    const mapped = fromFastifyError(err, bodyLimit);
    log.warning(
      { status, code: err.code, url: pathOf(request.url) },
      `webhook request refused: ${mapped.message}`,
    );
    return sendError(reply, mapped);
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      new KreoError(
        'NOT_FOUND',
        `Nothing is served at ${request.method} ${pathOf(request.url)}.`,
        `The webhook listens on ${deps.path()} (GET for the handshake, POST for events).`,
      ),
    ),
  );

  const onPath = (url: string) => pathOf(url) === pathOf(deps.path());

  app.get('/*', async (request, reply) => {
    if (!onPath(request.url)) return reply.callNotFound();
    const q = request.query as Record<string, unknown>;
    const mode = q['hub.mode'];
    const token = q['hub.verify_token'];
    const challenge = q['hub.challenge'];
    const expected = deps.verifyToken();
    const ok =
      mode === 'subscribe' &&
      typeof token === 'string' &&
      typeof challenge === 'string' &&
      challenge.length > 0 &&
      challenge.length <= 1024 &&
      expected !== '' &&
      sameText(token, expected);
    if (!ok) {
      const why = !expected
        ? 'no verify token is configured'
        : mode !== 'subscribe' || typeof challenge !== 'string' || typeof token !== 'string'
          ? 'hub.mode, hub.verify_token or hub.challenge is missing'
          : 'hub.verify_token does not match';
      log.warning({ mode: typeof mode === 'string' ? mode : null }, `webhook handshake refused: ${why}`);
      return sendError(
        reply,
        new KreoError(
          'WEBHOOK_VERIFY_FAILED',
          `Handshake refused: ${why}.`,
          expected
            ? 'Use the same verify token in Meta and in meta.verifyToken.'
            : 'Set the token with `kreo config set meta.verifyToken TOKEN` and use the same token in Meta.',
        ),
      );
    }
    const probe = probeOf(request.headers[PROBE_HEADER]);
    if (probe) log.debug({ probe }, `webhook handshake answered for the panel's own ${probe} probe`);
    else log.info('webhook handshake answered (hub.mode=subscribe)');
    return reply.code(200).type('text/plain; charset=utf-8').send(challenge);
  });

  app.post('/*', async (request, reply) => {
    if (!onPath(request.url)) return reply.callNotFound();
    const receivedAt = Date.now();
    const body = request.body;
    if (!Buffer.isBuffer(body)) {
      throw new KreoError(
        'WEBHOOK_UNSUPPORTED_MEDIA_TYPE',
        ERROR_CODES.WEBHOOK_UNSUPPORTED_MEDIA_TYPE,
        'Send the event with Content-Type: application/json.',
      );
    }
    const signature = checkSignature(deps.appSecret(), request.headers[SIGNATURE_HEADER], body);
    if (signature === 'missing' || signature === 'invalid') {
      log.warning({ signature, bytes: body.length }, 'webhook POST refused: signature ' + signature);
      throw new KreoError(
        signature === 'missing' ? 'WEBHOOK_SIGNATURE_MISSING' : 'WEBHOOK_SIGNATURE_INVALID',
        undefined,
        signature === 'missing'
          ? 'Meta signs every event; a request without X-Hub-Signature-256 is not from Meta.'
          : 'Check meta.appSecret: it must be the secret of the app the webhook belongs to.',
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new KreoError('WEBHOOK_MALFORMED_JSON', undefined, 'Send a valid JSON body.');
    }
    const headers = keptHeaders(request.headers);
    const source = headers['x-kreo-source'] === 'trigger' ? 'trigger' : 'webhook';
    let stored: { id: number };
    try {
      stored = await deps.ingest({
        receivedAt,
        body,
        parsed,
        headers,
        contentType: headers['content-type'] ?? 'application/json',
        signature,
        source,
      });
    } catch (err) {
      log.error(
        { err: err instanceof Error ? err.message : String(err) },
        'event store write failed; answered 503',
      );
      throw new KreoError(
        'STORE_UNAVAILABLE',
        undefined,
        'Meta retries for up to 7 days; check disk space and whatsapp.log.',
      );
    }
    return reply
      .code(200)
      .header('x-kreo-event-id', String(stored.id))
      .type('text/plain; charset=utf-8')
      .send('EVENT_RECEIVED');
  });

  return app;
}
