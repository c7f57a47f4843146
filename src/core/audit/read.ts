/**
 * Many small reads of one layer in ONE forward pass.
 *
 * contents.ts reads one file: for a compressed layer that decodes the layer from
 * its start up to the file, so reading the audit's few hundred candidates one by
 * one would decode the layer a few hundred times. Here the candidates are read in
 * offset order from a single decoded stream, which is stopped after the last one:
 * the cost of a layer's audit is at most one decode of it (about what indexing
 * it cost). Uncompressed layers are read through the engine's forward readers:
 * `pread` in Node (a ByteSource with cheap reads), and in the page
 * `blobStreamSource`, which streams through dense runs and restarts past gaps
 * (tar.ts, STREAM_RESTART_GAP: a browser `slice()` read is a 2–3 ms round trip).
 */
import { decompressBlob } from '../read/compression';
import { LayerscopeError, throwIfAborted } from '../errors';
import { blobStreamSource, type ByteSource } from '../read/tar/byteSource';
import type { Compression } from '../types';

export interface ForwardReader {
  /** Bytes [start, end) of the uncompressed layer; `start` must not go backwards. Short at the end of the stream. */
  read(start: number, end: number): Promise<Uint8Array>;
  close(): void;
}

function isByteSource(b: Blob | ByteSource): b is ByteSource {
  return typeof (b as ByteSource).read === 'function';
}

/** A forward reader over a layer blob (uncompressed or not). `gunzip`: the host's decoder (codecs.ts). */
export function forwardReader(
  blob: Blob,
  compression: Compression,
  opts: { signal?: AbortSignal; gunzip?: () => ReadableWritablePair<Uint8Array, Uint8Array> } = {},
): ForwardReader {
  if (compression === 'none') {
    const src: ByteSource =
      isByteSource(blob as Blob | ByteSource) && (blob as unknown as ByteSource).cheapReads ? (blob as unknown as ByteSource) : blobStreamSource(blob);
    return {
      read: async (start, end) => {
        throwIfAborted(opts.signal);
        return await src.read(start, end);
      },
      close: () => {},
    };
  }
  const reader = decompressBlob(blob, compression, { signal: opts.signal, gunzip: opts.gunzip }).getReader();
  let chunk: Uint8Array = new Uint8Array(0);
  let chunkStart = 0;
  let ended = false;
  let closed = false;
  const next = async (): Promise<boolean> => {
    if (ended) return false;
    const r = await reader.read();
    if (r.done) {
      ended = true;
      return false;
    }
    chunkStart += chunk.length;
    chunk = r.value;
    return true;
  };
  return {
    async read(start, end) {
      throwIfAborted(opts.signal);
      if (start < chunkStart) throw new LayerscopeError('IO', `audit read at ${start} behind the stream position ${chunkStart}`);
      if (end <= start) return new Uint8Array(0);
      while (chunkStart + chunk.length <= start) if (!(await next())) return new Uint8Array(0);
      if (chunkStart + chunk.length >= end) return chunk.slice(start - chunkStart, end - chunkStart);
      const out = new Uint8Array(end - start);
      let got = 0;
      for (;;) {
        const from = start + got - chunkStart;
        const n = Math.min(chunk.length - from, out.length - got);
        out.set(chunk.subarray(from, from + n), got);
        got += n;
        if (got === out.length || !(await next())) break;
      }
      return got === out.length ? out : out.subarray(0, got);
    },
    close() {
      if (closed) return;
      closed = true;
      reader.cancel().catch(() => {});
    },
  };
}
