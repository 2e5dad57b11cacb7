/**
 * The panel: providers, the first load and push wiring (DataHub), the header with language and theme, and the
 * screen navigation. The root carries `data-app-state` (loading → ready | error) for tests and tools.
 */
import { useEffect, useReducer, useState } from 'react';
import type { KreoApi } from '../../../shared/kreo-api';
import { ChartsScreen } from '../charts/charts-screen';
import { EventsScreen } from '../events/events-screen';
import { I18nProvider, useI18n } from '../i18n/i18n';
import { LANGUAGE_NAMES, LANGUAGES, isLang, type Lang } from '../i18n/translate';
import { KreoProvider, useKreo } from '../lib/kreo-context';
import { LogsScreen } from '../logs/logs-screen';
import { OverviewScreen } from '../overview/overview-screen';
import { SettingsScreen } from '../settings/settings-screen';
import { InlineSelect } from '../ui/inline-fields';
import { ErrorBox, Pill, Spinner } from '../ui/ui';
import { Tabs, tabPanelProps } from '../ui/tabs';
import { AppContext } from './app-context';
import { appReducer, initialAppState } from './app-state';
import { DataHub } from './data-hub';
import { tunnelTone } from '../overview/tunnel-card';
import { useTheme, type ThemeChoice } from './theme';

export type ScreenId = 'overview' | 'settings' | 'events' | 'logs' | 'charts';
const SCREENS: readonly ScreenId[] = ['overview', 'settings', 'events', 'logs', 'charts'];
const SCREEN_KEY = 'kreo.screen';

function savedScreen(): ScreenId {
  try {
    const v = sessionStorage.getItem(SCREEN_KEY);
    if (v && (SCREENS as readonly string[]).includes(v)) return v as ScreenId;
  } catch {}
  return 'overview';
}

export function App({ api, lang }: { api: KreoApi; lang?: Lang }) {
  return (
    <KreoProvider api={api}>
      <I18nProvider lang={lang}>
        <Panel />
      </I18nProvider>
    </KreoProvider>
  );
}

function Panel() {
  const api = useKreo();
  const { t, lang, setLang } = useI18n();
  const [state, dispatch] = useReducer(appReducer, initialAppState);
  const [hub] = useState(() => new DataHub(api, dispatch));
  const [screen, setScreenState] = useState<ScreenId>(savedScreen);
  const [theme, setTheme] = useTheme();
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    hub.subscribe();
    return () => hub.dispose();
  }, [hub]);
  useEffect(() => {
    void hub.load();
  }, [hub, attempt]);

  const setScreen = (id: ScreenId) => {
    setScreenState(id);
    try {
      sessionStorage.setItem(SCREEN_KEY, id);
    } catch {}
  };

  const tunnelState = state.tunnel?.state ?? 'stopped';
  return (
    <AppContext.Provider value={{ state, dispatch, hub }}>
      <div className="app" data-app-state={state.load} data-testid="app-root">
        <header className="topbar">
          <h1 className="brand">{t('app.title')}</h1>
          {state.host ? (
            <span className="muted host-mode" data-testid="host-mode">
              {t(state.host.mode === 'desktop' ? 'app.hostMode.desktop' : 'app.hostMode.headless')} · v
              {state.host.version}
            </span>
          ) : null}
          <button
            type="button"
            className="linklike"
            onClick={() => setScreen('overview')}
            aria-label={`${t('tunnel.title')}: ${t(`tunnel.state.${tunnelState}`)}`}
          >
            <Pill tone={tunnelTone(tunnelState)} testId="topbar-tunnel-state">
              {t('tunnel.title')}: {t(`tunnel.state.${tunnelState}`)}
            </Pill>
          </button>
          <div className="topbar-end">
            <InlineSelect<Lang>
              label={t('app.language')}
              testId="language-select"
              value={lang}
              choices={LANGUAGES.map((l) => ({ value: l, label: LANGUAGE_NAMES[l] }))}
              onChange={(v) => isLang(v) && setLang(v)}
            />
            <InlineSelect<ThemeChoice>
              label={t('app.theme')}
              testId="theme-select"
              value={theme}
              choices={[
                { value: 'system', label: t('app.theme.system') },
                { value: 'light', label: t('app.theme.light') },
                { value: 'dark', label: t('app.theme.dark') },
              ]}
              onChange={setTheme}
            />
          </div>
        </header>
        <nav className="nav">
          <Tabs
            items={SCREENS.map((id) => ({ id, label: t(`nav.${id}`) }))}
            selected={screen}
            onSelect={setScreen}
            label={t('app.mainNav')}
            idPrefix="nav"
          />
        </nav>
        <main className="main">
          {state.load === 'loading' ? (
            <div className="center" data-testid="app-loading">
              <Spinner label={t('app.loading')} /> {t('app.loading')}
            </div>
          ) : state.load === 'error' && state.loadError ? (
            <div className="center-col" data-testid="app-load-error">
              <p>{t('app.loadFailed')}</p>
              <ErrorBox error={state.loadError} />
              <button
                type="button"
                className="btn"
                onClick={() => {
                  dispatch({ type: 'reload' });
                  setAttempt((n) => n + 1);
                }}
              >
                {t('app.retry')}
              </button>
            </div>
          ) : (
            <div {...tabPanelProps('nav', screen)} className="screen" data-testid={`screen-${screen}`}>
              {screen === 'overview' ? <OverviewScreen /> : null}
              {screen === 'settings' ? <SettingsScreen /> : null}
              {screen === 'events' ? <EventsScreen /> : null}
              {screen === 'logs' ? <LogsScreen /> : null}
              {screen === 'charts' ? <ChartsScreen /> : null}
            </div>
          )}
        </main>
      </div>
    </AppContext.Provider>
  );
}
