/** The labelled select and search box of the filter bars and the top bar (`.inline-field`). */

export interface Choice<T extends string> {
  value: T;
  label: string;
}

export function InlineSelect<T extends string>(props: {
  label: string;
  testId: string;
  value: T;
  choices: readonly Choice<T>[];
  onChange(value: T): void;
}) {
  const { label, testId, value, choices, onChange } = props;
  return (
    <label className="inline-field">
      <span>{label}</span>
      <select data-testid={testId} value={value} onChange={(e) => onChange(e.target.value as T)}>
        {choices.map((c) => (
          <option key={c.value} value={c.value}>
            {c.label}
          </option>
        ))}
      </select>
    </label>
  );
}

export function InlineSearch(props: {
  label: string;
  testId: string;
  value: string;
  maxLength?: number;
  onChange(value: string): void;
}) {
  const { label, testId, value, maxLength, onChange } = props;
  return (
    <label className="inline-field">
      <span>{label}</span>
      <input
        type="search"
        data-testid={testId}
        value={value}
        maxLength={maxLength}
        onChange={(e) => onChange(e.target.value)}
      />
    </label>
  );
}
