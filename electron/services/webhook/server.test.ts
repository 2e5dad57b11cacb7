import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { payloadContext, triggerBody } from './meta-payloads';
import { PROBE_HEADER } from '../tunnel/handshake';
import { buildWebhookServer } from './server';
import { signBody } from './signature';
import { startTestPipeline, TEST_SECRET, TEST_VERIFY_TOKEN, type TestPipeline } from './test-harness';
import { freePort } from '../../../test/support/net';
import { waitFor } from '../../../test/support/wait';
import { memoryLogger } from './test-support';

let t: TestPipeline | null = null;
afterEach(async () => {
  await t?.close(true);
  t = null;
});

const ctx = payloadContext();

async function errorOf(res: Response) {
  const text = await res.text();
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(text).not.toMatch(/\n\s+at /); // no stack trace
  const json = JSON.parse(text) as { error: { code: string; message: string; hint?: string } };
  expect(Object.keys(json)).toEqual(['error']);
  return json.error;
}

function handshake(query: Record<string, string>) {
  const url = new URL(t!.url());
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return fetch(url);
}

describe('GET handshake', () => {
  it('echoes hub.challenge as text/plain for mode=subscribe and the right token (no signature needed)', async () => {
    t = await startTestPipeline();
    const res = await handshake({
      'hub.mode': 'subscribe',
      'hub.verify_token': TEST_VERIFY_TOKEN,
      'hub.challenge': '1158201444',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('1158201444');
  });

  it("logs the panel's own probes (X-Kreo-Probe) at debug naming the probe, Meta's handshakes at info", async () => {
    t = await startTestPipeline();
    const url = new URL(t.url());
    url.searchParams.set('hub.mode', 'subscribe');
    url.searchParams.set('hub.verify_token', TEST_VERIFY_TOKEN);
    url.searchParams.set('hub.challenge', '7');
    const answered = () => t!.logs.filter((e) => e.msg.startsWith('webhook handshake answered'));
    for (const probe of ['health', 'tunnel-test', 'preflight']) {
      const res = await fetch(url, { headers: { [PROBE_HEADER]: probe } });
      expect(await res.text()).toBe('7');
      const last = answered().at(-1)!;
      expect(last.level).toBe('debug');
      expect(last.obj).toEqual({ probe });
      expect(last.msg).toContain(probe);
    }
    const others: Record<string, string>[] = [{}, { [PROBE_HEADER]: 'something-else' }];
    for (const headers of others) {
      const res = await fetch(url, { headers });
      expect(await res.text()).toBe('7');
      expect(answered().at(-1)).toMatchObject({
        level: 'info',
        msg: 'webhook handshake answered (hub.mode=subscribe)',
      });
    }
    expect(answered().filter((e) => e.level === 'info')).toHaveLength(2);
  });

  it('403 for a wrong token, a missing field, another mode, or no token configured', async () => {
    t = await startTestPipeline();
    const good = { 'hub.mode': 'subscribe', 'hub.verify_token': TEST_VERIFY_TOKEN, 'hub.challenge': '42' };
    const queries: Record<string, string>[] = [
      { ...good, 'hub.verify_token': 'wrong' },
      { ...good, 'hub.verify_token': TEST_VERIFY_TOKEN + 'x' },
      { 'hub.mode': 'subscribe', 'hub.challenge': '42' },
      { 'hub.mode': 'subscribe', 'hub.verify_token': TEST_VERIFY_TOKEN },
      { 'hub.verify_token': TEST_VERIFY_TOKEN, 'hub.challenge': '42' },
      { ...good, 'hub.mode': 'unsubscribe' },
      {},
    ];
    for (const q of queries) {
      const res = await handshake(q);
      expect(res.status, JSON.stringify(q)).toBe(403);
      const err = await errorOf(res);
      expect(err.code).toBe('WEBHOOK_VERIFY_FAILED');
      expect(JSON.stringify(err)).not.toContain(TEST_VERIFY_TOKEN);
    }
    t.settings.set({ 'meta.verifyToken': '' });
    const res = await handshake({ ...good, 'hub.verify_token': '' });
    expect(res.status).toBe(403);
    expect((await errorOf(res)).hint).toMatch(/meta\.verifyToken/);
  });
});

describe('POST signature', () => {
  it('valid signature → 200 after storing the exact bytes, headers without secrets', async () => {
    t = await startTestPipeline();
    const body = triggerBody('text', ctx);
    const res = await t.post(body, { headers: { authorization: 'Bearer x', cookie: 'a=b' } });
    expect(res.status).toBe(200);
    const id = Number(res.headers.get('x-kreo-event-id'));
    const detail = t.pipeline.get(id);
    expect(detail.body).toBe(body);
    expect(detail.signature).toBe('valid');
    expect(detail.headers['x-hub-signature-256']).toBe(signBody(TEST_SECRET, body));
    expect(detail.headers.authorization).toBeUndefined();
    expect(detail.headers.cookie).toBeUndefined();
  });

  it('401 for an invalid, malformed or missing signature; nothing stored', async () => {
    t = await startTestPipeline();
    const body = triggerBody('text', ctx);
    const wrong = await t.post(body, { secret: 'not-the-secret' });
    expect(wrong.status).toBe(401);
    expect((await errorOf(wrong)).code).toBe('WEBHOOK_SIGNATURE_INVALID');
    const malformed = await t.post(body, { secret: null, headers: { 'x-hub-signature-256': 'sha1=abc' } });
    expect(malformed.status).toBe(401);
    const missing = await t.post(body, { secret: null });
    expect(missing.status).toBe(401);
    expect((await errorOf(missing)).code).toBe('WEBHOOK_SIGNATURE_MISSING');
    expect(t.pipeline.stats().total).toBe(0);
  });

  it('non-ASCII: the signature is over the raw escaped bytes; a re-serialised body would not match', async () => {
    t = await startTestPipeline();
    const body = triggerBody('text-non-ascii', ctx);
    expect(body).toContain('\\u00bf'); // ¿ escaped as Meta does
    const ok = await t.post(body);
    expect(ok.status).toBe(200);
    const stored = t.pipeline.get(Number(ok.headers.get('x-kreo-event-id')));
    expect(stored.body).toBe(body);
    await waitFor(() => t!.pipeline.get(stored.id).records.length > 0);
    expect(t.pipeline.get(stored.id).records[0]!.text).toContain('¿Cómo está');

    // A handler that hashes JSON.stringify(JSON.parse(body)) signs other bytes: refused.
    const reserialised = JSON.stringify(JSON.parse(body));
    const res = await t.post(body, {
      secret: null,
      headers: { 'x-hub-signature-256': signBody(TEST_SECRET, reserialised) },
    });
    expect(res.status).toBe(401);

    // Raw UTF-8 (unescaped) bodies are fine too when signed over their bytes.
    const utf8 = await t.post(reserialised);
    expect(utf8.status).toBe(200);
  });

  it('no app secret configured: accepted as unchecked, with a warning', async () => {
    t = await startTestPipeline({ patch: { 'meta.appSecret': '' } });
    const res = await t.post(triggerBody('text', ctx), { secret: null });
    expect(res.status).toBe(200);
    expect(t.pipeline.get(Number(res.headers.get('x-kreo-event-id'))).signature).toBe('unchecked');
    expect(t.logs.some((l) => l.level === 'warning' && /appSecret is not set/.test(l.msg))).toBe(true);
  });
});

describe('POST refusals', () => {
  it('413 past the 4 MiB limit; a 3 MB payload is accepted', async () => {
    t = await startTestPipeline();
    const big = JSON.stringify({ object: 'whatsapp_business_account', pad: 'x'.repeat(3 * 1000 * 1000) });
    expect((await t.post(big)).status).toBe(200);
    const tooBig = Buffer.alloc(4 * 1024 * 1024 + 10, 0x20);
    const res = await t.post(tooBig);
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe('WEBHOOK_PAYLOAD_TOO_LARGE');
  });

  it('415 for a non-JSON content type or none', async () => {
    t = await startTestPipeline();
    const body = triggerBody('text', ctx);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const res = await t.post(body, { headers: { 'content-type': type } });
      expect(res.status, type).toBe(415);
      expect((await errorOf(res)).code).toBe('WEBHOOK_UNSUPPORTED_MEDIA_TYPE');
    }
    const none = await fetch(t.url(), { method: 'POST', body: new Uint8Array(Buffer.from(body)) });
    expect(none.status).toBe(415);
    const charset = await t.post(body, { headers: { 'content-type': 'application/json; charset=utf-8' } });
    expect(charset.status).toBe(200);
  });

  it('400 for malformed JSON, even when signed', async () => {
    t = await startTestPipeline();
    for (const body of ['{"object":', '', 'nope', '{"a":1}}']) {
      const res = await t.post(body);
      expect(res.status, body).toBe(400);
      expect((await errorOf(res)).code).toBe('WEBHOOK_MALFORMED_JSON');
    }
  });

  it('404 JSON off the webhook path; the path can change at runtime', async () => {
    t = await startTestPipeline();
    const base = new URL(t.url());
    const other = await fetch(new URL('/elsewhere', base), { method: 'POST' });
    expect(other.status).toBe(404);
    expect((await errorOf(other)).code).toBe('NOT_FOUND');
    t.settings.set({ 'webhook.path': '/hooks/whatsapp' });
    expect(t.url()).toMatch(/\/hooks\/whatsapp$/);
    expect((await t.post(triggerBody('text', ctx))).status).toBe(200);
    expect((await fetch(new URL('/webhook', base), { method: 'POST' })).status).toBe(404);
  });

  it('503 with Retry-After when the store cannot write, so Meta retries', async () => {
    t = await startTestPipeline();
    t.pipeline.store!.db.close();
    const res = await t.post(triggerBody('text', ctx));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect((await errorOf(res)).code).toBe('STORE_UNAVAILABLE');
  });
});

describe('runtime settings', () => {
  it('re-listens when server.port changes', async () => {
    const port = await freePort();
    t = await startTestPipeline({ patch: { 'server.port': port }, options: { port: undefined } });
    expect(t.pipeline.listenerAddress()!.port).toBe(port);
    const next = await freePort();
    t.settings.set({ 'server.port': next });
    await waitFor(() => t!.pipeline.listenerAddress()?.port === next, { what: 'new port' });
    expect((await t.post(triggerBody('text', ctx))).status).toBe(200);
    await expect(fetch(`http://127.0.0.1:${port}/webhook`)).rejects.toThrow();
  });

  it('a port in use: start reports it, the rest runs, and a new server.port binds', async () => {
    const first = await startTestPipeline();
    const port = first.pipeline.listenerAddress()!.port;
    try {
      await expect(
        startTestPipeline({ patch: { 'server.port': port }, options: { port: undefined } }),
      ).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/already in use/) });
      t = await startTestPipeline({
        patch: { 'server.port': port },
        options: { port: undefined },
        allowStartError: true,
      });
      expect(t.pipeline.listenerAddress()).toBeNull();
      expect(t.pipeline.listenError()).toMatch(/already in use/);
      expect(t.pipeline.list({ limit: 5 })).toEqual([]); // the store is up
      const next = await freePort();
      t.settings.set({ 'server.port': next });
      await waitFor(() => t!.pipeline.listenerAddress()?.port === next, { what: 'rebind' });
      expect(t.pipeline.listenError()).toBeNull();
    } finally {
      await first.close(true);
    }
  });

  it('an unopenable store: start reports it, handshakes still answer, POSTs get 503', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dataDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'kreo-bad-')), 'data');
    writeFileSync(dataDir, 'a file where the data folder should be');
    await expect(startTestPipeline({ dataDir })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    t = await startTestPipeline({ dataDir, allowStartError: true });
    expect(t.pipeline.storeError()).toBeTruthy();
    const ok = await handshake({
      'hub.mode': 'subscribe',
      'hub.verify_token': TEST_VERIFY_TOKEN,
      'hub.challenge': '7',
    });
    expect(await ok.text()).toBe('7');
    const res = await t.post(triggerBody('text', ctx));
    expect(res.status).toBe(503);
    await expect(t.pipeline.handlers['events:stats'](undefined)).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
  });
});

describe('buildWebhookServer under hostile input (inject)', () => {
  it('never answers 5xx, never leaks a stack, whatever the body and headers', async () => {
    let stored = 0;
    const app = buildWebhookServer({
      path: () => '/webhook',
      verifyToken: () => 'tok',
      appSecret: () => TEST_SECRET,
      ingest: async () => ({ id: ++stored, duplicateOf: null }),
      log: memoryLogger(),
    });
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ maxLength: 2048 }),
          fc.constantFrom(
            'application/json',
            'text/plain',
            'application/json; charset=latin1',
            'application/x+json',
            '',
          ),
          fc.boolean(),
          fc.constantFrom('POST', 'GET', 'PUT', 'DELETE'),
          fc.string({ maxLength: 40 }),
          async (bytes, type, sign, method, query) => {
            const body = Buffer.from(bytes);
            const headers: Record<string, string> = {};
            if (type) headers['content-type'] = type;
            if (sign) headers['x-hub-signature-256'] = signBody(TEST_SECRET, body);
            const res = await app.inject({
              method: method as 'POST',
              url: `/webhook?${encodeURIComponent(query)}`,
              headers,
              payload: method === 'GET' ? undefined : body,
            });
            expect(res.statusCode).toBeLessThan(500);
            expect(res.body).not.toMatch(/\n\s+at /);
          },
        ),
        { numRuns: 150 },
      );
    } finally {
      await app.close();
    }
  });
});
