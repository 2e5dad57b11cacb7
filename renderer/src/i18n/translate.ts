/** Pure translation helpers: pick a language from the system, look a key up, fill `{name}` parameters. */
import { en, type Dictionary, type MessageKey } from './en';
import { es } from './es';

export const LANGUAGES = ['en', 'es'] as const;
export type Lang = (typeof LANGUAGES)[number];
export const DICTIONARIES: Record<Lang, Dictionary> = { en, es };
export const LANGUAGE_NAMES: Record<Lang, string> = { en: 'English', es: 'Español' };
/** BCP 47 tags used for number and date formatting. */
export const LOCALES: Record<Lang, string> = { en: 'en-US', es: 'es-ES' };

export type Params = Record<string, string | number>;
export type Translate = (key: MessageKey, params?: Params) => string;

/** Spanish for any `es*` system language, English otherwise. */
export function detectLanguage(languages: readonly string[] | undefined): Lang {
  for (const tag of languages ?? []) {
    const primary = tag.toLowerCase().split(/[-_]/)[0];
    if (primary === 'es') return 'es';
    if (primary === 'en') return 'en';
  }
  return 'en';
}

export function isLang(v: unknown): v is Lang {
  return typeof v === 'string' && (LANGUAGES as readonly string[]).includes(v);
}

export function interpolate(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (m, name: string) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : m,
  );
}

export function makeTranslate(lang: Lang): Translate {
  const dict = DICTIONARIES[lang];
  const table = dict as Partial<Record<MessageKey, string>>;
  return (key, params) => interpolate(table[key] ?? en[key] ?? key, params);
}

/** Keys are open-ended for dynamic lookups (`field.${key}.label`); unknown ones fall back to the key itself. */
export function hasKey(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(en, key);
}

export type { MessageKey };
