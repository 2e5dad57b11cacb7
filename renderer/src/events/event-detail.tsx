/**
 * The detail of one event (mounted with key={id}, so editor and replay state start fresh per event): summary (records, signature, duplicates, queue and forwarding), body pretty and raw,
 * headers, forward attempts and the message timeline; replay as received, or edit the body then replay.
 */
import { useEffect, useState } from 'react';
import type { EventDetail as Detail } from '../../../shared/domain/events';
import { useApp } from '../app/app-context';
import { useI18n } from '../i18n/i18n';
import { toUiError, type UiError } from '../lib/errors';
import { formatBytes, formatDateTime, prettyJson } from '../lib/format';
import { useKreo } from '../lib/kreo-context';
import { useAction } from '../lib/use-action';
import { useStoreSelect } from '../lib/use-store';
import { Tabs, tabPanelProps } from '../ui/tabs';
import { ErrorBox, ResultBox, Row, Spinner } from '../ui/ui';
import { messageIdsOf } from './timeline';
import { TimelineView } from './timeline-view';

type DetailTab = 'summary' | 'body' | 'headers' | 'attempts' | 'timeline';
const TABS: readonly DetailTab[] = ['summary', 'body', 'headers', 'attempts', 'timeline'];

function useEventDetail(id: number): { detail: Detail | null; error: UiError | null; reload(): void } {
  const api = useKreo();
  const { hub } = useApp();
  // Re-fetch when the host pushes an update of this event (forwarding, queue), not on every batch.
  const summary = useStoreSelect(hub.events, (store) => store.get(id));
  const [state, setState] = useState<{ id: number; detail: Detail | null; error: UiError | null }>({
    id,
    detail: null,
    error: null,
  });
  const [nonce, setNonce] = useState(0);
  useEffect(() => {
    let live = true;
    api.events
      .get({ id })
      .then((detail) => live && setState({ id, detail, error: null }))
      .catch((err) => live && setState({ id, detail: null, error: toUiError(err) }));
    return () => {
      live = false;
    };
    // The summary changes when the host pushes an update (forwarding, queue): fetch the detail again.
  }, [api, id, summary, nonce]);
  const current = state.id === id ? state : { detail: null, error: null };
  return { detail: current.detail, error: current.error, reload: () => setNonce((n) => n + 1) };
}

export function EventDetailPanel({
  id,
  onClose,
  onOpen,
}: {
  id: number;
  onClose(): void;
  onOpen(id: number): void;
}) {
  const { t, locale } = useI18n();
  const api = useKreo();
  const { detail, error, reload } = useEventDetail(id);
  const [tab, setTab] = useState<DetailTab>('summary');
  const [raw, setRaw] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);
  const [replay, runReplay] = useAction(async (body?: string) => {
    const r = await api.events.replay(body === undefined ? { id } : { id, body });
    reload();
    if (body !== undefined) setEditing(null);
    return r;
  });

  const editError = (() => {
    if (editing === null) return null;
    try {
      JSON.parse(editing);
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  })();

  return (
    <section
      className="detail"
      aria-labelledby="event-detail-title"
      data-testid="event-detail"
      data-event-id={id}
    >
      <header className="detail-head">
        <h3 id="event-detail-title">{t('detail.title', { id })}</h3>
        <div className="detail-actions">
          <button
            type="button"
            className="btn"
            data-testid="event-replay"
            aria-busy={replay.status === 'running'}
            disabled={replay.status === 'running' || !detail}
            onClick={() => void runReplay()}
          >
            {replay.status === 'running' ? <Spinner label={t('common.running')} /> : null}
            {t('detail.replay')}
          </button>
          <button
            type="button"
            className="btn"
            data-testid="event-edit-replay"
            disabled={!detail}
            aria-expanded={editing !== null}
            onClick={() => setEditing(editing === null && detail ? prettyJson(detail.body).text : null)}
          >
            {t('detail.editReplay')}
          </button>
          <button
            type="button"
            className="btn"
            data-testid="event-detail-close"
            aria-label={t('common.close')}
            onClick={onClose}
          >
            ✕
          </button>
        </div>
      </header>
      <div
        className="replay-result"
        data-testid="event-replay-result"
        data-status={replay.status}
        aria-live="polite"
      >
        {replay.status === 'failed' ? <ErrorBox error={replay.error} /> : null}
        {replay.status === 'done' ? (
          <ResultBox tone={replay.value.error ? 'warning' : 'ok'}>
            {replay.value.error
              ? t('detail.replayError', { error: replay.value.error })
              : replay.value.eventId !== id
                ? t('detail.replayedAsNew', {
                    id: replay.value.eventId,
                    status: replay.value.statusCode ?? '—',
                  })
                : t('detail.replayResult', { status: replay.value.statusCode ?? '—' })}
            {replay.value.eventId !== id ? (
              <>
                {' '}
                <button
                  type="button"
                  className="linklike"
                  data-testid="event-replay-open"
                  onClick={() => onOpen(replay.value.eventId)}
                >
                  {t('detail.timeline.open', { id: replay.value.eventId })}
                </button>
              </>
            ) : null}
          </ResultBox>
        ) : null}
      </div>
      {editing !== null ? (
        <div className="editor">
          <label htmlFor="replay-editor">{t('detail.editor')}</label>
          <textarea
            id="replay-editor"
            data-testid="event-editor"
            spellCheck={false}
            value={editing}
            aria-invalid={Boolean(editError) || undefined}
            aria-describedby="replay-editor-error"
            onChange={(e) => setEditing(e.target.value)}
          />
          <div id="replay-editor-error" className="field-error">
            {editError ? t('detail.editorInvalid', { message: editError }) : null}
          </div>
          <div className="row-buttons">
            <button
              type="button"
              className="btn btn-primary"
              data-testid="event-send-edited"
              disabled={Boolean(editError) || replay.status === 'running'}
              onClick={() => void runReplay(editing)}
            >
              {t('detail.sendEdited')}
            </button>
            <button type="button" className="btn" onClick={() => setEditing(null)}>
              {t('common.cancel')}
            </button>
          </div>
        </div>
      ) : null}
      {error ? <ErrorBox error={error} /> : null}
      {!detail && !error ? <p className="muted">{t('detail.loading')}</p> : null}
      {detail ? (
        <>
          <Tabs<DetailTab>
            items={TABS.map((id) => ({ id, label: t(`detail.tab.${id}`) }))}
            selected={tab}
            onSelect={setTab}
            label={t('detail.title', { id })}
            idPrefix="detail"
            className="tabs tabs-small"
          />
          <div {...tabPanelProps('detail', tab)} className="detail-body">
            {tab === 'summary' ? <SummaryTab d={detail} locale={locale} /> : null}
            {tab === 'body' ? (
              <div>
                <div className="row-buttons" role="group">
                  <button
                    type="button"
                    className="btn btn-small"
                    aria-pressed={!raw}
                    onClick={() => setRaw(false)}
                  >
                    {t('detail.pretty')}
                  </button>
                  <button
                    type="button"
                    className="btn btn-small"
                    aria-pressed={raw}
                    onClick={() => setRaw(true)}
                  >
                    {t('detail.raw')}
                  </button>
                </div>
                {raw ? (
                  <pre className="code" data-testid="event-body-raw">
                    {detail.body}
                  </pre>
                ) : (
                  <PrettyBody body={detail.body} />
                )}
              </div>
            ) : null}
            {tab === 'headers' ? (
              <table className="table" data-testid="event-headers">
                <tbody>
                  {Object.entries(detail.headers).map(([k, v]) => (
                    <tr key={k}>
                      <th scope="row" className="mono">
                        {k}
                      </th>
                      <td className="mono break">{v}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : null}
            {tab === 'attempts' ? <AttemptsTab d={detail} locale={locale} /> : null}
            {tab === 'timeline' ? (
              messageIdsOf(detail).length ? (
                messageIdsOf(detail).map((mid) => <TimelineView key={mid} messageId={mid} onOpen={onOpen} />)
              ) : (
                <p className="muted">{t('detail.timeline.none')}</p>
              )
            ) : null}
          </div>
        </>
      ) : null}
    </section>
  );
}

function PrettyBody({ body }: { body: string }) {
  const { t } = useI18n();
  const pretty = prettyJson(body);
  return (
    <>
      {!pretty.valid ? <p className="muted">{t('detail.invalidJson')}</p> : null}
      <pre className="code" data-testid="event-body-pretty">
        {pretty.text}
      </pre>
    </>
  );
}

function SummaryTab({ d, locale }: { d: Detail; locale: string }) {
  const { t } = useI18n();
  return (
    <div data-testid="event-summary">
      <dl className="kv">
        <Row label={t('detail.receivedAt')}>{formatDateTime(d.receivedAt, locale)}</Row>
        <Row label={t('detail.source')}>{t(`events.source.${d.source}`)}</Row>
        <Row label={t('detail.size')}>{formatBytes(d.bodySize)}</Row>
        <Row label={t('detail.signature')} testId="event-signature">
          <span className={`sig-${d.signature}`}>{t(`events.signature.${d.signature}`)}</span>
        </Row>
        <Row label={t('detail.duplicates')} testId="event-duplicates">
          {d.duplicateOf !== null
            ? t('detail.duplicateOf', { id: d.duplicateOf })
            : d.duplicates > 0
              ? t('detail.seenTimes', { count: d.duplicates })
              : t('detail.noDuplicates')}
        </Row>
        <Row label={t('detail.queue')}>
          {t(`detail.queue.${d.queued}`)}
          {d.streamId ? <span className="mono"> · {d.streamId}</span> : null}
        </Row>
        <Row label={t('detail.forwardState')} testId="event-forward-state">
          {t(`events.forward.${d.forward}`)}
        </Row>
      </dl>
      <h4>{t('detail.records')}</h4>
      {d.records.length === 0 ? <p className="muted">{t('detail.noRecords')}</p> : null}
      {d.records.length ? (
        <div className="table-scroll">
          <table className="table" data-testid="event-records">
            <thead>
              <tr>
                <th scope="col">{t('events.col.kind')}</th>
                <th scope="col">{t('detail.record.field')}</th>
                <th scope="col">{t('detail.record.from')}</th>
                <th scope="col">{t('detail.record.to')}</th>
                <th scope="col">{t('detail.record.type')}</th>
                <th scope="col">{t('detail.record.status')}</th>
                <th scope="col">{t('detail.record.messageId')}</th>
                <th scope="col">{t('detail.record.text')}</th>
                <th scope="col">{t('detail.record.errors')}</th>
              </tr>
            </thead>
            <tbody>
              {d.records.map((r, i) => (
                <tr key={i}>
                  <td>{t(`events.kind.${r.kind}`)}</td>
                  <td className="mono">{r.field}</td>
                  <td className="mono">
                    {r.from ?? '—'}
                    {r.fromType === 'user_id' ? ' (user_id)' : ''}
                  </td>
                  <td className="mono">{r.recipient ?? r.phoneNumberId ?? '—'}</td>
                  <td>{r.messageType ?? '—'}</td>
                  <td>{r.status ?? '—'}</td>
                  <td className="mono break">{r.messageId ?? '—'}</td>
                  <td className="break">{r.text ?? ''}</td>
                  <td className="error-text">
                    {r.errorCodes.map((c, j) => `${c} ${r.errorTitles[j] ?? ''}`.trim()).join('; ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}

function AttemptsTab({ d, locale }: { d: Detail; locale: string }) {
  const { t } = useI18n();
  if (d.attempts.length === 0)
    return (
      <p className="muted" data-testid="event-attempts-empty">
        {t('detail.noAttempts')}
      </p>
    );
  return (
    <div className="table-scroll">
      <table className="table" data-testid="event-attempts">
        <thead>
          <tr>
            <th scope="col">{t('detail.attempt.at')}</th>
            <th scope="col">{t('detail.attempt.target')}</th>
            <th scope="col">{t('detail.attempt.status')}</th>
            <th scope="col">{t('detail.attempt.latency')}</th>
            <th scope="col">{t('detail.attempt.error')}</th>
            <th scope="col">{t('detail.attempt.replay')}</th>
          </tr>
        </thead>
        <tbody>
          {d.attempts.map((a, i) => (
            <tr key={i} data-testid="event-attempt" data-replay={a.replay}>
              <td className="mono">{formatDateTime(a.at, locale)}</td>
              <td className="mono break">{a.target}</td>
              <td>{a.statusCode ?? '—'}</td>
              <td>{a.latencyMs === null ? '—' : `${Math.round(a.latencyMs)} ms`}</td>
              <td className="error-text">{a.error ?? ''}</td>
              <td>{a.replay ? t('common.yes') : t('common.no')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
