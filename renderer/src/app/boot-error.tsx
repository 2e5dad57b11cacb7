/** Shown when the browser bridge cannot be installed (no host, wrong or missing token): what happened, what to do. */
import { I18nProvider, useI18n } from '../i18n/i18n';
import type { UiError } from '../lib/errors';
import { ErrorBox } from '../ui/ui';

function Body({ error }: { error: UiError }) {
  const { t } = useI18n();
  return (
    <div className="app" data-app-state="error" data-testid="app-root">
      <main className="main center-col" data-testid="app-load-error">
        <h1 className="brand">{t('app.title')}</h1>
        <p>{t('app.loadFailed')}</p>
        <ErrorBox error={error} />
      </main>
    </div>
  );
}

export function BootError({ error }: { error: UiError }) {
  return (
    <I18nProvider>
      <Body error={error} />
    </I18nProvider>
  );
}
