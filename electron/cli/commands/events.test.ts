/**
 * `kreo events …` and `kreo trigger …` in-process (runCli with captured streams) against a temporary home:
 * list/show read the store file when no host runs; trigger/replay go through a real host's control API.
 */
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/net';
import { waitFor } from '../../../test/support/wait';
import { ensureHome } from '../../services/core/home';
import { createHost, type Host } from '../../services/host/create-host';
import { payloadContext, triggerBody } from '../../services/webhook/meta-payloads';
import { signBody } from '../../services/webhook/signature';
import { startTestPipeline, TEST_SECRET } from '../../services/webhook/test-harness';
import { runKreo, type CliRun } from '../../../test/support/cli';

let home: string;
let env: NodeJS.ProcessEnv;
const cleanup: (() => Promise<void> | void)[] = [];

beforeEach(async () => {
  home = mkdtempSync(path.join(os.tmpdir(), 'kreo-events-cli-'));
  env = { KREO_HOME: home, KREO_SECRETS_BACKEND: 'file', KREO_SERVER_PORT: String(await freePort()) };
});
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
  rmSync(home, { recursive: true, force: true });
});

const kreo = (args: string[]): Promise<CliRun> => runKreo(args, env);

const ctx = payloadContext();

describe('kreo events without a host (reads the store file)', () => {
  it('list (filters, --json) and show', async () => {
    const t = await startTestPipeline({ dataDir: ensureHome(home).dataDir });
    const textBody = triggerBody('text-non-ascii', ctx);
    const text = Number((await t.post(textBody)).headers.get('x-kreo-event-id'));
    const failed = Number((await t.post(triggerBody('status-failed', ctx))).headers.get('x-kreo-event-id'));
    await waitFor(() => t.pipeline.list({ limit: 5 }).every((e) => e.records.length));
    await t.close();

    const human = await kreo(['events', 'list']);
    expect(human.code).toBe(0);
    const lines = human.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      new RegExp(`^#${failed}\\s.*status\\s+failed → 16315551181 .*\\[131026 Message undeliverable\\]`),
    );
    expect(lines[1]).toMatch(/message\s+text from 16315551181: "¡Hola! ¿Cómo está/);

    const json = await kreo(['events', 'list', '--kind', 'message', '--json']);
    const parsed = JSON.parse(json.stdout) as { ok: boolean; value: { events: { id: number }[] } };
    expect(parsed.ok).toBe(true);
    expect(parsed.value.events.map((e) => e.id)).toEqual([text]);
    expect(
      JSON.parse((await kreo(['events', 'list', '--since', '1h', '--limit', '1', '--json'])).stdout).value
        .events,
    ).toHaveLength(1);

    const stats = await kreo(['events', 'stats']);
    expect(stats.stdout).toContain('Events kept:       2 (0 duplicates)');
    expect(stats.stdout).toContain('Waiting for Redis: 0');

    const show = await kreo(['events', 'show', String(failed)]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`Event #${failed} (webhook)`);
    expect(show.stdout).toContain('Signature:  valid');
    expect(show.stdout).toContain('Body (exactly as received):');
    expect(show.stdout).toContain(triggerBody('status-failed', ctx).slice(0, 40));

    // --raw: the body byte for byte on the command's own stdout, nothing else.
    const raw = await kreo(['events', 'show', String(text), '--raw']);
    expect(raw.code).toBe(0);
    expect(raw.stdout).toBe(textBody);
  });

  it('usage errors: bad --since, bad --kind, unknown id', async () => {
    expect((await kreo(['events', 'list', '--since', 'someday'])).code).toBe(2);
    expect((await kreo(['events', 'list', '--kind', 'nope'])).code).toBe(2);
    const missing = await kreo(['events', 'show', '41', '--json']);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout).error.code).toBe('EVENT_NOT_FOUND');
  });
});

describe('kreo trigger / events replay through a running host', () => {
  let host: Host;
  beforeEach(async () => {
    host = await createHost({ mode: 'headless', home, env, keychain: null });
    cleanup.push(() => host.dispose());
    await host.start();
    await host.settings.update({ 'meta.appSecret': TEST_SECRET });
  });

  it('trigger KIND sends a signed event to the listener; list and show see it through the host', async () => {
    const res = await kreo(['trigger', 'button-reply']);
    expect(res.code, res.stderr).toBe(0);
    const id = Number(/stored as event #(\d+)/.exec(res.stdout)![1]);
    expect(res.stdout).toMatch(
      /Sent a signed "button-reply" event to http:\/\/127\.0\.0\.1:\d+\/webhook: HTTP 200/,
    );
    const shown = JSON.parse((await kreo(['events', 'show', String(id), '--json'])).stdout);
    expect(shown.value).toMatchObject({ id, source: 'trigger', signature: 'valid' });
    await waitFor(
      async () =>
        JSON.parse((await kreo(['events', 'show', String(id), '--json'])).stdout).value.records.length,
    );
    const listed = await kreo(['events', 'list']);
    expect(listed.stdout).toMatch(/interactive from 16315551181: "Sí, confirmar"/);
    expect((await kreo(['trigger', 'text', '--via-tunnel', '--json'])).code).toBe(1); // tunnel not running
  });

  it('events replay ID [--body-file] re-sends to forward.url', async () => {
    const hits: { body: string; sig: string | undefined }[] = [];
    const app = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        hits.push({ body, sig: req.headers['x-hub-signature-256'] as string | undefined });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise<void>((r) => app.close(() => r())));
    await host.settings.update({
      'forward.url': `http://127.0.0.1:${(app.address() as AddressInfo).port}/hook`,
    });

    const trig = JSON.parse((await kreo(['trigger', 'text', '--json'])).stdout).value as { eventId: number };
    await waitFor(() => hits.length === 1, { what: 'forwarded' });
    const replay = await kreo(['events', 'replay', String(trig.eventId)]);
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stdout).toContain(`Replayed event #${trig.eventId}: HTTP 200.`);
    expect(hits[1]!.body).toBe(hits[0]!.body);

    const file = path.join(home, 'edited.json');
    writeFileSync(file, hits[0]!.body.replace('Hello', 'Hola editado ñ'));
    const edited = await kreo(['events', 'replay', String(trig.eventId), '--body-file', file]);
    expect(edited.stdout).toMatch(/\(edited, stored as #\d+\): HTTP 200\./);
    expect(hits[2]!.body).toContain('Hola editado \\u00f1');
    expect(hits[2]!.sig).toBe(signBody(TEST_SECRET, hits[2]!.body));
  });
});
