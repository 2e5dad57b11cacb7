/**
 * Meta services for a process with no running host (the CLI): same code, a tunnel that is simply stopped, logs
 * to the same files. Lets `kreo webhook status|unregister`, `kreo health`, `kreo send` and `kreo ratelimit status`
 * work before `kreo serve`.
 */
import { KreoError } from '../../../shared/errors';
import { EventBus } from '../core/event-bus';
import type { HomePaths } from '../core/home';
import { toDisposable } from '../core/lifecycle';
import { createLogging } from '../logging/logging';
import type { SettingsService } from '../settings/types';
import { stoppedTunnelStatusFor } from '../tunnel/tunnel-plan';
import { createMetaServices, type MetaServices, type MetaServicesDeps } from './create-meta-services';

/** The tunnel as a process without a host sees it: stopped, as `kreo ngrok status` reports it without a host. */
export function stoppedTunnelView(settings: Pick<SettingsService, 'get'>): MetaServicesDeps['tunnel'] {
  return {
    status: () => stoppedTunnelStatusFor(settings.get()),
    onDidChangeStatus: () => toDisposable(() => undefined),
    testConnection: async () => {
      throw new KreoError(
        'TUNNEL_NOT_RUNNING',
        'No KREO host is running, so no tunnel either.',
        'Start it with `kreo ngrok start`.',
      );
    },
  };
}

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
    tunnel: stoppedTunnelView(settings),
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
