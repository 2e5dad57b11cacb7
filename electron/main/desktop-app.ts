/**
 * The desktop app's lifecycle around the shared host: home folder as userData, single-instance lock (a second launch
 * focuses the first), session hardening, the host (services + control API, so `kreo` in a terminal drives this app),
 * then window, typed IPC, pushes, tray and notifications. Quitting disposes all of it in reverse order; closing the
 * window only hides it.
 */
import { app, clipboard, dialog, Menu, session, type BrowserWindow } from 'electron';
import type { WebhookStatus } from '../../shared/domain/meta';
import type { TunnelStatus } from '../../shared/domain/tunnel';
import path from 'node:path';
import { KreoError, type Result } from '../../shared/errors';
import type { BusMessage, EventBus } from '../services/core/event-bus';
import { DisposableStore, toDisposable } from '../services/core/lifecycle';
import type { AppPaths } from './app-paths';
import { bindKreoIpc, type InvokeDispatcher } from './ipc-bridge';
import { registrationFailedNotice } from './notification-rules';
import { DesktopNotifier } from './notifier';
import { createPushSender } from './push-sender';
import { hardenSession } from './session-security';
import { TrayController } from './tray';
import type { TrayActions } from './tray-menu';
import { createMainWindow, lockDownWebContents, revealWindow } from './window';

/** What the shell needs from the composition root. */
export interface DesktopHost {
  invoke: InvokeDispatcher;
  bus: EventBus;
  dispose(): Promise<void>;
}

export interface DesktopAppOptions {
  home: string;
  paths: AppPaths;
  /** Builds and starts the host (services, control API). */
  startHost: () => Promise<DesktopHost>;
  /** Longest wait for the host to shut down before the app exits anyway. */
  shutdownTimeoutMs?: number;
  log?: (level: 'info' | 'warning' | 'error', msg: string, err?: unknown) => void;
}

export interface DesktopApp {
  /** Resolves once the window, tray and IPC are up; false when another instance holds the lock. */
  ready: Promise<boolean>;
  /** Disposes everything (what quitting does); idempotent. */
  shutdown(): Promise<void>;
  readonly window: BrowserWindow | null;
  readonly tray: TrayController | null;
}

function errorText(result: Result<unknown>): string {
  if (result.ok) return '';
  return result.error.hint ? `${result.error.message}\n${result.error.hint}` : result.error.message;
}

export function startDesktopApp(opts: DesktopAppOptions): DesktopApp {
  const log = opts.log ?? (() => {});
  const store = new DisposableStore();
  let win: BrowserWindow | null = null;
  let tray: TrayController | null = null;
  let notifier: DesktopNotifier | null = null;
  let quitting = false;
  let shutdownPromise: Promise<void> | null = null;

  // userData must be set before the lock: the lock is per userData folder (two homes = two independent apps).
  app.setPath('userData', opts.home);
  const gotLock = app.requestSingleInstanceLock();

  const openPanel = () => {
    if (win && !win.isDestroyed()) revealWindow(win);
  };

  const shutdown = (): Promise<void> => {
    quitting = true;
    shutdownPromise ??= (async () => {
      const timeout = opts.shutdownTimeoutMs ?? 15_000;
      let timer: NodeJS.Timeout | undefined;
      const bounded = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          log('warning', `shutdown took longer than ${timeout} ms; exiting anyway`);
          resolve();
        }, timeout);
      });
      await Promise.race([
        store.dispose().catch((err) => log('error', 'error while shutting down', err)),
        bounded,
      ]);
      clearTimeout(timer);
    })();
    return shutdownPromise;
  };

  const ready = (async (): Promise<boolean> => {
    if (!gotLock) {
      app.quit();
      return false;
    }
    app.on('second-instance', () => openPanel());
    // Closing the window keeps the app in the tray; only Quit ends it.
    app.on('window-all-closed', () => {});
    app.on('activate', () => openPanel());
    app.on('before-quit', (event) => {
      // Hold the quit until the host has closed the tunnel (and restored a registration when asked), then exit.
      event.preventDefault();
      void shutdown().then(() => app.exit(0));
    });
    app.on('web-contents-created', (_event, contents) => lockDownWebContents(contents, opts.paths.renderer));

    await app.whenReady();
    const devServerOrigin =
      opts.paths.renderer.kind === 'dev' ? new URL(opts.paths.renderer.url).origin : null;
    hardenSession(session.defaultSession, {
      devServerOrigin,
      ...(opts.paths.renderer.kind === 'file'
        ? { rendererDir: path.dirname(opts.paths.renderer.filePath) }
        : {}),
    });
    if (process.platform !== 'darwin') Menu.setApplicationMenu(null);

    let host: DesktopHost;
    try {
      host = await opts.startHost();
    } catch (err) {
      log('error', 'the host could not start', err);
      const hint = err instanceof KreoError && err.hint ? `\n${err.hint}` : '';
      dialog.showErrorBox(
        'KREO WhatsApp Panel could not start',
        `${err instanceof Error ? err.message : String(err)}${hint}\n\nSee the logs in ${opts.home}.`,
      );
      app.exit(1);
      return false;
    }
    store.add(toDisposable(() => host.dispose()));

    const invoke: InvokeDispatcher = async (channel, input) => {
      const result = await host.invoke(channel, input);
      if (channel === 'webhook:register' && !result.ok)
        notifier?.show(registrationFailedNotice(result.error));
      return result;
    };

    win = createMainWindow({
      preloadPath: opts.paths.preload,
      renderer: opts.paths.renderer,
      iconPath: opts.paths.appIcon,
      isQuitting: () => quitting,
      onLoadError: (err, target) =>
        log('error', `the panel could not load ${target} (run "npm run build" if it is missing)`, err),
    });
    const window = win;
    store.add(toDisposable(() => void (!window.isDestroyed() && window.destroy())));

    store.add(
      bindKreoIpc({
        invoke,
        renderer: opts.paths.renderer,
        allowedWebContents: () => (window.isDestroyed() ? [] : [window.webContents.id]),
        onRefused: (sender) => log('warning', `refused IPC from ${sender.frameUrl ?? 'a closed frame'}`),
        onInternalError: (err) => log('error', 'IPC dispatch failed', err),
      }),
    );
    store.add(
      createPushSender({
        bus: host.bus,
        target: () => (window.isDestroyed() ? null : window.webContents),
      }),
    );

    notifier = store.add(
      new DesktopNotifier({ bus: host.bus, iconPath: opts.paths.appIcon, onClick: openPanel }),
    );
    const trayController = store.add(
      new TrayController({ iconPath: opts.paths.trayIcon, actions: trayActions(invoke) }),
    );
    tray = trayController;
    store.add(
      host.bus.subscribe((message) => {
        if (message.event === 'tunnel:status') {
          trayController.update({ tunnel: (message as BusMessage<'tunnel:status'>).payload });
        } else if (message.event === 'webhook:status') {
          trayController.update({
            webhookRegistered: (message as BusMessage<'webhook:status'>).payload.registered,
          });
        }
      }),
    );
    // The current state, for the tray (later changes arrive as events).
    const [tunnel, webhook] = await Promise.all([
      host.invoke('tunnel:status', {}),
      host.invoke('webhook:status', {}),
    ]);
    trayController.update({
      ...(tunnel.ok && tunnel.value ? { tunnel: tunnel.value as TunnelStatus } : {}),
      webhookRegistered: webhook.ok && (webhook.value as WebhookStatus | null)?.registered === true,
    });
    return true;
  })();

  function trayActions(invoke: InvokeDispatcher): TrayActions {
    const run = async (channel: string, failureTitle: string, onOk?: () => void) => {
      tray?.update({ busy: true });
      try {
        const result = await invoke(channel, {});
        if (result.ok) onOk?.();
        else if (channel !== 'webhook:register') {
          notifier?.show({ kind: 'action-failed', title: failureTitle, body: errorText(result) });
        }
      } finally {
        tray?.update({ busy: false });
      }
    };
    return {
      startTunnel: () => void run('tunnel:start', 'Could not start the tunnel'),
      stopTunnel: () => void run('tunnel:stop', 'Could not stop the tunnel'),
      copyUrl: () => {
        const url = tray?.current.tunnel?.url;
        if (url) clipboard.writeText(url);
      },
      registerWebhook: () => {
        const already = tray?.current.webhookRegistered ?? false;
        void run('webhook:register', 'Webhook registration failed', () => {
          // A first registration is announced by the status event; a repeat one is confirmed here.
          if (already)
            notifier?.show({
              kind: 'webhook-registered',
              title: 'Webhook registered with Meta',
              body: tray?.current.tunnel?.url ?? '',
            });
        });
      },
      openPanel,
      quit: () => app.quit(),
    };
  }

  return {
    ready,
    shutdown,
    get window() {
      return win;
    },
    get tray() {
      return tray;
    },
  };
}
