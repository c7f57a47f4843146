/**
 * Number and text formatting shared by the UI. Sizes (core/formatBytes.ts) use
 * SI units, as the command line does; the exact byte count goes in a title attribute.
 */

import { formatBytes } from '../../core/formatBytes';

/** The one byte formatter, the command line's too. */
export { formatBytes };

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
