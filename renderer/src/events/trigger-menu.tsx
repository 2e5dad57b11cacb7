/**
 * The trigger menu: sends a synthetic, signed Meta event of the chosen kind to the local listener, or through the
 * public URL. A menu button (arrow keys, Escape closes and returns focus) with a "via tunnel" checkbox item.
 */
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { triggerKindSchema, type TriggerKind } from '../../../shared/domain/events';
import { useI18n } from '../i18n/i18n';
import { useKreo } from '../lib/kreo-context';
import { useAction } from '../lib/use-action';
import { ErrorBox, ResultBox, Spinner } from '../ui/ui';

export function TriggerMenu() {
  const { t } = useI18n();
  const api = useKreo();
  const [open, setOpen] = useState(false);
  const [viaTunnel, setViaTunnel] = useState(false);
  const [lastKind, setLastKind] = useState<TriggerKind | null>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);
  const [state, run] = useAction((kind: TriggerKind, via: boolean) =>
    api.events.trigger({ kind, viaTunnel: via }),
  );

  useEffect(() => {
    if (!open) return;
    menuRef.current?.querySelector<HTMLElement>('[role^="menuitem"]')?.focus();
    const onDown = (e: MouseEvent) => {
      if (!menuRef.current?.contains(e.target as Node) && !buttonRef.current?.contains(e.target as Node))
        setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [open]);

  const close = () => {
    setOpen(false);
    buttonRef.current?.focus();
  };
  const onMenuKey = (e: KeyboardEvent) => {
    const items = [...(menuRef.current?.querySelectorAll<HTMLElement>('[role^="menuitem"]') ?? [])];
    const at = items.indexOf(document.activeElement as HTMLElement);
    if (e.key === 'Escape') close();
    else if (e.key === 'ArrowDown') items[(at + 1) % items.length]?.focus();
    else if (e.key === 'ArrowUp') items[(at - 1 + items.length) % items.length]?.focus();
    else if (e.key === 'Home') items[0]?.focus();
    else if (e.key === 'End') items[items.length - 1]?.focus();
    else if (e.key === 'Tab') setOpen(false);
    else return;
    if (e.key !== 'Tab') e.preventDefault();
  };

  const fire = (kind: TriggerKind) => {
    setLastKind(kind);
    close();
    void run(kind, viaTunnel);
  };

  return (
    <>
      <div className="trigger">
        <button
          ref={buttonRef}
          type="button"
          className="btn btn-primary"
          aria-haspopup="menu"
          aria-expanded={open}
          aria-controls="trigger-menu"
          data-testid="trigger-open"
          onClick={() => setOpen((o) => !o)}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown' && !open) {
              e.preventDefault();
              setOpen(true);
            }
          }}
        >
          {state.status === 'running' ? <Spinner label={t('common.running')} /> : null}
          {t('events.trigger')} ▾
        </button>
        {open ? (
          <div
            ref={menuRef}
            id="trigger-menu"
            role="menu"
            aria-label={t('events.trigger.menu')}
            className="menu"
            onKeyDown={onMenuKey}
          >
            <div
              role="menuitemcheckbox"
              aria-checked={viaTunnel}
              tabIndex={-1}
              className="menu-item menu-check"
              data-testid="trigger-via-tunnel"
              onClick={() => setViaTunnel((v) => !v)}
              onKeyDown={(e) => {
                if (e.key === ' ' || e.key === 'Enter') {
                  e.preventDefault();
                  setViaTunnel((v) => !v);
                }
              }}
            >
              <span aria-hidden="true">{viaTunnel ? '☑' : '☐'}</span> {t('events.trigger.viaTunnel')}
            </div>
            <div role="separator" className="menu-sep" />
            {triggerKindSchema.options.map((kind) => (
              <button
                key={kind}
                type="button"
                role="menuitem"
                tabIndex={-1}
                className="menu-item"
                data-testid={`trigger-${kind}`}
                onClick={() => fire(kind)}
              >
                {t(`events.trigger.${kind}`)}
              </button>
            ))}
          </div>
        ) : null}
      </div>
      <div
        className="trigger-result"
        data-testid="trigger-result"
        data-status={state.status}
        aria-live="polite"
      >
        {state.status === 'failed' ? <ErrorBox error={state.error} /> : null}
        {state.status === 'done' && lastKind ? (
          <ResultBox tone={state.value.statusCode === 200 ? 'ok' : 'warning'}>
            {state.value.eventId !== null
              ? t('events.trigger.result', {
                  kind: t(`events.trigger.${lastKind}`),
                  target: state.value.target,
                  status: state.value.statusCode,
                  id: state.value.eventId,
                })
              : t('events.trigger.resultNoId', {
                  kind: t(`events.trigger.${lastKind}`),
                  target: state.value.target,
                  status: state.value.statusCode,
                })}
          </ResultBox>
        ) : null}
      </div>
    </>
  );
}
