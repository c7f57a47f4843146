/**
 * Bytes of a file version at an offset, for "load more" and "jump to offset":
 * the store's readEntry (loadSlice.ts) (the page's worker pool: a slice of
 * an uncompressed layer, a decoding from the closest resume point for a compressed one,
 * stopped after the range), starting `offset` bytes into the file.
 *
 */
import { useStore } from '../../state/store';

export function readRange(layer: number, entry: number, offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
  // From the closest resume point or TOC member/frame, as readEntry does (it is readEntry, from `offset`).
  return useStore.getState().readEntry(layer, entry, length, { signal, from: offset });
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
