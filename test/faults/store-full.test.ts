/**
 * Fault: the event store cannot write (a full disk). The listener must answer 503 (so Meta retries), never 200, and
 * every 200 it did give must be in the store. Two ways to fill the "disk", both real:
 *  - a real host process started under `ulimit -f` (RLIMIT_FSIZE): once the SQLite files reach the limit the kernel
 *    refuses to grow them (EFBIG; Node ignores SIGXFSZ), exactly like a full filesystem but without root or a tmpfs.
 *    After a restart without the limit, everything acknowledged is listed.
 *  - SQLite's own `max_page_count` on the running pipeline's connection (SQLITE_FULL), then room again: 503 while
 *    full, 200 again after, and the refused events are stored once when Meta retries them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestPipeline, type TestPipeline } from '../../electron/services/webhook/test-harness';
import { freePort } from '../support/net';
import {
  asShellCommand,
  eventBody,
  IGNORE_SIGXFSZ,
  listedMessageIds,
  messageId,
  postSigned,
  startHostProcess,
  type HostProcess,
} from './support';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

describe('fault: the disk fills up under a real host process (ulimit -f)', () => {
  it('answers 503, never a false 200; after a restart every 200 is listed', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'kreo-fault-full-'));
    cleanup.push(() => rmSync(home, { recursive: true, force: true }));
    const port = await freePort();
    // 2 MiB per file (bash counts 1024-byte blocks): room for the settings, the logs and a thousand or more events
    // in the database (written in large batches, so its WAL holds many per page). The ingest journal moves to a
    // new segment when one reaches the limit (that batch gets 503); the database is what fills up for good.
    const limited: HostProcess = await startHostProcess({
      home,
      webhookPort: port,
      nodeArgs: IGNORE_SIGXFSZ,
      wrap: (argv) => ['bash', '-c', `ulimit -f 2048 && exec ${asShellCommand(argv)}`],
    });
    cleanup.push(() => limited.kill('SIGKILL'));

    const run = `full${Date.now().toString(36)}`;
    const statuses: (number | null)[] = [];
    let consecutive503 = 0;
    for (let i = 0; i < 6000 && consecutive503 < 25; i++) {
      const r = await postSigned(limited.webhookUrl, eventBody(run, i));
      statuses.push(r.status);
      consecutive503 = r.status === 503 ? consecutive503 + 1 : 0;
    }
    const acked = statuses.flatMap((s, i) => (s === 200 ? [i] : []));
    const unexpected = statuses.filter((s) => s !== 200 && s !== 503);
    expect(unexpected, 'only 200 or 503').toEqual([]);
    expect(acked.length, 'the store worked before it filled').toBeGreaterThan(10);
    expect(consecutive503, 'the full store was reached and refused with 503').toBe(25);
    // The host itself is still alive and answering.
    await expect(limited.client.invoke('host:info')).resolves.toMatchObject({ listening: true });
    await limited.stop();

    const free = await startHostProcess({ home, webhookPort: port });
    cleanup.push(() => free.kill('SIGKILL'));
    const listed = await listedMessageIds(free.client);
    const lost = acked.filter((i) => !listed.has(messageId(run, i)));
    expect(lost, 'acknowledged but not stored').toEqual([]);
    await free.stop();
  }, 120_000);
});

describe('fault: SQLite reports the database full (max_page_count)', () => {
  let t: TestPipeline | null = null;
  afterEach(async () => {
    await t?.close(true);
    t = null;
  });

  it('503 with Retry-After while full, 200 again once there is room; retried events are stored once', async () => {
    t = await startTestPipeline();
    const db = t.pipeline.store!.db;
    const run = `pages${Date.now().toString(36)}`;
    const post = (i: number) => t!.post(eventBody(run, i));

    const ids = new Map<number, number>(); // index → event id from the 200
    const ok = async (i: number) => {
      const res = await post(i);
      expect(res.status).toBe(200);
      ids.set(i, Number(res.headers.get('x-kreo-event-id')));
      await res.arrayBuffer();
    };
    for (let i = 0; i < 20; i++) await ok(i);
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);

    // Fill what free space the last pages have; from then on every POST is refused.
    const refused: number[] = [];
    const acked: number[] = [];
    for (let i = 20; i < 400 && refused.length < 30; i++) {
      const res = await post(i);
      if (res.status === 503) {
        expect(res.headers.get('retry-after')).toBeTruthy();
        const body = (await res.json()) as { error: { code: string } };
        expect(body.error.code).toBe('STORE_UNAVAILABLE');
        refused.push(i);
      } else {
        expect(res.status).toBe(200);
        // Once refused, never a 200 while the limit stands.
        expect(refused).toEqual([]);
        acked.push(i);
        ids.set(i, Number(res.headers.get('x-kreo-event-id')));
        await res.arrayBuffer();
      }
    }
    expect(refused.length).toBe(30);

    // Room again: new events and Meta's retries of the refused ones are accepted and stored once each.
    db.pragma('max_page_count = 1073741823');
    for (const i of refused) await ok(i);
    // Every acknowledged event is stored byte for byte under the id its 200 named; nothing else was stored.
    // (Reading through the pipeline writes the rows still waiting for their batch first.)
    const stats = t.pipeline.stats();
    const store = t.pipeline.store!;
    for (const [i, id] of ids)
      expect(store.queries.getBody(id)?.body.equals(eventBody(run, i)), `event ${i}`).toBe(true);
    expect(new Set(ids.values()).size).toBe(ids.size);
    expect(stats.total).toBe(ids.size);
    expect(stats.duplicates).toBe(0);
  }, 120_000);
});
