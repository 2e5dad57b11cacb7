/**
 * Meta services for a process with no running host (the CLI): same code, a tunnel that is simply stopped, logs
 * to the same files. Lets `kreo webhook status|unregister`, `kreo health`, `kreo send` and `kreo ratelimit status`
 * work before `kreo serve`.
 */
import type { TunnelStatus } from '../../../shared/domain/tunnel';
import { KreoError } from '../../../shared/errors';
import { EventBus } from '../core/event-bus';
import type { HomePaths } from '../core/home';
import { toDisposable } from '../core/lifecycle';
import { createLogging } from '../logging/logging';
import type { SettingsService } from '../settings/types';
import { createMetaServices, type MetaServices } from './create-meta-services';

const stopped = (s: SettingsService): TunnelStatus => ({
  state: 'stopped',
  url: null,
  localTarget: `http://${s.get().server.host}:${s.get().server.port}`,
  domain: null,
  startedAt: null,
  uptimeMs: null,
  lastError: null,
  connection: null,
  connectionChanges: [],
});

export async function createLocalMetaServices(
  settings: SettingsService,
  paths: HomePaths,
): Promise<MetaServices & { close(): Promise<void> }> {
  const logging = createLogging({
    logsDir: paths.logsDir,
    level: settings.get().log.level,
    redact: () => settings.secretValues(),
  });
  const meta = createMetaServices({
    settings,
    logging,
    tunnel: {
      status: () => stopped(settings),
      onDidChangeStatus: () => toDisposable(() => undefined),
      testConnection: async () => {
        throw new KreoError(
          'TUNNEL_NOT_RUNNING',
          'No KREO host is running, so no tunnel either.',
          'Start it with `kreo ngrok start`.',
        );
      },
    },
    bus: new EventBus(),
    paths,
    healthIntervalMs: 0,
    restoreAtShutdown: false,
  });
  return Object.assign(meta, {
    async close() {
      await meta.dispose();
      await logging.flush();
      await logging.dispose();
    },
  });
}
