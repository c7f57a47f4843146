/**
 * Content reads that start at an independent gzip member or zstd frame
 * (types.ts FramePoint): the blob is sliced at the member/frame and decoded from
 * there, so a file costs its own bytes, not everything before it.
 *
 * Each point that names a digest (eStargz chunkDigest, zstd:chunked digest) and lies
 * wholly under the read is checked: the read decodes to the end of those chunks
 * (at most VERIFY_CHUNK_MAX each) and fails with BAD_TOC when a chunk's sha256 is not
 * the one its TOC records (estargz.md "Content Verification in eStargz"), rather than
 * showing bytes nobody vouched for.
 */
import { defaultCodecs, type Codecs } from '../../codecs';
import { LayerscopeError, throwIfAborted } from '../../errors';
import type { Hasher } from '../../sha256';
import type { Compression } from '../../types';
import { decompressBlob } from '../compression';
import { pointBefore } from '../inflate/resume';
import type { FramePoint } from './types';

/**
 * Largest chunk whose digest a read checks: 16 MiB. eStargz splits files into 4 MiB
 * chunks by default (stargz-snapshotter's --estargz-chunk-size), so every chunk of a
 * common layer is checked; a larger one (zstd:chunked's whole-file digest of a big
 * file) would make a 256 kB preview decode the whole file, so it is left to the
 * digest pass, which covers every byte of the layer.
 */
export const VERIFY_CHUNK_MAX = 16 * 1024 * 1024;

/** Points a read of [offset, offset + want) decodes through: the one at or before `offset`, then each that starts inside the range. */
export function pointsFor(points: readonly FramePoint[], offset: number, want: number): FramePoint[] {
  const first = pointBefore(points, offset);
  if (!first) return [];
  const out = [first];
  for (let i = points.indexOf(first) + 1; i < points.length && points[i]!.out < offset + want; i++) out.push(points[i]!);
  return out;
}

export async function readFromFrames(
  blob: Blob,
  compression: Compression,
  points: readonly FramePoint[],
  offset: number,
  want: number,
  opts: { signal?: AbortSignal; codecs?: Codecs } = {},
): Promise<Uint8Array> {
  const first = points[0];
  if (!first || first.out > offset) throw new LayerscopeError('IO', 'internal: no frame before the offset read');
  // The members/frames the points cover are enough when the read ends inside the last
  // one; past it (a file whose own data has no point, e.g. the TOC's tar entry), decode on.
  const last = points[points.length - 1]!;
  const inEnd = last.size >= 0 && offset + want <= last.out + last.size ? Math.min(blob.size, last.inEnd) : blob.size;
  const out = new Uint8Array(want);
  // Chunks to check: named digest, bounded size, wholly decoded by this read.
  const checks: { p: FramePoint; h: Hasher }[] = [];
  let decodeEnd = offset + want;
  for (const p of points) {
    if (!p.digest || p.size < 0 || p.size > VERIFY_CHUNK_MAX) continue;
    checks.push({ p, h: await (opts.codecs ?? defaultCodecs).createHasher() });
    decodeEnd = Math.max(decodeEnd, p.out + p.size);
  }
  let pos = first.out;
  let got = 0;
  const reader = decompressBlob(blob.slice(first.in, inEnd), compression, { signal: opts.signal }).getReader();
  try {
    while (pos < decodeEnd) {
      throwIfAborted(opts.signal);
      const { done, value } = await reader.read();
      if (done) break;
      const end = pos + value.length;
      if (got < want && end > offset + got) {
        const from = offset + got - pos;
        const n = Math.min(value.length - from, want - got);
        out.set(value.subarray(from, from + n), got);
        got += n;
      }
      for (const c of checks) {
        const a = Math.max(pos, c.p.out);
        const b = Math.min(end, c.p.out + c.p.size);
        if (a < b) c.h.update(value.subarray(a - pos, b - pos));
      }
      pos = end;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  if (got < want) throw new LayerscopeError('TRUNCATED', 'the layer ends before this file’s data', { offset: pos });
  for (const c of checks) {
    if (pos < c.p.out + c.p.size) throw new LayerscopeError('TRUNCATED', 'the layer ends inside a chunk its table of contents names', { offset: pos });
    const d = c.h.digest();
    if (d !== c.p.digest) {
      throw new LayerscopeError(
        'BAD_TOC',
        `the ${c.p.size} bytes at offset ${c.p.out} of the layer's tar (compressed at ${c.p.in}) hash to ${d}, not the ${c.p.digest} its table of contents records`,
        { offset: c.p.out },
      );
    }
  }
  return out;
}
