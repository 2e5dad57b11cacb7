/**
 * One settings field: its label, the right input for its type, the expected form and example, and the error next to
 * it (typed-as-you-go validation or the host's refusal). Read-only and environment-set fields are shown, not editable.
 */
import type { SettingsView } from '../../../shared/domain/settings';
import { useI18n } from '../i18n/i18n';
import type { UiError } from '../lib/errors';
import { formatDateTime } from '../lib/format';
import {
  envNameFor,
  FIELD_SPECS,
  isEnvOverridden,
  viewValue,
  type Draft,
  type SettingKey,
} from './settings-model';

export function fieldDomId(key: SettingKey): string {
  return `setting-${key.replace('.', '-')}`;
}

export interface FieldError {
  /** From typing: what the field expects. */
  client?: 'empty' | { example: string };
  server?: UiError;
}

export function FieldMessages({ keyName, error }: { keyName: SettingKey; error: FieldError | undefined }) {
  const { t } = useI18n();
  const id = fieldDomId(keyName);
  const spec = FIELD_SPECS[keyName];
  const showExample = !spec.readOnly && spec.kind !== 'boolean' && spec.kind !== 'enum';
  return (
    <>
      <div
        className="field-help"
        id={`${id}-help`}
        data-readonly={spec.readOnly || undefined}
        hidden={Boolean(error?.client && error.client !== 'empty')}
      >
        {t(`field.${keyName}.help`)}
        {showExample ? <span> · {t('settings.example', { example: spec.example })}</span> : null}
      </div>
      <div
        className="field-error"
        id={`${id}-error`}
        data-testid={`field-error-${keyName}`}
        aria-live="polite"
      >
        {error?.server ? (
          <>
            {error.server.message}
            {error.server.hint ? <span className="hint"> {error.server.hint}</span> : null}
          </>
        ) : error?.client === 'empty' ? (
          t('settings.secret.empty')
        ) : error?.client ? (
          <>
            {t('settings.expected', { expected: t(`field.${keyName}.help`) })}{' '}
            {t('settings.example', { example: error.client.example })}
          </>
        ) : null}
      </div>
    </>
  );
}

export function SettingField(props: {
  keyName: SettingKey;
  view: SettingsView;
  draft: Draft | undefined;
  dirty: boolean;
  error: FieldError | undefined;
  onChange(value: Draft): void;
}) {
  const { t, locale } = useI18n();
  const { keyName: key, view, draft, error } = props;
  const spec = FIELD_SPECS[key];
  const id = fieldDomId(key);
  const env = isEnvOverridden(view, key);
  const invalid = Boolean(error?.client || error?.server);
  const describedBy = `${id}-help ${id}-error${env ? ` ${id}-env` : ''}`;
  const common = {
    id,
    'data-testid': `field-${key}`,
    'aria-invalid': invalid || undefined,
    'aria-describedby': describedBy,
    disabled: env,
  };

  let control;
  if (spec.readOnly) {
    const value = viewValue(view, key);
    const shown =
      typeof value === 'boolean'
        ? value
          ? t('common.yes')
          : t('common.no')
        : key === 'webhook.registeredAt'
          ? formatDateTime(String(value || ''), locale)
          : String(value || '—');
    control = (
      <output
        id={id}
        className="readonly-value"
        data-testid={`field-${key}`}
        data-value={String(value ?? '')}
      >
        {shown}
      </output>
    );
  } else if (spec.kind === 'boolean') {
    control = (
      <input
        {...common}
        type="checkbox"
        checked={draft === true}
        onChange={(e) => props.onChange(e.target.checked)}
      />
    );
  } else if (spec.kind === 'enum') {
    control = (
      <select {...common} value={String(draft ?? '')} onChange={(e) => props.onChange(e.target.value)}>
        {spec.options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    );
  } else {
    control = (
      <input
        {...common}
        type="text"
        inputMode={spec.kind === 'number' ? 'decimal' : undefined}
        spellCheck={false}
        autoComplete="off"
        value={String(draft ?? '')}
        onChange={(e) => props.onChange(e.target.value)}
      />
    );
  }

  return (
    <div
      className={`field${invalid ? ' field-invalid' : ''}${props.dirty ? ' field-dirty' : ''}${spec.kind === 'boolean' ? ' field-check' : ''}`}
      data-testid={`setting-${key}`}
    >
      <label htmlFor={id} className="field-label">
        {t(`field.${key}.label`)}
        {spec.advanced ? <span className="tag">{t('settings.advanced')}</span> : null}
        {spec.readOnly ? <span className="tag">{t('settings.readOnly')}</span> : null}
      </label>
      <div className="field-control">{control}</div>
      {env ? (
        <div className="field-env" id={`${id}-env`}>
          {t('settings.envOverride', { env: envNameFor(key) })}
        </div>
      ) : null}
      <FieldMessages keyName={key} error={error} />
    </div>
  );
}
