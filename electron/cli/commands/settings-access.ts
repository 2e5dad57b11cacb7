/**
 * Reads and writes settings for commands: through the running host when there is one (so it applies them at once and
 * pushes settings:changed), otherwise through this process's own settings service.
 */
import type { SettingsView } from '../../../shared/domain/settings';
import type { SettingsPatch } from '../../../shared/settings-schema';
import type { CliContext } from '../context';

export async function readSettings(ctx: CliContext): Promise<SettingsView> {
  if (ctx.liveHost()) return ctx.client().invoke('settings:get');
  return (await ctx.settings()).view();
}

export async function writeSettings(
  ctx: CliContext,
  patch: SettingsPatch,
): Promise<{ view: SettingsView; via: 'host' | 'local' }> {
  if (ctx.liveHost()) return { view: await ctx.client().invoke('settings:set', { patch }), via: 'host' };
  const settings = await ctx.settings();
  await settings.update(patch);
  return { view: settings.view(), via: 'local' };
}
