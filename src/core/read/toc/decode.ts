/**
 * Small whole decodes for table-of-contents metadata (a TOC member, a manifest
 * frame, a tar-split frame): the output is needed at once (JSON.parse), so it is
 * collected, but never beyond `max` bytes — a TOC is data from the image and may
 * claim or expand to anything.
 */
import { LayerscopeError } from '../../errors';
import type { Compression } from '../../types';
import { decompressBlob } from '../compression';

/**
 * Largest TOC document (decoded) accepted: 128 MiB. eStargz/zstd:chunked TOCs hold
 * ~250–400 bytes of JSON per entry, so this is ~300k–500k entries, several times
 * the largest real layers; beyond it the layer is read the ordinary way.
 */
export const MAX_TOC_BYTES = 128 * 1024 * 1024;

export async function decodeAll(blob: Blob, compression: Compression, max = MAX_TOC_BYTES, signal?: AbortSignal): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  const reader = decompressBlob(blob, compression, { signal }).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      n += value.length;
      if (n > max) throw new LayerscopeError('LIMIT', `the layer's table of contents decodes to more than ${max} bytes`);
      parts.push(value);
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Little-endian unsigned integers from a byte array (64-bit ones must stay below 2^53). */
export function le32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}
export function le64(b: Uint8Array, o: number): number {
  const hi = le32(b, o + 4);
  if (hi >= 2 ** 21) return Number.NaN; // ≥ 2^53: no real offset is that large
  return hi * 2 ** 32 + le32(b, o);
}

export async function readSlice(blob: Blob, start: number, end: number): Promise<Uint8Array> {
  return new Uint8Array(await blob.slice(start, end).arrayBuffer());
}

/** A TOC this reader cannot trust structurally: the caller reads the layer the ordinary way. */
export function badToc(message: string): LayerscopeError {
  return new LayerscopeError('BAD_TOC', message);
}
