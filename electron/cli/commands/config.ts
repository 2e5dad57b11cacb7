/**
 * `kreo config get KEY | set KEY VALUE | list`: every setting by its dotted key, secrets masked. Goes through the
 * running host when there is one, else writes the settings directly. A refused value names the key, the expected
 * form and an example (exit 2).
 */
import type { Command } from 'commander';
import type { SettingsView } from '../../../shared/domain/settings';
import {
  SETTING_KEYS,
  envVarName,
  fieldInfo,
  getSetting,
  isSecretKey,
  isSettingKey,
  type SettingKey,
  type Settings,
} from '../../../shared/settings-schema';
import { unknownKey } from '../../services/settings/settings-errors';
import type { CliContext } from '../context';
import { readSettings, writeSettings } from './settings-access';

export interface ConfigEntry {
  key: SettingKey;
  /** The effective value; for a secret, its mask ('' when unset). */
  value: unknown;
  secret: boolean;
  readOnly: boolean;
  /** The environment variable that overrides it in this process, or null. */
  env: string | null;
}

function entry(view: SettingsView, key: SettingKey): ConfigEntry {
  const info = fieldInfo(key);
  const secret = isSecretKey(key);
  return {
    key,
    value: secret
      ? view.secrets[key as keyof SettingsView['secrets']].masked
      : getSetting(view.values as unknown as Settings, key),
    secret,
    readOnly: info.readOnly === true,
    env: view.envOverrides.includes(key) ? envVarName(key) : null,
  };
}

function show(e: ConfigEntry): string {
  const value = e.secret
    ? e.value || '(not set)'
    : Array.isArray(e.value)
      ? e.value.join(',')
      : String(e.value);
  const notes = [e.readOnly ? 'read-only' : '', e.env ? `from ${e.env}` : ''].filter(Boolean);
  return `${e.key} = ${value}${notes.length ? `  (${notes.join(', ')})` : ''}`;
}

function checkKey(key: string): SettingKey {
  if (!isSettingKey(key)) throw unknownKey(key);
  return key;
}

export function register(program: Command, ctx: CliContext): void {
  const config = program.command('config').description('read and change settings (secrets masked)');

  config
    .command('get')
    .argument('<key>', 'a dotted key such as server.port')
    .description('show one setting')
    .action(async (key: string) => {
      const k = checkKey(key);
      ctx.out.result(entry(await readSettings(ctx), k), show);
    });

  config
    .command('set')
    .argument('<key>', 'a dotted key such as server.port')
    .argument('<value>', 'the new value (lists: comma-separated; "" clears a secret)')
    .description('change one setting')
    .action(async (key: string, value: string) => {
      const k = checkKey(key);
      const { view } = await writeSettings(ctx, { [k]: value });
      ctx.out.result(entry(view, k), (e) => `Saved: ${show(e)}`);
    });

  config
    .command('list')
    .description('show every setting')
    .action(async () => {
      const view = await readSettings(ctx);
      const value = {
        entries: SETTING_KEYS.map((k) => entry(view, k)),
        secretsBackend: view.secretsBackend,
        warnings: view.warnings,
      };
      ctx.out.result(value, (v) => [
        ...v.entries.map(show),
        `(secrets are kept in the ${v.secretsBackend === 'keychain' ? 'OS keychain' : 'secrets file, mode 0600'})`,
        ...v.warnings.map((w) => `Warning: ${w}`),
      ]);
    });
}
