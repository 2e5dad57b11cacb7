/**
 * A real webhook pipeline for tests and benchmarks: temp data dir, in-memory settings, capturing logger, a real
 * EventBus, the listener on 127.0.0.1 and a free port. `post()` sends bytes signed like Meta would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SettingsPatch } from '../../../shared/settings-schema';
import { EventBus, type BusMessage } from '../core/event-bus';
import { createWebhookPipeline, type WebhookPipeline, type WebhookPipelineOptions } from './pipeline';
import { signBody } from './signature';
import { FakeSettings, memoryLogger, type LogEntry } from './test-support';

export const TEST_SECRET = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6';
export const TEST_VERIFY_TOKEN = 'kreo-verify-123';

export interface TestPipeline {
  pipeline: WebhookPipeline;
  settings: FakeSettings;
  logs: LogEntry[];
  bus: EventBus;
  pushed: BusMessage[];
  dataDir: string;
  url(): string;
  /** POSTs `body` signed with `secret` (default TEST_SECRET; null → no signature header). */
  post(
    body: string | Buffer,
    opts?: { secret?: string | null; headers?: Record<string, string> },
  ): Promise<Response>;
  /** Disposes the pipeline (keeps the data dir unless `removeData`). */
  close(removeData?: boolean): Promise<void>;
}

export async function startTestPipeline(
  opts: {
    patch?: SettingsPatch;
    options?: WebhookPipelineOptions;
    dataDir?: string;
    publicUrl?: () => string | null;
    fetch?: typeof fetch;
    /** Keep going when start() reports a failure (taken port, unopenable store). */
    allowStartError?: boolean;
  } = {},
): Promise<TestPipeline> {
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'kreo-webhook-'));
  const settings = new FakeSettings({
    'server.host': '127.0.0.1',
    'meta.appSecret': TEST_SECRET,
    'meta.verifyToken': TEST_VERIFY_TOKEN,
    ...opts.patch,
  });
  const logs: LogEntry[] = [];
  const bus = new EventBus();
  const pushed: BusMessage[] = [];
  bus.subscribe((m) => pushed.push(m));
  const pipeline = createWebhookPipeline({
    settings,
    log: memoryLogger(logs),
    bus,
    dataDir,
    publicUrl: opts.publicUrl ?? (() => null),
    fetch: opts.fetch,
    options: { port: 0, ...opts.options },
  });
  try {
    await pipeline.start();
  } catch (err) {
    if (!opts.allowStartError) {
      await pipeline.dispose();
      throw err;
    }
  }
  const url = () => {
    const addr = pipeline.listenerAddress();
    if (!addr) throw new Error(`listener not bound: ${pipeline.listenError()}`);
    return addr.url;
  };
  return {
    pipeline,
    settings,
    logs,
    bus,
    pushed,
    dataDir,
    url,
    async post(body, o = {}) {
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      const headers: Record<string, string> = { 'content-type': 'application/json', ...o.headers };
      const secret = o.secret === undefined ? TEST_SECRET : o.secret;
      if (secret !== null) headers['x-hub-signature-256'] = signBody(secret, bytes);
      return fetch(url(), { method: 'POST', body: bytes, headers });
    },
    async close(removeData = false) {
      await pipeline.dispose();
      bus.dispose();
      if (removeData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
