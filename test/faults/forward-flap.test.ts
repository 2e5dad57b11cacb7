/**
 * Fault: the forward target flaps — it answers 200, then 500s, then refuses connections (its socket closed), then
 * holds requests without answering past the forwarder's timeout — over and over while signed events stream in, and
 * the pipeline is restarted once in the middle. In the end every accepted event reached the target exactly once
 * (the target counts only requests it answered 200), with its original body and signature, and the store shows it
 * delivered with the failed attempts recorded. Real listener, SQLite store and HTTP target; the forwarder's backoff
 * is shortened so the test stays quick.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { signBody } from '../../electron/services/webhook/signature';
import {
  startTestPipeline,
  TEST_SECRET,
  type TestPipeline,
} from '../../electron/services/webhook/test-harness';
import { waitFor } from '../support/wait';
import { eventBody, messageId } from './support';

type Phase = 'up' | 'error' | 'down' | 'hang';
const CYCLE: Phase[] = ['up', 'error', 'down', 'hang'];

/** An HTTP target whose behaviour changes every `phaseMs`. */
class FlappingTarget {
  readonly delivered = new Map<string, number>();
  readonly badSignatures: string[] = [];
  requests = 0;
  phase: Phase = 'up';
  private server: http.Server | null = null;
  private held = new Set<http.ServerResponse>();
  private timer: NodeJS.Timeout | null = null;
  port = 0;

  async start(): Promise<void> {
    await this.listen();
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  flap(phaseMs: number): void {
    let i = 0;
    this.timer = setInterval(() => void this.setPhase(CYCLE[++i % CYCLE.length]!), phaseMs);
  }

  async steady(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.setPhase('up');
  }

  private async setPhase(next: Phase): Promise<void> {
    // Requests held in 'hang' are dropped, never answered later (a late 200 would be a delivery the sender gave up on).
    for (const res of this.held) res.destroy();
    this.held.clear();
    if (next === 'down' && this.server) {
      const s = this.server;
      this.server = null;
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
    if (next !== 'down' && !this.server) await this.listen();
    this.phase = next;
  }

  private listen(): Promise<void> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests++;
        if (this.phase === 'error') return res.writeHead(500).end('flapping');
        if (this.phase === 'hang' || this.phase === 'down') {
          this.held.add(res);
          return;
        }
        const body = Buffer.concat(chunks);
        const id = /"id":"(wamid\.[^"]+)"/.exec(body.toString())?.[1] ?? '?';
        if (req.headers['x-hub-signature-256'] !== signBody(TEST_SECRET, body)) this.badSignatures.push(id);
        this.delivered.set(id, (this.delivered.get(id) ?? 0) + 1);
        res.writeHead(200).end('ok');
      });
    });
    this.server = server;
    return new Promise((resolve) =>
      server.listen(this.port, '127.0.0.1', () => {
        this.port = (server.address() as AddressInfo).port;
        resolve();
      }),
    );
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const res of this.held) res.destroy();
    const s = this.server;
    this.server = null;
    if (s) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  }
}

const TOTAL = 200;
/**
 * Short backoff keeps the test quick. The timeout stays well above any event-loop stall of this shared process: a
 * 200 that arrives after the sender gave up is a real at-least-once duplicate (the receiver can drop it by
 * x-kreo-event-id), not the flapping this test is about. 'hang' requests are dropped at the phase change instead.
 */
const FORWARD = { baseDelayMs: 40, maxDelayMs: 400, timeoutMs: 2_000, concurrency: 4 };

let target: FlappingTarget | null = null;
let pipe: TestPipeline | null = null;
afterEach(async () => {
  await pipe?.close(true);
  await target?.close();
  pipe = target = null;
});

async function postAll(p: TestPipeline, run: string, from: number, to: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = from; i < to; i += 4) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(4, to - i) }, (_, k) => p.post(eventBody(run, i + k))),
    );
    for (const res of batch) {
      expect(res.status).toBe(200);
      ids.push(Number(res.headers.get('x-kreo-event-id')));
      await res.arrayBuffer();
    }
  }
  return ids;
}

describe('fault: a forward target that flaps', () => {
  it('delivers every event exactly once in the end, with attempts recorded, across a restart', async () => {
    target = new FlappingTarget();
    await target.start();
    target.flap(150);
    const run = `flap${Date.now().toString(36)}`;
    const patch = { 'forward.url': target.url };

    pipe = await startTestPipeline({ patch, options: { forward: FORWARD } });
    const dataDir = pipe.dataDir;
    const firstIds = await postAll(pipe, run, 0, TOTAL / 2);
    // A graceful restart while deliveries are pending: the outbox lives in SQLite.
    await pipe.close();
    pipe = await startTestPipeline({ patch, options: { forward: FORWARD }, dataDir });
    const secondIds = await postAll(pipe, run, TOTAL / 2, TOTAL);
    const ids = [...firstIds, ...secondIds];
    expect(new Set(ids).size).toBe(TOTAL);

    // Keep flapping a while longer, then let it settle and wait for the outbox to drain.
    await new Promise((r) => setTimeout(r, 1_000));
    await target.steady();
    const p = pipe;
    await waitFor(() => p.pipeline.outboxBacklog().forward === 0, {
      timeoutMs: 60_000,
      everyMs: 100,
      what: 'the forward outbox to drain',
    });

    const missing: string[] = [];
    const repeated: string[] = [];
    for (let i = 0; i < TOTAL; i++) {
      const n = target.delivered.get(messageId(run, i)) ?? 0;
      if (n === 0) missing.push(messageId(run, i));
      if (n > 1) repeated.push(messageId(run, i));
    }
    expect(missing, 'never delivered').toEqual([]);
    const attemptsOf = (mid: string) =>
      ids.map((id) => p.pipeline.get(id)).find((d) => d.records.some((r) => r.messageId === mid))?.attempts;
    expect(
      repeated,
      `delivered more than once; attempts: ${JSON.stringify(repeated.map((mid) => attemptsOf(mid)))}`,
    ).toEqual([]);
    expect(target.badSignatures).toEqual([]);

    // The store agrees, and the flapping really hit: failed attempts were recorded.
    let retried = 0;
    for (const id of ids) {
      const detail = p.pipeline.get(id);
      expect(detail.forward, `event ${id}`).toBe('delivered');
      const ok = detail.attempts.filter((a) => a.statusCode === 200);
      expect(ok.length, `event ${id} successful attempts`).toBe(1);
      if (detail.attempts.length > 1) retried++;
    }
    expect(retried).toBeGreaterThan(0);
    expect(target.requests).toBeGreaterThan(TOTAL);
  }, 120_000);
});
