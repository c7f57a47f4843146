/**
 * Integrity pass: sha256 of a layer's stored blob (its manifest digest) and of its
 * uncompressed tar (its config diff_id, OCI image-spec config.md "rootfs"), each
 * computed over a stream so a multi-GB layer is never held in memory.
 *
 * Indexing does not hash by default (session.ts `openImage`): in a browser the only
 * incremental sha256 is WebAssembly (hash-wasm, ~190 MB/s on the dev machine, where
 * DecompressionStream inflates ~200 MB/s of tar), so hashing the stored and the
 * uncompressed bytes inline would more than double the time to a usable tree. The
 * page shows the image first and runs this pass behind it.
 *
 * Blob.stream(), not slices: in Chromium a File is read through the browser
 * process, and measured on the 2-core dev machine a stream delivers ~200–400 MB/s
 * where 1 MiB slice reads manage ~80 MB/s (each slice is a separate round trip).
 */
import { defaultCodecs, type Codecs } from '../codecs';
import { decompressBlob } from './compression';
import { LayerscopeError, throwIfAborted } from '../errors';
import type { Compression } from '../types';

/** Report progress at most this often, in bytes (keeps worker messages few). */
export const HASH_PROGRESS_BYTES = 4 * 1024 * 1024;

export interface HashOptions {
  signal?: AbortSignal;
  onProgress?(p: { bytesRead: number; bytesTotal: number }): void;
  codecs?: Codecs;
}

export async function hashBlob(blob: Blob, opts: HashOptions = {}): Promise<string> {
  const h = await (opts.codecs ?? defaultCodecs).createHasher();
  const reader = (blob.stream() as ReadableStream<Uint8Array>).getReader();
  let read = 0;
  let reported = 0;
  try {
    for (;;) {
      throwIfAborted(opts.signal);
      const { done, value } = await reader.read();
      if (done) break;
      h.update(value);
      read += value.length;
      if (read - reported >= HASH_PROGRESS_BYTES) {
        reported = read;
        opts.onProgress?.({ bytesRead: read, bytesTotal: blob.size });
      }
    }
  } catch (e) {
    reader.cancel().catch(() => {});
    throw e;
  }
  if (read !== blob.size) throw new LayerscopeError('TRUNCATED', `read ${read} of ${blob.size} bytes`, { offset: read });
  opts.onProgress?.({ bytesRead: read, bytesTotal: blob.size });
  return h.digest();
}

export interface LayerDigests {
  /** sha256 of the stored blob. */
  digest: string;
  /** sha256 of the uncompressed tar (equal to `digest` for an uncompressed layer). */
  diffId: string;
}

/**
 * Both digests of one layer in one pass: the stored bytes are hashed as they are
 * read and the decoder's output as it comes out. Progress counts stored bytes.
 */
export async function hashLayer(blob: Blob, compression: Compression, opts: HashOptions = {}): Promise<LayerDigests> {
  if (compression === 'none') {
    const d = await hashBlob(blob, opts);
    return { digest: d, diffId: d };
  }
  const codecs = opts.codecs ?? defaultCodecs;
  const stored = await codecs.createHasher();
  const tar = await codecs.createHasher();
  let storedSeen = 0;
  let reported = 0;
  const reader = decompressBlob(blob, compression, {
    signal: opts.signal,
    gunzip: codecs.gunzip,
    onInput: (chunk, off) => {
      stored.update(chunk);
      storedSeen = off + chunk.length;
      if (storedSeen - reported >= HASH_PROGRESS_BYTES) {
        reported = storedSeen;
        opts.onProgress?.({ bytesRead: storedSeen, bytesTotal: blob.size });
      }
    },
  }).getReader();
  try {
    for (;;) {
      throwIfAborted(opts.signal);
      const { done, value } = await reader.read();
      if (done) break;
      tar.update(value);
    }
  } catch (e) {
    reader.cancel().catch(() => {});
    throw e;
  }
  if (storedSeen !== blob.size) throw new LayerscopeError('TRUNCATED', `read ${storedSeen} of ${blob.size} bytes`, { offset: storedSeen });
  opts.onProgress?.({ bytesRead: blob.size, bytesTotal: blob.size });
  return { digest: stored.digest(), diffId: tar.digest() };
}
