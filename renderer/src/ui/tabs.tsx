/**
 * An accessible tab list (WAI-ARIA tabs pattern): arrow keys, Home and End move between tabs, only the selected tab
 * is in the tab order, and each tab controls its panel by id.
 */
import { useRef, type KeyboardEvent } from 'react';

export interface TabItem<T extends string> {
  id: T;
  label: string;
}

export function Tabs<T extends string>(props: {
  items: readonly TabItem<T>[];
  selected: T;
  onSelect(id: T): void;
  label: string;
  idPrefix: string;
  className?: string;
}) {
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  const index = props.items.findIndex((i) => i.id === props.selected);
  const move = (to: number) => {
    const n = props.items.length;
    const next = ((to % n) + n) % n;
    props.onSelect(props.items[next]!.id);
    refs.current[next]?.focus();
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') move(index + 1);
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') move(index - 1);
    else if (e.key === 'Home') move(0);
    else if (e.key === 'End') move(props.items.length - 1);
    else return;
    e.preventDefault();
  };
  return (
    <div role="tablist" aria-label={props.label} className={props.className ?? 'tabs'} onKeyDown={onKeyDown}>
      {props.items.map((item, i) => (
        <button
          key={item.id}
          ref={(el) => {
            refs.current[i] = el;
          }}
          type="button"
          role="tab"
          id={`${props.idPrefix}-tab-${item.id}`}
          aria-selected={item.id === props.selected}
          aria-controls={`${props.idPrefix}-panel-${item.id}`}
          tabIndex={item.id === props.selected ? 0 : -1}
          data-testid={`${props.idPrefix}-tab-${item.id}`}
          className="tab"
          onClick={() => props.onSelect(item.id)}
        >
          {item.label}
        </button>
      ))}
    </div>
  );
}

/** Props for the panel a tab controls. */
export function tabPanelProps(idPrefix: string, id: string) {
  return {
    role: 'tabpanel' as const,
    id: `${idPrefix}-panel-${id}`,
    'aria-labelledby': `${idPrefix}-tab-${id}`,
    tabIndex: 0,
  };
}
