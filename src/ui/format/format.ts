/**
 * Number and text formatting shared by the UI. Sizes use SI units (1 kB = 1000 B),
 * as `docker images`, `docker history` and dive print them, so figures can be
 * compared with those tools; the exact byte count goes in a title attribute.
 */

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'] as const;

/** 1234567 → "1.2 MB"; 999 → "999 B"; three significant digits at most. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const neg = n < 0;
  let v = Math.abs(n);
  let u = 0;
  while (v >= 1000 && u < UNITS.length - 1) {
    v /= 1000;
    u++;
  }
  const digits = u === 0 ? 0 : v < 10 ? 2 : v < 100 ? 1 : 0;
  // Rounding can reach 1000 (999.7 kB → "1000 kB"): carry into the next unit.
  let s = v.toFixed(digits);
  if (Number(s) >= 1000 && u < UNITS.length - 1) {
    v /= 1000;
    u++;
    s = v.toFixed(2);
  }
  return `${neg ? '−' : ''}${s.replace(/\.0+$/, '').replace(/(\.\d*?)0+$/, '$1')} ${UNITS[u]}`;
}

const INT = new Intl.NumberFormat('en-US');
/** 1234567 → "1,234,567". */
export function formatCount(n: number): string {
  return INT.format(n);
}

/** Bytes per second → "85 MB/s". */
export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** Milliseconds → "850 ms", "3.2 s", "2 min 5 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `${m} min ${s} s`;
}

/** 0.9734 → "97.3 %". */
export function formatPercent(ratio: number, digits = 1): string {
  return `${(ratio * 100).toFixed(digits)} %`;
}

/** "sha256:0123456789abcdef…" → "0123456789ab" (12 hex digits, as docker prints image IDs). */
export function shortDigest(d: string | null | undefined, len = 12): string {
  if (!d) return '';
  const i = d.indexOf(':');
  return d.slice(i + 1, i + 1 + len);
}

export { isRfc3339 } from '../../core/dates';
import { isRfc3339 } from '../../core/dates';

/**
 * An RFC 3339 timestamp from a config → "2024-01-01 00:00:00 UTC"; anything else
 * (not a date, or a date in another form) is returned as given, so the caller can
 * show it as it is and mark it invalid (isRfc3339).
 */
export function formatTimestamp(s: string | null | undefined): string {
  if (!s) return '';
  if (!isRfc3339(s)) return s;
  return new Date(Date.parse(s.replace(' ', 'T')))
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$|Z$/, ' UTC');
}
