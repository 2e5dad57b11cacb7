import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../../shared/errors';
import { SETTING_KEYS } from '../../../shared/settings-schema';
import { en } from './en';
import { es } from './es';
import { detectLanguage, hasKey, interpolate, makeTranslate } from './translate';

const params = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('dictionaries', () => {
  it('Spanish defines every English key and no other', () => {
    const enKeys = Object.keys(en).sort();
    const esKeys = Object.keys(es).sort();
    expect(esKeys.filter((k) => !hasKey(k))).toEqual([]);
    expect(enKeys.filter((k) => !(k in es))).toEqual([]);
  });

  it('has no empty text and the same parameters in both languages', () => {
    for (const [key, text] of Object.entries(en)) {
      expect(text.trim(), key).not.toBe('');
      const translated = (es as Record<string, string>)[key]!;
      expect(translated.trim(), key).not.toBe('');
      expect(params(translated), key).toEqual(params(text));
    }
  });

  it('labels and explains every settings field, and titles every error code', () => {
    for (const key of SETTING_KEYS) {
      expect(hasKey(`field.${key}.label`), key).toBe(true);
      expect(hasKey(`field.${key}.help`), key).toBe(true);
    }
    for (const code of Object.keys(ERROR_CODES)) {
      expect(hasKey(`error.${code}`), code).toBe(true);
      expect((es as Record<string, string>)[`error.${code}`], `Spanish title for ${code}`).toBeTruthy();
    }
  });

  it("uses the seed guide's Spanish names for fields and buttons", () => {
    const t = makeTranslate('es');
    expect(t('field.ngrok.authtoken.label')).toBe('Ngrok Authtoken');
    expect(t('field.ngrok.domain.label')).toBe('Subdominio Ngrok');
    expect(t('field.webhook.autoRegister.label')).toBe('Registrar Webhook Automáticamente');
    expect(t('field.webhook.registered.label')).toBe('Webhook Registrado');
    expect(t('field.webhook.registeredAt.label')).toBe('Fecha de Registro del Webhook');
    expect(t('actions.testConnection')).toBe('Probar Conexión Ngrok');
    expect(t('actions.getStatus')).toBe('Obtener Estado Ngrok');
    expect(t('actions.register')).toBe('Registrar Webhook Automáticamente');
  });
});

describe('translate', () => {
  it('follows the system language, Spanish for any es-* tag', () => {
    expect(detectLanguage(['es-MX', 'en'])).toBe('es');
    expect(detectLanguage(['es'])).toBe('es');
    expect(detectLanguage(['en-GB', 'es'])).toBe('en');
    expect(detectLanguage(['fr-FR', 'es-ES'])).toBe('es');
    expect(detectLanguage(['fr-FR'])).toBe('en');
    expect(detectLanguage([])).toBe('en');
  });

  it('fills parameters and leaves unknown ones visible', () => {
    expect(interpolate('{a} of {b}', { a: 1, b: 'two' })).toBe('1 of two');
    expect(interpolate('{a} {missing}', { a: 'x' })).toBe('x {missing}');
    expect(makeTranslate('es')('events.count', { shown: 3, total: 10 })).toBe('3 de 10 eventos');
  });
});
