/**
 * The comparison's engine in the page: the scan worker pool hashes the candidate
 * files (one job per layer, in a worker) and computes line diffs; file contents
 * are read through the same pool. The two sides' images are looked up at call
 * time, so a side whose image was replaced (its digests checked) reads the new one.
 */
import { blobOf } from '../../core/read/archive';
import { LayerscopeError } from '../../core/errors';
import type { LoadedImage } from '../../core/session';
import type { SideName } from '../../core/compare/proof';
import type { WorkerPool } from '../../worker/pool';
import type { CompareHost } from './compareStore';

/** A side's entry read from the store's slot (resume points and TOC frames used: state/loadSlice.ts readEntry). */
export type SideRead = (side: SideName, layer: number, entry: number, maxBytes: number, signal?: AbortSignal) => Promise<Uint8Array>;

/**
 * `readSide`: contents read through the store, which knows where a read of a gzip layer
 * can start (the resume points its digest check recorded) — without it, straight from
 * the pool, decoding from the layer's start.
 */
export function pageCompareHost(pool: WorkerPool, images: () => Record<SideName, LoadedImage | null>, readSide?: SideRead): CompareHost {
  const layerOf = (side: SideName, layer: number) => {
    const img = images()[side];
    const ref = img?.image.layers[layer];
    const idx = img?.layers[layer];
    if (!img || !ref) throw new LayerscopeError('UNKNOWN_LAYER', `${side.toUpperCase()} has no layer ${layer}`, { layer });
    if (!idx) throw new LayerscopeError('NOT_FOUND', `layer ${layer} of ${side.toUpperCase()} could not be read`, { layer });
    return { blob: blobOf(img.outer, ref.blob), idx };
  };
  return {
    hasher: {
      concurrency: pool.concurrency,
      hashRanges: async (side, layer, ranges, opts) => {
        const { blob, idx } = layerOf(side, layer);
        return pool.hashRanges(blob, idx.compression, ranges, opts);
      },
    },
    read: async (side, layer, entry, size, maxBytes, signal) => {
      if (readSide) return readSide(side, layer, entry, maxBytes, signal);
      const { blob, idx } = layerOf(side, layer);
      const want = Math.max(0, Math.min(size, maxBytes));
      if (want === 0) return new Uint8Array(0);
      return pool.read(blob, idx.compression, idx.dataOffsets[entry]!, size, want, signal);
    },
    textDiff: (a, b, signal) => pool.textDiff(a, b, signal),
  };
}
