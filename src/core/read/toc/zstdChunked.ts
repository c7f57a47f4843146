/**
 * zstd:chunked layers (containers/storage, docs/zstd-chunked.md; pkg/chunked): a
 * zstd tar whose every non-empty regular file is in frames of its own, ended by
 * three skippable frames (RFC 8878 §3.1.2, which a plain decoder skips): the
 * "manifest" (a CRFS-style TOC: each file's frame range `offset`..`endOffset` and
 * `digest`), the "tar-split" (vbatts/tar-split JSON lines: every byte of the tar
 * that is not file data — headers and padding — base64 in type-2 lines, and each
 * file's size in type-1 lines), and a 64-byte footer locating both.
 *
 * The tar-split is the tar minus its file contents, so the listing is made by the
 * ordinary tar reader over a virtual tar in which the file data are holes: the same
 * headers give the same entries and exact tar offsets. The manifest then gives each
 * file the frames to decode for its bytes.
 */
import { normalizeTarPath } from '../tar/parser';
import { scanTarBlob } from '../tar/scan';
import type { ByteSource } from '../tar/byteSource';
import { EntryKind, type EngineWarning, type TarEntry } from '../../types';
import { badToc, decodeAll, le32, le64, readSlice } from './decode';
import type { FramePoint } from './types';

/** Skippable frame header (magic 0x184D2A50, size 64) + 8 little-endian u64 (docs/zstd-chunked.md "The footer"). */
export const ZSTD_CHUNKED_FOOTER_SIZE = 72;
/** "GNUlInUx" as the footer's last u64. */
const FOOTER_MAGIC = [0x47, 0x4e, 0x55, 0x6c, 0x49, 0x6e, 0x55, 0x78];
const MANIFEST_TYPE_CRFS = 1;

export interface ZstdChunkedFooter {
  manifest: { offset: number; length: number; uncompressed: number };
  tarSplit: { offset: number; length: number; uncompressed: number };
}

export function parseZstdChunkedFooter(tail: Uint8Array): ZstdChunkedFooter | null {
  if (tail.length < ZSTD_CHUNKED_FOOTER_SIZE) return null;
  const f = tail.subarray(tail.length - ZSTD_CHUNKED_FOOTER_SIZE);
  if (le32(f, 0) !== 0x184d2a50 || le32(f, 4) !== 64) return null;
  if (!FOOTER_MAGIC.every((b, i) => f[64 + i] === b)) return null;
  const u = (i: number) => le64(f, 8 + i * 8);
  if (u(3) !== MANIFEST_TYPE_CRFS) return null;
  return {
    manifest: { offset: u(0), length: u(1), uncompressed: u(2) },
    tarSplit: { offset: u(4), length: u(5), uncompressed: u(6) },
  };
}

interface ManifestEntry {
  type?: unknown;
  name?: unknown;
  size?: unknown;
  offset?: unknown;
  endOffset?: unknown;
  digest?: unknown;
}

export interface ChunkedListing {
  entries: TarEntry[];
  warnings: EngineWarning[];
  points: FramePoint[];
  tarSize: number;
}

/** A tar with holes for file data: type-2 payloads where they are, zeros (never read: the scan skips data) elsewhere. */
class HoleyTar implements ByteSource {
  readonly cheapReads = true;
  size = 0;
  private starts: number[] = [];
  private raws: (Uint8Array | null)[] = [];
  add(raw: Uint8Array | null, len: number): void {
    if (len === 0) return;
    this.starts.push(this.size);
    this.raws.push(raw);
    this.size += len;
  }
  read(start: number, end: number): Uint8Array {
    end = Math.min(end, this.size);
    const out = new Uint8Array(Math.max(0, end - start));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.starts[mid]! <= start) lo = mid;
      else hi = mid - 1;
    }
    for (let k = lo, p = start; p < end && k < this.starts.length; k++) {
      const s = this.starts[k]!;
      const len = (k + 1 < this.starts.length ? this.starts[k + 1]! : this.size) - s;
      const n = Math.min(end, s + len) - p;
      const raw = this.raws[k];
      if (raw) out.set(raw.subarray(p - s, p - s + n), p - start);
      p += n;
    }
    return out;
  }
}

function b64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export async function readZstdChunked(blob: Blob, opts: { signal?: AbortSignal; layer?: number } = {}): Promise<ChunkedListing | null> {
  if (blob.size < ZSTD_CHUNKED_FOOTER_SIZE + 8) return null;
  const footer = parseZstdChunkedFooter(await readSlice(blob, blob.size - ZSTD_CHUNKED_FOOTER_SIZE, blob.size));
  if (!footer) return null;
  const dataEnd = blob.size - ZSTD_CHUNKED_FOOTER_SIZE;
  for (const [what, r] of [
    ['manifest', footer.manifest],
    ['tar-split', footer.tarSplit],
  ] as const) {
    if (!Number.isSafeInteger(r.offset) || !Number.isSafeInteger(r.length) || r.offset < 0 || r.length <= 0 || r.offset + r.length > dataEnd) {
      throw badToc(`the zstd:chunked footer puts the ${what} outside the layer`);
    }
  }
  const manifestBytes = await decodeAll(blob.slice(footer.manifest.offset, footer.manifest.offset + footer.manifest.length), 'zstd', undefined, opts.signal);
  const splitBytes = await decodeAll(blob.slice(footer.tarSplit.offset, footer.tarSplit.offset + footer.tarSplit.length), 'zstd', undefined, opts.signal);
  let manifest: { version?: unknown; entries?: unknown };
  try {
    manifest = JSON.parse(new TextDecoder().decode(manifestBytes));
  } catch {
    throw badToc('the zstd:chunked manifest is not valid JSON');
  }
  if (manifest?.version !== 1 || !Array.isArray(manifest.entries)) throw badToc('the zstd:chunked manifest is not a version 1 TOC');

  // The tar without its file data, from the tar-split lines.
  const tar = new HoleyTar();
  const text = new TextDecoder().decode(splitBytes);
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let rec: { type?: unknown; size?: unknown; payload?: unknown };
    try {
      rec = JSON.parse(line);
    } catch {
      throw badToc('a zstd:chunked tar-split line is not valid JSON');
    }
    if (rec.type === 2) {
      if (typeof rec.payload !== 'string') throw badToc('a tar-split segment has no payload');
      let raw: Uint8Array;
      try {
        raw = b64(rec.payload);
      } catch {
        throw badToc('a tar-split segment is not base64');
      }
      tar.add(raw, raw.length);
    } else if (rec.type === 1) {
      const size = rec.size ?? 0;
      if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw badToc('a tar-split file entry has an invalid size');
      tar.add(null, size);
    } else throw badToc('a tar-split line of an unknown type');
  }
  if (tar.size === 0) throw badToc('the zstd:chunked tar-split is empty');

  const entries: TarEntry[] = [];
  const warnings: EngineWarning[] = [];
  try {
    await scanTarBlob(tar, { onEntry: (e) => void entries.push(e), onWarning: (w) => void warnings.push(w) }, { signal: opts.signal, layer: opts.layer });
  } catch (e) {
    throw badToc(`the zstd:chunked tar-split does not make a tar: ${e instanceof Error ? e.message : String(e)}`);
  }

  // Frames of each file from the manifest, matched by name in order.
  const frames = new Map<string, ManifestEntry[]>();
  for (const m of manifest.entries as ManifestEntry[]) {
    if (!m || typeof m !== 'object' || m.type !== 'reg' || typeof m.name !== 'string') continue;
    const key = normalizeTarPath(m.name).path;
    const list = frames.get(key);
    if (list) list.push(m);
    else frames.set(key, [m]);
  }
  const points: FramePoint[] = [];
  for (const e of entries) {
    if (e.kind !== EntryKind.File || e.size === 0 || e.sparse) continue;
    const m = frames.get(e.path)?.shift();
    if (!m) continue; // no frames named: its reads decode from the layer's start
    const off = m.offset;
    const end = m.endOffset;
    if (
      typeof off !== 'number' ||
      typeof end !== 'number' ||
      !Number.isSafeInteger(off) ||
      !Number.isSafeInteger(end) ||
      off < 0 ||
      end <= off ||
      end > dataEnd
    ) {
      throw badToc(`the zstd:chunked manifest gives "${e.path}" frames outside the layer`);
    }
    if (m.size !== e.size) throw badToc(`the zstd:chunked manifest gives "${e.path}" ${String(m.size)} bytes, its tar header ${e.size}`);
    points.push({
      kind: 'frame',
      in: off,
      inEnd: end,
      out: e.dataOffset,
      size: e.size,
      digest: typeof m.digest === 'string' && /^sha256:[0-9a-f]{64}$/.test(m.digest) ? m.digest : null,
    });
  }
  points.sort((a, b) => a.out - b.out);
  return { entries, warnings, points, tarSize: tar.size };
}
