/** Small presentational pieces shared by the screens: cards, state pills, result and error boxes, copy button. */
import { useState, type ReactNode } from 'react';
import { useI18n } from '../i18n/i18n';
import { hasKey } from '../i18n/translate';
import { copyText } from '../lib/clipboard';
import type { UiError } from '../lib/errors';

export function Card(props: {
  title: string;
  id: string;
  actions?: ReactNode;
  children: ReactNode;
  wide?: boolean;
}) {
  const headingId = `${props.id}-title`;
  return (
    <section
      className={props.wide ? 'card card-wide' : 'card'}
      aria-labelledby={headingId}
      data-testid={`card-${props.id}`}
    >
      <header className="card-head">
        <h2 id={headingId}>{props.title}</h2>
        {props.actions ? <div className="card-actions">{props.actions}</div> : null}
      </header>
      {props.children}
    </section>
  );
}

export type Tone = 'ok' | 'warning' | 'failed' | 'neutral' | 'busy';

export function Pill({ tone, children, testId }: { tone: Tone; children: ReactNode; testId?: string }) {
  return (
    <span className={`pill pill-${tone}`} data-testid={testId}>
      <span className="pill-dot" aria-hidden="true" />
      {children}
    </span>
  );
}

/** An error a person can act on: the localized title for its code, the host's message, and the hint. */
export function ErrorBox({ error, testId }: { error: UiError; testId?: string }) {
  const { t } = useI18n();
  const titleKey = `error.${error.code}`;
  const title = hasKey(titleKey) ? t(titleKey) : error.code;
  return (
    <div className="result result-failed" role="alert" data-testid={testId} data-error-code={error.code}>
      <div className="result-title">
        {title} <span className="muted">({t('common.errorCode', { code: error.code })})</span>
      </div>
      {error.message && error.message !== title ? <div>{error.message}</div> : null}
      {error.hint ? (
        <div className="hint">
          <strong>{t('common.whatToDo')}:</strong> {error.hint}
        </div>
      ) : null}
    </div>
  );
}

export function ResultBox({
  tone,
  children,
  testId,
}: {
  tone: 'ok' | 'warning';
  children: ReactNode;
  testId?: string;
}) {
  return (
    <div className={`result result-${tone}`} role="status" data-testid={testId}>
      {children}
    </div>
  );
}

export function CopyButton({ text, label, testId }: { text: string; label: string; testId?: string }) {
  const { t } = useI18n();
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <button
      type="button"
      className="btn btn-small"
      aria-label={label}
      data-testid={testId}
      onClick={async () => {
        const ok = await copyText(text);
        setState(ok ? 'copied' : 'failed');
        setTimeout(() => setState('idle'), 1500);
      }}
    >
      {state === 'copied'
        ? t('common.copied')
        : state === 'failed'
          ? t('common.copyFailed')
          : t('common.copy')}
    </button>
  );
}

/** A definition list row. */
export function Row({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="kv-row">
      <dt>{label}</dt>
      <dd data-testid={testId}>{children}</dd>
    </div>
  );
}

export function Spinner({ label }: { label: string }) {
  return <span className="spinner" role="progressbar" aria-label={label} />;
}
