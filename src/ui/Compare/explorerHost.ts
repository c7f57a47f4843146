/**
 * Reads for VersionDiff in the explorer (one image: the one shown): contents
 * through the loader's readEntry (resume points included), sha256 of one entry
 * through the worker pool, line diffs in a worker.
 */
import { blobOf } from '../../core/read/archive';
import { LayerscopeError } from '../../core/errors';
import { getPool } from '../../state/engineHost';
import { readEntry } from '../../state/actions';
import { useStore } from '../../state/store';
import { layerSource } from '../../state/selectors';

export const explorerRead = (layer: number, entry: number, maxBytes: number, signal: AbortSignal): Promise<Uint8Array> =>
  readEntry(layer, entry, maxBytes, { signal });

export async function explorerDigest(layer: number, entry: number, signal: AbortSignal): Promise<string> {
  const s = useStore.getState();
  const { outer, ref, idx } = layerSource(s, layer);
  if (!outer || !ref || !idx) throw new LayerscopeError('NOT_FOUND', `layer ${layer} has not been read`, { layer });
  const [d] = await getPool().hashRanges(blobOf(outer, ref.blob), idx.compression, [{ offset: idx.dataOffsets[entry]!, size: idx.sizes[entry]! }], { signal });
  return d!;
}

export const explorerTextDiff = (a: string, b: string, signal: AbortSignal) => getPool().textDiff(a, b, signal);
