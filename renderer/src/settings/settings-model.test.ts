import { describe, expect, it } from 'vitest';
import type { SettingsView } from '../../../shared/domain/settings';
import { defaultSettings, maskSecret, SETTING_KEYS } from '../../../shared/settings-schema';
import { formReducer, initForm } from './settings-form';
import {
  buildPatch,
  draftsFromView,
  FIELD_SPECS,
  fromDraft,
  GROUPS,
  validateDraft,
  type Drafts,
} from './settings-model';

function view(
  over: (s: ReturnType<typeof defaultSettings>) => void = () => {},
  envOverrides: string[] = [],
): SettingsView {
  const s = defaultSettings();
  over(s);
  const values = JSON.parse(JSON.stringify(s)) as Record<string, Record<string, unknown>>;
  values.ngrok!.authtoken = '';
  values.meta!.appSecret = '';
  values.meta!.accessToken = '';
  values.meta!.verifyToken = '';
  return {
    values,
    secrets: {
      'ngrok.authtoken': maskSecret('2abcDEF123_xyzLONGtoken'),
      'meta.appSecret': maskSecret(''),
      'meta.accessToken': maskSecret(''),
      'meta.verifyToken': maskSecret('verify-me'),
    },
    secretsBackend: 'file',
    envOverrides,
    warnings: [],
  };
}

describe('settings groups and fields', () => {
  it('shows every schema key exactly once', () => {
    const shown = GROUPS.flatMap((g) => g.keys);
    expect([...shown].sort()).toEqual([...SETTING_KEYS].sort());
    expect(new Set(shown).size).toBe(shown.length);
  });

  it('derives the input kind from the schema', () => {
    expect(FIELD_SPECS['server.port'].kind).toBe('number');
    expect(FIELD_SPECS['webhook.autoRegister'].kind).toBe('boolean');
    expect(FIELD_SPECS['webhook.fields'].kind).toBe('list');
    expect(FIELD_SPECS['webhook.scope'].kind).toBe('enum');
    expect(FIELD_SPECS['webhook.scope'].options).toEqual(['app', 'waba', 'phone']);
    expect(FIELD_SPECS['log.level'].options).toContain('critical');
    expect(FIELD_SPECS['meta.accessToken'].kind).toBe('secret');
    expect(FIELD_SPECS['webhook.registeredAt'].readOnly).toBe(true);
    expect(FIELD_SPECS['ngrok.serverAddr'].advanced).toBe(true);
  });
});

describe('validating as the user types', () => {
  it('checks each field with the contract schema', () => {
    expect(validateDraft('server.port', '8080')).toBeNull();
    expect(validateDraft('server.port', '99999')).toEqual({ example: '8000' });
    expect(validateDraft('server.port', '')).not.toBeNull();
    expect(validateDraft('server.port', '80.5')).not.toBeNull();
    expect(validateDraft('webhook.path', 'webhook')).not.toBeNull();
    expect(validateDraft('webhook.path', '/hooks/wa')).toBeNull();
    expect(validateDraft('forward.url', '')).toBeNull();
    expect(validateDraft('forward.url', 'ftp://x')).not.toBeNull();
    expect(validateDraft('redis.url', 'redis://127.0.0.1:6379/0')).toBeNull();
    expect(validateDraft('meta.appId', '12ab')).not.toBeNull();
    expect(validateDraft('rateLimit.messagesPerSecond', '0.5')).toBeNull();
    expect(validateDraft('webhook.fields', ' messages , account_update ')).toBeNull();
    expect(validateDraft('webhook.fields', ' , ')).not.toBeNull();
  });

  it('turns typed text into the schema type', () => {
    expect(fromDraft('server.port', ' 8080 ')).toBe(8080);
    expect(fromDraft('webhook.fields', 'messages, account_update,')).toEqual(['messages', 'account_update']);
    expect(fromDraft('webhook.autoRegister', true)).toBe(true);
    expect(fromDraft('ngrok.domain', 'x.ngrok.app')).toBe('x.ngrok.app');
  });
});

describe('building the patch', () => {
  it('sends only changed editable fields, typed', () => {
    const v = view();
    const drafts: Drafts = {
      ...draftsFromView(v),
      'server.port': '9000',
      'webhook.fields': 'messages, account_update',
    };
    expect(buildPatch(v, drafts, {})).toEqual({
      patch: { 'server.port': 9000, 'webhook.fields': ['messages', 'account_update'] },
      errors: {},
    });
    expect(buildPatch(v, draftsFromView(v), {}).patch).toEqual({});
  });

  it('reports invalid fields instead of sending them', () => {
    const v = view();
    const { patch, errors } = buildPatch(
      v,
      { ...draftsFromView(v), 'server.port': 'abc', 'ngrok.domain': 'ok.ngrok.app' },
      {},
    );
    expect(patch).toEqual({ 'ngrok.domain': 'ok.ngrok.app' });
    expect(Object.keys(errors)).toEqual(['server.port']);
  });

  it('never sends read-only or environment-set fields', () => {
    const v = view(() => {}, ['server.host']);
    const drafts: Drafts = { ...draftsFromView(v), 'webhook.registered': true, 'server.host': '0.0.0.0' };
    expect(buildPatch(v, drafts, {}).patch).toEqual({});
  });

  it('sends a secret only when replaced or removed; an empty replacement is an error', () => {
    const v = view();
    const d = draftsFromView(v);
    expect(buildPatch(v, d, { 'ngrok.authtoken': { mode: 'keep' } }).patch).toEqual({});
    expect(buildPatch(v, d, { 'meta.accessToken': { mode: 'replace', value: 'EAAGabc' } }).patch).toEqual({
      'meta.accessToken': 'EAAGabc',
    });
    expect(buildPatch(v, d, { 'meta.verifyToken': { mode: 'clear' } }).patch).toEqual({
      'meta.verifyToken': '',
    });
    expect(buildPatch(v, d, { 'meta.appSecret': { mode: 'replace', value: '' } }).errors).toEqual({
      'meta.appSecret': 'empty',
    });
    expect(
      buildPatch(v, d, { 'meta.appSecret': { mode: 'replace', value: 'has space' } }).errors[
        'meta.appSecret'
      ],
    ).toEqual({
      example: 'a1b2c3d4e5f6',
    });
  });

  it('never holds a secret value from the host in the drafts', () => {
    const d = draftsFromView(view());
    for (const key of ['ngrok.authtoken', 'meta.appSecret', 'meta.accessToken', 'meta.verifyToken'] as const)
      expect(key in d).toBe(false);
  });
});

describe('the form follows the host', () => {
  it('untouched fields take pushed values; fields being edited keep the user text', () => {
    const v1 = view();
    let form = initForm(v1);
    form = formReducer(form, { type: 'edit', key: 'server.port', value: '9001' });
    const v2 = view((s) => {
      s.server.port = 7000;
      s.webhook.registered = true;
      s.webhook.registeredAt = '2026-11-28T10:00:00.000Z';
      s.ngrok.domain = 'new.ngrok.app';
    });
    form = formReducer(form, { type: 'hostView', view: v2 });
    expect(form.drafts['server.port']).toBe('9001');
    expect(form.drafts['ngrok.domain']).toBe('new.ngrok.app');
    expect(form.base).toBe(v2);
    expect(form.mergedFromHost).toBe(true);
    expect(buildPatch(form.base, form.drafts, form.secrets).patch).toEqual({ 'server.port': 9001 });
  });

  it('clears a server error once the field is edited again', () => {
    let form = initForm(view());
    form = formReducer(form, {
      type: 'serverErrors',
      errors: { 'server.port': { code: 'SETTINGS_INVALID', message: 'bad' } },
    });
    expect(form.serverErrors['server.port']).toBeDefined();
    form = formReducer(form, { type: 'edit', key: 'server.port', value: '8001' });
    expect(form.serverErrors['server.port']).toBeUndefined();
  });
});
