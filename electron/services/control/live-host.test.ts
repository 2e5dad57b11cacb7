import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/net';
import { isPidAlive, writeDiscoveryFile, type DiscoveryInfo } from './discovery';
import { identifyHost, lookupHost } from './live-host';

const TOKEN = 'live-host-token-0123456789abcdef';

describe('lookupHost', () => {
  let dir: string;
  let file: string;
  const children: ChildProcess[] = [];
  const servers: net.Server[] = [];

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kreo-live-host-'));
    file = path.join(dir, 'host.json');
  });
  afterEach(async () => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
    for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const info = (pid: number, port: number): DiscoveryInfo => ({
    pid,
    port,
    token: TOKEN,
    startedAt: new Date().toISOString(),
    version: '0.1.0',
    mode: 'headless',
  });

  /** A live process that is not KREO: what a reused pid looks like. */
  function otherProcess(): number {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)'], { stdio: 'ignore' });
    children.push(child);
    return child.pid!;
  }

  /** A loopback server answering host:info as a host with `pid` would (only with the right token). */
  async function fakeHost(pid: number): Promise<number> {
    const server = http.createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        res.statusCode = 401;
        res.end(JSON.stringify({ ok: false, error: { code: 'UNAUTHORIZED', message: 'no' } }));
        return;
      }
      const value = {
        version: '0.1.0',
        mode: 'headless',
        pid,
        home: dir,
        startedAt: '',
        webhookUrl: '',
        listening: true,
      };
      res.end(JSON.stringify({ ok: true, value }));
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as net.AddressInfo).port;
  }

  it('a live host answering as its own pid is live, and the file stays', async () => {
    const port = await fakeHost(process.pid);
    writeDiscoveryFile(file, info(process.pid, port));
    expect(await lookupHost(file)).toMatchObject({ state: 'live', info: { pid: process.pid, port } });
    expect(existsSync(file)).toBe(true);
  });

  it('a dead pid is stale: the file is removed', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    writeDiscoveryFile(file, info(dead, await freePort()));
    expect(await lookupHost(file)).toMatchObject({ state: 'none', removed: { pid: dead } });
    expect(existsSync(file)).toBe(false);
  });

  it('a reused pid (alive, nothing listening on the port) is stale: removed, never counted as a host', async () => {
    const pid = otherProcess();
    writeDiscoveryFile(file, info(pid, await freePort()));
    expect(await lookupHost(file)).toMatchObject({ state: 'none', removed: { pid } });
    expect(existsSync(file)).toBe(false);
    expect(isPidAlive(pid)).toBe(true);
  });

  it('a host answering with another pid, or refusing the token, is not the one the file names', async () => {
    const pid = otherProcess();
    const port = await fakeHost(process.pid);
    expect(await identifyHost(info(pid, port))).toBe('other');
    expect(await identifyHost({ ...info(process.pid, port), token: 'another-token-0123456789abcdef' })).toBe(
      'other',
    );
    writeDiscoveryFile(file, info(pid, port));
    expect((await lookupHost(file)).state).toBe('none');
    expect(existsSync(file)).toBe(false);
  });

  it('a port that accepts but never answers is silent: reported, the file kept', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => sockets.push(socket));
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    writeDiscoveryFile(file, info(process.pid, port));
    expect(await lookupHost(file, { timeoutMs: 200 })).toMatchObject({ state: 'silent' });
    expect(existsSync(file)).toBe(true);
    for (const socket of sockets) socket.destroy();
  });
});
