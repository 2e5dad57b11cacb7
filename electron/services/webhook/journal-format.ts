/**
 * The ingest journal on disk (written by ingest-journal.ts): segment files `<generation>.seg` of checksummed frames,
 * and reading them back after a restart.
 *
 * Frame: u32 magic "KREO" | u32 payload length | u32 crc32(payload) | payload = u32 meta length | meta JSON | body.
 * Meta carries `seq`: consecutive, never reused across restarts (the store keeps the last one it applied), except
 * that after a failed write a later generation rewrites from that write's first number on. A scan of a segment stops
 * at the first missing (zeros), torn, corrupt or out-of-sequence frame: nothing after it was acknowledged.
 */
import { mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';

const MAGIC = 0x4b52454f;
const HEADER = 12;
export const SEGMENT_RE = /^(\d{10})\.seg$/;
/** Files prepared but never used as a segment (no frames): removed at open. */
export const TMP_SUFFIX = '.seg-next';

/** What a frame says about its delivery besides the body (JSON-safe). */
export type FrameMeta = Record<string, unknown> & { seq?: never };

export interface JournalFrame {
  seq: number;
  meta: Record<string, unknown>;
  body: Buffer;
}

export function segmentName(gen: number): string {
  return `${String(gen).padStart(10, '0')}.seg`;
}

export function encodeFrame(seq: number, meta: FrameMeta, body: Buffer): Buffer {
  const json = Buffer.from(JSON.stringify({ ...meta, seq }));
  const frame = Buffer.allocUnsafe(HEADER + 4 + json.length + body.length);
  frame.writeUInt32LE(json.length, HEADER);
  json.copy(frame, HEADER + 4);
  body.copy(frame, HEADER + 4 + json.length);
  const payload = frame.subarray(HEADER);
  frame.writeUInt32LE(MAGIC, 0);
  frame.writeUInt32LE(payload.length, 4);
  frame.writeUInt32LE(crc32(payload), 8);
  return frame;
}

/** The valid frames of one segment, in order; stops at the first missing, torn or out-of-sequence frame. */
export function readSegment(buf: Buffer): JournalFrame[] {
  const frames: JournalFrame[] = [];
  let off = 0;
  while (off + HEADER <= buf.length) {
    if (buf.readUInt32LE(off) !== MAGIC) break;
    const len = buf.readUInt32LE(off + 4);
    if (len < 4 || off + HEADER + len > buf.length) break;
    const payload = buf.subarray(off + HEADER, off + HEADER + len);
    if (crc32(payload) !== buf.readUInt32LE(off + 8)) break;
    const metaLen = payload.readUInt32LE(0);
    if (4 + metaLen > len) break;
    let meta: Record<string, unknown>;
    try {
      meta = JSON.parse(payload.subarray(4, 4 + metaLen).toString('utf8')) as Record<string, unknown>;
    } catch {
      break;
    }
    const seq = meta.seq;
    if (typeof seq !== 'number' || (frames.length > 0 && seq !== frames[frames.length - 1]!.seq + 1)) break;
    frames.push({ seq, meta, body: Buffer.from(payload.subarray(4 + metaLen)) });
    off += HEADER + len;
  }
  return frames;
}

/** A segment file found at start: its generation and the last frame it holds (0: none). */
export interface FoundSegment {
  gen: number;
  file: string;
  lastSeq: number;
}

/**
 * Reads every segment in `dir` (removing files prepared but never used) and returns the frames after `afterSeq`
 * (the last one the store applied) in order, and the segments found, oldest generation first.
 */
export function readJournal(
  dir: string,
  afterSeq: number,
): { frames: JournalFrame[]; segments: FoundSegment[] } {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const name of readdirSync(dir)) if (name.endsWith(TMP_SUFFIX)) unlinkSync(path.join(dir, name));
  const segments = readdirSync(dir)
    .map((name) => SEGMENT_RE.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ gen: Number(m[1]), file: path.join(dir, m[0]) }))
    .sort((a, b) => a.gen - b.gen);
  let frames: JournalFrame[] = [];
  const found: FoundSegment[] = [];
  for (const s of segments) {
    const read = readSegment(readFileSync(s.file));
    if (read.length > 0) {
      // A later generation rewrote everything from its first sequence number on (after a failed write).
      const first = read[0]!.seq;
      frames = frames.filter((f) => f.seq < first).concat(read);
    }
    found.push({ gen: s.gen, file: s.file, lastSeq: read.at(-1)?.seq ?? 0 });
  }
  // Only a gap-free run from the store's position counts; a frame after a gap was never acknowledged.
  const pending: JournalFrame[] = [];
  for (const f of frames) {
    if (f.seq <= afterSeq) continue;
    if (f.seq !== (pending.at(-1)?.seq ?? afterSeq) + 1) break;
    pending.push(f);
  }
  return { frames: pending, segments: found };
}
