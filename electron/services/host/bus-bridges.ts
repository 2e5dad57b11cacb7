/**
 * Publishes service events on the host's bus (which transports push to clients): tunnel status changes, settings
 * changes (as the masked view), and the lines the host logs to each log file (Logging.onLines, batched per turn).
 * Also applies a changed log level at once, and logs the bus's failing subscribers (without letting a failing log
 * push log about itself forever).
 */
import { logFileSchema } from '../../../shared/domain/logs';
import type { BusMessage, EventBus } from '../core/event-bus';
import { DisposableStore, type Disposable } from '../core/lifecycle';
import type { Logging, ModuleLogger } from '../logging/types';
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
  // The lines this process logs, from the write path (redacted, parsed once): no reading our own files back.
  for (const file of logFileSchema.options) {
    store.add(logging.onLines(file, (lines) => bus.publish('logs:lines', { file, lines })));
  }
  return store;
}

/**
 * For the bus's `onListenerError`: logs a failing subscriber with the event's name, at most once per event every
 * `quietMs` (later failures are counted into the next line). A transport that fails on every `logs:lines` push would
 * otherwise log about itself forever, each line pushed and failing again.
 */
export function busListenerErrorLogger(
  log: ModuleLogger,
  quietMs = 10_000,
): (err: unknown, message: BusMessage) => void {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (err, message) => {
    const now = Date.now();
    const seen = last.get(message.event);
    if (seen && now - seen.at < quietMs) {
      seen.suppressed++;
      return;
    }
    last.set(message.event, { at: now, suppressed: 0 });
    const suppressed = seen?.suppressed ? { suppressed: seen.suppressed } : {};
    log.error({ err, event: message.event, ...suppressed }, `a subscriber of ${message.event} failed`);
  };
}
