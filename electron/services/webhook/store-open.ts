/**
 * Opens the event store (`<data>/events.db`) together with its ingest journal (`<data>/journal/`) and applies the
 * frames the store has not applied yet (acknowledged just before a crash), so whoever reads next (the host, or the
 * CLI while no host runs) sees every acknowledged event.
 */
import path from 'node:path';
import { fromFrame } from './delivery-frame';
import { EventStore } from './event-store';
import { IngestJournal } from './ingest-journal';
import type { JournalFrame } from './journal-format';
import { normaliseBody } from './parser';

export interface OpenedStore {
  store: EventStore;
  journal: IngestJournal;
  /** Frames applied because the store did not have them. */
  recovered: number;
}

/** Frames are applied in transactions of at most this many. */
const CHUNK = 500;

export async function openEventStore(dataDir: string): Promise<OpenedStore> {
  const store = EventStore.open(dataDir);
  try {
    const { journal, frames } = IngestJournal.open(path.join(dataDir, 'journal'), store.journalSeq(), {
      beforeRetire: () => store.committer.write(() => undefined, { durable: true }),
    });
    await applyFrames(store, frames);
    journal.markRecovered();
    journal.applied(store.journalSeq());
    return { store, journal, recovered: frames.length };
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
}

async function applyFrames(store: EventStore, frames: JournalFrame[]): Promise<void> {
  for (let i = 0; i < frames.length; i += CHUNK) {
    const chunk = frames.slice(i, i + CHUNK).map((f) => {
      const row = fromFrame(f);
      return { row, records: normaliseBody(row.body) };
    });
    const [first, last] = [frames[i]!.seq, frames[i + chunk.length - 1]!.seq];
    await store.committer.write(() => store.applyDeliveries(chunk, first, last), { durable: false });
  }
}
