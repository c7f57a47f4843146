/**
 * Byte sources for the tar scan: random access into an uncompressed layer or
 * archive, by `Blob.slice()` or by one forward `Blob.stream()` (in Node, a pread
 * source lives in src/cli/nodeIo.ts). Pure engine code: no DOM.
 */
import { LayerscopeError } from '../../errors';

/**
 * Random-access byte source. A Blob is one (see `blobSource`); in Node a file
 * descriptor source using `fs.readSync` is ~10× cheaper per read than
 * `Blob.slice().arrayBuffer()` (no thread-pool round trip), which matters when a
 * layer has tens of thousands of entries. `read` may return synchronously.
 */
export interface ByteSource {
  readonly size: number;
  read(start: number, end: number): Uint8Array | Promise<Uint8Array>;
  /**
   * Reads cost microseconds and no round trip (a pread): `scanTarBlob` then reads
   * SCAN_JUMP_WINDOW_SIZE at each header (SCAN_CHEAP_DENSE_WINDOW_SIZE where headers
   * are dense) instead of copying whole 1 MiB windows of file data it skips anyway
   * (on the 894 MB benchmark image: ~60 MB copied instead of ~300 MB).
   */
  readonly cheapReads?: boolean;
  /**
   * Reads are served from one forward stream (blobStreamSource): `scanTarBlob` does
   * not prefetch (the stream already reads ahead) and asks for small windows (the
   * bytes are in memory already; larger windows only copy more).
   */
  readonly sequential?: boolean;
}

/** Random access by `Blob.slice().arrayBuffer()`: one round trip per read. */
export function blobSource(blob: Blob): ByteSource {
  return { size: blob.size, read: (start, end) => readRange(blob, start, end) };
}

/**
 * A gap (bytes of file data between the current stream position and the next
 * header) beyond which `blobStreamSource` starts a new stream at the header
 * instead of reading through. Measured in Chromium on the 2-core dev machine: a
 * new `Blob.slice(p).stream()` delivers its first chunk after ~6 ms, and a running
 * stream delivers 200–400 MB/s, i.e. 1.2–2.4 MB in the same time. On the 894 MB
 * benchmark image, gaps from 256 KiB to 16 MiB all scanned in 0.8–1.5 s (noise of the
 * 2-core machine); 1 MiB was among the fastest and wastes the least on a slow disk.
 */
export const STREAM_RESTART_GAP = 1024 * 1024;

/**
 * Forward reads of a Blob through `Blob.stream()`, restarting the stream past
 * large gaps (STREAM_RESTART_GAP). Why: in Chromium every `slice().arrayBuffer()`
 * is a browser-process round trip of ~2–3 ms whatever its size (measured: 4 KiB
 * reads 2.1–3.2 ms each, 1 MiB slices ~80 MB/s), while a stream delivers
 * 200–400 MB/s. A tar's headers are read in order, so one stream serves them all;
 * a read behind the stream position also restarts it (only after a corrupt
 * header, never in a normal scan). Reads are serialized: one stream, one reader.
 */
export function blobStreamSource(blob: Blob): ByteSource {
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  let chunk: Uint8Array = new Uint8Array(0);
  let chunkStart = 0; // blob offset of chunk[0]
  let ended = false;
  let queue: Promise<unknown> = Promise.resolve();
  const restart = (at: number) => {
    reader?.cancel().catch(() => {});
    reader = (blob.slice(at).stream() as ReadableStream<Uint8Array>).getReader();
    chunk = new Uint8Array(0);
    chunkStart = at;
    ended = false;
  };
  const nextChunk = async (): Promise<boolean> => {
    if (ended) return false;
    let r: ReadableStreamReadResult<Uint8Array>;
    try {
      r = await reader!.read();
    } catch (e) {
      throw new LayerscopeError('IO', 'could not read the file', { offset: chunkStart + chunk.length, cause: e });
    }
    if (r.done) {
      ended = true;
      return false;
    }
    chunkStart += chunk.length;
    chunk = r.value;
    return true;
  };
  const doRead = async (start: number, end: number): Promise<Uint8Array> => {
    end = Math.min(end, blob.size);
    if (start >= end) return new Uint8Array(0);
    if (!reader || start < chunkStart || start - (chunkStart + chunk.length) > STREAM_RESTART_GAP) restart(start);
    // Drop whole chunks before `start` (the file data being skipped).
    while (chunkStart + chunk.length <= start) if (!(await nextChunk())) return new Uint8Array(0);
    if (chunkStart + chunk.length >= end) return chunk.subarray(start - chunkStart, end - chunkStart);
    const out = new Uint8Array(end - start);
    let got = 0;
    for (;;) {
      const from = start + got - chunkStart;
      const n = Math.min(chunk.length - from, out.length - got);
      out.set(chunk.subarray(from, from + n), got);
      got += n;
      if (got === out.length || !(await nextChunk())) break;
    }
    return got === out.length ? out : out.subarray(0, got);
  };
  return {
    size: blob.size,
    sequential: true,
    read(start, end) {
      const p = queue.then(() => doRead(start, end));
      queue = p.catch(() => {});
      return p;
    },
  };
}

async function readRange(blob: Blob, start: number, end: number): Promise<Uint8Array> {
  try {
    return new Uint8Array(await blob.slice(start, end).arrayBuffer());
  } catch (e) {
    throw new LayerscopeError('IO', 'could not read the file', { offset: start, cause: e });
  }
}
