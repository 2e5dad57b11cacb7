/** Forwarding to a local target app (real sockets) that fails then recovers, restarts, and replay. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { requests } from '../../../shared/contract';
import { backoffDelay } from '../core/backoff';
import { payloadContext, triggerBody } from './meta-payloads';
import { checkSignature, signBody } from './signature';
import { startTestPipeline, TEST_SECRET, type TestPipeline } from './test-harness';
import { freePort } from '../../../test/support/net';
import { waitFor } from '../../../test/support/wait';

const ctx = payloadContext();
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

interface Hit {
  body: string;
  headers: http.IncomingHttpHeaders;
  answered: number;
}

/** The developer's app: answers `status()` (default 200) and records what it got. */
async function targetApp(port = 0, status: (hit: number) => number = () => 200) {
  const hits: Hit[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answered = status(hits.length);
      hits.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers, answered });
      res.writeHead(answered, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  cleanup.push(close);
  return { hits, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/app/webhook`, close };
}

const FAST = { baseDelayMs: 20, maxDelayMs: 150, timeoutMs: 2_000 };

async function pipeline(forwardUrl: string, dataDir?: string): Promise<TestPipeline> {
  const t = await startTestPipeline({
    patch: { 'forward.url': forwardUrl },
    dataDir,
    options: { forward: FAST },
  });
  cleanup.push(() => t.close());
  return t;
}

async function send(t: TestPipeline, bodies: string[]): Promise<number[]> {
  const ids: number[] = [];
  for (const b of bodies) {
    const res = await t.post(b);
    expect(res.status).toBe(200);
    ids.push(Number(res.headers.get('x-kreo-event-id')));
  }
  return ids;
}

describe('forwarding', () => {
  it('delivers each event with the original body, signature and content type', async () => {
    const app = await targetApp();
    const t = await pipeline(app.url);
    const body = triggerBody('text-non-ascii', ctx);
    const [id] = await send(t, [body]);
    await waitFor(() => t.pipeline.get(id!).forward === 'delivered');
    expect(app.hits).toHaveLength(1);
    const hit = app.hits[0]!;
    expect(hit.body).toBe(body);
    expect(hit.headers['x-hub-signature-256']).toBe(signBody(TEST_SECRET, body));
    expect(checkSignature(TEST_SECRET, hit.headers['x-hub-signature-256'], Buffer.from(hit.body))).toBe(
      'valid',
    );
    expect(hit.headers['content-type']).toBe('application/json');
    expect(hit.headers['x-kreo-event-id']).toBe(String(id));
    const attempts = t.pipeline.get(id!).attempts;
    expect(attempts).toEqual([
      expect.objectContaining({ target: app.url, statusCode: 200, error: null, replay: false }),
    ]);
    expect(attempts[0]!.latencyMs).toBeGreaterThan(0);
  });

  it('a target that fails, then recovers: every event delivered once, every attempt recorded', async () => {
    // 503 for the first 4 requests, then 200.
    const app = await targetApp(0, (n) => (n < 4 ? 503 : 200));
    const t = await pipeline(app.url);
    const bodies = Array.from({ length: 8 }, (_, i) => triggerBody(i % 2 ? 'reaction' : 'status-read', ctx));
    const ids = await send(t, bodies);
    await waitFor(() => ids.every((id) => t.pipeline.get(id).forward === 'delivered'), {
      what: 'all delivered',
      timeoutMs: 20_000,
    });
    const delivered = app.hits.filter((h) => h.answered === 200).map((h) => h.body);
    expect(delivered.sort()).toEqual([...bodies].sort()); // each exactly once
    const attempts = ids.flatMap((id) => t.pipeline.get(id).attempts);
    expect(attempts.filter((a) => a.statusCode === 503)).toHaveLength(4);
    expect(attempts.filter((a) => a.statusCode === 200)).toHaveLength(8);
    expect(attempts.find((a) => a.statusCode === 503)!.error).toBe('HTTP 503');
    expect(t.pipeline.outboxBacklog().forward).toBe(0);
    expect(t.logs.some((l) => l.level === 'warning' && /forward failed \(HTTP 503\)/.test(l.msg))).toBe(true);
  });

  it('a target that is down (connection refused) and comes up later; a restart resumes the outbox', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/hook`;
    const t = await pipeline(url);
    const ids = await send(t, [triggerBody('text', ctx), triggerBody('image', ctx)]);
    await waitFor(() => t.pipeline.get(ids[0]!).attempts.length >= 2, { what: 'failed attempts' });
    const refused = t.pipeline.get(ids[0]!).attempts[0]!;
    expect(refused).toMatchObject({ statusCode: null, replay: false });
    expect(refused.error).toMatch(/ECONNREFUSED/);
    expect((await t.pipeline.handlers['events:stats'](undefined)).forwardBacklog).toBe(2);

    await t.pipeline.dispose();
    const app = await targetApp(port);
    const again = await pipeline(url, t.dataDir);
    await waitFor(() => ids.every((id) => again.pipeline.get(id).forward === 'delivered'), {
      timeoutMs: 20_000,
    });
    expect(app.hits).toHaveLength(2);
  });

  it('a store that cannot record a delivery (full disk) backs off instead of re-sending at once', async () => {
    const hitAt: number[] = [];
    let refuse: (() => void) | null = null;
    const app = await targetApp(0, () => {
      hitAt.push(performance.now());
      refuse?.(); // from the first delivery on, the store refuses to record it
      return 200;
    });
    const t = await pipeline(app.url);
    const db = t.pipeline.store!.db;
    refuse = () => db.pragma('query_only = ON');
    const [id] = await send(t, [triggerBody('text', ctx)]);
    await waitFor(() => hitAt.length >= 4, { what: 'four attempts', timeoutMs: 5_000 });
    // Backoff (FAST: 20 ms base, jitter in [cap/2, cap]): the third wait is at least 40 ms, never a hot loop.
    expect(hitAt[3]! - hitAt[2]!).toBeGreaterThanOrEqual(35);
    refuse = null;
    db.pragma('query_only = OFF');
    await waitFor(() => t.pipeline.get(id!).forward === 'delivered', {
      what: 'recorded once the disk has room',
    });
  });

  it('credentials in forward.url are used but never shown in attempts', async () => {
    const app = await targetApp();
    const withAuth = app.url.replace('http://', 'http://me:s3cret@');
    const t = await pipeline(withAuth);
    const [id] = await send(t, [triggerBody('text', ctx)]);
    await waitFor(() => t.pipeline.get(id!).forward === 'delivered');
    expect(app.hits[0]!.headers.authorization).toBe(`Basic ${Buffer.from('me:s3cret').toString('base64')}`);
    expect(t.pipeline.get(id!).attempts[0]!.target).toBe(app.url);
    expect(JSON.stringify(t.logs)).not.toContain('s3cret');
  });

  it('changing forward.url retargets pending events', async () => {
    const t = await pipeline(`http://127.0.0.1:${await freePort()}/nowhere`);
    const [id] = await send(t, [triggerBody('location', ctx)]);
    await waitFor(() => t.pipeline.get(id!).attempts.length >= 1);
    const app = await targetApp();
    t.settings.set({ 'forward.url': app.url });
    await waitFor(() => t.pipeline.get(id!).forward === 'delivered');
    expect(app.hits).toHaveLength(1);
  });
});

describe('replay', () => {
  it('as received: same bytes and signature, attempt recorded with replay: true', async () => {
    const app = await targetApp();
    const t = await pipeline(app.url);
    const body = triggerBody('button-reply', ctx);
    const [id] = await send(t, [body]);
    await waitFor(() => app.hits.length === 1);
    const out = await t.pipeline.handlers['events:replay']({ id: id! });
    expect(requests['events:replay'].output.parse(out)).toEqual({
      eventId: id,
      statusCode: 200,
      error: null,
    });
    expect(app.hits).toHaveLength(2);
    expect(app.hits[1]!.body).toBe(body);
    expect(app.hits[1]!.headers['x-hub-signature-256']).toBe(signBody(TEST_SECRET, body));
    expect(app.hits[1]!.headers['x-kreo-replay']).toBe('1');
    expect(t.pipeline.get(id!).attempts.map((a) => a.replay)).toEqual([false, true]);
  });

  it('edited: non-ASCII escaped like Meta, re-signed with the app secret, stored as a new replay event', async () => {
    const app = await targetApp();
    const t = await pipeline(app.url);
    const [id] = await send(t, [triggerBody('text', ctx)]);
    await waitFor(() => app.hits.length === 1);
    const edited = JSON.parse(t.pipeline.get(id!).body) as {
      entry: { changes: { value: { messages: { text: { body: string } }[] } }[] }[];
    };
    edited.entry[0]!.changes[0]!.value.messages[0]!.text.body = 'Texto editado: ñandú 🐦';
    const out = await t.pipeline.replay(id!, JSON.stringify(edited));
    expect(out.statusCode).toBe(200);
    expect(out.eventId).not.toBe(id);
    const hit = app.hits[1]!;
    expect(hit.body).toContain('\\u00f1and\\u00fa \\ud83d\\udc26');
    expect(hit.headers['x-hub-signature-256']).toBe(signBody(TEST_SECRET, hit.body));
    const replayed = t.pipeline.get(out.eventId);
    expect(replayed).toMatchObject({
      source: 'replay',
      signature: 'valid',
      duplicateOf: null,
      forward: 'none',
    });
    expect(replayed.headers['x-kreo-replay-of']).toBe(String(id));
    expect(replayed.attempts).toEqual([expect.objectContaining({ replay: true, statusCode: 200 })]);
    await waitFor(() => t.pipeline.get(out.eventId).records.length);
    expect(t.pipeline.get(out.eventId).records[0]!.text).toBe('Texto editado: ñandú 🐦');
    // Replaying the same edit twice is not a "duplicate".
    const again = await t.pipeline.replay(id!, JSON.stringify(edited));
    expect(t.pipeline.get(again.eventId).duplicateOf).toBeNull();
  });

  it('errors: no forward URL, unknown id, invalid edited JSON; a failing target is reported, not thrown', async () => {
    const t = await startTestPipeline();
    cleanup.push(() => t.close(true));
    const [id] = await send(t, [triggerBody('text', ctx)]);
    await expect(t.pipeline.replay(id!)).rejects.toMatchObject({ code: 'FORWARD_NOT_CONFIGURED' });
    t.settings.set({ 'forward.url': `http://127.0.0.1:${await freePort()}/x` });
    await expect(t.pipeline.replay(9999)).rejects.toMatchObject({ code: 'EVENT_NOT_FOUND' });
    await expect(t.pipeline.replay(id!, '{nope')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const down = await t.pipeline.replay(id!);
    expect(down).toMatchObject({ eventId: id, statusCode: null });
    expect(down.error).toMatch(/ECONNREFUSED/);
  });
});

describe('backoffDelay', () => {
  it('grows exponentially with jitter in [cap/2, cap], capped', () => {
    const o = { baseMs: 100, maxMs: 1_000 };
    expect(backoffDelay(1, { ...o, random: () => 0 })).toBe(50);
    expect(backoffDelay(1, { ...o, random: () => 1 })).toBe(100);
    expect(backoffDelay(3, { ...o, random: () => 1 })).toBe(400);
    expect(backoffDelay(30, { ...o, random: () => 0.5 })).toBe(750);
  });
});
