/**
 * Bytes of a file version at an offset, for "load more" and "jump to offset":
 * the same read as the loader's readEntry (the page's worker pool: a slice of
 * an uncompressed layer, a decoding from the closest resume point for a compressed one,
 * stopped after the range), starting `offset` bytes into the file.
 *
 * TODO(#10): move next to readEntry in the engine host once src/state is redesigned.
 */
import { useStore } from '../../state/store';
import { getPool, readStart } from '../../state/loader';
import { blobOf } from '../../core/read/archive';
import { LayerscopeError } from '../../core/errors';

export async function readRange(layer: number, entry: number, offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
  const s = useStore.getState();
  const outer = s.opened?.outer;
  const image = s.loaded?.image ?? s.image;
  const ref = image?.layers[layer];
  const idx = (s.loaded?.layers ?? s.partialLayers)[layer];
  if (!outer || !ref) throw new LayerscopeError('UNKNOWN_LAYER', `There is no layer ${layer} in the image shown`, { layer });
  if (!idx || entry < 0 || entry >= idx.count) throw new LayerscopeError('NOT_FOUND', `Layer ${layer} has no entry ${entry}`, { layer });
  const size = idx.sizes[entry] ?? 0;
  const from = Math.max(0, Math.min(size, Math.floor(offset)));
  const want = Math.max(0, Math.min(size - from, Math.floor(length)));
  if (want === 0) return new Uint8Array(0);
  const at = (idx.dataOffsets[entry] ?? 0) + from;
  // From the closest resume point or TOC member/frame, as readEntry does.
  const { checkpoint, frames } = readStart(ref, idx, at, want);
  return getPool().read(blobOf(outer, ref.blob), idx.compression, at, size - from, want, signal, checkpoint, frames);
}

/** "0x1f00", "7936", "64k", "1M" → a byte offset; null when unreadable. */
export function parseOffset(s: string): number | null {
  const t = s
    .trim()
    .toLowerCase()
    .replace(/[_,\s]/g, '');
  let m = /^0x([0-9a-f]+)$/.exec(t);
  if (m) return Number.parseInt(m[1]!, 16);
  m = /^(\d+(?:\.\d+)?)(k|kb|kib|m|mb|mib|g|gb|gib)?$/.exec(t);
  if (!m) return null;
  const unit = m[2]?.[0];
  const mult = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  const v = Math.floor(Number(m[1]) * mult);
  return Number.isSafeInteger(v) ? v : null;
}
