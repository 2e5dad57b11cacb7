/**
 * Properties of the webhook listener under hostile input. Requests with random methods, paths, queries, content
 * types, bodies (Meta payloads, random JSON, random bytes, oversized) and signatures (valid, for other bytes,
 * malformed, missing) go through Fastify's inject(); the answer must be exactly what the request deserves:
 *   200 only for a signed, well-formed JSON POST on the path that the store kept (with the exact bytes),
 *   503 (with Retry-After) only for such a POST when the store fails — never 200 then,
 *   otherwise the 4xx its first defect calls for, as JSON `{error:{code,message,hint}}` with no stack trace.
 * Never a 500. A second property runs signed deliveries through the real pipeline (SQLite store, real HTTP) and
 * checks every 200 is stored byte for byte.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { triggerKindSchema } from '../../shared/domain/events';
import { isErrorCode } from '../../shared/errors';
import { payloadContext, triggerBody } from '../../electron/services/webhook/meta-payloads';
import { buildWebhookServer, type IncomingDelivery } from '../../electron/services/webhook/server';
import { signBody } from '../../electron/services/webhook/signature';
import {
  startTestPipeline,
  TEST_SECRET,
  type TestPipeline,
} from '../../electron/services/webhook/test-harness';
import { memoryLogger } from '../../electron/services/webhook/test-support';
import { anyJson, leakedInternals, RUNS } from './support';

const SECRET = 'f00dfeedf00dfeedf00dfeedf00dfeed';
const VERIFY = 'kreo-prop-verify';
const PATH = '/webhook';
const LIMIT = 16 * 1024;
const ctx = payloadContext();

type BodyKind = 'meta' | 'json' | 'bytes' | 'empty' | 'oversized';
type SigKind = 'valid' | 'other-bytes' | 'malformed' | 'missing';

const JSON_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/vnd.meta+json',
  'APPLICATION/JSON',
];
const OTHER_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/jsonx',
  'json',
];

const bodyArb: fc.Arbitrary<{ kind: BodyKind; bytes: Buffer }> = fc.oneof(
  fc
    .constantFrom(...triggerKindSchema.options)
    .map((k) => ({ kind: 'meta' as const, bytes: Buffer.from(triggerBody(k, ctx)) })),
  anyJson.map((v) => ({ kind: 'json' as const, bytes: Buffer.from(JSON.stringify(v)) })),
  fc
    .uint8Array({ minLength: 1, maxLength: 600 })
    .map((a) => ({ kind: 'bytes' as const, bytes: Buffer.from(a) })),
  fc.constant({ kind: 'empty' as const, bytes: Buffer.alloc(0) }),
  fc.integer({ min: 1, max: 4000 }).map((extra) => ({
    kind: 'oversized' as const,
    bytes: Buffer.from(`{"pad":"${'x'.repeat(LIMIT + extra)}"}`),
  })),
);

const sigArb = fc.constantFrom<SigKind>('valid', 'valid', 'other-bytes', 'malformed', 'missing');
const typeArb = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...JSON_TYPES) },
  { weight: 2, arbitrary: fc.constantFrom(...OTHER_TYPES) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }).filter((s) => /^[\x21-\x7e][\x20-\x7e]*$/.test(s)) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);
const pathArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(PATH, `${PATH}/`, `${PATH}?x=1`, `/${PATH}`) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '/',
      '/api/settings:set',
      '/api/host:info',
      '/Webhook',
      '/webhook2',
      '/webhook/x',
      '/webhook%00',
    ),
  },
  { weight: 1, arbitrary: fc.webPath().map((p) => (p.startsWith('/') ? p : `/${p}`)) },
);

const isJsonType = (t: string | undefined) =>
  t !== undefined && /^application\/(json|[a-z0-9.-]+\+json)(\s*;|$)/i.test(t.trim());
const onPath = (url: string) => {
  const p = url.split('?')[0]!;
  return p === PATH || p === `${PATH}/`;
};
const parses = (b: Buffer) => {
  try {
    JSON.parse(b.toString('utf8'));
    return true;
  } catch {
    return false;
  }
};

function signatureFor(kind: SigKind, bytes: Buffer): string | undefined {
  if (kind === 'valid') return signBody(SECRET, bytes);
  if (kind === 'other-bytes') return signBody(SECRET, Buffer.concat([bytes, Buffer.from(' ')]));
  if (kind === 'malformed') return 'sha256=not-hex';
  return undefined;
}

interface Harness {
  app: ReturnType<typeof buildWebhookServer>;
  stored: IncomingDelivery[];
  failing: { on: boolean };
}

function harness(): Harness {
  const stored: IncomingDelivery[] = [];
  const failing = { on: false };
  const app = buildWebhookServer({
    path: () => PATH,
    verifyToken: () => VERIFY,
    appSecret: () => SECRET,
    log: memoryLogger(),
    bodyLimit: LIMIT,
    ingest: async (d) => {
      if (failing.on) throw new Error('SQLITE_FULL: database or disk is full');
      stored.push(d);
      return { id: stored.length, duplicateOf: null };
    },
  });
  return { app, stored, failing };
}

function expectCleanError(status: number, contentType: string | undefined, payload: string) {
  expect(contentType ?? '').toMatch(/^application\/json/);
  const json = JSON.parse(payload) as { error?: { code?: string; message?: string; hint?: string } };
  expect(Object.keys(json)).toEqual(['error']);
  expect(isErrorCode(json.error?.code)).toBe(true);
  expect(json.error?.message).toBeTruthy();
  expect(leakedInternals(payload), payload).toBeNull();
  expect(payload).not.toContain(SECRET);
  expect(payload).not.toContain(VERIFY);
  return json.error!;
}

describe('webhook listener under hostile POSTs (inject)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = harness();
    await h.app.ready();
  });
  afterAll(async () => {
    await h.app.close();
  });

  it('answers each request with the status its defects call for; 200 only when stored, 503 only when the store fails', async () => {
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        pathArb,
        typeArb,
        bodyArb,
        sigArb,
        fc.boolean(),
        async (url, type, body, sig, storeFails) => {
          h.failing.on = storeFails;
          const before = h.stored.length;
          const headers: Record<string, string> = {};
          if (type !== undefined) headers['content-type'] = type;
          const signature = signatureFor(sig, body.bytes);
          if (signature) headers['x-hub-signature-256'] = signature;
          const res = await h.app.inject({ method: 'POST', url, headers, payload: body.bytes });
          seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
          expect(res.statusCode).not.toBe(500);

          // What this request deserves, defect by defect (any one of them may be the one reported).
          const defects = new Set<number>();
          if (!onPath(url)) defects.add(404);
          if (!isJsonType(type)) defects.add(415);
          if (body.bytes.length > LIMIT) defects.add(413);
          if (sig !== 'valid') defects.add(401);
          if (!parses(body.bytes)) defects.add(400);

          if (defects.size === 0) {
            if (storeFails) {
              expect(res.statusCode).toBe(503);
              expect(res.headers['retry-after']).toBeTruthy();
              expect(expectCleanError(503, res.headers['content-type'] as string, res.payload).code).toBe(
                'STORE_UNAVAILABLE',
              );
              expect(h.stored.length).toBe(before);
            } else {
              expect(res.statusCode).toBe(200);
              expect(h.stored.length).toBe(before + 1);
              expect(h.stored.at(-1)!.body.equals(body.bytes)).toBe(true);
              expect(h.stored.at(-1)!.signature).toBe('valid');
            }
            return;
          }
          // Refused: never stored, never 200/503, a clean JSON error with the status of one of its defects.
          expect(h.stored.length).toBe(before);
          // A body that is not JSON off the path may be refused by its content type before routing (415).
          expect([...defects, ...(defects.has(404) ? [400, 413, 415] : [])]).toContain(res.statusCode);
          expectCleanError(res.statusCode, res.headers['content-type'] as string, res.payload);
        },
      ),
      { numRuns: RUNS * 2 },
    );
    h.failing.on = false;
    // The interesting outcomes all happened.
    for (const status of [200, 401, 503])
      expect(seen.get(status) ?? 0, `status ${status}`).toBeGreaterThan(0);
  });

  it('other methods, random headers and bodies: a clean 4xx, never stored', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('PUT', 'DELETE', 'PATCH', 'OPTIONS'),
        pathArb,
        typeArb,
        bodyArb,
        fc.dictionary(
          fc.constantFrom(
            'x-forwarded-for',
            'x-hub-signature',
            'accept',
            'user-agent',
            'x-kreo-source',
            'authorization',
            'cookie',
          ),
          fc.string({ maxLength: 40 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
        ),
        async (method, url, type, body, extra) => {
          const before = h.stored.length;
          const headers: Record<string, string> = { ...extra };
          if (type !== undefined) headers['content-type'] = type;
          headers['x-hub-signature-256'] = signBody(SECRET, body.bytes);
          const res = await h.app.inject({ method: method as 'PUT', url, headers, payload: body.bytes });
          expect(res.statusCode).toBeGreaterThanOrEqual(400);
          expect(res.statusCode).toBeLessThan(500);
          expectCleanError(res.statusCode, res.headers['content-type'] as string, res.payload);
          expect(h.stored.length).toBe(before);
        },
      ),
      { numRuns: RUNS / 2 },
    );
  });

  it('the handshake echoes the challenge only for subscribe + the right token; otherwise 403, never 500', async () => {
    const param = fc.option(
      fc.oneof(fc.string({ maxLength: 60 }), fc.constant(VERIFY), fc.constant('subscribe')),
      { nil: undefined },
    );
    await fc.assert(
      fc.asyncProperty(
        param,
        param,
        fc.option(fc.string({ maxLength: 1100 }), { nil: undefined }),
        async (mode, token, challenge) => {
          const query: Record<string, string> = {};
          if (mode !== undefined) query['hub.mode'] = mode;
          if (token !== undefined) query['hub.verify_token'] = token;
          if (challenge !== undefined) query['hub.challenge'] = challenge;
          const res = await h.app.inject({ method: 'GET', url: PATH, query });
          const ok = mode === 'subscribe' && token === VERIFY && !!challenge && challenge.length <= 1024;
          if (ok) {
            expect(res.statusCode).toBe(200);
            expect(res.headers['content-type']).toMatch(/^text\/plain/);
            expect(res.payload).toBe(challenge);
          } else {
            expect(res.statusCode).toBe(403);
            const err = expectCleanError(403, res.headers['content-type'] as string, res.payload);
            expect(err.code).toBe('WEBHOOK_VERIFY_FAILED');
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('webhook listener + real store: every 200 is kept byte for byte', () => {
  let t: TestPipeline;
  beforeAll(async () => {
    t = await startTestPipeline();
  });
  afterAll(async () => {
    await t?.close(true);
  });

  it('stores exactly the accepted bodies, none of the refused ones', async () => {
    const accepted: { id: number; bytes: Buffer }[] = [];
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.constantFrom(...triggerKindSchema.options).map((k) => Buffer.from(triggerBody(k, ctx))),
          anyJson.map((v) => Buffer.from(JSON.stringify(v))),
          fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
        ),
        fc.constantFrom<'valid' | 'wrong' | 'none'>('valid', 'valid', 'wrong', 'none'),
        async (bytes, sig) => {
          const res = await t.post(bytes, {
            secret: sig === 'valid' ? TEST_SECRET : sig === 'wrong' ? 'not-the-secret' : null,
          });
          const text = await res.text();
          expect(res.status, text).not.toBe(500);
          if (res.status === 200) {
            accepted.push({ id: Number(res.headers.get('x-kreo-event-id')), bytes });
          } else {
            refused++;
            expect([400, 401]).toContain(res.status);
            expect(leakedInternals(text)).toBeNull();
          }
        },
      ),
      { numRuns: Math.round(RUNS / 3) },
    );
    expect(accepted.length).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
    const total = accepted.length;
    expect(t.pipeline.stats().total).toBe(total);
    for (const { id, bytes } of accepted) {
      const kept = t.pipeline.store!.queries.getBody(id);
      expect(kept?.body.equals(bytes), `event ${id}`).toBe(true);
    }
  });
});
