import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support/wait';
import { followFile, type FollowHandle } from './log-follow';

let dir: string;
let file: string;
const handles: FollowHandle[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'kreo-follow-'));
  file = path.join(dir, 'whatsapp.log');
});
afterEach(async () => {
  for (const h of handles.splice(0)) await h.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** The bound for each poll; generous because the build machines are shared and slow. */
const SOON = { timeoutMs: 3000, everyMs: 10 };

function follow(opts: Parameters<typeof followFile>[2] = {}): { got: string[]; handle: FollowHandle } {
  const got: string[] = [];
  const handle = followFile(file, (lines) => got.push(...lines), { keepAlive: false, ...opts });
  handles.push(handle);
  return { got, handle };
}

describe('followFile', () => {
  it('delivers lines appended after it started, not the ones before, and waits for a full line', async () => {
    writeFileSync(file, 'old 1\nold 2\n');
    const { got, handle } = follow();
    await handle.ready;
    appendFileSync(file, 'new 1\nnew ');
    await waitFor(() => got.length === 1, SOON);
    appendFileSync(file, '2\n');
    await waitFor(() => got.length === 2, SOON);
    expect(got).toEqual(['new 1', 'new 2']);
  });

  it('shows a new line promptly (well under a second, typically a few ms)', async () => {
    writeFileSync(file, '');
    const { got, handle } = follow();
    await handle.ready;
    const started = Date.now();
    appendFileSync(file, 'ping\n');
    await waitFor(() => got.length === 1, SOON);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('still sees lines through the poll alone (file systems where fs.watch is silent)', async () => {
    writeFileSync(file, '');
    const { got, handle } = follow({ watch: false });
    await handle.ready;
    appendFileSync(file, 'a\n');
    await waitFor(() => got.length === 1, SOON);
    expect(got).toEqual(['a']);
  });

  it('survives rotation: finishes the old file, then reads the new one from its start', async () => {
    writeFileSync(file, '');
    const { got, handle } = follow();
    await handle.ready;
    appendFileSync(file, 'before 1\n');
    await waitFor(() => got.length === 1, SOON);
    appendFileSync(file, 'before 2\n');
    renameSync(file, `${file}.1`);
    appendFileSync(`${file}.1`, 'late write to the old file\n');
    writeFileSync(file, 'after 1\n');
    await waitFor(() => got.length === 4, SOON);
    appendFileSync(file, 'after 2\n');
    await waitFor(() => got.length === 5, SOON);
    expect(got).toEqual(['before 1', 'before 2', 'late write to the old file', 'after 1', 'after 2']);
  });

  it('survives truncation and a file that is missing at first', async () => {
    const { got, handle } = follow();
    await handle.ready;
    writeFileSync(file, 'first\n');
    await waitFor(() => got.length === 1, SOON);
    truncateSync(file, 0);
    appendFileSync(file, 'x\n');
    await waitFor(() => got.length === 2, SOON);
    expect(got).toEqual(['first', 'x']);
  });

  it('can start at a given offset (continuing a tail without a gap) and stops after dispose', async () => {
    writeFileSync(file, 'a\nb\n');
    const { got, handle } = follow({ position: 2 });
    await waitFor(() => got.length === 1, SOON);
    expect(got).toEqual(['b']);
    await handle.dispose();
    appendFileSync(file, 'c\n');
    await new Promise((r) => setTimeout(r, 250)); // longer than one poll: nothing may arrive
    expect(got).toEqual(['b']);
  });
});
