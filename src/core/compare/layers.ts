/**
 * Layer-level comparison: which layers two images share, how their stacks line
 * up, where they diverge, and what sharing saves.
 *
 * Identity of a layer's content is its diff_id, the sha256 of its uncompressed
 * tar (OCI image-spec config.md, "rootfs"): the same diff_id is the same bytes,
 * whatever compression or archive format carried it. We use the digest computed
 * from the bytes when the layer was hashed, and the config's claim otherwise
 * (`verified` says which).
 *
 * Two kinds of sharing, because stores share in two ways:
 *  - by content (diff_id): a content-addressed store — a registry, containerd's
 *    content store — keeps a blob once however many images use it;
 *  - by chain (ChainID, config.md "Layer ChainID": a layer's id together with every
 *    layer below it): Docker's layer store and containerd's snapshots unpack a
 *    layer once per distinct chain, so only a common base (the same layers at the
 *    same positions from the bottom) is on disk once. A layer with the same diff_id
 *    on top of a different base is unpacked again.
 * `docker images` lists each image's full size; their sum overstates the disk the
 * two use by the shared base (`docker system df -v` calls it SHARED SIZE).
 */
import type { LayerIndex, LayerRef } from '../types';

export interface LayerSideInfo {
  refs: readonly Pick<LayerRef, 'diffId' | 'digest' | 'blob' | 'createdBy'>[];
  indexes: readonly (LayerIndex | null)[];
  /** Per layer: the regular-file bytes it ships (ImageStats.layers[i].bytesAdded). */
  fileBytes: readonly number[];
  failed: readonly boolean[];
  /** Layers 0..top take part (the tree as of layer `top`). */
  top: number;
}

export interface LayerRow {
  /** Layer of A / of B on this row, null for a gap. */
  a: number | null;
  b: number | null;
  /** Both are the same content (same diff_id). */
  shared: boolean;
}

/** A byte figure for both images. */
export interface SharedBytes {
  /** Each image's total (what `docker images` lists, for `files`). */
  a: number;
  b: number;
  /** a + b. */
  sum: number;
  /** Layers in both images (by content), each counted once. */
  shared: number;
  uniqueA: number;
  uniqueB: number;
  /** Each distinct layer once: what a content-addressed store (registry, containerd content store) holds. */
  distinct: number;
  /** sum minus the common base counted twice: what Docker's layer store / containerd snapshots use (by ChainID). */
  disk: number;
}

export interface LayerMatch {
  /** Content identity per layer (computed diff_id, else the claimed one, else the blob digest), null when unknown. */
  keysA: (string | null)[];
  keysB: (string | null)[];
  /** Whether that identity was computed from the bytes (or only claimed by the config). */
  verifiedA: boolean[];
  verifiedB: boolean[];
  /** For each layer of one side, the layers of the other side with the same content. */
  partnersA: number[][];
  partnersB: number[][];
  /** Both stacks bottom first, shared layers on one row (a longest common subsequence of the two stacks). */
  rows: LayerRow[];
  /** Layers 0..commonBase-1 are the same at the same positions (the same ChainIDs). */
  commonBase: number;
  /** First layer index where the stacks differ (= commonBase), or null when they are the same stack. */
  divergence: number | null;
  /** The two stacks are the same layers in the same order. */
  identical: boolean;
  /** Regular-file bytes (the sizes `docker images` and dive show). */
  files: SharedBytes;
  /** Stored (possibly compressed) blob bytes: what is pulled or pushed. */
  stored: SharedBytes;
  /** Some layer's size is unknown (it could not be read): the figures leave out what was not read. */
  incomplete: boolean;
}

/** Cells of the alignment table (one Uint16 each) allowed; beyond it, a hostile or absurd stack is aligned by its common ends only. */
export const MAX_ALIGN_CELLS = 1 << 22;

function keysOf(s: LayerSideInfo): { keys: (string | null)[]; verified: boolean[] } {
  const n = Math.min(s.refs.length, s.top + 1);
  const keys: (string | null)[] = [];
  const verified: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const computed = s.indexes[i]?.diffIdComputed ?? null;
    const r = s.refs[i]!;
    keys.push(computed ?? r.diffId ?? (r.digest ? `blob:${r.digest}` : null));
    verified.push(computed !== null);
  }
  return { keys, verified };
}

/** Rows of a longest common subsequence of the two key sequences (null keys never match). */
function align(ka: (string | null)[], kb: (string | null)[]): LayerRow[] {
  const n = ka.length;
  const m = kb.length;
  const eq = (i: number, j: number) => ka[i] !== null && ka[i] === kb[j];
  const pairs: [number, number][] = [];
  // common ends first: the usual case (a shared base, a shared top) costs nothing
  let lo = 0;
  while (lo < n && lo < m && eq(lo, lo)) {
    pairs.push([lo, lo]);
    lo++;
  }
  let hiA = n;
  let hiB = m;
  const tail: [number, number][] = [];
  while (hiA > lo && hiB > lo && eq(hiA - 1, hiB - 1)) tail.push([--hiA, --hiB]);
  const rn = hiA - lo;
  const rm = hiB - lo;
  if (rn > 0 && rm > 0 && (rn + 1) * (rm + 1) <= MAX_ALIGN_CELLS) {
    // L[i][j] = LCS length of ka[lo+i..hiA) and kb[lo+j..hiB)
    const w = rm + 1;
    const L = new Uint16Array((rn + 1) * w);
    for (let i = rn - 1; i >= 0; i--)
      for (let j = rm - 1; j >= 0; j--) L[i * w + j] = eq(lo + i, lo + j) ? L[(i + 1) * w + j + 1]! + 1 : Math.max(L[(i + 1) * w + j]!, L[i * w + j + 1]!);
    let i = 0;
    let j = 0;
    while (i < rn && j < rm) {
      if (eq(lo + i, lo + j)) {
        pairs.push([lo + i, lo + j]);
        i++;
        j++;
      } else if (L[(i + 1) * w + j]! >= L[i * w + j + 1]!) i++;
      else j++;
    }
  }
  pairs.push(...tail.reverse());
  // rows: between two matched pairs, the unmatched layers of each side side by side
  const rows: LayerRow[] = [];
  let pa = 0;
  let pb = 0;
  for (const [x, y] of [...pairs, [n, m] as [number, number]]) {
    while (pa < x || pb < y) {
      rows.push({ a: pa < x ? pa : null, b: pb < y ? pb : null, shared: false });
      if (pa < x) pa++;
      if (pb < y) pb++;
    }
    if (x < n && y < m) rows.push({ a: x, b: y, shared: true });
    pa = x + 1;
    pb = y + 1;
  }
  return rows;
}

function bytesFigure(
  sizeA: (i: number) => number,
  sizeB: (i: number) => number,
  ka: (string | null)[],
  kb: (string | null)[],
  commonBase: number,
): SharedBytes {
  let a = 0;
  let b = 0;
  let uniqueA = 0;
  let uniqueB = 0;
  let shared = 0;
  let distinct = 0;
  const inB = new Set(kb.filter((k) => k !== null));
  const inA = new Set(ka.filter((k) => k !== null));
  const seen = new Set<string>();
  const seenShared = new Set<string>();
  ka.forEach((k, i) => {
    const s = sizeA(i);
    a += s;
    if (k === null || !seen.has(k)) distinct += s;
    if (k !== null) seen.add(k);
    if (k !== null && inB.has(k)) {
      if (!seenShared.has(k)) shared += s;
      seenShared.add(k);
    } else uniqueA += s;
  });
  kb.forEach((k, i) => {
    const s = sizeB(i);
    b += s;
    if (k === null || !seen.has(k)) distinct += s;
    if (k !== null) seen.add(k);
    if (k === null || !inA.has(k)) uniqueB += s;
  });
  let base = 0;
  for (let i = 0; i < commonBase; i++) base += sizeA(i);
  return { a, b, sum: a + b, shared, uniqueA, uniqueB, distinct, disk: a + b - base };
}
export function matchLayers(A: LayerSideInfo, B: LayerSideInfo): LayerMatch {
  const { keys: keysA, verified: verifiedA } = keysOf(A);
  const { keys: keysB, verified: verifiedB } = keysOf(B);
  const byKey = (keys: (string | null)[]) => {
    const m = new Map<string, number[]>();
    keys.forEach((k, i) => {
      if (k === null) return;
      const l = m.get(k);
      if (l) l.push(i);
      else m.set(k, [i]);
    });
    return m;
  };
  const mA = byKey(keysA);
  const mB = byKey(keysB);
  const partnersA = keysA.map((k) => (k === null ? [] : (mB.get(k) ?? [])));
  const partnersB = keysB.map((k) => (k === null ? [] : (mA.get(k) ?? [])));
  let commonBase = 0;
  while (commonBase < keysA.length && commonBase < keysB.length && keysA[commonBase] !== null && keysA[commonBase] === keysB[commonBase]) commonBase++;
  const identical = commonBase === keysA.length && commonBase === keysB.length;
  const files = bytesFigure(
    (i) => A.fileBytes[i] ?? 0,
    (i) => B.fileBytes[i] ?? 0,
    keysA,
    keysB,
    commonBase,
  );
  const stored = bytesFigure(
    (i) => A.refs[i]!.blob.size,
    (i) => B.refs[i]!.blob.size,
    keysA,
    keysB,
    commonBase,
  );
  const incomplete = A.failed.slice(0, keysA.length).some(Boolean) || B.failed.slice(0, keysB.length).some(Boolean);
  return {
    keysA,
    keysB,
    verifiedA,
    verifiedB,
    partnersA,
    partnersB,
    rows: align(keysA, keysB),
    commonBase,
    divergence: identical ? null : commonBase,
    identical,
    files,
    stored,
    incomplete,
  };
}
