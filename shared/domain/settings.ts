/** What the settings service hands to UIs: values with secrets blanked, a mask per secret, where secrets live. */
import { z } from 'zod';
import { SECRET_KEYS, SETTING_KEYS, type SettingKey } from '../settings-schema';

export const secretViewSchema = z.object({ set: z.boolean(), masked: z.string() });

export const settingsViewSchema = z.object({
  /** The full nested settings, every secret replaced by ''. */
  values: z.record(z.string(), z.record(z.string(), z.unknown())),
  secrets: z.record(z.enum(SECRET_KEYS), secretViewSchema),
  secretsBackend: z.enum(['keychain', 'file']),
  /** Keys whose effective value comes from an environment variable (read-only for this process). */
  envOverrides: z.array(z.string()),
  warnings: z.array(z.string()),
});
export type SettingsView = z.infer<typeof settingsViewSchema>;

const settingKeySchema = z.custom<SettingKey>(
  (v) => typeof v === 'string' && (SETTING_KEYS as string[]).includes(v),
  {
    message: 'an existing setting key such as server.port',
  },
);

export const settingsSetInputSchema = z
  .object({
    /** Dotted keys to new values. A secret set to '' is removed. */
    patch: z.record(z.string().max(64), z.unknown()),
  })
  .strict();

export const settingsGetKeyInputSchema = z.object({ key: settingKeySchema }).strict();
