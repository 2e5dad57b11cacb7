import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support/wait';
import { toFrameMeta } from './delivery-frame';
import { EventStore, type JournaledDelivery } from './event-store';
import { IngestJournal } from './ingest-journal';
import { payloadContext, triggerBody } from './meta-payloads';
import { openEventStore } from './store-open';

const ctx = payloadContext({ wabaId: '102290129340398', phoneNumberId: '106540352242922' });
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function delivery(
  id: number,
  kind: 'text' | 'reaction',
  targets = { redis: false, forward: false },
): JournaledDelivery {
  return {
    id,
    receivedAt: Date.now(),
    source: 'webhook',
    signature: 'valid',
    contentType: 'application/json',
    body: Buffer.from(triggerBody(kind, ctx)),
    headers: { 'content-type': 'application/json' },
    targets,
    dedupe: true,
  };
}

/** What a crash right after the acknowledgements leaves: frames in the journal, no rows in the store. */
async function journalOnly(dataDir: string, rows: JournaledDelivery[]): Promise<void> {
  const store = EventStore.open(dataDir);
  const { journal } = IngestJournal.open(path.join(dataDir, 'journal'), store.journalSeq(), {
    beforeRetire: async () => undefined,
  });
  await Promise.all(rows.map((r) => journal.append(toFrameMeta(r), r.body)));
  await journal.close();
  await store.close();
}

describe('openEventStore', () => {
  it('applies acknowledged frames the store lacks, once, with duplicates and outbox rows decided as usual', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kreo-open-'));
    dirs.push(dataDir);
    const text = delivery(1, 'text', { redis: true, forward: false });
    const again = { ...delivery(2, 'text', { redis: true, forward: false }), body: text.body };
    await journalOnly(dataDir, [text, again, delivery(3, 'reaction')]);

    const first = await openEventStore(dataDir);
    expect(first.recovered).toBe(3);
    const listed = first.store.queries.list({ limit: 10 });
    expect(listed.map((e) => [e.id, e.duplicateOf, e.queued])).toEqual([
      [3, null, 'none'],
      [2, 1, 'none'],
      [1, null, 'pending'],
    ]);
    expect(listed[0]!.records[0]).toMatchObject({ kind: 'message', messageType: 'reaction' });
    expect(first.store.backlog()).toEqual({ redis: 1, forward: 0 });
    // The segment that held them goes once they are durably in the store.
    await waitFor(() => readdirSync(path.join(dataDir, 'journal')).length === 0, { what: 'segment retired' });
    await first.journal.close();
    await first.store.close();

    const second = await openEventStore(dataDir);
    expect(second.recovered).toBe(0);
    expect(second.store.queries.stats(Date.now()).total).toBe(3);
    expect(second.store.nextDeliveryId()).toBe(4);
    await second.journal.close();
    await second.store.close();
  });

  it('a reader that opens and closes at once leaves nothing behind: no checkpoint worker starts during close', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kreo-open-'));
    dirs.push(dataDir);
    await journalOnly(dataDir, [delivery(1, 'text')]);
    const applied = await openEventStore(dataDir);
    await applied.journal.close();
    await applied.store.close();

    // As `kreo events list` without a host: open, read, close. The only commit is one close() itself flushes.
    const { store, journal } = await openEventStore(dataDir);
    void store.committer.write(() => undefined, { durable: true });
    await journal.close();
    await store.close();
    // A worker started here would open the file again after close (creating -wal/-shm under a caller deleting
    // the directory) and run on, unawaited.
    expect(store.checkpointer.running).toBe(false);
    expect(readdirSync(dataDir).sort()).toEqual(['events.db', 'journal']);
  });
});
