/** The health panel: every check with its state, detail and hint; runs on demand and follows `health:changed`. */
import type { HealthState } from '../../../shared/domain/meta';
import { useApp } from '../app/app-context';
import { useI18n } from '../i18n/i18n';
import { formatTime } from '../lib/format';
import { useKreo } from '../lib/kreo-context';
import { useAction } from '../lib/use-action';
import { Card, ErrorBox, Pill, Spinner, type Tone } from '../ui/ui';

export function healthTone(state: HealthState): Tone {
  if (state === 'ok') return 'ok';
  if (state === 'warning') return 'warning';
  if (state === 'failed') return 'failed';
  return 'neutral';
}

export function HealthPanel() {
  const { t, locale } = useI18n();
  const api = useKreo();
  const { state, dispatch } = useApp();
  const [run, runChecks] = useAction(async () => {
    const report = await api.health.run();
    dispatch({ type: 'health', report });
    return report;
  });
  const report = state.health;
  const running = run.status === 'running';
  return (
    <Card
      id="health"
      title={t('health.title')}
      actions={
        <button
          type="button"
          className="btn"
          data-testid="health-run"
          aria-busy={running}
          disabled={running}
          onClick={() => void runChecks()}
        >
          {running ? <Spinner label={t('common.running')} /> : null}
          {t('health.run')}
        </button>
      }
    >
      {run.status === 'failed' ? <ErrorBox error={run.error} testId="health-run-error" /> : null}
      {report ? (
        <>
          <p className="health-overall" data-testid="health-overall" data-state={report.overall}>
            {t('health.overall')}:{' '}
            <Pill tone={healthTone(report.overall)}>{t(`health.state.${report.overall}`)}</Pill>{' '}
            <span className="muted">
              {t('health.checkedAt', { time: formatTime(report.checkedAt, locale) })}
            </span>
          </p>
          <ul className="health-list">
            {report.checks.map((c) => (
              <li
                key={c.name}
                className="health-item"
                data-testid={`health-check-${c.name}`}
                data-state={c.state}
              >
                <div className="health-head">
                  <Pill tone={healthTone(c.state)}>{t(`health.state.${c.state}`)}</Pill>
                  <strong>{t(`health.check.${c.name}`)}</strong>
                </div>
                <div className="health-detail">{c.detail}</div>
                {c.hint ? (
                  <div className="hint">
                    <strong>{t('common.whatToDo')}:</strong> {c.hint}
                  </div>
                ) : null}
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p className="muted" data-testid="health-empty">
          {t('health.notRun')}
        </p>
      )}
    </Card>
  );
}
