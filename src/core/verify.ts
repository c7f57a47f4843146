/**
 * Whole-blob sha256, read in slices so a multi-GB layer is never held in memory.
 * Used for the integrity pass over uncompressed layers (indexed from headers
 * only) and over stored blobs whose digest the manifest records.
 */
import { createHasher } from './sha256';
import { LayerscopeError } from './errors';

/** 4 MiB slices: large enough that per-slice overhead vanishes, small enough to keep memory flat. */
export const HASH_SLICE_BYTES = 4 * 1024 * 1024;

export async function hashBlob(
  blob: Blob,
  opts: { signal?: AbortSignal; onProgress?(p: { bytesRead: number; bytesTotal: number }): void } = {},
): Promise<string> {
  const h = await createHasher();
  for (let off = 0; off < blob.size; off += HASH_SLICE_BYTES) {
    if (opts.signal?.aborted) throw new LayerscopeError('CANCELLED', 'Cancelled');
    const end = Math.min(blob.size, off + HASH_SLICE_BYTES);
    h.update(new Uint8Array(await blob.slice(off, end).arrayBuffer()));
    opts.onProgress?.({ bytesRead: end, bytesTotal: blob.size });
  }
  return h.digest();
}
