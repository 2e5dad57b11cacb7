/**
 * Environment overrides for the process that reads them: `KREO_<SECTION>_<KEY>` for every writable key (e.g.
 * `KREO_META_GRAPH_BASE_URL`) and `NGROK_AUTHTOKEN` (the ngrok agent's own variable; `KREO_NGROK_AUTHTOKEN` wins over
 * it). Values are coerced from text and validated; a bad one is ignored with a warning. Empty variables count as
 * unset. Overrides are never written anywhere.
 */
import {
  SETTING_KEYS,
  coerceSettingValue,
  envVarName,
  fieldInfo,
  isReadOnlyKey,
  leafSchema,
  type SettingKey,
} from '../../../shared/settings-schema';

export interface EnvOverrides {
  values: Partial<Record<SettingKey, unknown>>;
  /** Which variable each override came from. */
  sources: Partial<Record<SettingKey, string>>;
  warnings: string[];
}

/** Variables consulted for a key, strongest first. */
export function envVarsFor(key: SettingKey): string[] {
  return key === 'ngrok.authtoken' ? [envVarName(key), 'NGROK_AUTHTOKEN'] : [envVarName(key)];
}

export function readEnvOverrides(env: NodeJS.ProcessEnv): EnvOverrides {
  const out: EnvOverrides = { values: {}, sources: {}, warnings: [] };
  for (const key of SETTING_KEYS) {
    const name = envVarsFor(key).find((n) => env[n] !== undefined && env[n] !== '');
    if (!name) continue;
    const info = fieldInfo(key);
    if (isReadOnlyKey(key)) {
      out.warnings.push(`${name} is ignored: ${key} is written by the app only.`);
      continue;
    }
    const parsed = leafSchema(key).safeParse(coerceSettingValue(key, env[name]!));
    if (!parsed.success) {
      // Never echo the value: it may be a secret.
      out.warnings.push(`${name} is ignored: ${key} must be ${info.expected}, e.g. ${info.example}.`);
      continue;
    }
    out.values[key] = parsed.data;
    out.sources[key] = name;
  }
  return out;
}
