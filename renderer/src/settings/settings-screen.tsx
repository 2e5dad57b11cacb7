/**
 * The settings screen: every field of the schema in groups, validated as the user types, saved as one patch through
 * `settings.set`; the host's refusals land next to their field (KreoError details.key). Follows `settings:changed`.
 */
import { useEffect, useMemo, useReducer, useRef, useState, type FormEvent } from 'react';
import { useApp } from '../app/app-context';
import { useI18n } from '../i18n/i18n';
import { errorSettingKey, toUiError, type UiError } from '../lib/errors';
import { useKreo } from '../lib/kreo-context';
import { ErrorBox, ResultBox, Spinner } from '../ui/ui';
import { SecretField } from './secret-field';
import { fieldDomId, SettingField, type FieldError } from './setting-field';
import { formReducer, initForm } from './settings-form';
import {
  buildPatch,
  FIELD_SPECS,
  GROUPS,
  isDirty,
  isEditable,
  SETTING_KEYS,
  validateDraft,
  validateSecret,
  type SecretKey,
  type SettingKey,
} from './settings-model';
import type { SettingsView } from '../../../shared/domain/settings';

type Notice =
  { kind: 'saved' | 'unchanged' | 'generated' | 'fix'; count?: number } | { kind: 'error'; error: UiError };

export function SettingsScreen() {
  const { state } = useApp();
  if (!state.settings) return null;
  return <SettingsForm view={state.settings} />;
}

function SettingsForm({ view }: { view: SettingsView }) {
  const { t } = useI18n();
  const api = useKreo();
  const { dispatch: appDispatch } = useApp();
  const [form, dispatch] = useReducer(formReducer, view, initForm);
  const [saving, setSaving] = useState(false);
  const [generating, setGenerating] = useState(false);
  const [notice, setNotice] = useState<Notice | null>(null);
  const formRef = useRef<HTMLFormElement>(null);

  // The host pushed new settings (another client, the app writing registration fields, our own save).
  useEffect(() => {
    if (view !== form.base) dispatch({ type: 'hostView', view });
  }, [view, form.base]);

  const errors = useMemo(() => {
    const out: Partial<Record<SettingKey, FieldError>> = {};
    for (const key of SETTING_KEYS) {
      const server = form.serverErrors[key];
      let client: FieldError['client'];
      if (FIELD_SPECS[key].secret) {
        const d = form.secrets[key as SecretKey];
        client = d ? (validateSecret(key as SecretKey, d) ?? undefined) : undefined;
      } else if (isEditable(form.base, key)) {
        const d = form.drafts[key];
        client = d === undefined ? undefined : (validateDraft(key, d) ?? undefined);
      }
      if (server || client) out[key] = { server, client };
    }
    return out;
  }, [form]);

  const dirtyCount = useMemo(() => {
    let n = 0;
    for (const key of SETTING_KEYS) {
      if (FIELD_SPECS[key].secret) n += (form.secrets[key as SecretKey]?.mode ?? 'keep') !== 'keep' ? 1 : 0;
      else if (isEditable(form.base, key) && isDirty(form.base, key, form.drafts[key])) n++;
    }
    return n;
  }, [form]);

  const focusField = (key: string) => {
    document.getElementById(fieldDomId(key as SettingKey))?.focus();
  };

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const { patch, errors: invalid } = buildPatch(form.base, form.drafts, form.secrets);
    const bad = Object.keys(invalid);
    if (bad.length) {
      setNotice({ kind: 'fix', count: bad.length });
      focusField(bad[0]!);
      return;
    }
    if (Object.keys(patch).length === 0) {
      setNotice({ kind: 'unchanged' });
      return;
    }
    setSaving(true);
    setNotice(null);
    try {
      const next = await api.settings.set({ patch });
      dispatch({ type: 'saved', view: next });
      appDispatch({ type: 'settings', view: next });
      setNotice({ kind: 'saved' });
    } catch (err) {
      const error = toUiError(err);
      const key = errorSettingKey(error);
      if (key && (SETTING_KEYS as string[]).includes(key)) {
        dispatch({ type: 'serverErrors', errors: { [key]: error } });
        focusField(key);
      }
      setNotice({ kind: 'error', error });
    } finally {
      setSaving(false);
    }
  };

  const onGenerate = async () => {
    setGenerating(true);
    try {
      const next = await api.settings.generateVerifyToken();
      dispatch({ type: 'secret', key: 'meta.verifyToken', draft: { mode: 'keep' } });
      dispatch({ type: 'hostView', view: next });
      appDispatch({ type: 'settings', view: next });
      setNotice({ kind: 'generated' });
    } catch (err) {
      setNotice({ kind: 'error', error: toUiError(err) });
    } finally {
      setGenerating(false);
    }
  };

  return (
    <form ref={formRef} className="settings" onSubmit={onSubmit} noValidate data-testid="settings-form">
      <div className="settings-intro">
        <h2>{t('settings.title')}</h2>
        <p className="muted" data-testid="secrets-backend">
          {t('settings.secretsBackend', {
            backend: t(`settings.secretsBackend.${form.base.secretsBackend}`),
          })}
        </p>
        {form.base.warnings.length ? (
          <div className="result result-warning" role="status">
            <strong>{t('settings.warnings')}:</strong>
            <ul>
              {form.base.warnings.map((w, i) => (
                <li key={i}>{w}</li>
              ))}
            </ul>
          </div>
        ) : null}
        {form.mergedFromHost && dirtyCount > 0 ? (
          <p className="muted">{t('settings.changedElsewhere')}</p>
        ) : null}
      </div>
      <div className="settings-groups">
        {GROUPS.map((group) => (
          <fieldset key={group.id} className="group" data-testid={`settings-group-${group.id}`}>
            <legend>{t(`group.${group.id}`)}</legend>
            {group.keys.map((key) =>
              FIELD_SPECS[key].secret ? (
                <SecretField
                  key={key}
                  keyName={key as SecretKey}
                  view={form.base}
                  draft={form.secrets[key as SecretKey]}
                  error={errors[key]}
                  onChange={(draft) => dispatch({ type: 'secret', key: key as SecretKey, draft })}
                  onGenerate={key === 'meta.verifyToken' ? () => void onGenerate() : undefined}
                  generating={generating}
                />
              ) : (
                <SettingField
                  key={key}
                  keyName={key}
                  view={form.base}
                  draft={form.drafts[key]}
                  dirty={isEditable(form.base, key) && isDirty(form.base, key, form.drafts[key])}
                  error={errors[key]}
                  onChange={(value) => dispatch({ type: 'edit', key, value })}
                />
              ),
            )}
          </fieldset>
        ))}
      </div>
      <div className="savebar" role="region" aria-label={t('settings.save')}>
        <span className="muted" data-testid="settings-dirty-count">
          {dirtyCount ? t('settings.dirtyCount', { count: dirtyCount }) : ''}
        </span>
        <div className="savebar-notice" aria-live="polite" data-testid="settings-notice">
          {notice?.kind === 'saved' ? <ResultBox tone="ok">{t('settings.saved')}</ResultBox> : null}
          {notice?.kind === 'generated' ? <ResultBox tone="ok">{t('settings.generated')}</ResultBox> : null}
          {notice?.kind === 'unchanged' ? <span className="muted">{t('settings.unchanged')}</span> : null}
          {notice?.kind === 'fix' ? (
            <ResultBox tone="warning">{t('settings.fixErrors', { count: notice.count ?? 0 })}</ResultBox>
          ) : null}
          {notice?.kind === 'error' ? <ErrorBox error={notice.error} testId="settings-save-error" /> : null}
        </div>
        <button
          type="button"
          className="btn"
          data-testid="settings-revert"
          disabled={dirtyCount === 0 || saving}
          onClick={() => {
            dispatch({ type: 'revert' });
            setNotice(null);
          }}
        >
          {t('settings.revert')}
        </button>
        <button
          type="submit"
          className="btn btn-primary"
          data-testid="settings-save"
          aria-busy={saving}
          disabled={saving}
        >
          {saving ? <Spinner label={t('settings.saving')} /> : null}
          {saving ? t('settings.saving') : t('settings.save')}
        </button>
      </div>
    </form>
  );
}
