/**
 * Tar reader, written as an explicit state machine (in the manner of perfetto's
 * UI tar reader) so that the same code serves:
 *   - `TarParser.push()`: a byte stream cut at arbitrary boundaries (decompressed layers),
 *   - `scanTarBlob()`: random access over an uncompressed Blob, reading headers only
 *     and skipping file data by offset,
 *   - `readTarStream()`: a ReadableStream driver.
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

/**
 * `scanTarBlob` reads the blob in windows and parses every header that falls inside
 * the current window before reading again. Each `Blob.slice().arrayBuffer()` costs a
 * fixed overhead (≈0.1–0.5 ms in Node 20, a thread-pool round trip) plus copying,
 * so the window size adapts to how far apart headers are:
 *   - headers dense (mean spacing < SCAN_DENSE_SPACING): read SCAN_WINDOW_SIZE
 *     sequential windows, each covering many headers (one read per ≥ 4 headers);
 *   - headers sparse (big files): read SCAN_JUMP_WINDOW_SIZE at each header, which
 *     holds the header plus a typical PAX header, without copying much file data.
 */
export const SCAN_WINDOW_SIZE = 1024 * 1024;
export const SCAN_JUMP_WINDOW_SIZE = 4 * 1024;
export const SCAN_DENSE_SPACING = SCAN_WINDOW_SIZE / 4;
/**
 * With cheap reads (a pread), headers closer together than SCAN_JUMP_WINDOW_SIZE are
 * read this much at a time: a layer of 300k empty files otherwise costs 37k preads
 * of 4 KiB (~9 µs each, ~0.34 s); 64 KiB windows need 2.3k.
 */
export const SCAN_CHEAP_DENSE_WINDOW_SIZE = 64 * 1024;

export interface TarHandlers {
  /** Called once per entry, in stream order. Return true to receive this entry's data via onData. */
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
    if (b[i] >= 0x80) {
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
  const first = b[off];
  if (first & 0x80) {
    const inv = first & 0x40 ? 0xff : 0;
    let v = 0;
    for (let i = 0; i < len; i++) {
      let c = b[off + i] ^ inv;
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
    const c = b[i];
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
function checksumOk(b: Uint8Array): boolean {
  const stored = parseNumeric(b, 148, 8);
  if (!Number.isFinite(stored)) return false;
  // POSIX: the sum of the header's bytes as unsigned, with the checksum field itself
  // counted as 8 spaces. Summed in two straight runs around the field (this runs once
  // per entry: a branch per byte made it the hottest function on entry-dense layers).
  const u = unsignedHeaderSum(b);
  if (stored === u) return true;
  // Some old tars (Sun, early GNU) summed signed bytes: each byte ≥ 0x80 counts 256 less.
  let high = 0;
  for (let i = 0; i < BLOCK_SIZE; i++) if (i < 148 || i >= 156) high += b[i] >>> 7;
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
      const x = w[i];
      acc = (acc + (x & 0x00ff00ff) + ((x >>> 8) & 0x00ff00ff)) | 0;
    }
    for (let i = 39; i < BLOCK_SIZE / 4; i++) {
      const x = w[i];
      acc = (acc + (x & 0x00ff00ff) + ((x >>> 8) & 0x00ff00ff)) | 0;
    }
    return u + (acc & 0xffff) + (acc >>> 16);
  }
  for (let i = 0; i < 148; i++) u += b[i];
  for (let i = 156; i < BLOCK_SIZE; i++) u += b[i];
  return u;
}

function roundUp(n: number): number {
  return Math.ceil(n / BLOCK_SIZE) * BLOCK_SIZE;
}

/**
 * Normalises an archive path: strips leading `/` and `./`, resolves `.`/`..` against
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
    while (j < data.length && data[j] >= 0x30 && data[j] <= 0x39) {
      len = len * 10 + (data[j] - 0x30);
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
    const c = v[i];
    if (c === 0x3d) break; // '='
    const d = B64_REV[c];
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

  // --- internal hooks used by scanTarBlob (same package) ---

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
    const type = b[156];
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
    const cached = this.ownerCache[which];
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
    let dataLen = headerOnly ? 0 : (paxSize ?? headerSize);
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
          (xattrs ??= {})[k.slice(13)] = v;
        } else if (k.startsWith('LIBARCHIVE.xattr.')) {
          (xattrs ??= {})[urlDecode(k.slice(17))] = base64Decode(v) ?? v;
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

/**
 * Random-access byte source. A Blob is one (see `blobSource`); in Node a file
 * descriptor source using `fs.readSync` is ~10× cheaper per read than
 * `Blob.slice().arrayBuffer()` (no thread-pool round trip), which matters when a
 * layer has tens of thousands of entries. `read` may return synchronously.
 */
export interface ByteSource {
  readonly size: number;
  read(start: number, end: number): Uint8Array | Promise<Uint8Array>;
  /**
   * Reads cost microseconds and no round trip (a pread): `scanTarBlob` then reads
   * SCAN_JUMP_WINDOW_SIZE at each header (SCAN_CHEAP_DENSE_WINDOW_SIZE where headers
   * are dense) instead of copying whole 1 MiB windows of file data it skips anyway
   * (on the 894 MB benchmark image: ~60 MB copied instead of ~300 MB).
   */
  readonly cheapReads?: boolean;
  /**
   * Reads are served from one forward stream (blobStreamSource): `scanTarBlob` does
   * not prefetch (the stream already reads ahead) and asks for small windows (the
   * bytes are in memory already; larger windows only copy more).
   */
  readonly sequential?: boolean;
}

/** Random access by `Blob.slice().arrayBuffer()`: one round trip per read. */
export function blobSource(blob: Blob): ByteSource {
  return { size: blob.size, read: (start, end) => readRange(blob, start, end) };
}

/**
 * A gap (bytes of file data between the current stream position and the next
 * header) beyond which `blobStreamSource` starts a new stream at the header
 * instead of reading through. Measured in Chromium on the 2-core dev machine: a
 * new `Blob.slice(p).stream()` delivers its first chunk after ~6 ms, and a running
 * stream delivers 200–400 MB/s, i.e. 1.2–2.4 MB in the same time. On the 894 MB
 * benchmark image, gaps from 256 KiB to 16 MiB all scanned in 0.8–1.5 s (noise of the
 * 2-core machine); 1 MiB was among the fastest and wastes the least on a slow disk.
 */
export const STREAM_RESTART_GAP = 1024 * 1024;

/**
 * Window asked of a sequential source: a header plus a typical PAX record, and
 * several headers where files are small. Bytes come from chunks already in memory,
 * so a larger window would only copy more.
 */
export const SCAN_STREAM_WINDOW_SIZE = 64 * 1024;

/**
 * Forward reads of a Blob through `Blob.stream()`, restarting the stream past
 * large gaps (STREAM_RESTART_GAP). Why: in Chromium every `slice().arrayBuffer()`
 * is a browser-process round trip of ~2–3 ms whatever its size (measured: 4 KiB
 * reads 2.1–3.2 ms each, 1 MiB slices ~80 MB/s), while a stream delivers
 * 200–400 MB/s. A tar's headers are read in order, so one stream serves them all;
 * a read behind the stream position also restarts it (only after a corrupt
 * header, never in a normal scan). Reads are serialised: one stream, one reader.
 */
export function blobStreamSource(blob: Blob): ByteSource {
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  let chunk: Uint8Array = new Uint8Array(0);
  let chunkStart = 0; // blob offset of chunk[0]
  let ended = false;
  let queue: Promise<unknown> = Promise.resolve();
  const restart = (at: number) => {
    reader?.cancel().catch(() => {});
    reader = (blob.slice(at).stream() as ReadableStream<Uint8Array>).getReader();
    chunk = new Uint8Array(0);
    chunkStart = at;
    ended = false;
  };
  const nextChunk = async (): Promise<boolean> => {
    if (ended) return false;
    let r: ReadableStreamReadResult<Uint8Array>;
    try {
      r = await reader!.read();
    } catch (e) {
      throw new LayerscopeError('IO', 'could not read the file', { offset: chunkStart + chunk.length, cause: e });
    }
    if (r.done) {
      ended = true;
      return false;
    }
    chunkStart += chunk.length;
    chunk = r.value;
    return true;
  };
  const doRead = async (start: number, end: number): Promise<Uint8Array> => {
    end = Math.min(end, blob.size);
    if (start >= end) return new Uint8Array(0);
    if (!reader || start < chunkStart || start - (chunkStart + chunk.length) > STREAM_RESTART_GAP) restart(start);
    // Drop whole chunks before `start` (the file data being skipped).
    while (chunkStart + chunk.length <= start) if (!(await nextChunk())) return new Uint8Array(0);
    if (chunkStart + chunk.length >= end) return chunk.subarray(start - chunkStart, end - chunkStart);
    const out = new Uint8Array(end - start);
    let got = 0;
    for (;;) {
      const from = start + got - chunkStart;
      const n = Math.min(chunk.length - from, out.length - got);
      out.set(chunk.subarray(from, from + n), got);
      got += n;
      if (got === out.length || !(await nextChunk())) break;
    }
    return got === out.length ? out : out.subarray(0, got);
  };
  return {
    size: blob.size,
    sequential: true,
    read(start, end) {
      const p = queue.then(() => doRead(start, end));
      queue = p.catch(() => {});
      return p;
    },
  };
}

function isBlob(x: Blob | ByteSource): x is Blob {
  return typeof (x as Blob).slice === 'function' && typeof (x as ByteSource).read !== 'function';
}

export interface ScanTarOptions {
  signal?: AbortSignal;
  onProgress?(bytesRead: number, bytesTotal: number): void;
  layer?: number;
}

function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new LayerscopeError('CANCELLED', 'cancelled');
}

/**
 * Random-access scan of an UNCOMPRESSED tar Blob (or ByteSource): reads headers
 * only, skipping file data by offset. onData is never called (read data by `dataOffset`).
 */
export async function scanTarBlob(input: Blob | ByteSource, h: TarHandlers, opts: ScanTarOptions = {}): Promise<{ tarSize: number }> {
  const src = isBlob(input) ? blobStreamSource(input) : input;
  const total = src.size;
  // Wrap onEntry so that no data delivery is requested.
  const parser = new TarParser({ onEntry: (e) => void h.onEntry(e), onWarning: h.onWarning ? (w) => h.onWarning!(w) : undefined }, { layer: opts.layer });
  let win: Uint8Array = new Uint8Array(0);
  let winStart = 0;
  let pos = 0;
  let lastProgress = 0;
  // Exponential moving average of the distance between consecutive headers.
  let spacing = 0;
  let lastHeaderPos = -1;
  let prefetch: { start: number; end: number; data: Promise<Uint8Array> } | null = null;
  while (!parser.finished) {
    const skip = parser.skippable();
    if (skip > 0) {
      const n = Math.min(skip, total - pos);
      parser.skip(n);
      pos += n;
      if (n < skip) break; // truncated: end() reports it
      continue;
    }
    const want = parser.wanted();
    if (pos >= total) break;
    let inWin = pos - winStart;
    if (inWin < 0 || inWin >= win.length) {
      checkAbort(opts.signal);
      const size = Math.max(want, scanWindowSize(src, spacing));
      if (prefetch && prefetch.start <= pos && pos < prefetch.end && pos + want <= prefetch.end) {
        win = await prefetch.data;
        winStart = prefetch.start;
      } else {
        win = await src.read(pos, Math.min(total, pos + size));
        winStart = pos;
      }
      prefetch = null;
      if (win.length === 0)
        throw new LayerscopeError('IO', 'the file ended before its stated size (changed while being read?)', { offset: pos, layer: opts.layer });
      inWin = pos - winStart;
      // Dense headers from a slow random-access source (slices): the next window will be
      // needed; read it while this one is parsed. A stream reads ahead by itself, and a
      // pread costs next to nothing.
      const nextStart = winStart + win.length;
      const readAhead = !src.cheapReads && !src.sequential && spacing < SCAN_DENSE_SPACING;
      if (readAhead && nextStart < total) {
        const nextEnd = Math.min(total, nextStart + SCAN_WINDOW_SIZE);
        prefetch = { start: nextStart, end: nextEnd, data: Promise.resolve(src.read(nextStart, nextEnd)) };
        prefetch.data.catch(() => {}); // errors surface when (if) it is awaited
      }
      if (opts.onProgress && pos - lastProgress >= PROGRESS_STEP) {
        lastProgress = pos;
        opts.onProgress(pos, total);
      }
    }
    if (parser.atHeader()) {
      if (lastHeaderPos >= 0) spacing = spacing === 0 ? pos - lastHeaderPos : spacing * 0.75 + (pos - lastHeaderPos) * 0.25;
      lastHeaderPos = pos;
    }
    const n = Math.min(want, win.length - inWin);
    parser.push(win.subarray(inWin, inWin + n));
    pos += n;
  }
  parser.end();
  opts.onProgress?.(total, total);
  return { tarSize: total };
}

/** How much `scanTarBlob` reads at a time from `src`, given the mean distance between headers so far. */
function scanWindowSize(src: ByteSource, spacing: number): number {
  if (src.sequential) return SCAN_STREAM_WINDOW_SIZE;
  if (src.cheapReads) return spacing < SCAN_JUMP_WINDOW_SIZE ? SCAN_CHEAP_DENSE_WINDOW_SIZE : SCAN_JUMP_WINDOW_SIZE;
  return spacing < SCAN_DENSE_SPACING ? SCAN_WINDOW_SIZE : SCAN_JUMP_WINDOW_SIZE;
}

async function readRange(blob: Blob, start: number, end: number): Promise<Uint8Array> {
  try {
    return new Uint8Array(await blob.slice(start, end).arrayBuffer());
  } catch (e) {
    throw new LayerscopeError('IO', 'could not read the file', { offset: start, cause: e });
  }
}

/** scanTarBlob reports progress at most every 1 MiB of the blob (cheap, and smooth enough for a bar). */
const PROGRESS_STEP = 1024 * 1024;

/** Drives a TarParser from a ReadableStream (e.g. a decompressed layer). Drains the stream to its end. */
export async function readTarStream(
  stream: ReadableStream<Uint8Array>,
  h: TarHandlers,
  opts: { signal?: AbortSignal; layer?: number } = {},
): Promise<{ tarSize: number }> {
  const parser = new TarParser(h, { layer: opts.layer });
  const reader = stream.getReader();
  let total = 0;
  try {
    for (;;) {
      if (opts.signal?.aborted) {
        await reader.cancel().catch(() => {});
        throw new LayerscopeError('CANCELLED', 'cancelled');
      }
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      parser.push(value);
    }
  } catch (e) {
    await reader.cancel().catch(() => {});
    throw e;
  } finally {
    reader.releaseLock();
  }
  parser.end();
  return { tarSize: total };
}
