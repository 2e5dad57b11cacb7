/**
 * A secret field: shows only the host's mask (never the value), lets the user replace or remove it, and for the
 * verify token offers Generate (the host creates and stores a random token; the panel never sees it).
 */
import type { SettingsView } from '../../../shared/domain/settings';
import { useI18n } from '../i18n/i18n';
import { FieldMessages, fieldDomId, type FieldError } from './setting-field';
import { FIELD_SPECS, isEnvOverridden, envNameFor, type SecretDraft, type SecretKey } from './settings-model';

export function SecretField(props: {
  keyName: SecretKey;
  view: SettingsView;
  draft: SecretDraft | undefined;
  error: FieldError | undefined;
  onChange(draft: SecretDraft): void;
  onGenerate?: () => void;
  generating?: boolean;
}) {
  const { t } = useI18n();
  const { keyName: key, view } = props;
  const draft = props.draft ?? { mode: 'keep' };
  const id = fieldDomId(key);
  const mask = view.secrets[key];
  const env = isEnvOverridden(view, key);
  const invalid = Boolean(props.error?.client || props.error?.server);
  const label = t(`field.${key}.label`);
  return (
    <div
      className={`field field-secret${invalid ? ' field-invalid' : ''}${draft.mode !== 'keep' ? ' field-dirty' : ''}`}
      data-testid={`setting-${key}`}
    >
      <label htmlFor={draft.mode === 'replace' ? id : `${id}-mask`} className="field-label">
        {label}
        {FIELD_SPECS[key].advanced ? <span className="tag">{t('settings.advanced')}</span> : null}
      </label>
      <div className="field-control secret-control">
        {draft.mode === 'replace' ? (
          <input
            id={id}
            type="password"
            autoComplete="new-password"
            spellCheck={false}
            data-testid={`field-${key}`}
            aria-invalid={invalid || undefined}
            aria-describedby={`${id}-help ${id}-error`}
            aria-label={t('settings.secret.newValue', { field: label })}
            value={draft.value}
            autoFocus
            onChange={(e) => props.onChange({ mode: 'replace', value: e.target.value })}
          />
        ) : (
          <output
            id={`${id}-mask`}
            className="secret-mask"
            data-testid={`secret-mask-${key}`}
            data-set={mask?.set}
          >
            {draft.mode === 'clear' ? (
              <span className="muted">{t('settings.secret.willClear')}</span>
            ) : mask?.set ? (
              <span className="mono">{mask.masked}</span>
            ) : (
              <span className="muted">{t('settings.secret.notSet')}</span>
            )}
          </output>
        )}
        {!env ? (
          <div className="secret-buttons">
            {draft.mode === 'keep' ? (
              <>
                <button
                  type="button"
                  className="btn btn-small"
                  data-testid={`secret-replace-${key}`}
                  aria-label={`${t('settings.secret.replace')}: ${label}`}
                  onClick={() => props.onChange({ mode: 'replace', value: '' })}
                >
                  {t('settings.secret.replace')}
                </button>
                {mask?.set ? (
                  <button
                    type="button"
                    className="btn btn-small"
                    data-testid={`secret-clear-${key}`}
                    aria-label={`${t('settings.secret.clear')}: ${label}`}
                    onClick={() => props.onChange({ mode: 'clear' })}
                  >
                    {t('settings.secret.clear')}
                  </button>
                ) : null}
              </>
            ) : (
              <button
                type="button"
                className="btn btn-small"
                data-testid={`secret-keep-${key}`}
                onClick={() => props.onChange({ mode: 'keep' })}
              >
                {t('settings.secret.keep')}
              </button>
            )}
            {props.onGenerate ? (
              <button
                type="button"
                className="btn btn-small"
                data-testid={`secret-generate-${key}`}
                aria-label={`${t('settings.generate')}: ${label}`}
                aria-busy={props.generating}
                disabled={props.generating}
                onClick={props.onGenerate}
              >
                {t('settings.generate')}
              </button>
            ) : null}
          </div>
        ) : null}
      </div>
      {env ? <div className="field-env">{t('settings.envOverride', { env: envNameFor(key) })}</div> : null}
      <FieldMessages keyName={key} error={props.error} />
    </div>
  );
}
