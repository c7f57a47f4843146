/** Human-readable figures for the terminal (sizes: core/formatBytes.ts, as in the page). */
import { escapeText } from './escape';

export function shortDigest(d: string | null | undefined): string {
  if (!d) return '-';
  const hex = d.replace(/^sha256:/, '');
  return hex.slice(0, 12);
}

/**
 * Left-aligned text table with a header row; numbers right-aligned. Cells stay
 * raw (the caller escapes whole lines with escape.ts when printing), but are
 * measured as they will be printed, escaped, so the columns line up.
 */
export function table(header: string[], rows: (string | number)[][]): string {
  return tableLines(header, rows).join('\n');
}

/** table() as one string per row: push these into lines escaped one by one (a cell may hold a newline). */
export function tableLines(header: string[], rows: (string | number)[][]): string[] {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const shown = (s: string) => escapeText(s).length;
  const widths = header.map((_, c) => Math.max(...cells.map((r) => shown(r[c] ?? ''))));
  const pad = (cell: string, w: number, start: boolean) => {
    const n = Math.max(0, w - shown(cell));
    return start ? ' '.repeat(n) + cell : cell + ' '.repeat(n);
  };
  return cells.map((r, ri) =>
    r
      .map((cell, c) => {
        const numeric = ri > 0 && typeof rows[ri - 1]![c] === 'number';
        return pad(cell, widths[c]!, numeric);
      })
      .join('  ')
      .trimEnd(),
  );
}
