/** Request handlers the host answers itself: host facts and shutdown, settings (masked view) and log tails. */
import type { Handlers } from '../../../shared/contract';
import type { HostInfo } from '../../../shared/domain/host';
import type { SettingsPatch } from '../../../shared/settings-schema';
import type { Logging } from '../logging/types';
import type { SettingsService } from '../settings/types';

export type CoreHandlers = Pick<
  Handlers,
  | 'host:info'
  | 'host:shutdown'
  | 'settings:get'
  | 'settings:set'
  | 'settings:generateVerifyToken'
  | 'logs:tail'
>;

export function coreHandlers(deps: {
  info: () => HostInfo;
  requestShutdown: () => boolean;
  settings: SettingsService;
  logging: Logging;
}): CoreHandlers {
  const { settings, logging } = deps;
  return {
    'host:info': async () => deps.info(),
    'host:shutdown': async () => ({ stopping: deps.requestShutdown() }),
    'settings:get': async () => settings.view(),
    'settings:set': async ({ patch }) => {
      await settings.update(patch as SettingsPatch);
      return settings.view();
    },
    'settings:generateVerifyToken': async () => {
      await settings.generateVerifyToken();
      return settings.view();
    },
    'logs:tail': async ({ file, lines }) => ({ file, lines: await logging.tail(file, lines) }),
  };
}
