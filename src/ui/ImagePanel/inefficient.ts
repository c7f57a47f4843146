/**
 * dive's inefficient-file list for display and export: sorting, and the CSV and
 * JSON dive users expect. The JSON follows `dive --json`'s
 * `image.inefficientFiles` entries ({count, sizeBytes, file}); the CSV has the
 * same columns plus the layers, one row per path (RFC 4180 quoting).
 */
import type { DiveInefficiency, DiveStats } from '../../core/model/diveEfficiency';

export type IneffSort = 'size' | 'count' | 'path';

export function sortInefficiencies(list: readonly DiveInefficiency[], by: IneffSort): DiveInefficiency[] {
  const out = [...list];
  if (by === 'size') out.sort((a, b) => b.cumulativeSize - a.cumulativeSize || (a.path < b.path ? -1 : 1));
  else if (by === 'count') out.sort((a, b) => b.layers.length - a.layers.length || b.cumulativeSize - a.cumulativeSize);
  else out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return out;
}

/** A CSV field: quoted when it holds a quote, comma or line break (RFC 4180 §2.6–2.7). */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function inefficienciesCsv(list: readonly DiveInefficiency[]): string {
  const rows = ['count,sizeBytes,file,layers'];
  for (const x of list) rows.push(`${x.layers.length},${x.cumulativeSize},${csvField(x.path)},${csvField(x.layers.join(' '))}`);
  return `${rows.join('\r\n')}\r\n`;
}

export function inefficienciesJson(d: DiveStats, list: readonly DiveInefficiency[]): string {
  return JSON.stringify(
    {
      image: {
        sizeBytes: d.sizeBytes,
        inefficientBytes: d.wastedBytes,
        efficiencyScore: d.score,
        userWastedPercent: Number.isFinite(d.userWastedPercent) ? d.userWastedPercent : null,
        inefficientFileCount: d.inefficiencyCount,
        inefficientFiles: list.map((x) => ({ count: x.layers.length, sizeBytes: x.cumulativeSize, file: x.path, layers: x.layers })),
      },
    },
    null,
    2,
  );
}

/**
 * Why dive's "user wasted percent" can read 53096 %: the numerator counts every
 * version of a path, the base layer's included; the denominator is only the
 * layers above the base. A small image on a big base exceeds 100 % easily.
 */
export function userWastedExplanation(d: DiveStats): string | null {
  if (!Number.isFinite(d.userWastedPercent) || d.userWastedPercent <= 1) return null;
  return 'dive divides the wasted bytes — every version of a path seen in two or more layers, the base layer’s versions included — by the bytes of the layers above the base (layer 0) only. When those layers are small, as here, the ratio passes 100 %; it is not a share of anything. `dive --ci` compares it with highestUserWastedPercent (0.1 = 10 % by default).';
}
