// The child-process driver: its IPC plumbing against small stand-in children, and the real @ngrok/ngrok SDK's
// offline failure paths (a closed port; a silent peer that accepts TCP and never answers). Only 127.0.0.1.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KreoError } from '../../../shared/errors';
import { ChildNgrokDriver, execArgvFor, ngrokChildEntryPath } from './ngrok-child-driver';
import { FakeSettings, RecordingLogger } from './testing';
import { TunnelManager } from './tunnel-manager';
import type { NgrokSessionEvent } from './types';
import { bundleNgrokChild } from '../../../test/support/ngrok-child-bundle';

const TOKEN = 'offlineTestToken_abcdefghijklmnop';
const cleanups: Array<() => unknown> = [];

afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kreo-ngrok-child-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function driver(opts: ConstructorParameters<typeof ChildNgrokDriver>[0] = {}): ChildNgrokDriver {
  const d = new ChildNgrokDriver(opts);
  cleanups.push(() => d.dispose());
  return d;
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** Accepts TCP and never says a word: the SDK's forward() then never settles. */
async function silentPeer(): Promise<{ port: number; accepted: () => number }> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((sock) => {
    accepted++;
    sockets.add(sock);
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });
  return { port: (server.address() as net.AddressInfo).port, accepted: () => accepted };
}

async function timed<T>(p: Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
  const t0 = performance.now();
  try {
    const value = await p;
    return { ms: performance.now() - t0, value };
  } catch (error) {
    return { ms: performance.now() - t0, error };
  }
}

function manager(settings: FakeSettings, startTimeoutMs?: number) {
  const log = new RecordingLogger();
  const m = new TunnelManager({
    settings,
    log,
    driver: new ChildNgrokDriver(),
    ...(startTimeoutMs ? { startTimeoutMs } : {}),
  });
  cleanups.push(() => m.dispose());
  return { m, log };
}

describe('the real SDK through the child driver, offline', () => {
  it('no network (closed port): fails fast with TUNNEL_NO_NETWORK; status and stop answer at once; logged without the token', async () => {
    const settings = new FakeSettings({
      ngrok: { authtoken: TOKEN, serverAddr: `127.0.0.1:${await closedPort()}` },
    });
    const { m, log } = manager(settings);

    const start = await timed(m.start());
    expect(start.error).toBeInstanceOf(KreoError);
    const err = start.error as KreoError;
    expect(err.code).toBe('TUNNEL_NO_NETWORK');
    expect(err.hint).toContain('ngrok.serverAddr');
    console.info(
      `[figures] closed port: start failed after ${start.ms.toFixed(0)} ms (includes forking the helper)`,
    );

    expect(m.status()).toMatchObject({ state: 'error', lastError: { code: 'TUNNEL_NO_NETWORK' } });
    const stop = await timed(m.stop());
    expect(stop.value?.state).toBe('stopped');
    expect(stop.ms).toBeLessThan(2000);
    console.info(`[figures] closed port: stop answered in ${stop.ms.toFixed(1)} ms`);

    expect(log.entries.some((e) => e.level === 'error' && e.obj.code === 'TUNNEL_NO_NETWORK')).toBe(true);
    expect(log.text()).not.toContain(TOKEN);
  });

  it('silent peer: start times out, the helper is reset, a later start fails normally and stop answers fast', async () => {
    const peer = await silentPeer();
    const settings = new FakeSettings({ ngrok: { authtoken: TOKEN, serverAddr: `127.0.0.1:${peer.port}` } });
    const { m, log } = manager(settings, 2500);

    const start = await timed(m.start());
    expect((start.error as KreoError).code).toBe('TUNNEL_START_TIMEOUT');
    expect(peer.accepted()).toBeGreaterThanOrEqual(1);
    expect(m.status().state).toBe('error');
    console.info(`[figures] silent peer: start gave up after ${start.ms.toFixed(0)} ms (timeout 2500 ms)`);

    // In one process the SDK would now be wedged; the fresh helper is not.
    settings.set({ ngrok: { serverAddr: `127.0.0.1:${await closedPort()}` } });
    const again = await timed(m.start());
    expect((again.error as KreoError).code).toBe('TUNNEL_NO_NETWORK');
    console.info(`[figures] after the timeout: next start failed normally in ${again.ms.toFixed(0)} ms`);

    const stop = await timed(m.stop());
    expect(stop.value?.state).toBe('stopped');
    expect(stop.ms).toBeLessThan(2000);
    console.info(`[figures] after the timeout: stop answered in ${stop.ms.toFixed(1)} ms`);
    expect(log.text()).toMatch(/TUNNEL_START_TIMEOUT/);
    expect(log.text()).not.toContain(TOKEN);
  });

  it('stop during a hung start cancels it and kills the helper', async () => {
    const peer = await silentPeer();
    const settings = new FakeSettings({ ngrok: { authtoken: TOKEN, serverAddr: `127.0.0.1:${peer.port}` } });
    const { m } = manager(settings, 20_000);
    const starting = m.start();
    const startOutcome = starting.catch((err: unknown) => err);
    await vi.waitFor(() => expect(peer.accepted()).toBeGreaterThanOrEqual(1), {
      timeout: 15_000,
      interval: 20,
    });
    const stop = await timed(m.stop());
    expect(stop.value?.state).toBe('stopped');
    expect(stop.ms).toBeLessThan(2000);
    expect(await startOutcome).toMatchObject({ code: 'TUNNEL_CANCELLED' });
  });
});

describe('the child entry built to plain JavaScript', () => {
  it('runs under plain Node (no tsx) and reports the SDK’s offline error', async () => {
    const bundled = await bundleNgrokChild();
    cleanups.push(bundled.remove);
    const entry = ngrokChildEntryPath(pathToFileURL(path.join(bundled.dir, 'index.js')).href);
    expect(execArgvFor(entry)).toEqual([]);
    const d = driver({ entryPath: entry });
    const port = await closedPort();
    await expect(
      d.forward({ addr: '127.0.0.1:8000', authtoken: TOKEN, serverAddr: `127.0.0.1:${port}` }),
    ).rejects.toThrow(/failed to establish tcp connection/);
  });
});

describe('ChildNgrokDriver plumbing (stand-in children)', () => {
  function fakeChild(body: string): string {
    const file = path.join(tempDir(), 'fake-child.mjs');
    writeFileSync(file, body);
    return file;
  }

  const WELL_BEHAVED = `
    process.on('disconnect', () => process.exit(0));
    process.on('message', (m) => {
      if (m.type === 'forward') {
        process.send({ type: 'event', event: { type: 'status', status: 'connected' } });
        process.send({ type: 'result', id: m.id, ok: true, url: 'https://fake.ngrok-free.app' });
      } else if (m.type === 'disconnect') {
        process.send({ type: 'result', id: m.id, ok: true });
      }
    });
    process.send({ type: 'not-a-message' });
    process.send({ type: 'ready' });
  `;

  it('forwards, relays events, ignores malformed messages, and reports a child that dies while connected', async () => {
    const d = driver({ entryPath: fakeChild(WELL_BEHAVED) });
    const events: NgrokSessionEvent[] = [];
    d.onEvent((e) => events.push(e));
    expect(await d.forward({ addr: '127.0.0.1:8000', authtoken: 't' })).toEqual({
      url: 'https://fake.ngrok-free.app',
    });
    expect(events).toContainEqual({ type: 'status', status: 'connected' });
    expect(events.some((e) => e.type === 'log' && e.line.includes('malformed'))).toBe(true);

    const pid = d.pid!;
    process.kill(pid, 'SIGKILL');
    await vi.waitFor(() => expect(events.some((e) => e.type === 'ended')).toBe(true), {
      timeout: 5000,
      interval: 10,
    });
    expect(d.pid).toBeNull();

    await d.forward({ addr: '127.0.0.1:8000', authtoken: 't' });
    expect(d.pid).not.toBe(pid);
  });

  it('disconnect ends the helper quietly; reset rejects a pending forward', async () => {
    const d = driver({ entryPath: fakeChild(WELL_BEHAVED) });
    const events: NgrokSessionEvent[] = [];
    d.onEvent((e) => events.push(e));
    await d.forward({ addr: '127.0.0.1:8000', authtoken: 't' });
    await d.disconnect();
    expect(d.pid).toBeNull();
    expect(events.some((e) => e.type === 'ended')).toBe(false);
    await d.disconnect(); // nothing running: resolves at once

    const hung = driver({
      entryPath: fakeChild(
        `process.on('disconnect', () => process.exit(0)); process.on('message', () => {}); process.send({ type: 'ready' });`,
      ),
    });
    const pending = hung.forward({ addr: '127.0.0.1:8000', authtoken: 't' });
    await vi.waitFor(() => expect(hung.pid).not.toBeNull(), { timeout: 5000, interval: 10 });
    await hung.reset();
    await expect(pending).rejects.toThrow(/reset/);
  });

  it('reports a helper that cannot start, with its stderr', async () => {
    const fatal = driver({
      entryPath: fakeChild(
        `process.send({ type: 'fatal', message: 'the ngrok library could not be loaded: boom' }); process.exit(1);`,
      ),
    });
    await expect(fatal.forward({ addr: 'x:1', authtoken: 't' })).rejects.toThrow(/could not be loaded: boom/);

    const crash = driver({
      entryPath: fakeChild(`console.error('Cannot find module @ngrok/ngrok'); process.exit(3);`),
    });
    await expect(crash.forward({ addr: 'x:1', authtoken: 't' })).rejects.toThrow(
      /exited \(code 3\).*Cannot find module/,
    );

    const silent = driver({ entryPath: fakeChild(`setInterval(() => {}, 1000);`), readyTimeoutMs: 300 });
    await expect(silent.forward({ addr: 'x:1', authtoken: 't' })).rejects.toThrow(
      /did not start within 300 ms/,
    );
  });

  it('resolves the child entry for sources (tsx) and for a build (.js beside the bundle)', () => {
    const fromSource = ngrokChildEntryPath();
    expect(fromSource).toMatch(/ngrok-child\.ts$/);
    expect(execArgvFor(fromSource)).toEqual(['--import', expect.stringMatching(/^file:.*tsx.*loader\.mjs$/)]);

    const outMain = tempDir();
    writeFileSync(path.join(outMain, 'ngrok-child.js'), '');
    const bundled = ngrokChildEntryPath(pathToFileURL(path.join(outMain, 'index.js')).href);
    expect(bundled).toBe(path.join(outMain, 'ngrok-child.js'));
    expect(execArgvFor(bundled)).toEqual([]);
  });
});
