/**
 * Sizes for people, in the page and in the terminal alike: SI units (1 kB =
 * 1000 B), as `docker images`, `docker history` and dive print them, so figures
 * can be compared with those tools.
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
