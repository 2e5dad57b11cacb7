/**
 * Live logs: the three files tailed and followed, filtered by file, minimum level and text; pause holds new lines
 * aside, follow keeps the newest line in view. Only the list view subscribes to the store (fed once per animation
 * frame), so a stream of lines re-renders the visible rows and the counters, not the toolbar.
 */
import { useEffect, useState } from 'react';
import type { LogFile, LogLevelName } from '../../../shared/domain/logs';
import { LOG_FILES } from '../app/data-hub';
import { useApp } from '../app/app-context';
import { useI18n } from '../i18n/i18n';
import { InlineSearch, InlineSelect } from '../ui/inline-fields';
import { LogView } from './log-view';
import { LEVELS, type LogFilter } from './logs-store';

export function LogsScreen() {
  const { t } = useI18n();
  const { hub } = useApp();
  const store = hub.logs;
  const [filter, setFilter] = useState<LogFilter>(() => store.currentFilter);
  const [follow, setFollow] = useState(true);
  const [paused, setPaused] = useState(() => store.paused);

  useEffect(() => {
    const timer = setTimeout(() => store.setFilter(filter), filter.text ? 120 : 0);
    return () => clearTimeout(timer);
  }, [filter, store]);

  const set = <K extends keyof LogFilter>(k: K, v: LogFilter[K]) => setFilter((f) => ({ ...f, [k]: v }));
  return (
    <div className="logs-screen">
      <h2 className="sr-only">{t('logs.title')}</h2>
      <div className="filters" role="search" aria-label={t('logs.title')}>
        <InlineSelect<LogFile | 'all'>
          label={t('logs.file')}
          testId="logs-file"
          value={filter.file}
          choices={[
            { value: 'all', label: t('logs.file.all') },
            ...LOG_FILES.map((f) => ({ value: f, label: t(`logs.file.${f}`) })),
          ]}
          onChange={(v) => set('file', v)}
        />
        <InlineSelect<LogLevelName>
          label={t('logs.level')}
          testId="logs-level"
          value={filter.minLevel}
          choices={LEVELS.map((l) => ({ value: l, label: l }))}
          onChange={(v) => set('minLevel', v)}
        />
        <InlineSearch
          label={t('logs.search')}
          testId="logs-search"
          value={filter.text}
          onChange={(v) => set('text', v)}
        />
        <button
          type="button"
          className="btn btn-small"
          data-testid="logs-pause"
          aria-pressed={paused}
          onClick={() => {
            store.setPaused(!paused);
            setPaused(!paused);
          }}
        >
          {paused ? t('logs.resume') : t('logs.pause')}
        </button>
        <button
          type="button"
          className="btn btn-small"
          data-testid="logs-follow"
          aria-pressed={follow}
          onClick={() => setFollow((f) => !f)}
        >
          {t('logs.follow')}
        </button>
        <button
          type="button"
          className="btn btn-small"
          data-testid="logs-clear"
          onClick={() => store.clear()}
        >
          {t('logs.clear')}
        </button>
      </div>
      <LogView store={store} follow={follow} onFollowChange={setFollow} />
    </div>
  );
}
