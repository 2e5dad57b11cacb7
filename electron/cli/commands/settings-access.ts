/**
 * Reads and writes settings for commands: through the running host when there is one (so it applies them at once and
 * pushes settings:changed), otherwise through this process's own settings service.
 */
import type { SettingsView } from '../../../shared/domain/settings';
import type { SettingsPatch } from '../../../shared/settings-schema';
import type { CliContext } from '../context';

export function readSettings(ctx: CliContext): Promise<SettingsView> {
  return ctx.withHost(
    (client) => client.invoke('settings:get'),
    async () => (await ctx.settings()).view(),
  );
}

export async function writeSettings(
  ctx: CliContext,
  patch: SettingsPatch,
): Promise<{ view: SettingsView; via: 'host' | 'local' }> {
  return ctx.withHost<{ view: SettingsView; via: 'host' | 'local' }>(
    async (client) => ({ view: await client.invoke('settings:set', { patch }), via: 'host' }),
    async () => {
      const settings = await ctx.settings();
      await settings.update(patch);
      return { view: settings.view(), via: 'local' };
    },
  );
}
