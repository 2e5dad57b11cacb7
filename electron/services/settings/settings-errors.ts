/** The errors the settings service throws, worded for people: the key, the expected form, an example, what to do. */
import { KreoError } from '../../../shared/errors';
import { SETTING_KEYS, fieldInfo, isSecretKey, type SettingKey } from '../../../shared/settings-schema';

export function invalidValue(key: SettingKey): KreoError {
  const { expected, example } = fieldInfo(key);
  const shown = isSecretKey(key) ? '<value>' : example;
  return new KreoError(
    'SETTINGS_INVALID',
    `${key} must be ${expected}, e.g. ${example}`,
    `Set it again with a value of that form, e.g. kreo config set ${key} ${shown}`,
    { key, expected, example },
  );
}

export function unknownKey(key: string): KreoError {
  const guess = suggestKey(key);
  return new KreoError(
    'SETTINGS_UNKNOWN_KEY',
    `"${key}" is not a setting`,
    `${guess ? `Did you mean ${guess}? ` : ''}See every key with kreo config list.`,
    guess ? { key, suggestion: guess } : { key },
  );
}

export function readOnly(key: SettingKey): KreoError {
  return new KreoError(
    'SETTINGS_READ_ONLY',
    `${key} is written by the app only`,
    'It changes when the app registers the webhook with Meta.',
    { key },
  );
}

export function envOverridden(key: SettingKey, variable: string): KreoError {
  return new KreoError(
    'SETTINGS_READ_ONLY',
    `${key} comes from the environment variable ${variable} in this process`,
    `Unset ${variable} and restart the panel to change the saved value.`,
    { key, variable },
  );
}

/** The closest real key for a typo: same letters ignoring case and separators, or the same name in another section. */
export function suggestKey(key: string): SettingKey | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  const wanted = norm(key);
  const leaf = norm(key.split('.').pop() ?? key);
  return (
    SETTING_KEYS.find((k) => norm(k) === wanted) ??
    SETTING_KEYS.find((k) => norm(k.split('.')[1] ?? '') === leaf)
  );
}
