/**
 * Listing a layer from its table of contents instead of decoding it (issue 13):
 * eStargz (estargz.ts) and zstd:chunked (zstdChunked.ts) are listed from their TOC;
 * a zstd seekable layer (seekable.ts) is still listed from its tar, but its frame
 * starts are known for content reads from the start.
 *
 * The rule for a TOC that lies: the TOC is trusted only for the listing shown at
 * once, never as proof. Structural checks here (offsets in order and inside the
 * blob, a gzip member or zstd frame where the TOC says, chunk sizes adding up to the
 * file, member sizes agreeing with chunk sizes) reject a broken TOC before it is
 * used — the layer is then read in full and a TOC_UNUSABLE warning says why. What
 * passes is marked with its listing's fingerprint; the digest pass that runs after
 * `ready` decodes the whole layer anyway, parses its tar and compares: on any
 * difference the tar's listing replaces the TOC's (TOC_MISMATCH). Chunk digests are
 * checked on every read that decodes the whole chunk (frames.ts).
 */
import { defaultCodecs, type Codecs } from '../../codecs';
import type { Compression, EngineWarning, LayerIndex } from '../../types';
import { LayerIndexBuilder } from '../layerScan';
import { readStargz } from './estargz';
import { listingFingerprint } from './fingerprint';
import { readSeekTable } from './seekable';
import type { TocInfo } from './types';
import { readZstdChunked } from './zstdChunked';

export interface TocScanOptions {
  signal?: AbortSignal;
  layer?: number;
  codecs?: Codecs;
}

/**
 * The layer's LayerIndex from its TOC, or null when it has none. Throws (BAD_TOC,
 * LIMIT, a decoder's error) when a TOC is there but unusable.
 */
export async function scanTocLayer(blob: Blob, compression: Compression, opts: TocScanOptions = {}): Promise<LayerIndex | null> {
  const listing = compression === 'gzip' ? await readStargz(blob, opts) : compression === 'zstd' ? await readZstdChunked(blob, opts) : null;
  if (!listing) return null;
  const b = new LayerIndexBuilder();
  for (const e of listing.entries) b.add(e);
  const index = b.finish({
    tarSize: listing.tarSize,
    storedSize: blob.size,
    compression,
    diffIdComputed: null,
    digestComputed: null,
    warnings: listing.warnings,
    error: null,
  });
  const fingerprint = listingFingerprint(index, await (opts.codecs ?? defaultCodecs).createHasher());
  const toc: TocInfo = { format: compression === 'gzip' ? 'estargz' : 'zstd:chunked', points: listing.points, fingerprint };
  return { ...index, toc };
}

/** A zstd layer's seek table as TocInfo (no listing from it), or null. Throws BAD_TOC when inconsistent. */
export async function seekTableOf(blob: Blob): Promise<TocInfo | null> {
  const points = await readSeekTable(blob);
  return points ? { format: 'zstd-seekable', points, fingerprint: null } : null;
}

export function tocUnusable(compression: Compression, e: unknown, layer?: number): EngineWarning {
  const what = compression === 'gzip' ? 'eStargz' : 'zstd:chunked / seekable zstd';
  return {
    code: 'TOC_UNUSABLE',
    layer,
    message: `the layer's ${what} table of contents is unusable (${e instanceof Error ? e.message : String(e)}); the layer was listed by decoding it in full`,
  };
}
