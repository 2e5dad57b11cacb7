import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support/wait';
import { durableWrite, IngestJournal } from './ingest-journal';
import { encodeFrame, readJournal, readSegment } from './journal-format';

const dirs: string[] = [];
const journals: IngestJournal[] = [];
afterEach(async () => {
  for (const j of journals.splice(0)) await j.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kreo-journal-'));
  dirs.push(dir);
  return dir;
}

function openJournal(dir: string, afterSeq = 0, segmentBytes = 4096) {
  const opened = IngestJournal.open(dir, afterSeq, { segmentBytes, beforeRetire: async () => undefined });
  journals.push(opened.journal);
  return opened;
}

const body = (i: number) => Buffer.from(JSON.stringify({ n: i, text: `¿Cómo está? ${i}` }));
const segments = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.seg'))
    .sort();

describe('ingest journal', () => {
  it('acknowledges appends with consecutive sequence numbers and gives back the frames after a restart', async () => {
    const dir = tempDir();
    const { journal, frames } = openJournal(dir);
    expect(frames).toEqual([]);
    const seqs = await Promise.all(
      Array.from({ length: 30 }, (_, i) => journal.append({ id: i + 1 }, body(i))),
    );
    expect(seqs).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(journal.stats.frames).toBe(30);
    expect(journal.stats.writes).toBeLessThan(30); // one write per event-loop turn, not per append
    await journal.close();

    const again = openJournal(dir, 10);
    expect(again.frames.map((f) => f.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 11));
    expect(again.frames[0]!.meta).toMatchObject({ id: 11 });
    expect(again.frames[0]!.body.equals(body(10))).toBe(true);
    // Sequence numbers continue after the last frame found.
    expect(await again.journal.append({ id: 31 }, body(30))).toBe(31);
  });

  it('rolls over to a new segment past its size and deletes segments once applied', async () => {
    const dir = tempDir();
    const retired: number[] = [];
    const { journal } = IngestJournal.open(dir, 0, {
      segmentBytes: 1024,
      beforeRetire: async () => {
        retired.push(Date.now());
      },
    });
    journals.push(journal);
    for (let i = 0; i < 40; i++) await journal.append({ id: i + 1 }, body(i));
    expect(journal.stats.segments).toBeGreaterThan(2);
    const before = segments(dir).length;
    journal.applied(20);
    await waitFor(() => segments(dir).length < before, { what: 'applied segments deleted' });
    expect(retired.length).toBeGreaterThan(0); // the store's commits were made durable first
    journal.applied(40);
    // Only the segment being written (and the one prepared ahead) remain.
    await waitFor(() => segments(dir).length <= 2, { what: 'all closed segments deleted' });
    await journal.close();
    expect(openJournal(dir, 40).frames).toEqual([]);
  });

  it('close() waits for a retirement under way: no segment is deleted after the journal has closed', async () => {
    const dir = tempDir();
    const first = openJournal(dir);
    await Promise.all([1, 2].map((i) => first.journal.append({ id: i }, body(i))));
    await first.journal.close();
    expect(segments(dir)).toHaveLength(1);

    // Reopened as a reader does: the store has applied both frames, its durable commit is still on its way.
    let commitDurable!: () => void;
    const { journal } = IngestJournal.open(dir, 2, {
      beforeRetire: () => new Promise<void>((resolve) => (commitDurable = resolve)),
    });
    journals.push(journal);
    journal.markRecovered();
    journal.applied(2);
    const closing = journal.close();
    commitDurable();
    await closing;
    expect(segments(dir)).toEqual([]);
  });

  it('after many rotations with segments prepared ahead, a restart finds every frame in order', async () => {
    const dir = tempDir();
    const { journal } = openJournal(dir, 0, 2048);
    journal.prepareAhead();
    for (let round = 0; round < 20; round++)
      await Promise.all(
        Array.from({ length: 10 }, (_, i) => journal.append({ id: round * 10 + i + 1 }, body(i))),
      );
    expect(journal.stats.segments).toBeGreaterThan(4);
    await journal.close();
    // Nothing but segments is left (the file prepared ahead is removed at close).
    expect(readdirSync(dir).every((f) => f.endsWith('.seg'))).toBe(true);
    const { frames } = openJournal(dir, 0);
    expect(frames.map((f) => f.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(frames.map((f) => f.meta.id)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  it('a scan stops at a torn or corrupt frame: what follows was never acknowledged', () => {
    const frames = [1, 2, 3].map((seq) => encodeFrame(seq, { id: seq }, body(seq)));
    const whole = Buffer.concat(frames);
    expect(readSegment(whole).map((f) => f.seq)).toEqual([1, 2, 3]);
    // Torn tail: the last frame half written.
    expect(readSegment(whole.subarray(0, whole.length - 10)).map((f) => f.seq)).toEqual([1, 2]);
    // A flipped byte in the second frame's body.
    const corrupt = Buffer.from(whole);
    corrupt.writeUInt8(corrupt.readUInt8(frames[0]!.length + 30) ^ 0xff, frames[0]!.length + 30);
    expect(readSegment(corrupt).map((f) => f.seq)).toEqual([1]);
    // Zeros (a prepared segment's unwritten space) end the scan; so does a frame out of sequence.
    expect(readSegment(Buffer.concat([frames[0]!, Buffer.alloc(4096)])).map((f) => f.seq)).toEqual([1]);
    expect(readSegment(Buffer.concat([frames[0]!, frames[2]!])).map((f) => f.seq)).toEqual([1]);
  });

  it('a later segment replaces frames from its first sequence number on; a gap ends what counts', () => {
    const dir = tempDir();
    const seg = (gen: number, seqs: number[]) =>
      writeFileSync(
        path.join(dir, `${String(gen).padStart(10, '0')}.seg`),
        Buffer.concat(seqs.map((s) => encodeFrame(s, { id: s, gen }, body(s)))),
      );
    // Generation 1 wrote 1–5, but the write of 4–5 failed (503) and generation 2 rewrote from 4.
    seg(1, [1, 2, 3, 4, 5]);
    seg(2, [4, 5, 6]);
    seg(3, []);
    const { frames } = openJournal(dir, 0);
    expect(frames.map((f) => [f.seq, f.meta.gen])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 2],
      [5, 2],
      [6, 2],
    ]);
    // After a gap (7 missing) nothing counts: it cannot have been acknowledged.
    const gapDir = tempDir();
    writeFileSync(
      path.join(gapDir, '0000000001.seg'),
      Buffer.concat([1, 2].map((s) => encodeFrame(s, { id: s }, body(s)))),
    );
    writeFileSync(path.join(gapDir, '0000000002.seg'), encodeFrame(8, { id: 8 }, body(8)));
    expect(openJournal(gapDir, 0).frames.map((f) => f.seq)).toEqual([1, 2]);
  });

  it('a failed write rejects its appends; the journal goes on in a new segment and reuses their numbers', async () => {
    const dir = tempDir();
    let failNext = false;
    const { journal } = IngestJournal.open(dir, 0, {
      beforeRetire: async () => undefined,
      writeAt: (fd, buf, position) =>
        failNext ? ((failNext = false), Promise.reject(new Error('EIO'))) : durableWrite(fd, buf, position),
    });
    journals.push(journal);
    expect(await journal.append({ id: 1 }, body(1))).toBe(1);
    failNext = true;
    await expect(journal.append({ id: 2 }, body(2))).rejects.toThrow('EIO');
    expect(await journal.append({ id: 3 }, body(3))).toBe(2);
    expect(journal.stats.segments).toBe(2);
    await journal.close();
    const { frames } = openJournal(dir);
    expect(frames.map((f) => [f.seq, f.meta.id])).toEqual([
      [1, 1],
      [2, 3],
    ]);
  });

  it('a write failing on the previous segment after a later batch landed in the next: no acknowledged frame is lost', async () => {
    const dir = tempDir();
    let failFirst!: (err: Error) => void;
    let calls = 0;
    let landed = 0;
    const { journal } = IngestJournal.open(dir, 0, {
      segmentBytes: 4096,
      beforeRetire: async () => undefined,
      writeAt: (fd, buf, position) => {
        calls += 1;
        if (calls === 1) return new Promise<void>((_, reject) => (failFirst = reject)); // A: in flight, then EIO
        return durableWrite(fd, buf, position).then(() => void (landed += 1));
      },
    });
    journals.push(journal);
    const a = journal.append({ id: 1 }, Buffer.alloc(5000, 97)); // fills the first segment
    await waitFor(() => calls === 1, { what: "A's write started" });
    const b = journal.append({ id: 2 }, body(2)); // written to the next segment while A is in flight
    await waitFor(() => landed === 1, { what: "B's write on disk" });
    failFirst(new Error('EIO'));
    await expect(a).rejects.toThrow('EIO');
    await expect(b).rejects.toThrow('EIO'); // acknowledged in write order: after A, so it fails with it
    expect(await journal.append({ id: 3 }, body(3))).toBe(1);
    expect(await journal.append({ id: 4 }, body(4))).toBe(2);

    // A crash now (the journal is not closed): a restart's scan finds exactly the acknowledged frames.
    expect(readJournal(dir, 0).frames.map((f) => [f.seq, f.meta.id])).toEqual([
      [1, 3],
      [2, 4],
    ]);
    expect(readJournal(dir, 1).frames.map((f) => [f.seq, f.meta.id])).toEqual([[2, 4]]);
  });
});
