/**
 * Two small SVG charts, no chart library: bars (events per minute) and a line against a limit (send rate). Each has
 * a text alternative (role="img" + aria-label) and scales with its container through the viewBox.
 */

const W = 600;
const H = 160;
const PAD = { l: 40, r: 8, t: 10, b: 22 };

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

export interface Bar {
  label: string;
  value: number;
}

export function BarChart({ bars, label, testId }: { bars: readonly Bar[]; label: string; testId?: string }) {
  const max = niceMax(Math.max(0, ...bars.map((b) => b.value)));
  const iw = W - PAD.l - PAD.r;
  const ih = H - PAD.t - PAD.b;
  const bw = bars.length ? iw / bars.length : iw;
  return (
    <svg viewBox={`0 0 ${W} ${H}`} className="chart" role="img" aria-label={label} data-testid={testId}>
      <line x1={PAD.l} y1={PAD.t + ih} x2={W - PAD.r} y2={PAD.t + ih} className="axis" />
      <text x={PAD.l - 4} y={PAD.t + 8} className="tick" textAnchor="end">
        {max}
      </text>
      <text x={PAD.l - 4} y={PAD.t + ih} className="tick" textAnchor="end">
        0
      </text>
      {bars.map((b, i) => {
        const h = (b.value / max) * ih;
        return (
          <rect
            key={i}
            x={PAD.l + i * bw + 1}
            y={PAD.t + ih - h}
            width={Math.max(1, bw - 2)}
            height={h}
            className="bar"
          >
            <title>{`${b.label}: ${b.value}`}</title>
          </rect>
        );
      })}
      {bars.length ? (
        <>
          <text x={PAD.l} y={H - 6} className="tick">
            {bars[0]!.label}
          </text>
          <text x={W - PAD.r} y={H - 6} className="tick" textAnchor="end">
            {bars[bars.length - 1]!.label}
          </text>
        </>
      ) : null}
    </svg>
  );
}

export interface Point {
  t: number;
  value: number;
}

export function LineChart(props: {
  points: readonly Point[];
  limit: number | null;
  limitLabel?: string;
  spanMs: number;
  now: number;
  label: string;
  testId?: string;
}) {
  const { points, limit, spanMs, now } = props;
  const max = niceMax(Math.max(limit ?? 0, ...points.map((p) => p.value)) * 1.1);
  const iw = W - PAD.l - PAD.r;
  const ih = H - PAD.t - PAD.b;
  const x = (t: number) => PAD.l + iw * (1 - Math.min(1, Math.max(0, (now - t) / spanMs)));
  const y = (v: number) => PAD.t + ih - (v / max) * ih;
  const visible = points.filter((p) => now - p.t <= spanMs);
  const path = visible
    .map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.value).toFixed(1)}`)
    .join(' ');
  return (
    <svg
      viewBox={`0 0 ${W} ${H}`}
      className="chart"
      role="img"
      aria-label={props.label}
      data-testid={props.testId}
    >
      <line x1={PAD.l} y1={PAD.t + ih} x2={W - PAD.r} y2={PAD.t + ih} className="axis" />
      <text x={PAD.l - 4} y={PAD.t + 8} className="tick" textAnchor="end">
        {max}
      </text>
      <text x={PAD.l - 4} y={PAD.t + ih} className="tick" textAnchor="end">
        0
      </text>
      {limit !== null ? (
        <>
          <line
            x1={PAD.l}
            x2={W - PAD.r}
            y1={y(limit)}
            y2={y(limit)}
            className="limit"
            data-testid="chart-limit"
          />
          <text x={W - PAD.r} y={y(limit) - 4} className="tick limit-label" textAnchor="end">
            {props.limitLabel ?? limit}
          </text>
        </>
      ) : null}
      {path ? <path d={path} className="line" /> : null}
      <text x={PAD.l} y={H - 6} className="tick">
        −{Math.round(spanMs / 1000)}s
      </text>
      <text x={W - PAD.r} y={H - 6} className="tick" textAnchor="end">
        0
      </text>
    </svg>
  );
}
