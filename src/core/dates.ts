/** Dates in image configs (OCI image-spec config.md: `created` is an RFC 3339 date-time). */

/**
 * RFC 3339 §5.6 `date-time` (what Go's time.Time writes into image configs:
 * `2016-03-24T20:08:06.218917396Z`), with a real calendar date. Date.parse is
 * not a check: it turns "1" into 2001-01-01 and "2020" into a date too.
 */
const RFC3339_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

export function isRfc3339(s: string): boolean {
  const m = RFC3339_RE.exec(s);
  if (!m) return false;
  const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || se > 60) return false;
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return d >= 1 && d <= days && !Number.isNaN(Date.parse(s.replace(' ', 'T')));
}
