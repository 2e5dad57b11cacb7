/** Small formatting helpers shared by the screens: durations, times, byte sizes, JSON pretty-printing. */

export function formatDuration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms) || ms < 0) return '—';
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d > 0) return `${d}d ${h}h ${m}m`;
  if (h > 0) return `${h}h ${m}m ${sec}s`;
  if (m > 0) return `${m}m ${sec}s`;
  return `${sec}s`;
}

/** Uptime from a start time, so the card ticks without asking the host again. */
export function uptimeFrom(startedAt: string | null | undefined, now: number): number | null {
  if (!startedAt) return null;
  const t = Date.parse(startedAt);
  return Number.isNaN(t) ? null : Math.max(0, now - t);
}

// Intl formatters are costly to build; list rows format thousands of times, so they are cached per locale.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(locale: string, kind: 'time' | 'timeMs' | 'dateTime'): Intl.DateTimeFormat {
  const key = `${locale}|${kind}`;
  let f = formatters.get(key);
  if (!f) {
    const opts: Intl.DateTimeFormatOptions =
      kind === 'dateTime'
        ? { dateStyle: 'short', timeStyle: 'medium', hour12: false }
        : { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false };
    if (kind === 'timeMs') opts.fractionalSecondDigits = 3;
    f = new Intl.DateTimeFormat(locale, opts);
    formatters.set(key, f);
  }
  return f;
}

function format(
  iso: string | null | undefined,
  locale: string,
  kind: 'time' | 'timeMs' | 'dateTime',
): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return formatter(locale, kind).format(t);
}

export function formatTime(iso: string | null | undefined, locale: string): string {
  return format(iso, locale, 'time');
}

/** Time with milliseconds, for log lines. */
export function formatTimeMs(iso: string | null | undefined, locale: string): string {
  return format(iso, locale, 'timeMs');
}

export function formatDateTime(iso: string | null | undefined, locale: string): string {
  return format(iso, locale, 'dateTime');
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Pretty JSON when the text parses, otherwise the text unchanged. */
export function prettyJson(text: string): { text: string; valid: boolean } {
  try {
    return { text: JSON.stringify(JSON.parse(text), null, 2), valid: true };
  } catch {
    return { text, valid: false };
  }
}

/** Meta timestamps are unix seconds as strings; the store may hold ISO strings. Returns ISO or null. */
export function metaTimestampToIso(ts: string | null | undefined): string | null {
  if (!ts) return null;
  if (/^\d{9,11}$/.test(ts)) return new Date(Number(ts) * 1000).toISOString();
  if (/^\d{12,14}$/.test(ts)) return new Date(Number(ts)).toISOString();
  const t = Date.parse(ts);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}
