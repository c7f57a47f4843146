/**
 * The zstd seekable format (facebook/zstd contrib/seekable_format,
 * zstd_seekable_compression_format.md): a stream of independent frames ended by a
 * skippable frame (magic 0x184D2A5E) holding a seek table — per frame its compressed
 * and decompressed size (and optionally a checksum) — with a 9-byte footer:
 * Number_Of_Frames (u32), Seek_Table_Descriptor (bit 7: checksums present),
 * Seekable_Magic_Number 0x8F92EAB1. With it, a read starts at the frame holding its
 * first byte before the layer was ever decoded.
 */
import { badToc, le32, readSlice } from './decode';
import type { FramePoint } from './types';

const SEEKABLE_MAGIC = 0x8f92eab1;
const SEEK_TABLE_FRAME_MAGIC = 0x184d2a5e;
const SEEK_TABLE_FOOTER = 9;
/** More frames than this and the table is not read: ~1.5 MiB of table, far more frames than any layer needs to seek well. */
export const MAX_SEEK_FRAMES = 131_072;

/** Frame starts from the seek table, or null when the blob has none. Throws BAD_TOC when one is present but inconsistent. */
export async function readSeekTable(blob: Blob): Promise<FramePoint[] | null> {
  if (blob.size < SEEK_TABLE_FOOTER + 8) return null;
  const foot = await readSlice(blob, blob.size - SEEK_TABLE_FOOTER, blob.size);
  if (le32(foot, 5) !== SEEKABLE_MAGIC) return null;
  const frames = le32(foot, 0);
  const desc = foot[4]!;
  if (frames === 0 || frames > MAX_SEEK_FRAMES || (desc & 0x7c) !== 0) return null;
  const entry = desc & 0x80 ? 12 : 8;
  const tableLen = frames * entry + SEEK_TABLE_FOOTER;
  const frameStart = blob.size - tableLen - 8;
  if (frameStart < 0) throw badToc('the zstd seek table is longer than the layer');
  const t = await readSlice(blob, frameStart, blob.size);
  if (le32(t, 0) !== SEEK_TABLE_FRAME_MAGIC || le32(t, 4) !== tableLen) throw badToc('the zstd seek table is not in a skippable frame of its size');
  const points: FramePoint[] = [];
  let cin = 0;
  let cout = 0;
  for (let i = 0; i < frames; i++) {
    const c = le32(t, 8 + i * entry);
    const d = le32(t, 8 + i * entry + 4);
    points.push({ kind: 'frame', in: cin, inEnd: blob.size, out: cout, size: -1, digest: null });
    cin += c;
    cout += d;
  }
  if (cin !== frameStart) throw badToc(`the zstd seek table's frames add up to ${cin} bytes, the layer has ${frameStart} before the table`);
  return points;
}
