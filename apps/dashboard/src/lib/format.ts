// Formatting for people: times in the operator's local zone, durations and metrics at a readable precision.

const pad = (n: number) => String(n).padStart(2, '0');

/** `2025-03-01 14:05:09` in local time; `—` for missing values. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `850 ms`, `4.2 s`, `3 min 05 s`, `2 h 10 min`, `3 d 4 h`. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1_000) return `${Math.round(abs)} ms`;
  if (abs < 60_000) return `${(abs / 1_000).toFixed(abs < 10_000 ? 1 : 0)} s`;
  const s = Math.round(abs / 1_000);
  if (s < 3_600) return `${Math.floor(s / 60)} min ${pad(s % 60)} s`;
  if (s < 86_400) return `${Math.floor(s / 3_600)} h ${pad(Math.floor((s % 3_600) / 60))} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3_600)} h`;
}

/** `12 s ago`, `in 4 min 10 s`, `just now`. */
export function formatRelative(ms: number | null | undefined, now: number): string {
  if (ms === null || ms === undefined) return 'never';
  const delta = ms - now;
  if (Math.abs(delta) < 1_000) return 'just now';
  return delta < 0 ? `${formatDuration(delta)} ago` : `in ${formatDuration(delta)}`;
}

/** `12 s ago` for a past moment; a moment the server stamped a little ahead of this tab's clock is `just now`. */
export function formatAgo(ms: number | null | undefined, now: number): string {
  if (ms === null || ms === undefined) return 'never';
  return formatRelative(Math.min(ms, now), now);
}

/** A metric at three decimals; `—` when the coordinator could not compute it (e.g. AUC with one class). */
export function formatMetric(value: number | null | undefined, digits = 3): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits);
}

/** `42.0 %`. */
export function formatPercent(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined || !Number.isFinite(value)
    ? '—'
    : `${(value * 100).toFixed(digits)} %`;
}

/** `12 345`: thin grouping that reads the same in every locale. */
export function formatCount(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return String(Math.round(value)).replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
}

/** The first 8 characters of an id or hash, which is what people compare by eye. */
export function shortId(id: string | null | undefined): string {
  return id ? id.slice(0, 8) : '—';
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `text` is a UUID (the coordinator's ids for sites, runs, rounds and tokens). */
export function isUuid(text: string): boolean {
  return UUID.test(text);
}

/**
 * An audit detail value for reading: times (`…At` keys holding epoch milliseconds) as local times, long
 * strings (hashes) shortened.
 */
export function formatDetail(key: string, value: string | number | boolean | null): string {
  if (typeof value === 'number' && key.endsWith('At') && value > 1e12) return formatTime(value);
  const text = String(value);
  return text.length > 24 && !text.includes(' ') ? `${text.slice(0, 12)}…` : text;
}

/** `ehr.imaging` → `EHR + imaging`. */
export function formatCombination(key: string): string {
  const names: Record<string, string> = {
    ehr: 'EHR',
    imaging: 'imaging',
    genomics: 'genomics',
    none: 'none',
  };
  return key
    .split('.')
    .map((part) => names[part] ?? part)
    .join(' + ');
}
