/**
 * Publishes service events on the host's bus (which transports push to clients): tunnel status changes, settings
 * changes (as the masked view), and new lines of every log file. Also applies a changed log level at once.
 */
import { logFileSchema } from '../../../shared/domain/logs';
import type { EventBus } from '../core/event-bus';
import { DisposableStore, type Disposable } from '../core/lifecycle';
import type { Logging } from '../logging/types';
import type { SettingsService } from '../settings/types';
import type { TunnelService } from '../tunnel/types';

export function bridgeToBus(deps: {
  bus: EventBus;
  settings: SettingsService;
  logging: Logging;
  tunnel: TunnelService;
}): Disposable {
  const { bus, settings, logging, tunnel } = deps;
  const store = new DisposableStore();
  store.add(tunnel.onDidChangeStatus((status) => bus.publish('tunnel:status', status)));
  store.add(
    settings.onDidChange((change) => {
      if (change.changedKeys.includes('log.level')) logging.setLevel(change.settings.log.level);
      bus.publish('settings:changed', settings.view());
    }),
  );
  for (const file of logFileSchema.options) {
    store.add(logging.follow(file, (lines) => bus.publish('logs:lines', { file, lines })));
  }
  return store;
}
