/**
 * The comparison in the URL hash, beside the explorer's keys (state/urlHash.ts):
 *
 *   #cmp=files&ia=0&ib=1&la=3&lb=5&cpath=/etc/motd&cshow=arcm&csort=delta&cmtime=1&cview=unified
 *
 * `cmp` says what is compared: `files` (slot A's image against slot B's), or
 * `layers` (two layers of the image shown: `la` against `lb`). `ia`/`ib` and
 * `pa`/`pb` name each side's image and platform in its archive, `la`/`lb` the
 * layer each tree is taken as of. Only what differs from the defaults is written;
 * the files themselves never are: the hash describes a comparison of "the files
 * you drop", applied when they are open again. Pure: unit-tested.
 */
import { CATEGORIES, type Category } from '../../core/compare/flags';
import type { DiffSort } from './diffRows';
import type { DiffView } from './compareStore';

export type CompareKind = 'files' | 'layers';

export interface CompareHashState {
  kind: CompareKind;
  imageA?: number;
  imageB?: number;
  platformA?: string;
  platformB?: string;
  layerA?: number;
  layerB?: number;
  path?: string;
  filter?: ReadonlySet<Category>;
  sort?: DiffSort;
  mtime?: boolean;
  view?: DiffView;
}

/** The keys this module owns (the explorer's serializer must keep them). */
export const COMPARE_HASH_KEYS = ['cmp', 'ia', 'ib', 'pa', 'pb', 'la', 'lb', 'cpath', 'cshow', 'csort', 'cmtime', 'cview'] as const;

/** One letter per category, in CATEGORIES order. */
const LETTER: Record<Category, string> = { added: 'a', removed: 'r', changed: 'c', metadata: 'm', pending: 'p', unknown: 'k', unchanged: 'u' };
/** What a comparison shows when `cshow` is absent: every category but unchanged. */
const DEFAULT_SHOW = 'arcmpk';
const MAX_INDEX = 9_999_999;

const index = (v: string | undefined) => (v !== undefined && /^\d{1,7}$/.test(v) && Number(v) <= MAX_INDEX ? Number(v) : undefined);
const dec = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};
const enc = (s: string) => encodeURIComponent(s).replace(/%2F/gi, '/');

function normalizePath(p: string): string | undefined {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return out.length ? `/${out.join('/')}` : undefined;
}

/** The comparison described by a hash, or null when it describes none. Unknown keys and bad values are ignored. */
export function parseCompareHash(hash: string): CompareHashState | null {
  const kv = new Map<string, string>();
  for (const part of (hash.startsWith('#') ? hash.slice(1) : hash).split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    kv.set(dec(eq < 0 ? part : part.slice(0, eq)), eq < 0 ? '' : dec(part.slice(eq + 1)));
  }
  const kind = kv.get('cmp');
  if (kind !== 'files' && kind !== 'layers') return null;
  const out: CompareHashState = { kind };
  const set = <K extends keyof CompareHashState>(k: K, v: CompareHashState[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('imageA', index(kv.get('ia')));
  set('imageB', index(kv.get('ib')));
  const platform = (v: string | undefined) => (v && /^[\w.-]+\/[\w.-]+(\/[\w.-]+)?$/.test(v) ? v : undefined);
  set('platformA', platform(kv.get('pa')));
  set('platformB', platform(kv.get('pb')));
  set('layerA', index(kv.get('la')));
  set('layerB', index(kv.get('lb')));
  const path = kv.get('cpath');
  set('path', path ? normalizePath(path) : undefined);
  const show = kv.get('cshow');
  if (show !== undefined && /^[arcmpku]*$/.test(show)) set('filter', new Set(CATEGORIES.filter((c) => show.includes(LETTER[c]))));
  const sort = kv.get('csort');
  if (sort === 'delta' || sort === 'name') set('sort', sort);
  const mtime = kv.get('cmtime');
  if (mtime === '1' || mtime === '0') set('mtime', mtime === '1');
  const view = kv.get('cview');
  if (view === 'unified' || view === 'split') set('view', view);
  return out;
}

/** The hash parameters for a comparison, in a fixed order, defaults left out ('' for none). */
export function serializeCompareHash(s: CompareHashState | null): string {
  if (!s) return '';
  const parts = [`cmp=${s.kind}`];
  if (s.imageA !== undefined) parts.push(`ia=${s.imageA}`);
  if (s.imageB !== undefined) parts.push(`ib=${s.imageB}`);
  if (s.platformA) parts.push(`pa=${enc(s.platformA)}`);
  if (s.platformB) parts.push(`pb=${enc(s.platformB)}`);
  if (s.layerA !== undefined) parts.push(`la=${s.layerA}`);
  if (s.layerB !== undefined) parts.push(`lb=${s.layerB}`);
  if (s.path) parts.push(`cpath=${enc(s.path)}`);
  if (s.filter) {
    const show = CATEGORIES.filter((c) => s.filter!.has(c))
      .map((c) => LETTER[c])
      .join('');
    if (show !== DEFAULT_SHOW) parts.push(`cshow=${show}`);
  }
  if (s.sort === 'delta') parts.push('csort=delta');
  if (s.mtime) parts.push('cmtime=1');
  if (s.view === 'unified') parts.push('cview=unified');
  return parts.join('&');
}

/** A hash with its comparison keys replaced by `s` (the explorer's keys kept as they are). */
export function withCompareHash(hash: string, s: CompareHashState | null): string {
  const own = new Set<string>(COMPARE_HASH_KEYS);
  const rest = (hash.startsWith('#') ? hash.slice(1) : hash).split('&').filter((p) => p && !own.has(dec(p.split('=')[0] ?? '')));
  const mine = serializeCompareHash(s);
  const all = [...rest, ...(mine ? [mine] : [])].join('&');
  return all ? `#${all}` : '';
}
