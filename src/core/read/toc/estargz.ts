/**
 * eStargz layers (containerd/stargz-snapshotter docs/estargz.md): a gzip tar in
 * which every non-empty regular file's payload (or each chunk of it) starts a new
 * gzip member, the last tar entry is `stargz.index.json` (the TOC: every entry's
 * metadata and the blob offset of its members), and a 51-byte footer — an empty
 * gzip member whose Extra field holds `%016x STARGZ` of the TOC's offset — ends the
 * blob. Legacy stargz (google/crfs) has a 47-byte footer without the SI1/SI2/LEN
 * subfield header.
 *
 * The listing comes from the TOC; what the TOC does not say is the uncompressed tar
 * offset of each payload, which every content read needs. Each member's ISIZE (its
 * uncompressed length mod 2^32, RFC 1952 §2.3.1) sits in the 4 bytes before the next
 * member, and the members begin exactly at the TOC's offsets, so the tar offset of a
 * member is the sum of the ISIZEs before it: one 7-byte read per member boundary
 * (trailer ISIZE + the next member's magic, which checks the TOC's offset on the way),
 * through one forward stream (byteSource.ts), no decompression.
 */
import { blobStreamSource } from '../tar/byteSource';
import { TarParser, normalizeTarPath } from '../tar/parser';
import { EntryKind, type EngineWarning, type TarEntry } from '../../types';
import { throwIfAborted } from '../../errors';
import { badToc, decodeAll, readSlice, le32 } from './decode';
import type { FramePoint } from './types';

/** eStargz footer: gzip header 10 + XLEN 2 + SI1 SI2 LEN 4 + 22 + empty stored block 5 + trailer 8 (estargz.md "Footer"). */
export const ESTARGZ_FOOTER_SIZE = 51;
/** stargz (crfs) footer: the same without the subfield header. */
export const LEGACY_STARGZ_FOOTER_SIZE = 47;
export const ESTARGZ_TOC_NAME = 'stargz.index.json';

/** The TOC offset a footer names, or null when `tail` (the blob's last 51 bytes) ends in no (e)stargz footer. */
export function parseStargzFooter(tail: Uint8Array): { tocOffset: number; footerSize: number } | null {
  const hexAt = (b: Uint8Array, o: number): number | null => {
    const s = String.fromCharCode(...b.subarray(o, o + 16));
    if (!/^[0-9a-f]{16}$/.test(s)) return null;
    const v = Number.parseInt(s, 16);
    return Number.isSafeInteger(v) ? v : null;
  };
  const tag = (b: Uint8Array, o: number) => String.fromCharCode(...b.subarray(o, o + 6)) === 'STARGZ';
  const isGzipWithExtra = (b: Uint8Array) => b[0] === 0x1f && b[1] === 0x8b && b[2] === 8 && (b[3]! & 4) !== 0;
  if (tail.length >= ESTARGZ_FOOTER_SIZE) {
    const f = tail.subarray(tail.length - ESTARGZ_FOOTER_SIZE);
    if (isGzipWithExtra(f) && f[10] === 26 && f[11] === 0 && f[12] === 0x53 && f[13] === 0x47 && f[14] === 22 && f[15] === 0 && tag(f, 32)) {
      const off = hexAt(f, 16);
      if (off !== null) return { tocOffset: off, footerSize: ESTARGZ_FOOTER_SIZE };
    }
  }
  if (tail.length >= LEGACY_STARGZ_FOOTER_SIZE) {
    const f = tail.subarray(tail.length - LEGACY_STARGZ_FOOTER_SIZE);
    if (isGzipWithExtra(f) && f[10] === 22 && f[11] === 0 && tag(f, 28)) {
      const off = hexAt(f, 12);
      if (off !== null) return { tocOffset: off, footerSize: LEGACY_STARGZ_FOOTER_SIZE };
    }
  }
  return null;
}

/** One TOCEntry as the JSON has it (estargz.md "TOC and TOCEntries"); only the fields read here. */
interface RawTocEntry {
  name?: unknown;
  type?: unknown;
  size?: unknown;
  modtime?: unknown;
  linkName?: unknown;
  mode?: unknown;
  uid?: unknown;
  gid?: unknown;
  userName?: unknown;
  groupName?: unknown;
  devMajor?: unknown;
  devMinor?: unknown;
  xattrs?: unknown;
  offset?: unknown;
  chunkOffset?: unknown;
  chunkSize?: unknown;
  chunkDigest?: unknown;
}

const KINDS: Record<string, EntryKind> = {
  dir: EntryKind.Dir,
  reg: EntryKind.File,
  symlink: EntryKind.Symlink,
  hardlink: EntryKind.Hardlink,
  char: EntryKind.Char,
  block: EntryKind.Block,
  fifo: EntryKind.Fifo,
};

const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

function uint(v: unknown, what: string, name: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw badToc(`the TOC gives "${name}" an invalid ${what}`);
  return v;
}

function base64(s: string): Uint8Array | null {
  try {
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

export interface StargzListing {
  /** The entries in TOC order (= tar order), then the TOC's own tar entry, with real tar offsets. */
  entries: TarEntry[];
  warnings: EngineWarning[];
  points: FramePoint[];
  tarSize: number;
}

interface Chunk {
  entry: number;
  in: number;
  size: number;
  digest: string | null;
}

/**
 * The listing of an (e)stargz blob from its TOC, or null when the blob has no footer.
 * Throws BAD_TOC (or LIMIT) when the TOC is present but cannot be trusted structurally:
 * the caller then reads the layer the ordinary way and says why.
 */
export async function readStargz(blob: Blob, opts: { signal?: AbortSignal; layer?: number } = {}): Promise<StargzListing | null> {
  if (blob.size < ESTARGZ_FOOTER_SIZE + 20) return null;
  const tail = await readSlice(blob, blob.size - ESTARGZ_FOOTER_SIZE, blob.size);
  const footer = parseStargzFooter(tail);
  if (!footer) return null;
  const tocEnd = blob.size - footer.footerSize;
  const { tocOffset } = footer;
  if (tocOffset <= 0 || tocOffset >= tocEnd) throw badToc(`the eStargz footer points at offset ${tocOffset}, outside the layer`);

  // The TOC member: a tar holding stargz.index.json (and the tar's end blocks).
  const tocTar = await decodeAll(blob.slice(tocOffset, tocEnd), 'gzip', undefined, opts.signal);
  let tocEntry: TarEntry | null = null;
  const json: Uint8Array[] = [];
  const p = new TarParser({
    onEntry: (e) => {
      if (tocEntry) return false;
      tocEntry = e;
      return true;
    },
    onData: (_e, d) => {
      json.push(d.slice());
    },
  });
  try {
    p.push(tocTar);
    p.end();
  } catch (e) {
    throw badToc(`the eStargz TOC member is not a tar: ${e instanceof Error ? e.message : String(e)}`);
  }
  const te = tocEntry as TarEntry | null;
  if (!te || te.path !== ESTARGZ_TOC_NAME || te.kind !== EntryKind.File) throw badToc(`the eStargz TOC member does not hold ${ESTARGZ_TOC_NAME}`);
  let doc: { version?: unknown; entries?: unknown };
  try {
    doc = JSON.parse(new TextDecoder().decode(concat(json)));
  } catch {
    throw badToc(`${ESTARGZ_TOC_NAME} is not valid JSON`);
  }
  if (doc?.version !== 1 || !Array.isArray(doc.entries)) throw badToc(`${ESTARGZ_TOC_NAME} is not a version 1 TOC`);

  const entries: TarEntry[] = [];
  const warnings: EngineWarning[] = [];
  const chunks: Chunk[] = [];
  // Bytes of the current regular file that its chunks have covered so far.
  let open: { entry: number; size: number; covered: number } | null = null;
  const closeFile = () => {
    if (open && open.covered !== open.size) throw badToc(`the chunks of "${entries[open.entry]!.path}" cover ${open.covered} of its ${open.size} bytes`);
    open = null;
  };
  for (const raw of doc.entries as RawTocEntry[]) {
    if (!raw || typeof raw !== 'object' || typeof raw.name !== 'string' || typeof raw.type !== 'string') throw badToc('a TOC entry lacks its name or type');
    const name = raw.name;
    if (raw.type === 'chunk') {
      const f = open as { entry: number; size: number; covered: number } | null;
      if (!f) throw badToc(`chunk of "${name}" follows no regular file`);
      const chunkOffset = uint(raw.chunkOffset, 'chunkOffset', name);
      if (chunkOffset !== f.covered) throw badToc(`chunk of "${name}" at ${chunkOffset}, expected ${f.covered}`);
      const cs = uint(raw.chunkSize, 'chunkSize', name);
      const size = cs === 0 ? f.size - chunkOffset : cs;
      if (size <= 0 || chunkOffset + size > f.size) throw badToc(`chunk of "${name}" passes the end of the file`);
      chunks.push({ entry: f.entry, in: uint(raw.offset, 'offset', name), size, digest: digestOf(raw.chunkDigest) });
      f.covered += size;
      continue;
    }
    closeFile();
    const kind = KINDS[raw.type];
    if (kind === undefined) throw badToc(`the TOC gives "${name}" an unknown type "${raw.type}"`);
    const norm = normalizeTarPath(name);
    if (norm.unsafe) warnings.push({ code: 'UNSAFE_PATH', message: `unsafe path "${name}" (absolute or escapes the root)`, layer: opts.layer });
    let linkname = typeof raw.linkName === 'string' ? raw.linkName : '';
    if (kind === EntryKind.Hardlink) linkname = normalizeTarPath(linkname).path;
    const size = kind === EntryKind.File ? uint(raw.size, 'size', name) : 0;
    const isDevice = kind === EntryKind.Char || kind === EntryKind.Block;
    let xattrs: Record<string, Uint8Array> | null = null;
    if (raw.xattrs && typeof raw.xattrs === 'object') {
      for (const [k, v] of Object.entries(raw.xattrs as Record<string, unknown>)) {
        const bytes = typeof v === 'string' ? base64(v) : null;
        if (!bytes) throw badToc(`the TOC gives "${name}" an xattr that is not base64`);
        xattrs ??= {};
        xattrs[k] = bytes;
      }
    }
    const mtime = typeof raw.modtime === 'string' && raw.modtime ? Math.floor(Date.parse(raw.modtime) / 1000) : 0;
    entries.push({
      path: norm.path,
      kind,
      size,
      mode: uint(raw.mode, 'mode', name) & 0o7777,
      uid: uint(raw.uid, 'uid', name),
      gid: uint(raw.gid, 'gid', name),
      mtime: Number.isFinite(mtime) ? mtime : 0,
      linkname,
      uname: typeof raw.userName === 'string' ? raw.userName : '',
      gname: typeof raw.groupName === 'string' ? raw.groupName : '',
      devmajor: isDevice ? uint(raw.devMajor, 'devMajor', name) : 0,
      devminor: isDevice ? uint(raw.devMinor, 'devMinor', name) : 0,
      xattrs,
      headerOffset: 0,
      dataOffset: 0,
      storedSize: Math.ceil(size / 512) * 512,
      sparse: false,
    });
    if (kind === EntryKind.File && size > 0) {
      const i = entries.length - 1;
      const cs = uint(raw.chunkSize, 'chunkSize', name);
      const first = cs === 0 || cs > size ? size : cs;
      chunks.push({ entry: i, in: uint(raw.offset, 'offset', name), size: first, digest: digestOf(raw.chunkDigest) });
      open = { entry: i, size, covered: first };
    }
  }
  closeFile();

  // Member boundaries: the blob's start, each chunk, the TOC. They must rise strictly
  // (a member is a range of the blob between two of them).
  let prev = 0;
  for (const c of chunks) {
    if (c.in <= prev || c.in >= tocOffset) throw badToc(`the TOC puts "${entries[c.entry]!.path}" at offset ${c.in}, out of order or outside the data`);
    prev = c.in;
  }
  const bounds = [...chunks.map((c) => c.in), tocOffset];
  const src = blobStreamSource(blob);
  // out[k]: tar offset where the member starting at bounds[k] begins.
  const outs = new Float64Array(bounds.length);
  let out = 0;
  for (let k = 0; k < bounds.length; k++) {
    throwIfAborted(opts.signal);
    const b = bounds[k]!;
    const around = await src.read(b - 4, b + 3);
    if (around.length < 7 || around[4] !== 0x1f || around[5] !== 0x8b || around[6] !== 8)
      throw badToc(`no gzip member starts at offset ${b}, where the TOC says one does`);
    let isize = le32(around, 0);
    // The member before this boundary holds chunk k-1 (and, after a file's last chunk,
    // the tar padding and the next headers): at least the chunk, exactly the chunk when
    // the file goes on in the next member. ISIZE is mod 2^32 (a member of ≥ 4 GiB).
    const before = k > 0 ? chunks[k - 1]! : null;
    if (before) {
      while (isize < before.size) isize += 2 ** 32;
      const next = chunks[k];
      if (next && next.entry === before.entry && isize !== before.size)
        throw badToc(`the member of a chunk of "${entries[before.entry]!.path}" holds ${isize} bytes, not ${before.size}`);
    }
    out += isize;
    outs[k] = out;
  }
  const points: FramePoint[] = [];
  for (let k = 0; k < chunks.length; k++) {
    const c = chunks[k]!;
    const e = entries[c.entry]!;
    if (e.dataOffset === 0) e.dataOffset = outs[k]!;
    points.push({ kind: 'frame', in: c.in, inEnd: bounds[k + 1]!, out: outs[k]!, size: c.size, digest: c.digest });
  }
  // The TOC's own tar entry, as a tar reader sees it (its header is in the TOC member).
  const tocOut = outs[outs.length - 1]!;
  entries.push({ ...te, headerOffset: tocOut + te.headerOffset, dataOffset: tocOut + te.dataOffset });
  return { entries, warnings, points, tarSize: tocOut + tocTar.length };
}

function digestOf(v: unknown): string | null {
  return typeof v === 'string' && DIGEST_RE.test(v) ? v : null;
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const o = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    o.set(p, at);
    at += p.length;
  }
  return o;
}
