/**
 * Tunnel figures with no network (only 127.0.0.1): how fast a start fails against a closed port, how fast status and
 * stop answer right after, and how a silent peer (accepts TCP, never answers) is cut off by the start timeout and
 * recovered from. Helper child from TypeScript (tsx) vs bundled plain JS, as in the built app.
 * Targets: `kreo ngrok start` fails within 30 s; status and stop answer within 2 s after a failure.
 * Run: npx tsx bench/tunnel-offline.ts
 */
import net from 'node:net';
import { ChildNgrokDriver, ngrokChildEntryPath } from '../electron/services/tunnel/ngrok-child-driver';
import { FakeSettings, RecordingLogger } from '../electron/services/tunnel/testing';
import { TunnelManager } from '../electron/services/tunnel/tunnel-manager';
import { bundleNgrokChild } from '../test/support/ngrok-child-bundle';

const START_TIMEOUT_MS = 3000;
const RUNS = 5;

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function ms(work: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await work().catch(() => undefined);
  return performance.now() - t;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const f = (x: number) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;

async function figures(label: string, entryPath: string) {
  const settings = new FakeSettings({
    ngrok: { authtoken: 'benchToken_123456', serverAddr: `127.0.0.1:${await closedPort()}` },
  });
  const manager = new TunnelManager({
    settings,
    log: new RecordingLogger(),
    driver: new ChildNgrokDriver({ entryPath }),
    startTimeoutMs: START_TIMEOUT_MS,
  });
  const starts: number[] = [];
  const statuses: number[] = [];
  const stops: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    starts.push(await ms(() => manager.start()));
    const t = performance.now();
    manager.status();
    statuses.push(performance.now() - t);
    stops.push(await ms(() => manager.stop()));
  }

  // Silent peer: accepted, never answered.
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((s) => sockets.add(s.on('error', () => undefined)));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  settings.set({ ngrok: { serverAddr: `127.0.0.1:${(silent.address() as net.AddressInfo).port}` } });
  const timeout = await ms(() => manager.start());
  const stopAfterTimeout = await ms(() => manager.stop());
  settings.set({ ngrok: { serverAddr: `127.0.0.1:${await closedPort()}` } });
  const nextStart = await ms(() => manager.start());
  const nextStop = await ms(() => manager.stop());
  for (const s of sockets) s.destroy();
  silent.close();
  await manager.dispose();

  console.log(`\n${label}`);
  console.log(
    `  closed port: start fails in ${f(median(starts))} median of ${RUNS} (each forks a fresh helper)`,
  );
  console.log(`  right after: status ${f(median(statuses))}, stop ${f(median(stops))} (target 2000 ms)`);
  console.log(
    `  silent peer: start gives up after ${f(timeout)} (timeout ${START_TIMEOUT_MS} ms), stop ${f(stopAfterTimeout)}`,
  );
  console.log(`  then: a start against a closed port fails in ${f(nextStart)}, stop ${f(nextStop)}`);
  return median(starts);
}

const tsxStart = await figures('helper from TypeScript (tsx)', ngrokChildEntryPath());

const bundled = await bundleNgrokChild();
try {
  const jsStart = await figures('helper bundled to plain JS (as built)', bundled.file);
  console.log(`\nratio tsx / built helper, failed start: ${(tsxStart / jsStart).toFixed(1)}x`);
} finally {
  bundled.remove();
}
