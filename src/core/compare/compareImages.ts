/**
 * Comparing two loaded images end to end, as the command line does and the page
 * does step by step: match the layers, make sure every layer whose identity the
 * content proof relies on was hashed, diff the merged trees, hash the equal-size
 * candidates, total.
 *
 * Why layers are hashed first: "the same diff_id" proves two files identical only
 * if the diff_id is the layers' real sha256. A config's claim is just a claim — an
 * archive could name another image's diff_id for different bytes and make a
 * changed file look unchanged. So a layer that the other side seems to share is
 * hashed unless it was hashed while indexing, or both sides read the very same
 * stored bytes of one archive (blobIds). Layers not shared need no hashing: their
 * files are compared by hashing only the candidates.
 */
import { blobOf } from '../read/archive';
import { describeError, LayerscopeError, throwIfAborted } from '../errors';
import type { Codecs } from '../codecs';
import type { LayerScanner, LoadedImage } from '../session';
import type { LayerIndex } from '../types';
import { DigestCache } from './digests';
import { hashRanges } from './hashRanges';
import { matchLayers, type LayerMatch, type LayerSideInfo } from './layers';
import { proveContents, type ContentHasher, type ProofProgress, type ProofResult, type SideName } from './proof';
import { diffTotals, type DiffTotals } from './rollup';
import { diffTrees, sideOf, type DiffOptions, type TreeDiff } from './tree';
import type { CompareSide } from './side';

export interface CompareTarget {
  /** Unique per loaded image (digest-cache keys); the same image compared with itself at two layers uses one id. */
  id: string;
  img: LoadedImage;
  /** The tree as of this layer (default: the top). */
  layer?: number;
}

export interface Comparison {
  layers: LayerMatch;
  diff: TreeDiff;
  totals: DiffTotals;
  a: CompareSide;
  b: CompareSide;
  proof: Omit<ProofResult, 'diff'>;
  /** Layers hashed before the diff so that sharing them proves something (side, layer). */
  layersHashed: { side: SideName; layer: number }[];
  /** A layer that was hashed and does not match the diff_id its config claims. */
  mismatches: { side: SideName; layer: number; claimed: string | null; computed: string }[];
}

export function layerSideInfo(img: LoadedImage, top = img.image.layers.length - 1): LayerSideInfo {
  return {
    refs: img.image.layers,
    indexes: img.layers,
    fileBytes: img.stats.layers.map((l) => l.bytesAdded),
    failed: img.image.layers.map((_, i) => img.layers[i] === null || img.layers[i]?.error != null || img.layerErrors[i] != null),
    top,
  };
}

/** The comparison side of a loaded image. */
export function sideOfImage(t: CompareTarget): CompareSide {
  return sideOf(
    t.id,
    { union: t.img.union, layers: t.img.layers, refs: t.img.image.layers, layerErrors: t.img.layerErrors, archive: t.img.outer },
    t.layer ?? t.img.image.layers.length - 1,
  );
}

/**
 * Layers of each side whose content the other side claims to have too and whose
 * identity is not yet proven (neither hashed nor the same stored bytes of one archive).
 */
export function layersToVerify(a: CompareSide, b: CompareSide): { side: SideName; layer: number }[] {
  const out: { side: SideName; layer: number }[] = [];
  const claimedIn = (s: CompareSide) => new Set(s.claimedDiffIds.slice(0, s.layer + 1).filter((k): k is string => k !== null));
  const inA = claimedIn(a);
  const inB = claimedIn(b);
  const sameBlob = (s: CompareSide, other: CompareSide, L: number) =>
    s.archive !== null && s.archive === other.archive && other.blobIds.slice(0, other.layer + 1).includes(s.blobIds[L]!);
  const need = (name: SideName, s: CompareSide, other: CompareSide, otherKeys: Set<string>) => {
    for (let L = 0; L <= s.layer; L++) {
      const k = s.claimedDiffIds[L]!;
      if (k === null || !otherKeys.has(k) || s.verifiedDiffIds[L] !== null || s.failed[L] || sameBlob(s, other, L)) continue;
      out.push({ side: name, layer: L });
    }
  };
  need('a', a, b, inB);
  // the same image compared at two layers: its layers are trivially the same bytes
  if (a.union !== b.union) need('b', b, a, inA);
  return out;
}

/** A ContentHasher over two loaded images, in this thread (Node, tests). */
export function inProcessHasher(imgs: Record<SideName, LoadedImage>, codecs?: Codecs, concurrency = 2): ContentHasher {
  return {
    concurrency,
    hashRanges: (side, layer, ranges, opts) => {
      const img = imgs[side];
      const idx = img.layers[layer];
      if (!idx) throw new LayerscopeError('IO', `layer ${layer} of ${side.toUpperCase()} was not read`);
      return hashRanges(blobOf(img.outer, img.image.layers[layer]!.blob), idx.compression, ranges, { ...opts, codecs });
    },
  };
}

export interface CompareOptions extends DiffOptions {
  /** Hashes whole layers (the shared ones not yet proven); the session's scanner. */
  scanner: LayerScanner;
  /** Hashes the candidate files; default inProcessHasher. */
  hasher?: ContentHasher;
  codecs?: Codecs;
  cache?: DigestCache;
  signal?: AbortSignal;
  onVerifyProgress?(done: number, total: number): void;
  onProofProgress?(p: ProofProgress): void;
}

export async function compareImages(ta: CompareTarget, tb: CompareTarget, opts: CompareOptions): Promise<Comparison> {
  let imgA = ta.img;
  let imgB = tb.img;
  const cache = opts.cache ?? new DigestCache();
  // 1. prove the identity of the layers the two seem to share
  // trusting the configs' diff_ids (the user's choice, `diff --no-verify`): nothing to hash first
  const todo = opts.trustClaimedDiffIds ? [] : layersToVerify(sideOfImage(ta), sideOfImage(tb));
  const hashedA = new Map<number, LayerIndex>();
  const hashedB = new Map<number, LayerIndex>();
  const mismatches: Comparison['mismatches'] = [];
  const total = todo.reduce((t, j) => t + (j.side === 'a' ? imgA : imgB).image.layers[j.layer]!.blob.size, 0);
  let done = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(opts.scanner.concurrency, todo.length)) }, async () => {
      while (next < todo.length) {
        const j = todo[next++]!;
        const img = j.side === 'a' ? imgA : imgB;
        const ref = img.image.layers[j.layer]!;
        const idx = img.layers[j.layer]!;
        let last = 0;
        try {
          const d = await opts.scanner.hashLayer(blobOf(img.outer, ref.blob), idx.compression, {
            signal: opts.signal,
            onProgress: (p) => {
              done += p.bytesRead - last;
              last = p.bytesRead;
              opts.onVerifyProgress?.(done, total);
            },
          });
          (j.side === 'a' ? hashedA : hashedB).set(j.layer, { ...idx, diffIdComputed: d.diffId, digestComputed: d.digest });
          if (ref.diffId !== d.diffId) mismatches.push({ side: j.side, layer: j.layer, claimed: ref.diffId, computed: d.diffId });
        } catch (e) {
          throwIfAborted(opts.signal);
          // not hashed: the layer's identity stays unproven, so its files are compared by their own digests
          mismatches.push({ side: j.side, layer: j.layer, claimed: ref.diffId, computed: `unreadable: ${describeError(e)}` });
        }
        done += ref.blob.size - last;
        opts.onVerifyProgress?.(done, total);
      }
    }),
  );
  const withHashes = (img: LoadedImage, m: Map<number, LayerIndex>): LoadedImage =>
    m.size === 0 ? img : { ...img, layers: img.layers.map((l, i) => m.get(i) ?? l) };
  imgA = withHashes(imgA, hashedA);
  imgB = ta.img === tb.img ? withHashes(imgA, hashedB) : withHashes(imgB, hashedB);
  const a = sideOfImage({ ...ta, img: imgA });
  const b = sideOfImage({ ...tb, img: imgB });

  // 2. the layers and the trees
  const layers = matchLayers(layerSideInfo(imgA, a.layer), layerSideInfo(imgB, b.layer));
  const first = diffTrees(a, b, opts, cache);
  // 3. the equal-size candidates
  const hasher = opts.hasher ?? inProcessHasher({ a: imgA, b: imgB }, opts.codecs);
  const { diff, ...proof } = await proveContents(first, a, b, hasher, cache, { signal: opts.signal, onProgress: opts.onProofProgress });
  const layersHashed = todo.filter((j) => (j.side === 'a' ? hashedA : hashedB).has(j.layer));
  return { layers, diff, totals: diffTotals(diff), a, b, proof, layersHashed, mismatches };
}
