/**
 * Test layers with tables of contents, written byte by byte from the formats'
 * specifications (no converter tool is installed here):
 *   - eStargz (stargz-snapshotter docs/estargz.md): a gzip member per file payload
 *     (and per chunk), stargz.index.json as the last tar entry in its own member, the
 *     51-byte footer;
 *   - zstd:chunked (containers/storage docs/zstd-chunked.md): a zstd frame per file
 *     payload, the manifest and tar-split in skippable frames, the 72-byte footer;
 *   - multi-frame zstd, optionally with a seekable-format seek table
 *     (facebook/zstd contrib/seekable_format).
 * zstd frames come from the zstd command (`apt-get install zstd`), gzip from node:zlib.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { memberHeader, tarPadding, TAR_END_BYTES, type TarWriteEntry } from '../../write/tarWriter';

const TYPE: Record<TarWriteEntry['kind'], string> = {
  file: 'reg',
  dir: 'dir',
  symlink: 'symlink',
  hardlink: 'hardlink',
  char: 'char',
  block: 'block',
  fifo: 'fifo',
};
const TYPE_BITS: Record<TarWriteEntry['kind'], number> = {
  file: 0o100000,
  dir: 0o40000,
  symlink: 0o120000,
  hardlink: 0o100000,
  char: 0o20000,
  block: 0o60000,
  fifo: 0o10000,
};

const sha = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
type Bytes = Uint8Array<ArrayBuffer>;
const cat = (parts: Uint8Array[]): Bytes => new Uint8Array(Buffer.concat(parts));
export const zstdFrame = (b: Uint8Array, level = 3): Uint8Array => new Uint8Array(execFileSync('zstd', ['-q', '-c', `-${level}`], { input: b }));

function tocEntryOf(e: TarWriteEntry): Record<string, unknown> {
  const t: Record<string, unknown> = {
    name: e.kind === 'dir' ? `${e.path.replace(/\/$/, '')}/` : e.path,
    type: TYPE[e.kind],
    modtime: new Date(e.mtime * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    mode: (e.mode & 0o7777) | TYPE_BITS[e.kind],
    uid: e.uid,
    gid: e.gid,
  };
  if (e.linkname) t.linkName = e.linkname;
  if (e.kind === 'file' && e.data?.length) t.size = e.data.length;
  if (e.devmajor !== undefined) t.devMajor = e.devmajor;
  if (e.devminor !== undefined) t.devMinor = e.devminor;
  if (e.xattrs) t.xattrs = Object.fromEntries(Object.entries(e.xattrs).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  return t;
}

export interface EstargzOptions {
  /** Split payloads into chunks of this size (0: one chunk per file). */
  chunkSize?: number;
  /** Edit the TOC before it is written (to make lying or broken TOCs). */
  editToc?(toc: { version: number; entries: Record<string, unknown>[] }): unknown;
  /** Replace the TOC JSON text entirely. */
  tocText?: string;
}

export function buildEstargz(entries: TarWriteEntry[], opts: EstargzOptions = {}): { blob: Bytes; tar: Bytes } {
  const members: Uint8Array[] = [];
  const tarParts: Uint8Array[] = [];
  let size = 0; // compressed bytes so far
  let cur: Uint8Array[] = [];
  const close = () => {
    const raw = cat(cur);
    const m = new Uint8Array(gzipSync(raw));
    members.push(m);
    tarParts.push(raw);
    size += m.length;
    cur = [];
  };
  const toc: { version: number; entries: Record<string, unknown>[] } = { version: 1, entries: [] };
  for (const e of entries) {
    const data = e.kind === 'file' ? (e.data ?? new Uint8Array(0)) : new Uint8Array(0);
    cur.push(memberHeader(e, data.length));
    const t = tocEntryOf(e);
    toc.entries.push(t);
    if (data.length === 0) continue;
    const cs = opts.chunkSize && opts.chunkSize < data.length ? opts.chunkSize : data.length;
    t.digest = sha(data);
    for (let off = 0; off < data.length; off += cs) {
      close();
      const chunk = data.subarray(off, Math.min(data.length, off + cs));
      const last = off + cs >= data.length;
      if (off === 0) {
        t.offset = size;
        t.chunkDigest = sha(chunk);
        if (cs < data.length) t.chunkSize = cs;
      } else {
        toc.entries.push({ name: t.name, type: 'chunk', offset: size, chunkOffset: off, chunkSize: last ? 0 : cs, chunkDigest: sha(chunk) });
      }
      cur.push(chunk);
    }
    cur.push(new Uint8Array(tarPadding(data.length)));
  }
  close();
  const tocOffset = size;
  const edited = opts.editToc ? (opts.editToc(toc) ?? toc) : toc;
  const json = new TextEncoder().encode(opts.tocText ?? JSON.stringify(edited));
  cur.push(memberHeader({ path: 'stargz.index.json', kind: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0 }, json.length));
  cur.push(json, new Uint8Array(tarPadding(json.length)), new Uint8Array(TAR_END_BYTES));
  close();
  // Footer: an empty gzip member whose Extra field is SI1 'S' SI2 'G' LEN 22 "%016xSTARGZ".
  const f = new Uint8Array(51);
  f.set([0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 26, 0, 0x53, 0x47, 22, 0]);
  f.set(new TextEncoder().encode(`${tocOffset.toString(16).padStart(16, '0')}STARGZ`), 16);
  f.set([1, 0, 0, 0xff, 0xff], 38); // final stored block of length 0; CRC-32 and ISIZE of nothing are 0
  members.push(f);
  return { blob: cat(members), tar: cat(tarParts) };
}

function skippable(payload: Uint8Array, magic = 0x184d2a50): Uint8Array {
  const h = Buffer.alloc(8);
  h.writeUInt32LE(magic, 0);
  h.writeUInt32LE(payload.length, 4);
  return cat([h, payload]);
}

export interface ChunkedOptions {
  editManifest?(m: { version: number; entries: Record<string, unknown>[] }): void;
}

export function buildZstdChunked(entries: TarWriteEntry[], opts: ChunkedOptions = {}): { blob: Bytes; tar: Bytes } {
  const frames: Uint8Array[] = [];
  const tarParts: Uint8Array[] = [];
  let size = 0;
  let cur: Uint8Array[] = [];
  const split: string[] = [];
  const flush = () => {
    const raw = cat(cur);
    cur = [];
    if (raw.length === 0) return;
    split.push(JSON.stringify({ type: 2, payload: Buffer.from(raw).toString('base64'), position: split.length }));
    const f = zstdFrame(raw);
    frames.push(f);
    tarParts.push(raw);
    size += f.length;
  };
  const manifest: { version: number; entries: Record<string, unknown>[] } = { version: 1, entries: [] };
  for (const e of entries) {
    const data = e.kind === 'file' ? (e.data ?? new Uint8Array(0)) : new Uint8Array(0);
    cur.push(memberHeader(e, data.length));
    const t = tocEntryOf(e);
    manifest.entries.push(t);
    if (data.length === 0) {
      flush();
      split.push(JSON.stringify({ type: 1, name: e.path, payload: null, position: split.length }));
      continue;
    }
    flush();
    split.push(JSON.stringify({ type: 1, name: e.path, size: data.length, payload: 'AAAAAAAAAAA=', position: split.length }));
    t.offset = size;
    const f = zstdFrame(data);
    frames.push(f);
    tarParts.push(data);
    size += f.length;
    t.endOffset = size;
    t.digest = sha(data);
    cur.push(new Uint8Array(tarPadding(data.length)));
  }
  cur.push(new Uint8Array(TAR_END_BYTES));
  flush();
  opts.editManifest?.(manifest);
  const manifestText = new TextEncoder().encode(JSON.stringify(manifest));
  const splitText = new TextEncoder().encode(`${split.join('\n')}\n`);
  const mz = zstdFrame(manifestText);
  const sz = zstdFrame(splitText);
  const manifestAt = size + 8;
  frames.push(skippable(mz));
  size += 8 + mz.length;
  const splitAt = size + 8;
  frames.push(skippable(sz));
  size += 8 + sz.length;
  const foot = Buffer.alloc(64);
  [manifestAt, mz.length, manifestText.length, 1, splitAt, sz.length, splitText.length].forEach((v, i) => {
    foot.writeBigUInt64LE(BigInt(v), i * 8);
  });
  Buffer.from('GNUlInUx').copy(foot, 56);
  frames.push(skippable(foot));
  return { blob: cat(frames), tar: cat(tarParts) };
}

/** A tar as zstd frames of `frameSize` uncompressed bytes each; with `seekTable`, the seekable format's table after them. */
export function multiFrameZstd(tar: Uint8Array, frameSize: number, seekTable = false): Bytes {
  const frames: Uint8Array[] = [];
  const table: number[][] = [];
  for (let o = 0; o < tar.length; o += frameSize) {
    const piece = tar.subarray(o, Math.min(tar.length, o + frameSize));
    const f = zstdFrame(piece, 1);
    frames.push(f);
    table.push([f.length, piece.length]);
  }
  if (seekTable) {
    const t = Buffer.alloc(table.length * 8 + 9);
    table.forEach(([c, d], i) => {
      t.writeUInt32LE(c!, i * 8);
      t.writeUInt32LE(d!, i * 8 + 4);
    });
    t.writeUInt32LE(table.length, table.length * 8);
    t[table.length * 8 + 4] = 0;
    t.writeUInt32LE(0x8f92eab1, table.length * 8 + 5);
    frames.push(skippable(t, 0x184d2a5e));
  }
  return cat(frames);
}
