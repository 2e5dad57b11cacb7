/**
 * The composition root. Electron main (`mode: 'desktop'`) and `kreo serve` (`'headless'`) both call createHost; tests
 * pass fakes (ngrokDriver, keychain: null, fetch). Build order = start order:
 *   settings → logging → event bus → webhook pipeline → tunnel → meta → bus bridges → control API
 * and dispose runs in reverse. To plug a service in: build it in its own marked section below, push its part onto
 * `parts` (start/dispose; `critical: false` when its failure must not stop the host) and its handler group onto
 * `handlerGroups`; a channel nobody implements answers UNAVAILABLE (listed in `host.unavailableChannels`).
 */
import type { Handlers } from '../../../shared/contract';
import type { HostInfo } from '../../../shared/domain/host';
import { KreoError } from '../../../shared/errors';
import { createControlService, type ControlService } from '../control/control-service';
import { EventBus } from '../core/event-bus';
import { ensureHome, resolveHome } from '../core/home';
import { reachableHost } from '../core/reachable-host';
import { DisposableStore, Emitter, toDisposable, type Disposable } from '../core/lifecycle';
import { createLogging } from '../logging/logging';
import { createMetaServices } from '../meta/create-meta-services';
import { createSettingsService } from '../settings';
import { ChildNgrokDriver } from '../tunnel/ngrok-child-driver';
import { tunnelHandlers } from '../tunnel/tunnel-handlers';
import { TunnelManager } from '../tunnel/tunnel-manager';
import { createWebhookPipeline } from '../webhook/pipeline';
import { appRoot } from './app-root';
import { bridgeToBus, busListenerErrorLogger } from './bus-bridges';
import { coreHandlers } from './core-handlers';
import { acquireHomeLock, type HomeLock } from './home-lock';
import { startParts, type HostPart, type PartFailure } from './host-lifecycle';
import type { Host, HostOptions } from './host-types';
import { createInvoke } from './invoke';
import { completeHandlers } from './placeholders';

export type { Host, HostOptions } from './host-types';

export async function createHost(opts: HostOptions): Promise<Host> {
  const env = opts.env ?? process.env;
  const paths = ensureHome(resolveHome({ home: opts.home, env }));
  const { version, rendererDir } = appRoot();
  const startedAt = new Date().toISOString();
  const parts: HostPart[] = [];
  const handlerGroups: Partial<Handlers>[] = [];
  const shutdownRequests = new Emitter<void>({
    onListenerError: (err) => log.error({ err }, 'a shutdown request listener failed'),
  });
  const early: string[] = [];

  // ── settings ──
  const settings = await createSettingsService({
    paths,
    env,
    keychain: opts.keychain,
    storeFactory: opts.settingsStoreFactory,
    onWarning: (msg) => early.push(msg),
    onListenerError: (err) => log.error({ err }, 'a settings change listener failed'),
  });
  parts.push({ name: 'settings', dispose: () => settings.dispose() });

  // ── logging ──
  const logging = createLogging({
    logsDir: paths.logsDir,
    level: settings.get().log.level,
    redact: () => settings.secretValues(),
  });
  const log = logging.whatsapp.child({ module: 'host' });
  parts.push({
    name: 'logging',
    start: () => {
      log.info({ mode: opts.mode, version, home: paths.root, pid: process.pid }, 'host starting');
      for (const msg of early) log.warning(msg);
    },
    dispose: async () => {
      log.info('host stopped');
      await logging.flush();
      await logging.dispose();
    },
  });

  // ── event bus ──
  const bus = new EventBus({ onListenerError: busListenerErrorLogger(log) });
  parts.push({ name: 'bus', dispose: () => bus.dispose() });

  // ── webhook pipeline: listener, event store, Redis outbox, forwarder, live feed ──
  // Non-critical: a taken port or an unwritable store must not stop the host (the UI and CLI say what is wrong).
  const webhook = createWebhookPipeline({
    settings,
    log: logging.whatsapp.child({ module: 'webhook' }),
    bus,
    dataDir: paths.dataDir,
    publicUrl: () => tunnel.status().url,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
  parts.push({
    name: 'webhook',
    critical: false,
    start: () => webhook.start(),
    dispose: () => webhook.dispose(),
  });
  handlerGroups.push(webhook.handlers);

  // ── tunnel ──
  const tunnel = new TunnelManager({
    settings,
    log: logging.ngrok,
    driver: opts.ngrokDriver ?? new ChildNgrokDriver({ env }),
    ...(opts.tunnelStartTimeoutMs ? { startTimeoutMs: opts.tunnelStartTimeoutMs } : {}),
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
  parts.push({ name: 'tunnel', dispose: () => tunnel.dispose() });
  handlerGroups.push(tunnelHandlers(tunnel));

  // ── meta: registration, health, sending (issue 5) ──
  // Non-critical: Meta trouble must not stop the host. Disposed before the tunnel, so a restore at shutdown
  // (webhook.restoreOnStop) runs while the Graph API is still reachable.
  const meta = createMetaServices({
    settings,
    logging,
    tunnel,
    bus,
    paths,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    redisBacklog: () => webhook.outboxBacklog().redis,
    listenerAddress: () => webhook.listenerAddress()?.url ?? null,
    listenerError: () => webhook.listenError(),
    storeError: () => webhook.storeError(),
  });
  parts.push({ name: 'meta', critical: false, start: () => meta.start(), dispose: () => meta.dispose() });
  handlerGroups.push(meta.handlers);

  // ── bridges: service events → bus (after every publisher exists, before transports start) ──
  let bridges: Disposable | undefined;
  parts.push({
    name: 'bridges',
    start: () => {
      bridges = bridgeToBus({ bus, settings, logging, tunnel });
    },
    dispose: () => bridges?.dispose(),
  });

  const info = (): HostInfo => {
    const s = settings.get();
    return {
      version,
      mode: opts.mode,
      pid: process.pid,
      home: paths.root,
      startedAt,
      webhookUrl:
        webhook.listenerAddress()?.url ??
        `http://${reachableHost(s.server.host)}:${s.server.port}${s.webhook.path}`,
      listening: webhook.listenerAddress() !== null,
    };
  };

  let disposing = false;
  handlerGroups.unshift(
    coreHandlers({
      info,
      settings,
      logging,
      requestShutdown: () => {
        if (disposing) return true;
        if (shutdownRequests.size === 0) return false;
        // After the answer has gone out.
        setTimeout(() => shutdownRequests.fire(), 20);
        return true;
      },
    }),
  );
  const { handlers, unavailable } = completeHandlers(handlerGroups);
  const invoke = createInvoke(handlers, {
    onInternalError: (err, channel) => log.error({ err, channel }, `request ${channel} failed unexpectedly`),
  });

  // ── control API (last: clients only find the host once everything answers) ──
  let control: ControlService | undefined;
  if (opts.control !== false) {
    const service = createControlService({
      paths,
      invoke,
      bus,
      mode: opts.mode,
      version,
      port: opts.controlPort ?? 0,
      reservedPorts: () => [settings.get().server.port],
      rendererDir: opts.rendererDir ?? rendererDir,
      onError: (err) => log.error({ err }, 'control API error'),
    });
    control = service;
    parts.push({
      name: 'control',
      start: async () => {
        await service.start();
        log.info({ port: service.port }, `control API listening on ${service.url}`);
      },
      dispose: () => service.dispose(),
    });
  }

  const store = new DisposableStore();
  let startFailures: PartFailure[] = [];
  let started = false;
  let lock: HomeLock | undefined;

  const host: Host = {
    mode: opts.mode,
    paths,
    version,
    bus,
    handlers,
    unavailableChannels: unavailable,
    invoke,
    settings,
    logging,
    tunnel,
    webhook,
    meta,
    control,
    get startFailures() {
      return startFailures;
    },
    info,
    async start() {
      if (started) throw new KreoError('INTERNAL', 'The host was already started.');
      // One host per home: before any part opens the store or binds the webhook port another host holds.
      const held = await acquireHomeLock(paths);
      lock = held;
      started = true;
      const touched = new Set<string>();
      try {
        startFailures = await startParts(parts, store, {
          onStarted: (name) => touched.add(name),
          onFailed: ({ name, error }) => {
            touched.add(name);
            log.error({ err: error, part: name }, `host part "${name}" failed to start`);
          },
        });
      } catch (err) {
        // startParts disposed what it started; release what construction opened in the parts it never reached.
        for (const part of [...parts].reverse()) {
          if (!touched.has(part.name)) await Promise.resolve(part.dispose?.()).catch(() => {});
        }
        held.release();
        throw err;
      }
    },
    async dispose() {
      if (disposing) return;
      disposing = true;
      lock?.touch(); // stopping, not dead: the lock is not stale while the parts close
      shutdownRequests.dispose();
      if (!started) {
        // Built but never started: release what construction opened.
        for (const part of parts) store.add(toDisposable(() => part.dispose?.()));
      }
      try {
        await store.dispose();
      } finally {
        lock?.release();
      }
    },
    onDidRequestShutdown: (listener) => shutdownRequests.event(listener),
  };
  return host;
}
