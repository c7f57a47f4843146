/**
 * sha256 of several files of one layer in one pass, for the content proof.
 *
 * Uncompressed layer: only the files are read — a run of files closer together
 * than RUN_GAP is read as one stream (in Chromium every Blob read is a round trip
 * to the browser process, ~2–3 ms, so many small slices cost more than streaming
 * over the gaps; see tar.ts STREAM_RESTART_GAP), a farther one starts a new stream.
 * Compressed layer: there is no way into a gzip or zstd stream but from its start
 * (contents.ts), so the layer is decoded once up to the end of the last file and the
 * decoder stopped there; only the files' bytes are hashed. Either way the files are
 * hashed as they stream by: nothing is held beyond the chunks in flight.
 */
import { defaultCodecs, type Codecs } from '../codecs';
import { decompressBlob } from '../read/compression';
import { LayerscopeError, throwIfAborted } from '../errors';
import type { Hasher } from '../sha256';
import type { Compression } from '../types';
import type { ByteSource } from '../read/tar/byteSource';

export interface HashRange {
  /** Offset of the file's data in the uncompressed layer tar (LayerIndex.dataOffsets). */
  offset: number;
  size: number;
}

/** Files of an uncompressed layer closer than this are read in one stream (see the header comment). */
export const RUN_GAP = 1024 * 1024;

/**
 * Piece size for sources with cheap synchronous reads (the command line's pread
 * FileBlob, ByteSource.cheapReads): a file is read in pieces of this size and
 * hashed, instead of through Blob.stream() — Node's web-stream adapter copies
 * every chunk (measured: 498 MB of one layer's files hashed in 8.3 s through the
 * stream, most of it in the adapter and GC).
 */
export const CHEAP_READ_PIECE = 1024 * 1024;

/** Progress is reported at most this often (bytes passed), to keep worker messages few. */
export const HASH_RANGES_PROGRESS_BYTES = 4 * 1024 * 1024;

export interface HashRangesOptions {
  signal?: AbortSignal;
  /** `done` / `total` in the cost units of costOfRanges (bytes passed through). */
  onProgress?(done: number, total: number): void;
  codecs?: Codecs;
}

/** What hashing these ranges costs, in bytes passed through: the files themselves, or a compressed layer decoded up to the last one. */
export function costOfRanges(compression: Compression, ranges: readonly HashRange[]): number {
  if (compression === 'none') return ranges.reduce((s, r) => s + r.size, 0);
  let end = 0;
  for (const r of ranges) end = Math.max(end, r.offset + r.size);
  return end;
}

/**
 * sha256 (`sha256:<hex>`) of each range, in the order given. Ranges must not
 * overlap (distinct tar entries never do); they need not be sorted.
 */
export async function hashRanges(blob: Blob, compression: Compression, ranges: readonly HashRange[], opts: HashRangesOptions = {}): Promise<string[]> {
  const codecs = opts.codecs ?? defaultCodecs;
  const order = ranges.map((_, i) => i).sort((x, y) => ranges[x]!.offset - ranges[y]!.offset);
  const out: string[] = new Array(ranges.length).fill('');
  const total = costOfRanges(compression, ranges);
  let done = 0;
  let reported = 0;
  const progress = (n: number) => {
    done += n;
    if (done - reported >= HASH_RANGES_PROGRESS_BYTES || done === total) {
      reported = done;
      opts.onProgress?.(done, total);
    }
  };
  // empty files need no read
  for (const i of order) if (ranges[i]!.size === 0) out[i] = await emptyDigest(codecs);
  const todo = order.filter((i) => ranges[i]!.size > 0);
  if (todo.length === 0) return out;

  if (compression === 'none' && isCheap(blob)) {
    for (const i of todo) {
      const r = ranges[i]!;
      if (r.offset + r.size > blob.size) throw new LayerscopeError('TRUNCATED', 'the layer ends before a file’s data', { offset: blob.size });
      const h = await codecs.createHasher();
      for (let at = r.offset; at < r.offset + r.size; at += CHEAP_READ_PIECE) {
        throwIfAborted(opts.signal);
        const piece = await blob.read(at, Math.min(r.offset + r.size, at + CHEAP_READ_PIECE));
        h.update(piece);
        progress(piece.length);
      }
      out[i] = h.digest();
    }
    return out;
  }
  if (compression === 'none') {
    let k = 0;
    while (k < todo.length) {
      // one run: files whose gaps are below RUN_GAP
      let end = k + 1;
      while (end < todo.length && ranges[todo[end]!]!.offset - (ranges[todo[end - 1]!]!.offset + ranges[todo[end - 1]!]!.size) < RUN_GAP) end++;
      const first = ranges[todo[k]!]!;
      const last = ranges[todo[end - 1]!]!;
      const from = first.offset;
      const to = last.offset + last.size;
      if (to > blob.size) throw new LayerscopeError('TRUNCATED', 'the layer ends before a file’s data', { offset: blob.size });
      await feed(blob.slice(from, to).stream() as ReadableStream<Uint8Array>, from, todo.slice(k, end), ranges, out, codecs, opts.signal, (chunk, pos) => {
        // count only the files' bytes, not the gaps streamed over
        let n = 0;
        for (let t = k; t < end; t++) {
          const r = ranges[todo[t]!]!;
          n += Math.max(0, Math.min(pos + chunk, r.offset + r.size) - Math.max(pos, r.offset));
        }
        progress(n);
      });
      k = end;
    }
    return out;
  }
  const stream = decompressBlob(blob, compression, { signal: opts.signal, gunzip: codecs.gunzip });
  await feed(stream, 0, todo, ranges, out, codecs, opts.signal, (chunk) => progress(chunk));
  return out;
}

/**
 * Stream `s` (whose first byte is at tar offset `base`) through the hashers of the
 * ranges `idx` (sorted by offset); stops reading once the last range is complete.
 */
async function feed(
  s: ReadableStream<Uint8Array>,
  base: number,
  idx: number[],
  ranges: readonly HashRange[],
  out: string[],
  codecs: Codecs,
  signal: AbortSignal | undefined,
  onChunk: (bytes: number, pos: number) => void,
): Promise<void> {
  const reader = s.getReader();
  let pos = base;
  let k = 0;
  let h: Hasher | null = null;
  const lastEnd = ranges[idx[idx.length - 1]!]!.offset + ranges[idx[idx.length - 1]!]!.size;
  try {
    while (k < idx.length) {
      throwIfAborted(signal);
      const { done, value } = await reader.read();
      if (done) throw new LayerscopeError('TRUNCATED', 'the layer ends before a file’s data', { offset: pos });
      const chunkStart = pos;
      const chunkEnd = pos + value.length;
      // feed every range this chunk overlaps (several small files may share one chunk)
      while (k < idx.length) {
        const r = ranges[idx[k]!]!;
        const rEnd = r.offset + r.size;
        if (r.offset >= chunkEnd) break;
        const from = Math.max(r.offset, chunkStart);
        const to = Math.min(rEnd, chunkEnd);
        if (to > from) {
          if (!h) h = await codecs.createHasher();
          h.update(value.subarray(from - chunkStart, to - chunkStart));
        }
        if (rEnd > chunkEnd) break;
        out[idx[k]!] = (h ?? (await codecs.createHasher())).digest();
        h = null;
        k++;
      }
      pos = chunkEnd;
      onChunk(Math.min(chunkEnd, lastEnd) - chunkStart, chunkStart);
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

/** A Blob that is also a ByteSource with cheap synchronous reads (src/cli/nodeIo.ts FileBlob). */
function isCheap(b: Blob): b is Blob & ByteSource {
  const s = b as Partial<ByteSource>;
  return s.cheapReads === true && typeof s.read === 'function';
}

let emptyCache: string | null = null;
async function emptyDigest(codecs: Codecs): Promise<string> {
  if (emptyCache) return emptyCache;
  emptyCache = (await codecs.createHasher()).digest();
  return emptyCache;
}
