/**
 * Fault: the host is killed with SIGKILL in the middle of a stream of signed events (requests in flight), then
 * started again on the same home. Every event that got a 200 before the kill is listed after the restart: the 200
 * is only sent once the event is durably stored. Real processes: `kreo serve` through tsx, real HTTP, real SQLite.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../support/net';
import {
  listedMessageIds,
  messageId,
  sendStream,
  startHostProcess,
  type HostProcess,
  type SendOutcome,
} from './support';

const TOTAL = 400;
const KILL_AFTER_ACKS = 150;

let home: string | undefined;
const hosts: HostProcess[] = [];
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.kill('SIGKILL');
  if (home) rmSync(home, { recursive: true, force: true });
  home = undefined;
});

describe('fault: SIGKILL mid-stream', () => {
  it('lists every event that got a 200 after a restart', async () => {
    home = mkdtempSync(path.join(os.tmpdir(), 'kreo-fault-kill-'));
    const port = await freePort();
    const first = await startHostProcess({ home, webhookPort: port });
    hosts.push(first);

    const run = `kill${Date.now().toString(36)}`;
    let acks = 0;
    let killed: Promise<void> | null = null;
    const outcomes: SendOutcome[] = await sendStream({
      url: () => first.webhookUrl,
      run,
      from: 0,
      to: TOTAL,
      concurrency: 8,
      onOutcome: (o) => {
        if (o.status === 200) acks++;
        // Kill while the other workers still have requests in flight.
        if (acks === KILL_AFTER_ACKS && !killed) killed = first.kill('SIGKILL');
      },
    });
    await killed;
    const exit = await first.exited;
    expect(exit.signal).toBe('SIGKILL');

    const acked = outcomes.filter((o) => o.status === 200);
    const refused = outcomes.filter((o) => o.status !== 200);
    expect(acked.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
    // The kill really happened mid-stream: later events found no host.
    expect(refused.length).toBeGreaterThan(0);
    // Nothing but 200 or "no answer": the host never answered with an error while alive.
    for (const o of refused) expect(o.status, JSON.stringify(o)).toBeNull();

    const second = await startHostProcess({ home, webhookPort: port });
    hosts.push(second);
    const listed = await listedMessageIds(second.client);
    const missing = acked.filter((o) => !listed.has(messageId(run, o.index))).map((o) => o.index);
    expect(missing, `acknowledged but not listed after the restart`).toEqual([]);
    // Each acknowledged event is listed once, with the id its 200 named.
    for (const o of acked) expect(listed.get(messageId(run, o.index))).toBe(1);
    const ids = new Set(acked.map((o) => o.eventId));
    expect(ids.size).toBe(acked.length);

    // The restarted host keeps accepting.
    const after = await sendStream({
      url: () => second.webhookUrl,
      run,
      from: TOTAL,
      to: TOTAL + 20,
      concurrency: 4,
    });
    expect(after.every((o) => o.status === 200)).toBe(true);
    await second.stop();
  }, 120_000);
});
