/**
 * Properties of a real host's control API under bad input (authorised requests, so the gates are not what answers):
 * random channel names, random JSON bodies, bytes that are not JSON, odd content types. Every answer is a `Result`
 * JSON body; input the channel's schema refuses is a 400 INVALID_ARGUMENT, an unknown channel a 404, a body that is
 * not JSON a 400/415; never a 500, never a stack trace, and the host keeps answering afterwards.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUEST_CHANNELS, requests, type RequestChannel } from '../../shared/contract';
import { rawRequest, startTestHost, type TestHost } from '../security/fixtures';
import { anyJson, failedResultShape, leakedInternals, objectWithKeys, RUNS, schemaKeys } from './support';

let t: TestHost;
beforeAll(async () => {
  t = await startTestHost();
});
afterAll(async () => {
  await t?.close();
});

/**
 * Channels that act on the outside world or on the host itself when given a valid input. Valid inputs for these
 * are skipped: this test is about refusals, and e.g. host:shutdown or send:text would do real work.
 */
const ACTING = new Set<RequestChannel>([
  'host:shutdown',
  'tunnel:start',
  'tunnel:restart',
  'tunnel:testConnection',
  'webhook:register',
  'webhook:unregister',
  'health:run',
  'send:text',
  'send:template',
  'events:trigger',
  'events:replay',
  'settings:set',
  'settings:generateVerifyToken',
]);

/**
 * Fastify's JSON parser refuses prototype-polluting keys outright (400 BAD_REQUEST, before any channel): always
 * `__proto__`, and `constructor` when it holds a `prototype`. Both end as a 400 either way.
 */
const pollutes = (text: string) => /"(__proto__|constructor)"\s*:/.test(text);
const expectedRefusal = (text: string, otherwise: string) =>
  /"__proto__"\s*:/.test(text) ? ['BAD_REQUEST'] : pollutes(text) ? ['BAD_REQUEST', otherwise] : [otherwise];

const resultShape = (body: unknown) =>
  typeof body === 'object' &&
  body !== null &&
  ((body as { ok?: unknown }).ok === true || failedResultShape.safeParse(body).success);

async function send(channel: string, body: string | Buffer, contentType?: string) {
  return rawRequest({
    port: t.controlPort,
    method: 'POST',
    path: `/api/${encodeURIComponent(channel)}`,
    headers: {
      authorization: `Bearer ${t.token}`,
      ...(contentType === undefined ? {} : { 'content-type': contentType }),
    },
    body,
  });
}

function expectCleanAnswer(res: { status: number; body: string }) {
  expect(res.status, res.body).not.toBe(500);
  expect(res.status).toBeGreaterThanOrEqual(200);
  expect(res.status).toBeLessThan(600);
  expect(leakedInternals(res.body), res.body).toBeNull();
  const body = JSON.parse(res.body) as unknown;
  expect(resultShape(body), res.body).toBe(true);
  return body as { ok: boolean; error?: { code: string } };
}

describe('control API under random input', () => {
  it('real channels with random JSON: schema refusals are 400 INVALID_ARGUMENT, nothing is ever a 500', async () => {
    let refusals = 0;
    await fc.assert(
      fc.asyncProperty(
        fc
          .constantFrom(...REQUEST_CHANNELS)
          .chain((c) =>
            fc.tuple(
              fc.constant(c),
              fc.oneof(anyJson, objectWithKeys(schemaKeys(requests[c].input), anyJson)),
            ),
          ),
        async ([channel, input]) => {
          const valid = requests[channel].input.safeParse(input ?? {}).success;
          fc.pre(!(valid && ACTING.has(channel)));
          const text = JSON.stringify(input);
          const res = await send(channel, text, 'application/json');
          const body = expectCleanAnswer(res);
          if (!valid || pollutes(text)) {
            refusals++;
            expect(res.status).toBe(400);
            expect(expectedRefusal(text, 'INVALID_ARGUMENT')).toContain(body.error?.code);
          } else if (!body.ok) {
            // A valid input may still fail (a domain not configured here), but as a documented error, not a crash.
            expect(body.error?.code).not.toBe('INTERNAL');
          }
        },
      ),
      { numRuns: RUNS },
    );
    expect(refusals).toBeGreaterThan(RUNS / 3);
  });

  it('unknown channels are 404 NOT_FOUND', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 60 }), anyJson, async (channel, input) => {
        fc.pre(!(REQUEST_CHANNELS as string[]).includes(channel) && channel !== 'events');
        const text = JSON.stringify(input);
        const res = await send(channel, text, 'application/json');
        const body = expectCleanAnswer(res);
        expect(res.status).toBe(body.error?.code === 'BAD_REQUEST' ? 400 : 404);
        expect(expectedRefusal(text, 'NOT_FOUND')).toContain(body.error?.code);
      }),
      { numRuns: RUNS / 2 },
    );
  });

  it('bodies that are not JSON, and odd content types, get a clear 4xx', async () => {
    const bodyArb = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
      fc.constantFrom('{', '{"a":', '[1,2', 'nul', '{"patch":{}}}', '\u0000', '\ufeff{}', 'x'.repeat(5000)),
    );
    const typeArb = fc.oneof(
      fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/octet-stream',
        'application/json; charset=latin1',
        '',
      ),
      fc.string({ maxLength: 30 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
      fc.constant(undefined),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...REQUEST_CHANNELS),
        bodyArb,
        typeArb,
        async (channel, body, type) => {
          let isJson = false;
          try {
            // A leading byte order mark is tolerated by the server.
            JSON.parse(
              Buffer.from(body)
                .toString('utf8')
                .replace(/^\ufeff/, ''),
            );
            isJson = true;
          } catch {}
          fc.pre(!isJson || !ACTING.has(channel));
          const res = await send(channel, body, type);
          const answer = expectCleanAnswer(res);
          if (!isJson && Buffer.byteLength(body) > 0 && type?.startsWith('application/json')) {
            expect(res.status).toBe(400);
            expect(answer.error?.code).toBe('BAD_REQUEST');
          }
          if (!answer.ok) expect(res.status).toBeLessThan(600);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('a body past the limit is a 413, and the host still answers afterwards', async () => {
    const res = await send('settings:get', Buffer.alloc(17 * 1024 * 1024, 0x20), 'application/json');
    expect(res.status).toBe(413);
    expectCleanAnswer(res);
    const info = await t.call('host:info');
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({ ok: true, value: { pid: process.pid } });
  });
});
