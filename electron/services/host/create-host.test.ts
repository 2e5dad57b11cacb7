import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/net';
import { waitFor } from '../../../test/support/wait';
import type { LogsBatch } from '../../../shared/domain/logs';
import type { SettingsView } from '../../../shared/domain/settings';
import type { TunnelStatus } from '../../../shared/domain/tunnel';
import { clientFor, type ControlClient } from '../control/control-client';
import { readDiscoveryFile, writeDiscoveryFile } from '../control/discovery';
import { FakeNgrokDriver } from '../tunnel/testing';
import { createHost, type Host } from './create-host';

const SOON = { timeoutMs: 5000 };

describe('createHost', () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  const hosts: Host[] = [];
  const clients: ControlClient[] = [];

  beforeEach(async () => {
    home = mkdtempSync(path.join(os.tmpdir(), 'kreo-host-'));
    env = { KREO_SECRETS_BACKEND: 'file', KREO_SERVER_PORT: String(await freePort()) };
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const h of hosts.splice(0)) await h.dispose();
    rmSync(home, { recursive: true, force: true });
  });

  async function make(extra: Partial<Parameters<typeof createHost>[0]> = {}) {
    const driver = new FakeNgrokDriver();
    const host = await createHost({
      home,
      mode: 'headless',
      env,
      keychain: null,
      ngrokDriver: driver,
      ...extra,
    });
    hosts.push(host);
    return { host, driver };
  }
  const connect = (host: Host) => {
    const c = clientFor(host.control!.discovery!);
    clients.push(c);
    return c;
  };

  it('starts, serves the contract on loopback, pushes events, and on dispose stops and removes run/host.json', async () => {
    const { host, driver } = await make();
    await host.start();
    const file = host.paths.discoveryFile;
    const disc = readDiscoveryFile(file)!;
    expect(disc).toMatchObject({ pid: process.pid, port: host.control!.port, mode: 'headless' });
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(host.control!.port).not.toBe(Number(env.KREO_SERVER_PORT));

    const client = connect(host);
    expect(await client.invoke('host:info')).toMatchObject({ mode: 'headless', home, pid: process.pid });
    const statuses: TunnelStatus[] = [];
    const logLines: LogsBatch[] = [];
    client.on('tunnel:status', (s) => statuses.push(s));
    client.on('logs:lines', (b) => logLines.push(b));
    await client.subscribed();

    const online = await client.invoke('tunnel:start', { authtoken: 'one-off-token-abc123' });
    expect(online.state).toBe('online');
    expect(driver.forwards).toHaveLength(1);
    await waitFor(() => statuses.some((s) => s.state === 'online'), SOON);
    // The tunnel's transitions are written to ngrok_manager.log and followed onto the bus.
    await waitFor(
      () => logLines.some((b) => b.file === 'ngrok' && b.lines.some((l) => /online/.test(l.msg))),
      SOON,
    );

    const whatsapp = readFileSync(path.join(host.paths.logsDir, 'whatsapp.log'), 'utf8');
    expect(whatsapp.indexOf('host starting')).toBeLessThan(whatsapp.indexOf('control API listening'));

    await host.dispose();
    expect(existsSync(file)).toBe(false);
    expect(driver.disposed).toBe(true);
    await expect(client.invoke('host:info')).rejects.toMatchObject({ code: 'HOST_NOT_RUNNING' });
    expect(readFileSync(path.join(host.paths.logsDir, 'whatsapp.log'), 'utf8').trimEnd()).toMatch(
      /host stopped"}$/,
    );
  });

  it('invoke: bad input is INVALID_ARGUMENT naming the field; every channel has a real handler', async () => {
    const { host } = await make({ control: false });
    await host.start();
    const bad = await host.invoke('logs:tail', { file: 'nginx', lines: 5 });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.error.code).toBe('INVALID_ARGUMENT');
    expect((bad.error.details!.issues as { path: string }[])[0]!.path).toBe('file');
    expect(JSON.stringify(bad)).not.toContain('    at ');

    const tail = await host.invoke('logs:tail', undefined);
    expect(tail).toMatchObject({ ok: true, value: { file: 'whatsapp' } });

    expect(host.unavailableChannels).toEqual([]);
  });

  it('pushes settings changes masked and applies a new log level', async () => {
    const { host } = await make();
    await host.start();
    const client = connect(host);
    const views: SettingsView[] = [];
    client.on('settings:changed', (v) => views.push(v));
    await client.subscribed();
    const token = 'pushTokenValue1234567890';
    await client.invoke('settings:set', { patch: { 'ngrok.authtoken': token, 'log.level': 'debug' } });
    await waitFor(() => views.length > 0, SOON);
    const last = views.at(-1)!;
    expect((last.values.log as { level: string }).level).toBe('debug');
    expect(last.secrets['ngrok.authtoken']).toEqual({ set: true, masked: '••••••••7890' });
    expect(JSON.stringify(views)).not.toContain(token);
    await expect(
      client.invoke('settings:set', { patch: { 'rateLimit.concurrency': 'abc' } }),
    ).rejects.toMatchObject({ code: 'SETTINGS_INVALID', details: { key: 'rateLimit.concurrency' } });
  });

  it('refuses to start beside a live host on the same home, and replaces a stale discovery file', async () => {
    const file = path.join(home, 'run', 'host.json');
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const { host: first } = await make();
    writeDiscoveryFile(file, {
      pid: dead,
      port: 1,
      token: 'stale-token-0123456789abcdef',
      startedAt: new Date(0).toISOString(),
      version: '0.0.1',
      mode: 'headless',
    });
    await first.start();
    expect(readDiscoveryFile(file)).toMatchObject({ pid: process.pid, port: first.control!.port });

    const { host: second } = await make();
    await expect(second.start()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await second.dispose();
    // The first host's file survives the second one's failed start and dispose.
    expect(readDiscoveryFile(file)).toMatchObject({ port: first.control!.port });
  });

  it('of two hosts started at the same moment on one home, exactly one runs; its lock goes on dispose', async () => {
    const a = await make();
    const b = await make();
    const results = await Promise.allSettled([a.host.start(), b.host.start()]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(failed.reason).toMatchObject({ code: 'UNAVAILABLE' });
    const winner = results[0]!.status === 'fulfilled' ? a.host : b.host;
    const loser = winner === a.host ? b.host : a.host;
    await loser.dispose();
    const lockFile = path.join(home, 'run', 'host.lock');
    expect(JSON.parse(readFileSync(lockFile, 'utf8')).pid).toBe(process.pid);
    expect(readDiscoveryFile(path.join(home, 'run', 'host.json'))).toMatchObject({
      port: winner.control!.port,
    });
    await winner.dispose();
    expect(existsSync(lockFile)).toBe(false);
  });

  it('never takes the webhook port for the control API', async () => {
    const { host } = await make({ controlPort: Number(env.KREO_SERVER_PORT) });
    await expect(host.start()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    // A failed start leaves no lock behind.
    expect(existsSync(path.join(home, 'run', 'host.lock'))).toBe(false);
  });

  it('wires the webhook pipeline: the listener is up on server.port and a triggered event is stored and pushed', async () => {
    const { host } = await make();
    await host.start();
    const port = Number(env.KREO_SERVER_PORT);
    expect(host.info()).toMatchObject({ listening: true, webhookUrl: `http://127.0.0.1:${port}/webhook` });
    const client = connect(host);
    const pushed: number[] = [];
    client.on('events:new', (events) => pushed.push(...events.map((e) => e.id)));
    await client.subscribed();
    const res = await client.invoke('events:trigger', { kind: 'text' });
    expect(res.statusCode).toBe(200);
    const { events } = await client.invoke('events:list', {});
    expect(events.map((e) => e.id)).toContain(res.eventId);
    await waitFor(() => pushed.includes(res.eventId!), SOON);
  });

  it('names a reachable webhook URL when the listener is bound to a wildcard and not listening', async () => {
    env.KREO_SERVER_HOST = '0.0.0.0';
    const { host } = await make({ control: false });
    const port = Number(env.KREO_SERVER_PORT);
    expect(host.info()).toMatchObject({ listening: false, webhookUrl: `http://127.0.0.1:${port}/webhook` });
  });

  it('host:shutdown asks whoever listens, and says no when nobody does', async () => {
    const { host } = await make({ control: false });
    await host.start();
    expect(await host.invoke('host:shutdown', {})).toEqual({ ok: true, value: { stopping: false } });
    let asked = 0;
    host.onDidRequestShutdown(() => asked++);
    expect(await host.invoke('host:shutdown', {})).toEqual({ ok: true, value: { stopping: true } });
    await waitFor(() => asked === 1, SOON);
  });
});
