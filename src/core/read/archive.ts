/**
 * Opening the file a user drops: an image archive written by `docker save`
 * (legacy or ≥ 25), podman/skopeo (docker-archive or oci-archive), buildx,
 * containerd, crane/kaniko/go-containerregistry, possibly gzipped as a whole.
 *
 * The outer tar is indexed from its headers only (scanTarBlob skips file data
 * by offset); every blob is then a byte range of it, read with Blob.slice when
 * needed. The variant is recognized from the archive's content (which top-level
 * entries exist, what the JSON documents hold, magic bytes), never from the
 * file name or declared media types.
 *
 * Format readers are split by concern under ./archive/: entries (entry map,
 * link resolution, JSON reads), docker (manifest.json), oci (index.json walk),
 * config (config + history), build (images from either), select (choice).
 */
import type { ArchiveInfo, BlobRef, Compression, EngineWarning, TarEntry } from '../types';
import { LayerscopeError, isLayerscopeError, throwIfAborted } from '../errors';
import { BLOCK_SIZE } from './tar/parser';
import { scanTarBlob } from './tar/scan';
import { sniffCompression, decompressToBlob, type DecompressedSink } from './compression';
import type { Codecs } from '../codecs';
import type { OuterArchive, OuterEntry } from './archive/entries';
import { readArchiveInfo, type LayersListed } from './archive/build';

export type { OuterArchive } from './archive/entries';
export { MAX_JSON_BYTES } from './archive/entries';
export { MAX_INDEX_DEPTH } from './archive/oci';
export { selectImage, formatPlatform } from './archive/select';

/**
 * Entries kept for the outer archive. An image archive holds a handful of
 * entries per layer; millions mean a filesystem tarball was dropped, and the
 * map (~200 bytes an entry) would cost hundreds of MB before we could say so.
 */
export const MAX_OUTER_ENTRIES = 1_000_000;

export interface OpenOptions {
  signal?: AbortSignal;
  onProgress?(bytesRead: number, bytesTotal: number): void;
  /** The host's gzip decoder for a gzipped archive (codecs.ts); default DecompressionStream. */
  gunzip?: Codecs['gunzip'];
  /** Where a gzipped/zstd archive is decompressed to (default: a Blob). */
  sink?: () => DecompressedSink;
  /**
   * The host's way to decompress a whole compressed archive (the page: in a worker,
   * WorkerPool.unpack). Default: decompressToBlob here, with `gunzip` and `sink`.
   * Either way the expansion bound of compression.ts applies.
   */
  unpack?: (
    file: Blob,
    compression: Compression,
    o: { signal?: AbortSignal; onProgress?(p: { bytesRead: number; bytesTotal: number }): void },
  ) => Promise<Blob>;
  /** The images' layers, known from the manifests, before configs are read (archive/build.ts LayersListed). */
  onLayersListed?: LayersListed;
}

/** Header checksum field (ustar: 8 bytes at offset 148, octal). */
const CHKSUM_OFFSET = 148;
const CHKSUM_LENGTH = 8;

/**
 * Classify the first 512-byte record: a tar header (valid checksum), a zero
 * record (an empty archive's end marker), or neither. POSIX ustar: the checksum
 * is the sum of the header's bytes with the checksum field taken as spaces;
 * some historic tars summed signed chars, so both sums are accepted.
 */
export function classifyFirstRecord(block: Uint8Array): 'header' | 'zero' | 'invalid' {
  // Shorter than one record: even an empty tar is 1024 zero bytes (ustar end marker).
  if (block.length < BLOCK_SIZE) return 'invalid';
  let unsigned = 0;
  let signed = 0;
  let allZero = true;
  for (let i = 0; i < BLOCK_SIZE; i++) {
    const b = i >= CHKSUM_OFFSET && i < CHKSUM_OFFSET + CHKSUM_LENGTH ? 0x20 : block[i]!;
    if (block[i] !== 0) allZero = false;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  if (allZero) return 'zero';
  let field = '';
  for (let i = CHKSUM_OFFSET; i < CHKSUM_OFFSET + CHKSUM_LENGTH; i++) field += String.fromCharCode(block[i]!);
  const digits = field.replace(/[\0 ]+$/, '').replace(/^[\0 ]+/, '');
  if (!/^[0-7]+$/.test(digits)) return 'invalid';
  const stored = parseInt(digits, 8);
  return stored === unsigned || stored === signed ? 'header' : 'invalid';
}

/**
 * Index the outer tar's entries (headers only). Reader warnings (e.g. unsafe paths) go to `warnings`.
 * `head`: the tar's first bytes when the caller has read them already (openArchive sniffs them): in
 * Chromium each read of a dropped File is a round trip of a few ms before the index can start.
 */
export async function indexOuterTar(blob: Blob, opts: OpenOptions = {}, warnings: EngineWarning[] = [], head?: Uint8Array): Promise<OuterArchive> {
  const first =
    head && head.length >= Math.min(BLOCK_SIZE, blob.size) ? head.subarray(0, BLOCK_SIZE) : new Uint8Array(await blob.slice(0, BLOCK_SIZE).arrayBuffer());
  const kind = classifyFirstRecord(first);
  if (kind === 'invalid') {
    throw new LayerscopeError('NOT_A_TAR', 'This file is not a tar archive (its first 512 bytes are not a tar header), nor a gzipped one', { offset: 0 });
  }
  const entries = new Map<string, OuterEntry>();
  try {
    await scanTarBlob(
      blob,
      {
        onEntry(e: TarEntry) {
          // Later entries replace earlier ones of the same name, as extraction would.
          entries.set(e.path, { name: e.path, kind: e.kind, offset: e.dataOffset, size: e.size, linkname: e.linkname });
          if (entries.size > MAX_OUTER_ENTRIES) {
            throw new LayerscopeError(
              'LIMIT',
              `The archive has more than ${MAX_OUTER_ENTRIES} entries; an image archive has a few per layer (is this a filesystem tarball rather than a saved image?)`,
              { offset: e.headerOffset },
            );
          }
        },
        onWarning(w: EngineWarning) {
          warnings.push(w);
        },
      },
      { signal: opts.signal, onProgress: opts.onProgress },
    );
  } catch (err) {
    // A cut archive (an interrupted download or copy) still holds every entry
    // before the cut: keep them, so the images and layers that are whole open
    // and only what lies beyond the cut fails (issue 3, "Bad input").
    if (!isLayerscopeError(err) || err.code !== 'TRUNCATED' || entries.size === 0) throw err;
    warnings.push({
      code: 'TRUNCATED',
      message: `The archive is cut short at byte ${blob.size} (${err.message}); entries after that point are missing`,
      offset: err.offset,
    });
  }
  return { blob, entries };
}

/**
 * Open a dropped file: undo an outer gzip (or zstd), index the tar, read its
 * manifests and configs. Layers are not read beyond their first bytes.
 */
export async function openArchive(file: Blob, opts: OpenOptions = {}): Promise<{ info: ArchiveInfo; outer: OuterArchive }> {
  throwIfAborted(opts.signal);
  const head = new Uint8Array(await file.slice(0, BLOCK_SIZE).arrayBuffer());
  const outerCompression: Compression = sniffCompression(head);
  let blob = file;
  if (outerCompression !== 'none') {
    blob = opts.unpack
      ? await opts.unpack(file, outerCompression, { signal: opts.signal, onProgress: (p) => opts.onProgress?.(p.bytesRead, p.bytesTotal) })
      : await decompressToBlob(file, outerCompression, { signal: opts.signal, onProgress: opts.onProgress, gunzip: opts.gunzip, sink: opts.sink?.() });
    throwIfAborted(opts.signal);
  }
  let outer: OuterArchive;
  const tarWarnings: EngineWarning[] = [];
  try {
    // an uncompressed file's head is the tar's: not read again
    outer = await indexOuterTar(blob, opts, tarWarnings, outerCompression === 'none' ? head : undefined);
  } catch (err) {
    // A compressed file whose content is not a tar is still "not a tar" to the user.
    if (isLayerscopeError(err) && err.code === 'NOT_A_TAR' && outerCompression !== 'none') {
      throw new LayerscopeError('NOT_A_TAR', `This file is ${outerCompression}-compressed, but what it contains is not a tar archive`, { offset: 0 });
    }
    throw err;
  }
  throwIfAborted(opts.signal);
  let info: ArchiveInfo;
  try {
    info = await readArchiveInfo(outer, outerCompression, opts.onLayersListed);
  } catch (err) {
    // No image could be built from a cut archive: say it is cut, not only that something is missing.
    const cut = tarWarnings.find((w) => w.code === 'TRUNCATED');
    if (cut && isLayerscopeError(err) && err.code !== 'CANCELLED' && err.code !== 'TRUNCATED') {
      throw new LayerscopeError('TRUNCATED', `The archive is cut short at byte ${outer.blob.size}, so it holds no complete image: ${err.message}`, {
        offset: cut.offset,
        cause: err,
      });
    }
    throw err;
  }
  info.warnings.unshift(...tarWarnings);
  return { info, outer };
}

/** The stored bytes of a blob (a byte range of the outer tar). */
export function blobOf(outer: OuterArchive, ref: BlobRef): Blob {
  return outer.blob.slice(ref.offset, ref.offset + ref.size);
}
