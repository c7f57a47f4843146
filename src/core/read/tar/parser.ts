/**
 * Tar parser, written as an explicit state machine (in the manner of perfetto's
 * UI tar reader): `TarParser.push()` takes a byte stream cut at arbitrary
 * boundaries. The same parser serves every way of reading (scan.ts): pushed
 * bytes of a decompressed layer, or header-only random access over an
 * uncompressed Blob or ByteSource (byteSource.ts), skipping file data by offset.
 *
 * Formats understood (references in brackets):
 *   - POSIX ustar, incl. the 155-byte `prefix` field [POSIX.1-1988 ustar, pax(1) "ustar Interchange Format"]
 *   - POSIX pax extended ('x') and global ('g') headers [POSIX.1-2001 pax(1) "pax Extended Header"]
 *   - GNU: 'L'/'K' long names, 'S' old sparse, 'D' dumpdir, base-256 numbers, atime/ctime
 *     in place of `prefix` [GNU tar manual, "Basic Tar Format" / tar.h]
 *   - GNU sparse in PAX (formats 0.0, 0.1, 1.0) [GNU tar manual, "Storing Sparse Files"]
 *   - v7 headers without magic.
 *
 * Pure engine code: no DOM, runs in a Worker and in Node.
 */
import { LayerscopeError } from '../../errors';
import { EntryKind, type EngineWarning, type TarEntry } from '../../types';

/** Tar streams are made of 512-byte records ("blocks"); POSIX ustar. */
export const BLOCK_SIZE = 512;

/**
 * Largest PAX extended header ('x'/'g') we accept. Real ones hold a few paths and
 * xattrs (a few KiB at most); 1 MiB leaves room for large xattrs (e.g. ACLs) while
 * refusing to allocate gigabytes on a forged size field.
 */
export const MAX_PAX_HEADER_SIZE = 1024 * 1024;

/** Largest GNU 'L'/'K' long name/link. Linux PATH_MAX is 4096; 64 KiB is generous. */
export const MAX_LONG_NAME_SIZE = 64 * 1024;

export interface TarHandlers {
  /** Called once per entry, in stream order. Return true to receive this entry's data via onData. */
  // biome-ignore lint/suspicious/noConfusingVoidType: a handler that wants no data returns nothing; only `true` asks for it
  onEntry(e: TarEntry): boolean | void;
  /**
   * Data of an entry whose onEntry returned true, in order. `chunk` is a view into a
   * buffer that may be reused: copy it to keep it. For sparse entries this is the raw
   * stored data (GNU 1.0: map + data segments), not the expanded file.
   */
  onData?(e: TarEntry, chunk: Uint8Array, offsetInFile: number): void;
  onWarning?(w: EngineWarning): void;
}

export interface TarOptions {
  /** Layer index, copied into warnings and errors. */
  layer?: number;
}

// Parser states.
const ST_HEADER = 0;
const ST_EXT_DATA = 1; // collecting a PAX/GNU long-name payload
const ST_SPARSE_EXT = 2; // GNU old sparse extension blocks (isextended)
const ST_DATA = 3;
const ST_PADDING = 4;
const ST_DONE = 5;

// Typeflags (ustar / GNU tar.h).
const T_REG = 0x30; // '0'
const T_AREG = 0x00; // '\0' (pre-POSIX regular file)
const T_LINK = 0x31;
const T_SYM = 0x32;
const T_CHR = 0x33;
const T_BLK = 0x34;
const T_DIR = 0x35;
const T_FIFO = 0x36;
const T_CONT = 0x37; // contiguous file: treated as regular (POSIX allows it)
const T_PAX = 0x78; // 'x'
const T_PAX_SOLARIS = 0x58; // 'X': Solaris' pre-POSIX extended header, same record syntax
const T_PAX_GLOBAL = 0x67; // 'g'
const T_GNU_LONGNAME = 0x4c; // 'L'
const T_GNU_LONGLINK = 0x4b; // 'K'
const T_GNU_DUMPDIR = 0x44; // 'D'
const T_GNU_SPARSE = 0x53; // 'S'

const FMT_V7 = 0;
const FMT_USTAR = 1; // "ustar\0" + "00": POSIX, has prefix
const FMT_GNU = 2; // "ustar  \0": GNU, prefix area holds atime/ctime/sparse

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes bytes as UTF-8 when valid, else as latin1 (tar names are byte strings; never throws). */
export function decodeName(b: Uint8Array): string {
  let ascii = true;
  for (let i = 0; i < b.length; i++) {
    if (b[i]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return latin1(b);
  try {
    return utf8.decode(b);
  } catch {
    return latin1(b);
  }
}

function latin1(b: Uint8Array): string {
  // Chunked to stay below engines' argument-count limits for apply().
  let s = '';
  for (let i = 0; i < b.length; i += 4096) {
    s += String.fromCharCode.apply(null, b.subarray(i, Math.min(b.length, i + 4096)) as unknown as number[]);
  }
  return s;
}

/** NUL-terminated field. */
function cfield(b: Uint8Array, off: number, len: number): Uint8Array {
  let end = off;
  const max = off + len;
  while (end < max && b[end] !== 0) end++;
  return b.subarray(off, end);
}

/**
 * Numeric header field: octal ASCII (leading spaces/NULs allowed, terminated by space
 * or NUL), or GNU base-256 when the high bit of the first byte is set (two's complement
 * big-endian, sign in bit 6 of the first byte, as GNU tar and Go's archive/tar read it).
 * Returns NaN when the field is malformed or beyond 2^53.
 */
export function parseNumeric(b: Uint8Array, off: number, len: number): number {
  const first = b[off]!;
  if (first & 0x80) {
    const inv = first & 0x40 ? 0xff : 0;
    let v = 0;
    for (let i = 0; i < len; i++) {
      let c = b[off + i]! ^ inv;
      if (i === 0) c &= 0x7f;
      v = v * 256 + c;
      if (v > Number.MAX_SAFE_INTEGER) return NaN;
    }
    return inv ? -(v + 1) : v;
  }
  let i = off;
  const end = off + len;
  while (i < end && (b[i] === 0x20 || b[i] === 0)) i++;
  let v = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = b[i]!;
    if (c === 0x20 || c === 0) break;
    if (c < 0x30 || c > 0x37) return NaN;
    v = v * 8 + (c - 0x30);
    digits++;
  }
  // Everything after the terminator must be spaces/NULs.
  for (; i < end; i++) if (b[i] !== 0x20 && b[i] !== 0) return NaN;
  if (v > Number.MAX_SAFE_INTEGER) return NaN;
  return digits === 0 ? 0 : v;
}

function isZeroBlock(b: Uint8Array): boolean {
  for (let i = 0; i < BLOCK_SIZE; i++) if (b[i] !== 0) return false;
  return true;
}

/**
 * ustar: the checksum is the sum of the header bytes with the checksum field taken as
 * 8 spaces. Some historic tars summed signed chars; like GNU tar, accept either.
 */
export function checksumOk(b: Uint8Array): boolean {
  const stored = parseNumeric(b, 148, 8);
  if (!Number.isFinite(stored)) return false;
  // POSIX: the sum of the header's bytes as unsigned, with the checksum field itself
  // counted as 8 spaces. Summed in two straight runs around the field (this runs once
  // per entry: a branch per byte made it the hottest function on entry-dense layers).
  const u = unsignedHeaderSum(b);
  if (stored === u) return true;
  // Some old tars (Sun, early GNU) summed signed bytes: each byte ≥ 0x80 counts 256 less.
  let high = 0;
  for (let i = 0; i < BLOCK_SIZE; i++) if (i < 148 || i >= 156) high += b[i]! >>> 7;
  return stored === u - 256 * high;
}

/**
 * Unsigned byte sum of a header with the checksum field (bytes 148–155) counted as
 * spaces. When the block is 4-byte aligned (always, for blocks cut from a read
 * window) four bytes are added per step in two 16-bit lanes (SWAR): per lane at most
 * 128 × 2 × 255 = 65,280, so nothing carries across lanes. ~3× faster than a byte loop.
 */
function unsignedHeaderSum(b: Uint8Array): number {
  let u = 8 * 0x20;
  if ((b.byteOffset & 3) === 0 && b.length >= BLOCK_SIZE) {
    const w = new Uint32Array(b.buffer, b.byteOffset, BLOCK_SIZE / 4);
    let acc = 0;
    // words 37 and 38 are the checksum field (148 / 4 = 37, 156 / 4 = 39)
    for (let i = 0; i < 37; i++) {
      const x = w[i]!;
      acc = (acc + (x & 0x00ff00ff) + ((x >>> 8) & 0x00ff00ff)) | 0;
    }
    for (let i = 39; i < BLOCK_SIZE / 4; i++) {
      const x = w[i]!;
      acc = (acc + (x & 0x00ff00ff) + ((x >>> 8) & 0x00ff00ff)) | 0;
    }
    return u + (acc & 0xffff) + (acc >>> 16);
  }
  for (let i = 0; i < 148; i++) u += b[i]!;
  for (let i = 156; i < BLOCK_SIZE; i++) u += b[i]!;
  return u;
}

function roundUp(n: number): number {
  return Math.ceil(n / BLOCK_SIZE) * BLOCK_SIZE;
}

/**
 * Normalizes an archive path: strips leading `/` and `./`, resolves `.`/`..` against
 * the archive root without climbing above it, drops trailing `/`. `''` is the root.
 * `unsafe` reports an absolute path or a `..` that tried to climb out.
 */
export function normalizeTarPath(p: string): { path: string; unsafe: boolean } {
  // Fast path: already canonical (the overwhelming majority of layer entries).
  if (p.length > 0 && !SLOW_PATH_RE.test(p)) return { path: p, unsafe: false };
  const unsafeAbs = p.startsWith('/');
  let unsafe = unsafeAbs;
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) unsafe = true;
      else out.pop();
      continue;
    }
    out.push(seg);
  }
  return { path: out.join('/'), unsafe };
}
const SLOW_PATH_RE = /(^|\/)\.{1,2}(\/|$)|^\/|\/\/|\/$/;

/**
 * PAX records: "<len> <key>=<value>\n", len counting the whole record in decimal
 * [pax(1), "pax Extended Header"]. Values are byte strings (binary xattrs happen).
 * An empty value deletes the keyword (meaningful for global headers).
 */
function parsePax(data: Uint8Array, into: Map<string, Uint8Array>, offset: number, layer: number | undefined): void {
  let i = 0;
  while (i < data.length) {
    // Some writers pad the payload with NULs.
    if (data[i] === 0) break;
    let len = 0;
    let j = i;
    while (j < data.length && data[j]! >= 0x30 && data[j]! <= 0x39) {
      len = len * 10 + (data[j]! - 0x30);
      j++;
      if (len > data.length) break;
    }
    if (j === i || data[j] !== 0x20 || len <= j - i + 1 || i + len > data.length || data[i + len - 1] !== 0x0a) {
      throw new LayerscopeError('BAD_PAX', 'malformed PAX extended header record', { offset, layer });
    }
    const recEnd = i + len - 1; // index of '\n'
    let eq = j + 1;
    while (eq < recEnd && data[eq] !== 0x3d) eq++;
    if (eq >= recEnd) throw new LayerscopeError('BAD_PAX', 'PAX record without "="', { offset, layer });
    const key = decodeName(data.subarray(j + 1, eq));
    const value = data.slice(eq + 1, recEnd);
    if (value.length === 0) into.delete(key);
    else into.set(key, value);
    i += len;
  }
}

function paxString(v: Uint8Array): string {
  return decodeName(v);
}

function paxNumber(v: Uint8Array | undefined): number | undefined {
  if (!v) return undefined;
  const n = Number(latin1(v));
  return Number.isFinite(n) ? n : undefined;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_REV = (() => {
  const t = new Int16Array(256).fill(-1);
  for (let i = 0; i < 64; i++) t[B64.charCodeAt(i)] = i;
  return t;
})();

/** libarchive writes LIBARCHIVE.xattr.* values base64-encoded (archive_write_set_format_pax.c). */
function base64Decode(v: Uint8Array): Uint8Array | null {
  const out = new Uint8Array(Math.floor((v.length * 3) / 4) + 3);
  let n = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (c === 0x3d) break; // '='
    const d = B64_REV[c]!;
    if (d < 0) return null;
    acc = (acc << 6) | d;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  return out.slice(0, n);
}

/** libarchive URL-encodes xattr names in LIBARCHIVE.xattr.<name>. */
function urlDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Push-driven tar parser. Feed bytes with push() (any chunking), then call end().
 */
export class TarParser {
  private readonly h: TarHandlers;
  private readonly layer: number | undefined;
  private state = ST_HEADER;
  private pos = 0;
  private readonly hdr = new Uint8Array(BLOCK_SIZE);
  private hdrLen = 0;

  // Extension payload being collected.
  private extBuf: Uint8Array | null = null;
  private extLen = 0;
  private extType = 0;
  private extOffset = 0;

  // Pending extension state for the next entry.
  private paxLocal: Map<string, Uint8Array> | null = null;
  private readonly paxGlobal = new Map<string, Uint8Array>();
  private longName: Uint8Array | null = null;
  private longLink: Uint8Array | null = null;
  private firstHeaderOffset = -1;

  // Current entry's data.
  private entry: TarEntry | null = null;
  private deliver = false;
  private remaining = 0;
  private dataPos = 0;
  private dataLen = 0;

  private _finished = false;

  constructor(h: TarHandlers, opts: TarOptions = {}) {
    this.h = h;
    this.layer = opts.layer;
  }

  /** Bytes consumed so far (= offset in the tar stream of the next byte). */
  get bytesConsumed(): number {
    return this.pos;
  }

  /** True once the end-of-archive marker (a zero block) has been read. */
  get finished(): boolean {
    return this._finished;
  }

  push(chunk: Uint8Array): void {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      switch (this.state) {
        case ST_HEADER:
        case ST_SPARSE_EXT: {
          const take = Math.min(BLOCK_SIZE - this.hdrLen, n - i);
          this.hdr.set(chunk.subarray(i, i + take), this.hdrLen);
          this.hdrLen += take;
          i += take;
          this.pos += take;
          if (this.hdrLen === BLOCK_SIZE) {
            this.hdrLen = 0;
            if (this.state === ST_HEADER) this.onHeader(this.hdr, this.pos - BLOCK_SIZE);
            else this.onSparseExt(this.hdr);
          }
          break;
        }
        case ST_EXT_DATA: {
          const take = Math.min(this.remaining, n - i);
          const buf = this.extBuf!;
          if (this.extLen < buf.length) {
            const keep = Math.min(take, buf.length - this.extLen);
            buf.set(chunk.subarray(i, i + keep), this.extLen);
            this.extLen += keep;
          }
          i += take;
          this.pos += take;
          this.remaining -= take;
          if (this.remaining === 0) this.finishExt();
          break;
        }
        case ST_DATA: {
          const take = Math.min(this.remaining, n - i);
          if (this.deliver && this.h.onData) this.h.onData(this.entry!, chunk.subarray(i, i + take), this.dataPos);
          this.dataPos += take;
          i += take;
          this.pos += take;
          this.remaining -= take;
          if (this.remaining === 0) this.afterData();
          break;
        }
        case ST_PADDING: {
          const take = Math.min(this.remaining, n - i);
          i += take;
          this.pos += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = ST_HEADER;
          break;
        }
        default:
          // ST_DONE: bytes after the end-of-archive marker are ignored (GNU tar does the same).
          this.pos += n - i;
          i = n;
      }
    }
  }

  /** Signals the end of input. Throws TRUNCATED if the stream stopped inside a record. */
  end(): void {
    if (this.state === ST_DONE) return;
    if (this.state === ST_HEADER && this.hdrLen === 0 && this.firstHeaderOffset < 0) {
      // Missing end-of-archive blocks at an entry boundary: accepted (many writers omit them).
      this._finished = true;
      this.state = ST_DONE;
      return;
    }
    const what = this.entry && (this.state === ST_DATA || this.state === ST_PADDING) ? `inside the data of "${this.entry.path}"` : 'inside a header';
    throw new LayerscopeError('TRUNCATED', `tar stream ends ${what}`, { offset: this.pos, layer: this.layer });
  }

  // --- internal hooks used by scanTarBlob (scan.ts) ---

  /** Bytes that may be skipped without being pushed (data nobody asked for, padding). */
  skippable(): number {
    if (this.state === ST_PADDING) return this.remaining;
    if (this.state === ST_DATA && !this.deliver) return this.remaining;
    return 0;
  }

  /** Bytes the parser needs before its next state change. */
  wanted(): number {
    switch (this.state) {
      case ST_HEADER:
      case ST_SPARSE_EXT:
        return BLOCK_SIZE - this.hdrLen;
      case ST_EXT_DATA:
      case ST_DATA:
      case ST_PADDING:
        return this.remaining;
      default:
        return 0;
    }
  }

  /** True when the next byte starts a header block. */
  atHeader(): boolean {
    return this.state === ST_HEADER && this.hdrLen === 0;
  }

  /** Skips n bytes (n <= skippable()). */
  skip(n: number): void {
    if (n <= 0) return;
    this.remaining -= n;
    this.pos += n;
    if (this.state === ST_DATA) this.dataPos += n;
    if (this.remaining === 0) {
      if (this.state === ST_DATA) this.afterData();
      else this.state = ST_HEADER;
    }
  }

  // --- header handling ---

  private warn(code: string, message: string, offset: number): void {
    this.h.onWarning?.({ code, message, offset, layer: this.layer });
  }

  private onHeader(b: Uint8Array, off: number): void {
    if (isZeroBlock(b)) {
      // End of archive (POSIX: two zero blocks; GNU tar stops at the first one too).
      this.state = ST_DONE;
      this._finished = true;
      return;
    }
    if (!checksumOk(b)) {
      throw new LayerscopeError('BAD_HEADER', 'tar header checksum mismatch (not a tar, or corrupt)', {
        offset: off,
        layer: this.layer,
      });
    }
    const type = b[156]!;
    const size = parseNumeric(b, 124, 12);
    if (!Number.isFinite(size) || size < 0) {
      throw new LayerscopeError('BAD_HEADER', 'tar header has an invalid size field', { offset: off, layer: this.layer });
    }
    if (type === T_PAX || type === T_PAX_SOLARIS || type === T_PAX_GLOBAL || type === T_GNU_LONGNAME || type === T_GNU_LONGLINK) {
      const limit = type === T_GNU_LONGNAME || type === T_GNU_LONGLINK ? MAX_LONG_NAME_SIZE : MAX_PAX_HEADER_SIZE;
      if (size > limit) {
        throw new LayerscopeError('LIMIT', `tar extension header of ${size} bytes exceeds the ${limit}-byte limit`, {
          offset: off,
          layer: this.layer,
        });
      }
      if (type !== T_PAX_GLOBAL && this.firstHeaderOffset < 0) this.firstHeaderOffset = off;
      this.extType = type;
      this.extOffset = off;
      this.extBuf = new Uint8Array(size);
      this.extLen = 0;
      this.remaining = roundUp(size);
      if (this.remaining === 0) this.finishExt();
      else this.state = ST_EXT_DATA;
      return;
    }
    this.buildEntry(b, off, type, size);
  }

  private finishExt(): void {
    const data = this.extBuf!;
    this.extBuf = null;
    this.state = ST_HEADER;
    switch (this.extType) {
      case T_PAX_GLOBAL:
        parsePax(data, this.paxGlobal, this.extOffset, this.layer);
        break;
      case T_GNU_LONGNAME:
        this.longName = cfield(data, 0, data.length);
        break;
      case T_GNU_LONGLINK:
        this.longLink = cfield(data, 0, data.length);
        break;
      default:
        if (!this.paxLocal) this.paxLocal = new Map();
        parsePax(data, this.paxLocal, this.extOffset, this.layer);
    }
  }

  /** The last uname/gname field bytes and their string: nearly every entry of a layer says "root". */
  private ownerCache: [Uint8Array, string][] = [
    [new Uint8Array(0), ''],
    [new Uint8Array(0), ''],
  ];

  /** A 32-byte uname (which 0) or gname (which 1) field, decoded once per distinct value in a row. */
  private ownerName(b: Uint8Array, off: number, which: 0 | 1): string {
    const raw = cfield(b, off, 32);
    const cached = this.ownerCache[which]!;
    const prev = cached[0];
    if (prev.length === raw.length) {
      let same = true;
      for (let i = 0; i < raw.length; i++) {
        if (prev[i] !== raw[i]) {
          same = false;
          break;
        }
      }
      if (same) return cached[1];
    }
    const str = decodeName(raw);
    this.ownerCache[which] = [raw.slice(), str];
    return str;
  }

  private buildEntry(b: Uint8Array, off: number, type: number, headerSize: number): void {
    const magic0 = b[257] === 0x75 && b[258] === 0x73 && b[259] === 0x74 && b[260] === 0x61 && b[261] === 0x72; // "ustar"
    const fmt = !magic0 ? FMT_V7 : b[262] === 0 ? FMT_USTAR : b[262] === 0x20 && b[263] === 0x20 ? FMT_GNU : FMT_USTAR;

    const local = this.paxLocal;
    const global = this.paxGlobal;
    // Most entries have no PAX records at all: skip the ~15 map lookups below for them.
    const pax =
      (local !== null && local.size > 0) || global.size > 0
        ? (k: string): Uint8Array | undefined => local?.get(k) ?? global.get(k)
        : (_k: string): Uint8Array | undefined => undefined;

    // Path: PAX path > GNU long name > ustar prefix/name > name.
    let rawPath: string;
    const pPath = pax('GNU.sparse.name') ?? pax('path');
    if (pPath) rawPath = paxString(pPath);
    else if (this.longName) rawPath = decodeName(this.longName);
    else {
      const name = cfield(b, 0, 100);
      if (fmt === FMT_USTAR && b[345] !== 0) {
        rawPath = decodeName(cfield(b, 345, 155)) + '/' + decodeName(name);
      } else rawPath = decodeName(name);
    }

    let kind: EntryKind;
    let headerOnly = false;
    let sparse = false;
    switch (type) {
      case T_REG:
      case T_AREG:
        // Pre-POSIX tars marked directories only by a trailing slash.
        kind = rawPath.endsWith('/') ? EntryKind.Dir : EntryKind.File;
        if (kind === EntryKind.Dir) headerOnly = true;
        break;
      case T_CONT:
        kind = EntryKind.File;
        break;
      case T_LINK:
        kind = EntryKind.Hardlink;
        headerOnly = true;
        break;
      case T_SYM:
        kind = EntryKind.Symlink;
        headerOnly = true;
        break;
      case T_CHR:
        kind = EntryKind.Char;
        headerOnly = true;
        break;
      case T_BLK:
        kind = EntryKind.Block;
        headerOnly = true;
        break;
      case T_DIR:
        kind = EntryKind.Dir;
        headerOnly = true;
        break;
      case T_FIFO:
        kind = EntryKind.Fifo;
        headerOnly = true;
        break;
      case T_GNU_DUMPDIR:
        // GNU incremental directory: its data is a dumpdir listing, skipped.
        kind = EntryKind.Dir;
        break;
      case T_GNU_SPARSE:
        kind = EntryKind.File;
        sparse = true;
        break;
      default:
        kind = EntryKind.Other;
    }

    // Data length in the stream. Types that never carry data ignore the size field
    // (as Go's archive/tar does: a hardlink's size may describe its target).
    const paxSize = paxNumber(pax('size'));
    const dataLen = headerOnly ? 0 : (paxSize ?? headerSize);
    if (!Number.isSafeInteger(dataLen) || dataLen < 0) {
      throw new LayerscopeError('BAD_HEADER', 'tar entry has an invalid size', { offset: off, layer: this.layer });
    }
    let size = kind === EntryKind.File || kind === EntryKind.Other ? dataLen : 0;

    // PAX GNU sparse (0.0/0.1: GNU.sparse.size; 1.0: GNU.sparse.realsize) [GNU tar manual, "Storing Sparse Files"].
    const sparseReal = paxNumber(pax('GNU.sparse.realsize')) ?? paxNumber(pax('GNU.sparse.size'));
    if (sparseReal !== undefined || pax('GNU.sparse.major') || pax('GNU.sparse.map')) {
      sparse = true;
      if (sparseReal !== undefined && sparseReal >= 0) size = sparseReal;
    }
    let needSparseExt = false;
    if (type === T_GNU_SPARSE) {
      // Old GNU sparse: realsize at 483, isextended at 482 (GNU tar.h, struct oldgnu_header).
      const real = parseNumeric(b, 483, 12);
      if (Number.isFinite(real) && real >= 0) size = real;
      needSparseExt = b[482] !== 0;
    }

    const num = (k: string, o: number, l: number): number => {
      const p = paxNumber(pax(k));
      if (p !== undefined) return p;
      const v = parseNumeric(b, o, l);
      return Number.isFinite(v) ? v : 0;
    };
    const modeV = parseNumeric(b, 100, 8);

    let linkname: string;
    const pLink = pax('linkpath');
    if (pLink) linkname = paxString(pLink);
    else if (this.longLink) linkname = decodeName(this.longLink);
    else linkname = decodeName(cfield(b, 157, 100));

    // Device numbers mean something for character and block devices only (POSIX ustar).
    const isDevice = kind === EntryKind.Char || kind === EntryKind.Block;
    const norm = normalizeTarPath(rawPath);
    const headerOffset = this.firstHeaderOffset >= 0 ? this.firstHeaderOffset : off;
    if (norm.unsafe) this.warn('UNSAFE_PATH', `unsafe path "${rawPath}" (absolute or escapes the root)`, headerOffset);
    if (kind === EntryKind.Hardlink) {
      const ln = normalizeTarPath(linkname);
      if (ln.unsafe) this.warn('UNSAFE_PATH', `unsafe hardlink target "${linkname}"`, headerOffset);
      linkname = ln.path;
    }

    let xattrs: Record<string, Uint8Array> | null = null;
    const addX = (m: Map<string, Uint8Array>) => {
      for (const [k, v] of m) {
        if (k.startsWith('SCHILY.xattr.')) {
          xattrs ??= {};
          xattrs[k.slice(13)] = v;
        } else if (k.startsWith('LIBARCHIVE.xattr.')) {
          xattrs ??= {};
          xattrs[urlDecode(k.slice(17))] = base64Decode(v) ?? v;
        }
      }
    };
    if (global.size) addX(global);
    if (local) addX(local);

    const entry: TarEntry = {
      path: norm.path,
      kind,
      size,
      mode: Number.isFinite(modeV) ? modeV & 0o7777 : 0,
      uid: num('uid', 108, 8),
      gid: num('gid', 116, 8),
      mtime: num('mtime', 136, 12),
      linkname,
      uname: pax('uname') ? paxString(pax('uname')!) : fmt !== FMT_V7 ? this.ownerName(b, 265, 0) : '',
      gname: pax('gname') ? paxString(pax('gname')!) : fmt !== FMT_V7 ? this.ownerName(b, 297, 1) : '',
      devmajor: fmt !== FMT_V7 && isDevice ? num('SCHILY.devmajor', 329, 8) : 0,
      devminor: fmt !== FMT_V7 && isDevice ? num('SCHILY.devminor', 337, 8) : 0,
      xattrs,
      headerOffset,
      dataOffset: off + BLOCK_SIZE,
      storedSize: roundUp(dataLen),
      sparse,
    };

    // Reset per-entry extension state.
    this.paxLocal = null;
    this.longName = null;
    this.longLink = null;
    this.firstHeaderOffset = -1;

    this.entry = entry;
    this.dataLen = dataLen;
    this.remaining = dataLen;
    if (needSparseExt) {
      this.state = ST_SPARSE_EXT;
      return;
    }
    this.startData();
  }

  /** GNU old sparse: each extension block holds 21 (offset, numbytes) pairs and isextended at 504. */
  private onSparseExt(b: Uint8Array): void {
    this.entry!.dataOffset += BLOCK_SIZE;
    if (b[504] === 0) this.startData();
  }

  private startData(): void {
    const e = this.entry!;
    const want = this.h.onEntry(e);
    this.deliver = want === true;
    this.dataPos = 0;
    if (this.remaining > 0) this.state = ST_DATA;
    else this.afterData();
  }

  private afterData(): void {
    // Data is padded with zeros to a whole block (ustar).
    const pad = roundUp(this.dataLen) - this.dataLen;
    if (pad > 0) {
      this.remaining = pad;
      this.state = ST_PADDING;
    } else {
      this.state = ST_HEADER;
    }
  }
}
