import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support/wait';
import { tunnelStatusSchema, type TunnelStatus } from '../../../shared/domain/tunnel';
import { KreoError } from '../../../shared/errors';
import { deferred, FakeNgrokDriver, FakeSettings, RecordingLogger } from './testing';
import { TunnelManager, type TunnelManagerOptions } from './tunnel-manager';

const TOKEN = 'settingsTokenAbcdef1234567890';
const ONE_OFF = 'oneOffTokenZyxw9876543210';

interface Rig {
  manager: TunnelManager;
  driver: FakeNgrokDriver;
  settings: FakeSettings;
  log: RecordingLogger;
  statuses: TunnelStatus[];
  clock: { t: number };
}

const rigs: Rig[] = [];
const tempDirs: string[] = [];

function rig(
  opts: { settings?: ConstructorParameters<typeof FakeSettings>[0] } & Omit<
    Partial<TunnelManagerOptions>,
    'settings'
  > = {},
): Rig {
  const { settings: settingsValues, ...managerOpts } = opts;
  const driver = new FakeNgrokDriver();
  const settings = new FakeSettings(settingsValues ?? { ngrok: { authtoken: TOKEN } });
  const log = new RecordingLogger();
  const clock = { t: Date.parse('2026-11-28T10:00:00.000Z') };
  const manager = new TunnelManager({
    settings,
    log,
    driver,
    now: () => clock.t,
    ...managerOpts,
  });
  const statuses: TunnelStatus[] = [];
  manager.onDidChangeStatus((s) => statuses.push(s));
  const r = { manager, driver, settings, log, statuses, clock };
  rigs.push(r);
  return r;
}

async function rejection(p: Promise<unknown>): Promise<KreoError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(KreoError);
    return err as KreoError;
  }
  throw new Error('expected a rejection');
}

afterEach(async () => {
  for (const r of rigs.splice(0)) await r.manager.dispose();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('TunnelManager state machine', () => {
  it('starts: stopped → starting → online, forwarding to server.host:server.port with the settings token', async () => {
    const { manager, driver, statuses, clock } = rig();
    expect(manager.status().state).toBe('stopped');

    const status = await manager.start();
    expect(statuses.map((s) => s.state)).toEqual(['starting', 'online']);
    expect(driver.forwards).toEqual([{ addr: '127.0.0.1:8000', authtoken: TOKEN }]);
    expect(status).toMatchObject({
      state: 'online',
      url: 'https://random-1234.ngrok-free.app',
      localTarget: 'http://127.0.0.1:8000',
      domain: null,
      startedAt: '2026-11-28T10:00:00.000Z',
      uptimeMs: 0,
      lastError: null,
      connection: 'connected',
    });
    expect(status.connectionChanges.map((c) => c.status)).toEqual(['connected']);
    expect(() => tunnelStatusSchema.parse(status)).not.toThrow();

    clock.t += 65_000;
    expect(manager.status().uptimeMs).toBe(65_000);
  });

  it('stops: online → stopping → stopped, disconnecting the driver', async () => {
    const { manager, driver, statuses } = rig();
    await manager.start({ port: 3000 });
    const status = await manager.stop();
    expect(statuses.map((s) => s.state)).toEqual(['starting', 'online', 'stopping', 'stopped']);
    expect(driver.disconnects).toBe(1);
    expect(status).toMatchObject({
      state: 'stopped',
      url: null,
      startedAt: null,
      uptimeMs: null,
      connection: null,
    });
    expect(status.connectionChanges.map((c) => c.status)).toEqual(['connected', 'disconnected']);
    // Stopping again is a no-op that answers the status.
    expect((await manager.stop()).state).toBe('stopped');
    expect(driver.disconnects).toBe(1);
  });

  it('follows server.port while online: restarts forwarding to the new port (not when started with --port)', async () => {
    const { manager, driver, settings } = rig();
    await manager.start();
    await settings.update({ 'server.port': 8010 });
    await waitFor(() => driver.forwards.length === 2 && manager.status().state === 'online', {
      what: 'the restart on the new port',
    });
    expect(driver.forwards[1]).toMatchObject({ addr: '127.0.0.1:8010' });
    expect(manager.status().localTarget).toBe('http://127.0.0.1:8010');

    await manager.stop();
    await manager.start({ port: 3000 });
    await settings.update({ 'server.port': 8020 });
    expect(manager.status().state).toBe('online'); // an explicit --port is kept: no restart began
    expect(driver.forwards.at(-1)).toMatchObject({ addr: '127.0.0.1:3000' });
  });

  it('logs every transition to the ngrok logger', async () => {
    const { manager, log } = rig();
    await manager.start();
    await manager.stop();
    const transitions = log.entries
      .filter((e) => e.msg.startsWith('tunnel '))
      .map((e) => `${e.obj.from}>${e.obj.to}`);
    expect(transitions).toEqual([
      'stopped>starting',
      'starting>online',
      'online>stopping',
      'stopping>stopped',
    ]);
  });

  it('turns a bare subdomain into <label>.ngrok-free.app, requests it and says so', async () => {
    const { manager, driver, log } = rig();
    const status = await manager.start({ subdomain: 'My-App' });
    expect(driver.forwards[0]?.domain).toBe('my-app.ngrok-free.app');
    expect(status.domain).toBe('my-app.ngrok-free.app');
    expect(status.url).toBe('https://my-app.ngrok-free.app');
    expect(log.text()).toMatch(/requesting domain my-app\.ngrok-free\.app/);
  });

  it('uses the settings domain (a bare name too) unless options give one', async () => {
    const { manager, driver } = rig({ settings: { ngrok: { authtoken: TOKEN, domain: 'team' } } });
    expect(manager.status().domain).toBe('team.ngrok-free.app');
    await manager.start();
    expect(driver.forwards[0]?.domain).toBe('team.ngrok-free.app');
    await manager.stop();
    await manager.start({ domain: 'other.example.com' });
    expect(driver.forwards[1]?.domain).toBe('other.example.com');
  });

  it('uses a one-off authtoken without saving, reporting or logging it', async () => {
    const { manager, driver, settings, log, statuses } = rig();
    driver.emit({ type: 'log', line: 'should be ignored before start' });
    const started = manager.start({ authtoken: ONE_OFF });
    driver.emit({ type: 'log', line: `DEBUG ngrok::session - auth with token ${ONE_OFF}` });
    await started;
    expect(driver.forwards[0]?.authtoken).toBe(ONE_OFF);
    expect(settings.updates).toEqual([]);
    expect(settings.get().ngrok.authtoken).toBe(TOKEN);
    expect(JSON.stringify(statuses)).not.toContain(ONE_OFF);
    expect(log.text()).not.toContain(ONE_OFF);
    expect(log.text()).not.toContain(TOKEN);
    expect(log.text()).toContain('tokenSource');
  });

  it('refuses to start without an authtoken, naming kreo ngrok configure', async () => {
    const { manager, driver, log } = rig({ settings: {} });
    const err = await rejection(manager.start());
    expect(err.code).toBe('TUNNEL_AUTH_MISSING');
    expect(err.hint).toContain('kreo ngrok configure --authtoken');
    expect(driver.forwards).toEqual([]);
    expect(manager.status()).toMatchObject({ state: 'error', lastError: { code: 'TUNNEL_AUTH_MISSING' } });
    expect(log.entries.some((e) => e.level === 'error' && e.obj.code === 'TUNNEL_AUTH_MISSING')).toBe(true);
  });

  it('translates SDK errors, keeps ngrok’s code, resets the driver and can start again', async () => {
    const { manager, driver } = rig();
    driver.onForward = async () => {
      throw Object.assign(
        new Error('failed to start listener: The domain is not reserved. error_code: ERR_NGROK_319'),
        { code: 'GenericFailure', errorCode: 'ERR_NGROK_319' },
      );
    };
    const err = await rejection(manager.start({ domain: 'mine.example.com' }));
    expect(err.code).toBe('TUNNEL_DOMAIN_NOT_ALLOWED');
    expect(err.message).toContain('mine.example.com');
    expect(err.details?.ngrokCode).toBe('ERR_NGROK_319');
    expect(driver.resets).toBe(1);
    expect(manager.status().lastError?.details?.ngrokCode).toBe('ERR_NGROK_319');

    driver.onForward = async () => ({ url: 'https://ok.ngrok-free.app' });
    const status = await manager.start();
    expect(status).toMatchObject({ state: 'online', lastError: null });
  });

  it('times out a start that never settles, resets the driver, and still stops and starts afterwards', async () => {
    const { manager, driver, statuses } = rig({ startTimeoutMs: 50 });
    driver.onForward = () => new Promise(() => undefined);
    const err = await rejection(manager.start());
    expect(err.code).toBe('TUNNEL_START_TIMEOUT');
    expect(err.hint).toMatch(/network|firewall/i);
    expect(driver.resets).toBe(1);
    expect(manager.status().state).toBe('error');

    const stopped = await manager.stop();
    expect(stopped.state).toBe('stopped');
    expect(stopped.lastError?.code).toBe('TUNNEL_START_TIMEOUT');

    driver.onForward = async () => ({ url: 'https://back.ngrok-free.app' });
    expect((await manager.start()).state).toBe('online');
    expect(statuses.map((s) => s.state)).toEqual([
      'starting',
      'error',
      'stopping',
      'stopped',
      'starting',
      'online',
    ]);
  });

  it('restart keeps the last options (one-off token included) and may override the port', async () => {
    const { manager, driver, settings } = rig();
    await manager.start({ port: 3000, subdomain: 'keep', authtoken: ONE_OFF });
    const status = await manager.restart({ port: 3001 });
    expect(status.state).toBe('online');
    expect(driver.disconnects).toBe(1);
    expect(driver.forwards[1]).toEqual({
      addr: '127.0.0.1:3001',
      authtoken: ONE_OFF,
      domain: 'keep.ngrok-free.app',
    });
    await manager.restart();
    expect(driver.forwards[2]?.addr).toBe('127.0.0.1:3001');
    expect(settings.updates).toEqual([]);
  });

  it('restart after a failed start retries the same options; restart from stopped just starts', async () => {
    const { manager, driver } = rig();
    driver.onForward = async () => {
      throw new Error('failed to connect session: failed to establish tcp connection');
    };
    expect((await rejection(manager.start({ port: 4000 }))).code).toBe('TUNNEL_NO_NETWORK');
    driver.onForward = async () => ({ url: 'https://x.ngrok-free.app' });
    expect((await manager.restart()).state).toBe('online');
    expect(driver.forwards[1]?.addr).toBe('127.0.0.1:4000');
  });
});

describe('TunnelManager concurrency', () => {
  it('refuses a start or restart while starting with TUNNEL_BUSY', async () => {
    const { manager, driver } = rig();
    const gate = deferred<{ url: string }>();
    driver.onForward = () => gate.promise;
    const first = manager.start();
    expect((await rejection(manager.start())).code).toBe('TUNNEL_BUSY');
    expect((await rejection(manager.restart())).code).toBe('TUNNEL_BUSY');
    gate.resolve({ url: 'https://a.ngrok-free.app' });
    expect((await first).state).toBe('online');
    expect(driver.forwards).toHaveLength(1);
  });

  it('a stop during a start cancels it: the driver is reset and the start rejects with TUNNEL_CANCELLED', async () => {
    const { manager, driver } = rig();
    driver.onForward = () => new Promise(() => undefined);
    const starting = manager.start();
    await Promise.resolve();
    expect(manager.status().state).toBe('starting');
    const stopped = await manager.stop();
    expect(stopped.state).toBe('stopped');
    expect((await rejection(starting)).code).toBe('TUNNEL_CANCELLED');
    expect(driver.resets).toBe(1);
    expect(manager.status().state).toBe('stopped');
  });

  it('concurrent stops share one disconnect; a start while stopping is refused', async () => {
    const { manager, driver } = rig();
    await manager.start();
    const gate = deferred<void>();
    driver.onDisconnect = () => gate.promise;
    const a = manager.stop();
    const b = manager.stop();
    expect((await rejection(manager.start())).code).toBe('TUNNEL_BUSY');
    gate.resolve();
    expect((await a).state).toBe('stopped');
    expect((await b).state).toBe('stopped');
    expect(driver.disconnects).toBe(1);
  });

  it('a stop whose disconnect hangs resets the driver after stopTimeoutMs', async () => {
    const { manager, driver, log } = rig({ stopTimeoutMs: 30 });
    await manager.start();
    driver.onDisconnect = () => new Promise(() => undefined);
    expect((await manager.stop()).state).toBe('stopped');
    expect(driver.resets).toBe(1);
    expect(log.text()).toMatch(/did not disconnect cleanly/);
  });

  it('start while online: same options answer the status, other options are refused', async () => {
    const { manager, driver } = rig();
    await manager.start({ port: 3000 });
    expect((await manager.start()).state).toBe('online');
    expect((await manager.start({ port: 3000 })).state).toBe('online');
    const err = await rejection(manager.start({ port: 3001 }));
    expect(err.code).toBe('TUNNEL_BUSY');
    expect(err.hint).toMatch(/restart/);
    expect(driver.forwards).toHaveLength(1);
  });

  it('a stop while the start is still preparing (reading the CA file) wins', async () => {
    const gate = deferred<string>();
    const { manager, driver } = rig({
      settings: { ngrok: { authtoken: TOKEN, caCertPath: '/slow/ca.pem' } },
      readFile: () => gate.promise,
    });
    const starting = manager.start();
    const stopped = await manager.stop();
    gate.resolve('-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n');
    expect(stopped.state).toBe('stopped');
    expect((await rejection(starting)).code).toBe('TUNNEL_CANCELLED');
    expect(driver.forwards).toEqual([]);
    expect(manager.status().state).toBe('stopped');
  });

  it('a stop during a restart wins over the restart', async () => {
    const { manager, driver } = rig();
    await manager.start();
    const gate = deferred<void>();
    driver.onDisconnect = () => gate.promise;
    const restarting = manager.restart();
    const stopping = manager.stop();
    gate.resolve();
    expect((await stopping).state).toBe('stopped');
    expect((await rejection(restarting)).code).toBe('TUNNEL_CANCELLED');
    expect(driver.forwards).toHaveLength(1);
  });
});

describe('TunnelManager connection and driver events', () => {
  it('tracks connection changes: closed → reconnecting (once), connected → connected', async () => {
    const { manager, driver, statuses } = rig();
    await manager.start();
    driver.emit({ type: 'status', status: 'closed' });
    driver.emit({ type: 'status', status: 'closed' });
    expect(manager.status().connection).toBe('reconnecting');
    driver.emit({ type: 'status', status: 'connected' });
    const status = manager.status();
    expect(status.connection).toBe('connected');
    expect(status.connectionChanges.map((c) => c.status)).toEqual(['connected', 'reconnecting', 'connected']);
    expect(statuses.at(-1)?.connection).toBe('connected');
    expect(status.state).toBe('online');
  });

  it('ignores session status before the tunnel is online', async () => {
    const { manager, driver } = rig();
    const gate = deferred<{ url: string }>();
    driver.onForward = () => gate.promise;
    const starting = manager.start();
    driver.emit({ type: 'status', status: 'closed' });
    gate.resolve({ url: 'https://a.ngrok-free.app' });
    expect((await starting).connection).toBe('connected');
  });

  it('goes to error when the driver reports the session ended', async () => {
    const { manager, driver } = rig();
    await manager.start();
    driver.emit({ type: 'ended', reason: 'the ngrok helper process exited (SIGSEGV)' });
    const status = manager.status();
    expect(status).toMatchObject({ state: 'error', url: null, lastError: { code: 'TUNNEL_FAILED' } });
    expect(status.lastError?.message).toContain('SIGSEGV');
    expect((await manager.stop()).state).toBe('stopped');
  });

  it('maps ngrok log lines to levels and scrubs tokens', async () => {
    const { manager, driver, log } = rig();
    await manager.start();
    driver.emit({ type: 'log', line: 'WARN ngrok::session - heartbeat late' });
    driver.emit({ type: 'log', line: `ERROR ngrok::session - bad authtoken: ${TOKEN}` });
    expect(log.entries.find((e) => e.msg.includes('heartbeat late'))?.level).toBe('warning');
    const error = log.entries.find((e) => e.msg.includes('bad authtoken'));
    expect(error?.level).toBe('error');
    expect(error?.msg).not.toContain(TOKEN);
  });
});

describe('TunnelManager options and advanced settings', () => {
  it('refuses bad options with INVALID_ARGUMENT naming the key', async () => {
    const { manager } = rig();
    const err = await rejection(manager.start({ port: 70000 }));
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toContain('port');
    expect(manager.status().state).toBe('stopped');
    expect((await rejection(manager.start({ domain: 'a.example.com', subdomain: 'b' }))).code).toBe(
      'INVALID_ARGUMENT',
    );
  });

  it('forwards to loopback when the listener binds a wildcard address', async () => {
    const { manager, driver } = rig({
      settings: { ngrok: { authtoken: TOKEN }, server: { host: '0.0.0.0', port: 8123 } },
    });
    const status = await manager.start();
    expect(driver.forwards[0]?.addr).toBe('127.0.0.1:8123');
    expect(status.localTarget).toBe('http://127.0.0.1:8123');
  });

  it('passes ngrok.serverAddr and the PEM text read from ngrok.caCertPath', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kreo-tunnel-'));
    tempDirs.push(dir);
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const file = path.join(dir, 'ca.pem');
    writeFileSync(file, pem);
    const { manager, driver } = rig({
      settings: { ngrok: { authtoken: TOKEN, serverAddr: '127.0.0.1:4443', caCertPath: file } },
    });
    await manager.start();
    expect(driver.forwards[0]).toMatchObject({ serverAddr: '127.0.0.1:4443', caCertPem: pem });
  });

  it('explains an unreadable ngrok.caCertPath', async () => {
    const { manager, driver } = rig({
      settings: { ngrok: { authtoken: TOKEN, caCertPath: '/nonexistent/ca.pem' } },
    });
    const err = await rejection(manager.start());
    expect(err.code).toBe('TUNNEL_TLS');
    expect(err.message).toContain('/nonexistent/ca.pem');
    expect(err.hint).toContain('ngrok.caCertPath');
    expect(driver.forwards).toEqual([]);
  });

  it('dispose stops a running tunnel and disposes the driver', async () => {
    const { manager, driver } = rig();
    await manager.start();
    await manager.dispose();
    expect(driver.disconnects).toBe(1);
    expect(driver.disposed).toBe(true);
    expect((await rejection(manager.start())).code).toBe('UNAVAILABLE');
  });
});
