/**
 * Places where a compressed layer can be decoded from without the bytes before
 * them: the start of a gzip member (RFC 1952 §2.2: a gzip file is a series of
 * members, each decodable alone) or of a zstd frame (RFC 8878 §3.1: frames are
 * independent). A layer's table of contents (eStargz, zstd:chunked) or seek table
 * (zstd seekable format) names them without any decoding; the digest pass records
 * zstd frame ends as it decodes (verify.ts).
 */
import type { Checkpoint } from '../inflate/inflater';

/** One independent member/frame start, with what the uncompressed tar holds from there. */
export interface FramePoint {
  kind: 'frame';
  /** Offset of the member/frame header in the stored blob. */
  in: number;
  /** Where the members/frames this point covers end in the stored blob (exclusive; the blob's size when unknown). */
  inEnd: number;
  /** Offset in the uncompressed tar of the first byte the member/frame produces. */
  out: number;
  /** Uncompressed bytes the point covers (a chunk of a file), or -1 when open-ended. */
  size: number;
  /** sha256 of those `size` bytes (`sha256:<hex>`), as the TOC records it (eStargz chunkDigest, zstd:chunked digest); null when none. */
  digest: string | null;
}

export type TocFormat = 'estargz' | 'zstd:chunked' | 'zstd-seekable';

/**
 * What a table of contents gave a layer (LayerIndex.toc).
 *
 * `fingerprint` is set when the listing itself came from the TOC (not from the tar):
 * the sha256 of the listing (fingerprint.ts). A TOC is metadata beside the tar, and
 * the tar is what a runtime extracts and what the diff_id covers, so a TOC listing is
 * provisional: the digest pass parses the tar it decodes anyway, and when its listing's
 * fingerprint differs, the tar's listing replaces the TOC's (session.ts verifyImage).
 */
export interface TocInfo {
  format: TocFormat;
  /** Sorted by `out`. */
  points: FramePoint[];
  fingerprint: string | null;
}

/** A place a content read can start: a zran checkpoint inside a gzip stream, or a member/frame start. */
export type ResumePoint = Checkpoint | FramePoint;

export function isFramePoint(p: ResumePoint): p is FramePoint {
  return (p as FramePoint).kind === 'frame';
}
