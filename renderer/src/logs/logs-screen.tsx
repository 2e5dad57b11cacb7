/**
 * Live logs: the three files tailed and followed, filtered by file, minimum level and text; pause holds new lines
 * aside, follow keeps the newest line in view. Virtualized; the store is fed once per animation frame.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { LogFile, LogLevelName } from '../../../shared/domain/logs';
import { LOG_FILES } from '../app/data-hub';
import { useApp } from '../app/app-context';
import { useI18n } from '../i18n/i18n';
import { formatTimeMs } from '../lib/format';
import { useStoreVersion } from '../lib/use-store';
import { LEVELS, type LogFilter } from './logs-store';

const ROW = 22;

export function LogsScreen() {
  const { t, locale } = useI18n();
  const { hub } = useApp();
  const store = hub.logs;
  const version = useStoreVersion(store);
  const [filter, setFilter] = useState<LogFilter>(() => store.currentFilter);
  const [follow, setFollow] = useState(true);
  const parentRef = useRef<HTMLDivElement>(null);
  const count = store.shown;

  useEffect(() => {
    const timer = setTimeout(() => store.setFilter(filter), filter.text ? 120 : 0);
    return () => clearTimeout(timer);
  }, [filter, store]);

  // The panel does not use the React Compiler; the virtualizer's unmemoizable API is fine here.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => parentRef.current,
    estimateSize: () => ROW,
    overscan: 20,
  });

  // Follow: keep the newest line in view after each batch.
  useLayoutEffect(() => {
    const el = parentRef.current;
    if (follow && el) el.scrollTop = el.scrollHeight;
  }, [version, follow, count]);

  const onScroll = () => {
    const el = parentRef.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < ROW * 2;
    if (follow && !atBottom) setFollow(false);
    else if (!follow && atBottom && el.scrollTop > 0) setFollow(true);
  };

  const set = <K extends keyof LogFilter>(k: K, v: LogFilter[K]) => setFilter((f) => ({ ...f, [k]: v }));
  return (
    <div className="logs-screen">
      <h2 className="sr-only">{t('logs.title')}</h2>
      <div className="filters" role="search" aria-label={t('logs.title')}>
        <label className="inline-field">
          <span>{t('logs.file')}</span>
          <select
            data-testid="logs-file"
            value={filter.file}
            onChange={(e) => set('file', e.target.value as LogFile | 'all')}
          >
            <option value="all">{t('logs.file.all')}</option>
            {LOG_FILES.map((f) => (
              <option key={f} value={f}>
                {t(`logs.file.${f}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-field">
          <span>{t('logs.level')}</span>
          <select
            data-testid="logs-level"
            value={filter.minLevel}
            onChange={(e) => set('minLevel', e.target.value as LogLevelName)}
          >
            {LEVELS.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-field">
          <span>{t('logs.search')}</span>
          <input
            type="search"
            data-testid="logs-search"
            value={filter.text}
            onChange={(e) => set('text', e.target.value)}
          />
        </label>
        <button
          type="button"
          className="btn btn-small"
          data-testid="logs-pause"
          aria-pressed={store.paused}
          onClick={() => store.setPaused(!store.paused)}
        >
          {store.paused ? t('logs.resume') : t('logs.pause')}
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
      <div className="logs-status" aria-live="polite">
        <span className="muted" data-testid="logs-count">
          {t('logs.count', { shown: count, total: store.total })}
        </span>
        {store.paused ? (
          <span className="pill pill-warning" data-testid="logs-paused">
            {t('logs.paused', { count: store.heldCount })}
          </span>
        ) : null}
      </div>
      <div
        ref={parentRef}
        className="log-list"
        role="log"
        aria-label={t('logs.list')}
        aria-live="off"
        tabIndex={0}
        data-testid="logs-list"
        data-count={count}
        onScroll={onScroll}
      >
        {count === 0 ? <p className="muted empty">{t('logs.empty')}</p> : null}
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const l = store.at(item.index);
            if (!l) return null;
            return (
              <div
                key={item.key}
                className={`log-line lvl-${l.level}`}
                data-testid="log-line"
                data-file={l.file}
                data-level={l.level}
                style={{ transform: `translateY(${item.start}px)`, height: ROW }}
              >
                <span className="l-time mono">{formatTimeMs(l.time, locale)}</span>
                <span className="l-file">{l.file}</span>
                <span className="l-level">{l.level}</span>
                <span className="l-module">{l.module ?? ''}</span>
                <span className="l-msg" title={l.raw}>
                  {l.msg}
                </span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
