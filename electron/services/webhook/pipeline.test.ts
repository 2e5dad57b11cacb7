import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { requests } from '../../../shared/contract';
import { triggerKindSchema, type EventSummary } from '../../../shared/domain/events';
import { KreoError } from '../../../shared/errors';
import { EventStore } from './event-store';
import { IngestJournal } from './ingest-journal';
import { envelope, inbound, messagesValue, payloadContext, statusValue, triggerBody } from './meta-payloads';
import { metaStringify } from './meta-json';
import { signBody } from './signature';
import { startTestPipeline, TEST_SECRET, type TestPipeline } from './test-harness';
import { waitFor } from '../../../test/support/wait';

const open: TestPipeline[] = [];
afterEach(async () => {
  for (const p of open.splice(0)) await p.close(true);
});
async function start(opts: Parameters<typeof startTestPipeline>[0] = {}) {
  const p = await startTestPipeline(opts);
  open.push(p);
  return p;
}

const ctx = payloadContext({ wabaId: '102290129340398', phoneNumberId: '106540352242922' });

function pushedNew(t: TestPipeline): EventSummary[] {
  return t.pushed.filter((m) => m.event === 'events:new').flatMap((m) => m.payload as EventSummary[]);
}

async function idOf(res: Response): Promise<number> {
  expect(res.status).toBe(200);
  return Number(res.headers.get('x-kreo-event-id'));
}

describe('trigger (simulate)', () => {
  it('every TriggerKind is sent signed to the local listener, stored and parsed with the configured ids', async () => {
    const t = await start({ patch: { 'meta.wabaId': ctx.wabaId, 'meta.phoneNumberId': ctx.phoneNumberId } });
    const expected: Record<string, [string, string | null]> = {
      text: ['message', 'text'],
      'text-non-ascii': ['message', 'text'],
      image: ['message', 'image'],
      'button-reply': ['message', 'interactive'],
      'list-reply': ['message', 'interactive'],
      reaction: ['message', 'reaction'],
      location: ['message', 'location'],
      'status-sent': ['status', 'sent'],
      'status-delivered': ['status', 'delivered'],
      'status-read': ['status', 'read'],
      'status-failed': ['status', 'failed'],
      'system-error': ['error', null],
      'template-status': ['template', 'APPROVED'],
    };
    for (const kind of triggerKindSchema.options) {
      const out = await t.pipeline.handlers['events:trigger']({ kind });
      expect(requests['events:trigger'].output.parse(out)).toEqual(out);
      expect(out.statusCode).toBe(200);
      expect(out.target).toBe(t.url());
      const detail = await waitFor(() => {
        const d = t.pipeline.get(out.eventId!);
        return d.records.length ? d : null;
      });
      expect(detail.source).toBe('trigger');
      expect(detail.signature).toBe('valid');
      const r = detail.records[0]!;
      const [kindExpected, detailExpected] = expected[kind]!;
      expect(r.kind, kind).toBe(kindExpected);
      if (r.kind === 'status' || r.kind === 'template') expect(r.status).toBe(detailExpected);
      else if (r.kind === 'message') expect(r.messageType).toBe(detailExpected);
      expect(r.wabaId).toBe(ctx.wabaId);
      if (r.kind !== 'template') expect(r.phoneNumberId).toBe(ctx.phoneNumberId);
    }
  });

  it('falls back to Meta’s dummy test ids; --via-tunnel goes to the public URL (error when down)', async () => {
    let publicBase: string | null = null;
    const t = await start({ publicUrl: () => publicBase });
    const out = await t.pipeline.trigger('text');
    const d = await waitFor(() => t.pipeline.get(out.eventId!).records[0]);
    expect(d).toMatchObject({ wabaId: '0', phoneNumberId: '123456123' });

    await expect(t.pipeline.trigger('text', true)).rejects.toMatchObject({ code: 'TUNNEL_NOT_RUNNING' });
    // Stand-in for the tunnel: the public URL is our own listener's origin.
    publicBase = new URL(t.url()).origin;
    const via = await t.pipeline.trigger('status-read', true);
    expect(via).toMatchObject({ statusCode: 200, target: t.url() });
    expect(via.eventId).toBeGreaterThan(out.eventId!);
  });
});

describe('storage', () => {
  it('one batched POST → one delivery with many records', async () => {
    const t = await start();
    const body = metaStringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: ctx.wabaId,
          changes: [
            {
              field: 'messages',
              value: messagesValue(ctx, [
                inbound(ctx, 'text', { text: { body: 'uno' } }),
                inbound(ctx, 'text', { text: { body: 'dos' } }),
              ]),
            },
            { field: 'messages', value: statusValue(ctx, 'read') },
          ],
        },
      ],
    });
    const id = await idOf(await t.post(body));
    const detail = await waitFor(() => {
      const d = t.pipeline.get(id);
      return d.records.length === 3 ? d : null;
    });
    expect(detail.records.map((r) => r.text ?? r.status)).toEqual(['uno', 'dos', 'read']);
    expect(t.pipeline.stats().total).toBe(1);
  });

  it('a contact without wa_id is stored with its user_id and found by it', async () => {
    const t = await start();
    const contact = { profile: { name: 'Ana' }, user_id: 'US.13491208655302741918' };
    const msg = { id: 'wamid.BSUID1', timestamp: '1', type: 'text', text: { body: 'sin teléfono' } };
    const body = metaStringify(
      envelope(ctx, [{ field: 'messages', value: messagesValue(ctx, [msg], contact) }]),
    );
    const id = await idOf(await t.post(body));
    const found = t.pipeline.list({ party: 'US.13491208655302741918', limit: 10 });
    expect(found.map((e) => e.id)).toEqual([id]);
    expect(found[0]!.records[0]).toMatchObject({ fromType: 'user_id', text: 'sin teléfono' });
  });

  it('duplicates: identical bodies are kept, point at the first, counted, and not queued or forwarded', async () => {
    const received: string[] = [];
    const fakeFetch: typeof fetch = async (_url, init) => {
      received.push(String(init?.headers && (init.headers as Record<string, string>)['x-kreo-event-id']));
      return new Response('ok');
    };
    const t = await start({ patch: { 'forward.url': 'http://127.0.0.1:9/app' }, fetch: fakeFetch });
    const body = triggerBody('text', ctx);
    const first = await idOf(await t.post(body));
    const second = await idOf(await t.post(body));
    const third = await idOf(await t.post(body));
    expect(t.pipeline.get(second)).toMatchObject({ duplicateOf: first, forward: 'none', queued: 'none' });
    expect(t.pipeline.get(third).duplicateOf).toBe(first);
    await waitFor(() => t.pipeline.get(first).forward === 'delivered');
    expect(t.pipeline.get(first).duplicates).toBe(2);
    expect(t.pipeline.stats()).toMatchObject({ total: 3, duplicates: 2, forwardBacklog: 0 });
    expect(received).toEqual([String(first)]);
    const updated = await waitFor(() =>
      t.pushed
        .filter((m) => m.event === 'events:updated')
        .flatMap((m) => m.payload as EventSummary[])
        .find((e) => e.id === first && e.duplicates === 2),
    );
    expect(updated.duplicates).toBe(2);
  });

  it('durability: everything acknowledged before a restart is listed after it, bytes intact', async () => {
    const t = await start();
    const sent = new Map<number, string>();
    const bodies = triggerKindSchema.options.map((k) => triggerBody(k, ctx));
    const responses = await Promise.all(bodies.map((b) => t.post(b)));
    for (let i = 0; i < bodies.length; i++) sent.set(await idOf(responses[i]!), bodies[i]!);
    await t.pipeline.dispose();

    const again = await start({ dataDir: t.dataDir });
    const listed = again.pipeline.list({ limit: 1000 });
    expect(new Set(listed.map((e) => e.id))).toEqual(new Set(sent.keys()));
    for (const [id, body] of sent) expect(again.pipeline.get(id).body).toBe(body);
    expect(listed.every((e) => e.records.length > 0)).toBe(true);
    // Ids keep growing after the restart.
    const next = await idOf(await again.post(triggerBody('text', ctx)));
    expect(next).toBeGreaterThan(Math.max(...sent.keys()));
  });

  it('stopping while POSTs arrive: every 200 is listed after a restart, and the stop logs no error', async () => {
    const t = await start();
    const posts = Array.from({ length: 120 }, () =>
      t.post(triggerBody('text', ctx)).then(
        (r) => (r.status === 200 ? Number(r.headers.get('x-kreo-event-id')) : null),
        () => null, // cut off by the stop: never acknowledged
      ),
    );
    await Promise.race(posts);
    await t.pipeline.dispose();
    const acknowledged = (await Promise.all(posts)).filter((id): id is number => id !== null);
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(t.logs.filter((l) => ['error', 'critical'].includes(l.level))).toEqual([]);

    const again = await start({ dataDir: t.dataDir });
    const listed = new Set(again.pipeline.list({ limit: 1000 }).map((e) => e.id));
    expect(acknowledged.filter((id) => !listed.has(id))).toEqual([]);
  });

  it('an event journaled and acknowledged but not yet in the store (a crash in between) is stored at the next start', async () => {
    const t = await start();
    const first = await idOf(await t.post(triggerBody('text', ctx)));
    await t.pipeline.dispose();
    // What a crash right after the acknowledgement leaves: the frame in the journal, no row in the store.
    const store = EventStore.open(t.dataDir);
    const id = store.nextDeliveryId();
    const body = Buffer.from(triggerBody('reaction', ctx));
    const { journal, frames } = IngestJournal.open(path.join(t.dataDir, 'journal'), store.journalSeq(), {
      beforeRetire: async () => undefined,
    });
    expect(frames).toEqual([]);
    await journal.append(
      {
        id,
        at: Date.now(),
        src: 'webhook',
        sig: 'valid',
        ct: 'application/json',
        h: {},
        t: [false, false],
        dd: true,
      },
      body,
    );
    await journal.close();
    await store.close();
    const again = await start({ dataDir: t.dataDir });
    expect(id).toBeGreaterThan(first);
    expect(again.pipeline.get(id).body).toBe(body.toString());
    expect(again.pipeline.get(id).records[0]).toMatchObject({ kind: 'message', messageType: 'reaction' });
    // Applied once: the next start finds nothing left to apply, and new ids continue after it.
    await again.pipeline.dispose();
    const third = await start({ dataDir: t.dataDir });
    expect(third.pipeline.stats().total).toBe(2);
    expect(await idOf(await third.post(triggerBody('text', ctx)))).toBe(id + 1);
  });

  it('retention prunes by count and age, but never an event still pending in an outbox', async () => {
    const t = await start({
      patch: { 'store.retentionCount': 3, 'forward.url': 'http://127.0.0.1:9/down' },
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
      options: { forward: { baseDelayMs: 60_000, maxDelayMs: 60_000 } },
    });
    const pending = await idOf(await t.post(triggerBody('text', ctx)));
    t.settings.set({ 'forward.url': '' });
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) ids.push(await idOf(await t.post(triggerBody('status-read', ctx))));
    t.settings.set({ 'store.retentionCount': 3 });
    await waitFor(() => t.pipeline.list({ limit: 100 }).length === 4, { what: 'pruning' });
    expect(t.pipeline.list({ limit: 100 }).map((e) => e.id)).toEqual([...ids.slice(-3).reverse(), pending]);
    expect(t.pipeline.outboxBacklog().forward).toBe(1);
    t.settings.set({ 'store.retentionCount': 100, 'store.retentionDays': 0 });
    await waitFor(() => t.pipeline.list({ limit: 100 }).length === 1, { what: 'age pruning' });
    expect(t.pipeline.list({ limit: 100 })[0]!.id).toBe(pending);
  });
});

describe('queries and live feed', () => {
  it('lists with kind / status / messageId / text / since / beforeId filters, newest first', async () => {
    const t = await start();
    const text = await idOf(await t.post(triggerBody('text-non-ascii', ctx)));
    const failed = await idOf(await t.post(triggerBody('status-failed', ctx)));
    const tpl = await idOf(await t.post(triggerBody('template-status', ctx)));
    const list = (input: Parameters<typeof t.pipeline.list>[0]) => t.pipeline.list(input).map((e) => e.id);
    expect(list({ limit: 10 })).toEqual([tpl, failed, text]);
    expect(list({ kind: 'status', limit: 10 })).toEqual([failed]);
    expect(list({ status: 'APPROVED', limit: 10 })).toEqual([tpl]);
    expect(list({ text: 'Cómo', limit: 10 })).toEqual([text]);
    expect(list({ text: '%', limit: 10 })).toEqual([]);
    const wamid = t.pipeline.get(failed).records[0]!.messageId!;
    expect(list({ messageId: wamid, limit: 10 })).toEqual([failed]);
    expect(list({ beforeId: tpl, limit: 1 })).toEqual([failed]);
    expect(list({ since: '1h', limit: 10 })).toHaveLength(3);
    expect(list({ since: new Date(Date.now() + 60_000).toISOString(), limit: 10 })).toEqual([]);
    expect(() => t.pipeline.list({ since: 'yesterday-ish', limit: 10 })).toThrow(KreoError);

    const out = await t.pipeline.handlers['events:list']({ kind: 'message', limit: 5 });
    expect(requests['events:list'].output.parse(out).events.map((e) => e.id)).toEqual([text]);
    const stats = await t.pipeline.handlers['events:stats'](undefined);
    expect(requests['events:stats'].output.parse(stats)).toMatchObject({ total: 3, duplicates: 0 });
    expect(stats.perMinute.reduce((n, m) => n + m.count, 0)).toBe(3);
    const detail = await t.pipeline.handlers['events:get']({ id: failed });
    expect(requests['events:get'].output.parse(detail).records[0]!.errorCodes).toEqual([131026]);
    await expect(t.pipeline.handlers['events:get']({ id: 999 })).rejects.toMatchObject({
      code: 'EVENT_NOT_FOUND',
    });
  });

  it('each accepted event is pushed as events:new with its records', async () => {
    const t = await start();
    const body = triggerBody('image', ctx);
    const id = await idOf(await t.post(body));
    const pushed = await waitFor(() => pushedNew(t).find((e) => e.id === id));
    expect(requests['events:get'].output.shape.records.parse(pushed.records)).toHaveLength(1);
    expect(pushed).toMatchObject({
      signature: 'valid',
      bodySize: Buffer.byteLength(body),
      source: 'webhook',
    });
    expect(pushed.records[0]).toMatchObject({ messageType: 'image', text: 'Foto del recibo' });
    // Refused requests are not pushed.
    await t.post(body, { secret: 'other' });
    await t.post('{"x":', { secret: TEST_SECRET });
    expect(pushedNew(t)).toHaveLength(1);
    expect(signBody(TEST_SECRET, body)).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it('concurrent POSTs are all stored, each acknowledged after a disk flush', async () => {
    const t = await start();
    const bodies = Array.from({ length: 60 }, () => triggerBody('status-delivered', ctx));
    const ids = await Promise.all(bodies.map(async (b) => idOf(await t.post(b))));
    expect(new Set(ids).size).toBe(60);
    const stats = t.pipeline.journal!.stats;
    expect(stats.frames).toBe(60);
    expect(stats.writes).toBeGreaterThan(0);
    expect(t.pipeline.list({ limit: 100 })).toHaveLength(60);
  });
});
