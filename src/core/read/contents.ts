/**
 * File contents on demand, without keeping layers in memory.
 *
 * Uncompressed layers: the bytes are a slice of the archive at the entry's
 * dataOffset — O(size).
 *
 * Compressed layers: the layer is decompressed again from its start and the
 * stream is cancelled as soon as the wanted range has passed — O(dataOffset)
 * decompression per read (a file near the end of a 300 MB gzip layer costs about
 * as long as indexing that layer). Resume points were considered and left out:
 * restarting inflate mid-stream needs the 32 KiB window and the bit offset at
 * that point (zlib's zran), which the platform's DecompressionStream does not
 * expose, and a JS inflater fast enough to replace it would slow the index
 * (2–3× slower than native in Chromium). Previews are capped (`maxBytes`), so the
 * cost is the decompression up to the file, not the file itself.
 */
import { decompressBlob } from './compression';
import { LayerscopeError, throwIfAborted } from '../errors';
import type { Compression } from '../types';

export async function readEntryBytes(
  layerBlob: Blob,
  compression: Compression,
  dataOffset: number,
  size: number,
  opts: { maxBytes?: number; signal?: AbortSignal } = {},
): Promise<Uint8Array> {
  const want = Math.max(0, Math.min(size, opts.maxBytes ?? size));
  if (compression === 'none') {
    if (dataOffset + want > layerBlob.size) throw new LayerscopeError('TRUNCATED', 'the layer ends before this file’s data', { offset: dataOffset });
    return new Uint8Array(await layerBlob.slice(dataOffset, dataOffset + want).arrayBuffer());
  }
  const out = new Uint8Array(want);
  if (want === 0) return out;
  let got = 0;
  let pos = 0;
  const reader = decompressBlob(layerBlob, compression, { signal: opts.signal }).getReader();
  try {
    while (got < want) {
      throwIfAborted(opts.signal);
      const { done, value } = await reader.read();
      if (done) throw new LayerscopeError('TRUNCATED', 'the layer ends before this file’s data', { offset: pos });
      const end = pos + value.length;
      if (end > dataOffset) {
        const from = Math.max(0, dataOffset + got - pos);
        const n = Math.min(value.length - from, want - got);
        if (n > 0) {
          out.set(value.subarray(from, from + n), got);
          got += n;
        }
      }
      pos = end;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  return out;
}
