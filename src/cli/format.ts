/** Human-readable figures for the terminal (the page has its own in src/ui). */
const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

/** Decimal units, as docker and dive print sizes. */
export function humanBytes(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  let u = 0;
  let v = n;
  while (Math.abs(v) >= 1000 && u < UNITS.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${UNITS[u]}`;
}

export function shortDigest(d: string | null | undefined): string {
  if (!d) return '-';
  const hex = d.replace(/^sha256:/, '');
  return hex.slice(0, 12);
}

/** Left-aligned text table with a header row; numbers right-aligned. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  return cells
    .map((r, ri) =>
      r
        .map((cell, c) => {
          const numeric = ri > 0 && typeof rows[ri - 1][c] === 'number';
          return numeric ? cell.padStart(widths[c]) : cell.padEnd(widths[c]);
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Shorten a history step like dive does: drop the shell prefix and the nop marker. */
export function cleanCreatedBy(s: string | null | undefined): string {
  if (!s) return '';
  return s
    .replace(/^\/bin\/sh -c #\(nop\)\s*/, '')
    .replace(/^\/bin\/sh -c\s+/, 'RUN ')
    .replace(/\s+/g, ' ')
    .trim();
}
