/**
 * Minimal tar WRITER: ustar headers (POSIX.1-1988, as kept by POSIX.1-2001
 * `pax`, "ustar Interchange Format") with pax extended headers (POSIX.1-2001,
 * "pax Interchange Format", typeflag `x`) for whatever ustar cannot hold:
 * long or non-ASCII names and link targets, numbers too big for their octal
 * fields, fractional or negative mtimes, long user/group names and xattrs.
 *
 * Used by the teaching features to build layers and `docker save` archives in
 * the page or the command line, so it is pure: Uint8Array in, Uint8Array out.
 * Whiteouts need no special kind: they are regular empty files named
 * `.wh.<name>` / `.wh..wh..opq` (OCI image-spec layer.md, "Whiteouts").
 */
import { LayerscopeError } from '../errors';

export type TarWriteKind = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';

export interface TarWriteEntry {
  /** Member name as stored (no normalization besides a trailing `/` added to directories; `''` or `.` for the root dir writes `./`). */
  path: string;
  kind: TarWriteKind;
  /** File contents ('file' only; other kinds have no data). */
  data?: Uint8Array;
  /** Permission bits incl. setuid/setgid/sticky (masked with 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch; may be fractional or negative (then written as a pax `mtime` record). */
  mtime: number;
  /** Symlink target (raw) or hardlink target (another member's name). */
  linkname?: string;
  uname?: string;
  gname?: string;
  /** Device numbers for 'char' and 'block'. */
  devmajor?: number;
  devminor?: number;
  /** Extended attributes, written as pax `SCHILY.xattr.<name>` records (the GNU tar / libarchive / Docker convention). */
  xattrs?: Record<string, Uint8Array | string>;
}

/** Tar works in 512-byte blocks (POSIX ustar: "Each file archived is represented by a header block … followed by zero or more blocks"). */
export const TAR_BLOCK = 512;
/**
 * End of archive: "two consecutive blocks of binary zeroes" (POSIX ustar).
 * We do not pad further to a 10240-byte record as GNU tar does: readers,
 * `docker load`, skopeo and sha256-based diff_ids do not need it, and layers
 * written by Go's archive/tar (Docker, BuildKit) do not have it either.
 */
const END_BLOCKS = 2;

/** ustar field widths (POSIX ustar header layout). */
const NAME_LEN = 100;
const PREFIX_LEN = 155;
const LINKNAME_LEN = 100;
const UGNAME_LEN = 32;
/** Largest value an octal field holds: width-1 digits (the last byte is a NUL). */
const MAX_OCTAL_8 = 0o7777777; // mode, uid, gid, devmajor, devminor (8-byte fields)
const MAX_OCTAL_12 = 0o77777777777; // size, mtime (12-byte fields): 8 GiB - 1

const TYPEFLAG: Record<TarWriteKind, string> = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  char: '3',
  block: '4',
  dir: '5',
  fifo: '6',
};
const PAX_TYPEFLAG = 'x';

const utf8 = new TextEncoder();

function isAscii(s: string): boolean {
  // Printable ASCII only: ustar fields are "from the portable filename character
  // set" in spirit; anything else goes to pax records, which are UTF-8 by definition.
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/** One pax record, `"%d %s=%s\n"` where the decimal length counts the whole record including itself (POSIX pax, "pax Extended Header"). */
function paxRecord(key: string, value: Uint8Array): Uint8Array {
  const body = utf8.encode(` ${key}=`);
  const rest = body.length + value.length + 1;
  let len = rest + 1;
  while (String(len).length + rest !== len) len = String(len).length + rest;
  const out = new Uint8Array(len);
  const lenBytes = utf8.encode(String(len));
  out.set(lenBytes, 0);
  out.set(body, lenBytes.length);
  out.set(value, lenBytes.length + body.length);
  out[len - 1] = 0x0a;
  return out;
}

function writeString(h: Uint8Array, off: number, len: number, s: string): void {
  const b = utf8.encode(s);
  h.set(b.subarray(0, len), off);
}

/** Octal digits right-aligned with leading zeros, NUL-terminated (ustar numeric fields). */
function writeOctal(h: Uint8Array, off: number, len: number, n: number): void {
  writeString(h, off, len - 1, n.toString(8).padStart(len - 1, '0'));
}

/** Split `name` into ustar prefix + name at a `/` (POSIX ustar: pathname = prefix + "/" + name), or null. */
function splitUstar(name: string): [string, string] | null {
  if (name.length <= NAME_LEN) return ['', name];
  if (name.length > PREFIX_LEN + 1 + NAME_LEN) return null;
  // Rightmost-fitting prefix leaves the shortest name; search from the left end of where it may start.
  for (let i = Math.max(0, name.length - NAME_LEN - 1); i <= Math.min(PREFIX_LEN, name.length - 1); i++) {
    if (name[i] !== '/') continue;
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (prefix.length > 0 && rest.length > 0 && prefix.length <= PREFIX_LEN && rest.length <= NAME_LEN) return [prefix, rest];
  }
  return null;
}

function checkNoNul(what: string, s: string, path: string): void {
  if (s.includes('\0')) throw new LayerscopeError('BAD_HEADER', `tar writer: ${what} of "${path.replace(/\0/g, '\\0')}" contains a NUL byte`);
}

function checkUint(what: string, n: number, path: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new LayerscopeError('BAD_HEADER', `tar writer: ${what} of "${path}" must be a non-negative integer, got ${n}`);
}

interface Planned {
  pax: Uint8Array | null;
  header: Uint8Array;
  data: Uint8Array | null;
}

function memberName(e: TarWriteEntry): string {
  if (e.kind !== 'dir') return e.path;
  if (e.path === '' || e.path === '.' || e.path === './') return './';
  return e.path.endsWith('/') ? e.path : `${e.path}/`;
}

function buildHeader(
  name: string,
  prefix: string,
  typeflag: string,
  mode: number,
  uid: number,
  gid: number,
  size: number,
  mtime: number,
  linkname: string,
  uname: string,
  gname: string,
  devmajor: number,
  devminor: number,
): Uint8Array {
  const h = new Uint8Array(TAR_BLOCK);
  writeString(h, 0, NAME_LEN, name);
  writeOctal(h, 100, 8, mode);
  writeOctal(h, 108, 8, uid);
  writeOctal(h, 116, 8, gid);
  writeOctal(h, 124, 12, size);
  writeOctal(h, 136, 12, mtime);
  h[156] = typeflag.charCodeAt(0);
  writeString(h, 157, LINKNAME_LEN, linkname);
  writeString(h, 257, 6, 'ustar\0'); // magic (POSIX ustar)
  writeString(h, 263, 2, '00'); // version
  writeString(h, 265, UGNAME_LEN, uname);
  writeString(h, 297, UGNAME_LEN, gname);
  writeOctal(h, 329, 8, devmajor);
  writeOctal(h, 337, 8, devminor);
  writeString(h, 345, PREFIX_LEN, prefix);
  // Checksum: sum of all header bytes as unsigned, with the checksum field taken
  // as eight spaces; stored as six octal digits, NUL, space (the historical layout all readers accept).
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < TAR_BLOCK; i++) sum += h[i]!;
  writeString(h, 148, 7, sum.toString(8).padStart(6, '0') + '\0');
  h[155] = 0x20;
  return h;
}

/** ASCII stand-in for a name that lives in a pax record (readers without pax support see this). */
function asciiFallback(s: string, max: number): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    out += c >= 0x20 && c <= 0x7e && ch.length === 1 ? ch : '_';
  }
  return out.length > max ? out.slice(out.length - max) : out;
}

/**
 * `size`: for a 'file' whose data the caller streams itself (memberHeader):
 * the header says `size` bytes follow, and no data is planned.
 */
function planEntry(e: TarWriteEntry, size_?: number): Planned {
  const name = memberName(e);
  if (name === '') throw new LayerscopeError('BAD_HEADER', 'tar writer: empty member name');
  checkNoNul('path', name, name);
  const linkname = e.linkname ?? '';
  checkNoNul('link target', linkname, name);
  if ((e.kind === 'symlink' || e.kind === 'hardlink') && linkname === '') {
    throw new LayerscopeError('BAD_HEADER', `tar writer: ${e.kind} "${name}" needs a linkname`);
  }
  const data = e.kind === 'file' && size_ === undefined ? (e.data ?? new Uint8Array(0)) : null;
  if (e.kind !== 'file' && e.data && e.data.length > 0) {
    throw new LayerscopeError('BAD_HEADER', `tar writer: ${e.kind} "${name}" cannot carry data`);
  }
  const size = data ? data.length : e.kind === 'file' ? (size_ ?? 0) : 0;
  const mode = e.mode & 0o7777;
  checkUint('uid', e.uid, name);
  checkUint('gid', e.gid, name);
  const devmajor = e.devmajor ?? 0;
  const devminor = e.devminor ?? 0;
  checkUint('devmajor', devmajor, name);
  checkUint('devminor', devminor, name);
  if (devmajor > MAX_OCTAL_8 || devminor > MAX_OCTAL_8) {
    // pax defines no standard key for device numbers; no real device needs more than 21 bits.
    throw new LayerscopeError('LIMIT', `tar writer: device number of "${name}" exceeds the ustar field`);
  }
  if (!Number.isFinite(e.mtime)) throw new LayerscopeError('BAD_HEADER', `tar writer: mtime of "${name}" is not a number`);
  const uname = e.uname ?? '';
  const gname = e.gname ?? '';
  checkNoNul('uname', uname, name);
  checkNoNul('gname', gname, name);

  const records: Uint8Array[] = [];
  const rec = (k: string, v: string | Uint8Array) => records.push(paxRecord(k, typeof v === 'string' ? utf8.encode(v) : v));

  let hName: string;
  let hPrefix = '';
  const split = isAscii(name) ? splitUstar(name) : null;
  if (split) {
    [hPrefix, hName] = split;
  } else {
    rec('path', name);
    hName = asciiFallback(name, NAME_LEN);
  }
  let hLink = linkname;
  if (!isAscii(linkname) || linkname.length > LINKNAME_LEN) {
    rec('linkpath', linkname);
    hLink = asciiFallback(linkname, LINKNAME_LEN);
  }
  let hUid = e.uid;
  if (e.uid > MAX_OCTAL_8) {
    rec('uid', String(e.uid));
    hUid = 0;
  }
  let hGid = e.gid;
  if (e.gid > MAX_OCTAL_8) {
    rec('gid', String(e.gid));
    hGid = 0;
  }
  let hSize = size;
  if (size > MAX_OCTAL_12) {
    rec('size', String(size));
    hSize = 0;
  }
  let hMtime = e.mtime;
  if (!Number.isInteger(e.mtime) || e.mtime < 0 || e.mtime > MAX_OCTAL_12) {
    rec('mtime', formatPaxTime(e.mtime));
    hMtime = Math.min(Math.max(Math.floor(e.mtime), 0), MAX_OCTAL_12);
  }
  let hUname = uname;
  if (!isAscii(uname) || uname.length > UGNAME_LEN) {
    rec('uname', uname);
    hUname = '';
  }
  let hGname = gname;
  if (!isAscii(gname) || gname.length > UGNAME_LEN) {
    rec('gname', gname);
    hGname = '';
  }
  if (e.xattrs) {
    for (const key of Object.keys(e.xattrs).sort()) {
      if (key === '' || key.includes('=') || key.includes('\0')) {
        throw new LayerscopeError('BAD_PAX', `tar writer: bad xattr name ${JSON.stringify(key)} on "${name}"`);
      }
      rec(`SCHILY.xattr.${key}`, e.xattrs[key]!);
    }
  }

  let pax: Uint8Array | null = null;
  if (records.length > 0) {
    let total = 0;
    for (const r of records) total += r.length;
    const body = new Uint8Array(total);
    let o = 0;
    for (const r of records) {
      body.set(r, o);
      o += r.length;
    }
    // Name of the extended header itself, as GNU tar does by default
    // ("%d/PaxHeaders/%f"); readers that know pax never show it.
    const trimmed = name.replace(/\/+$/, '');
    const slash = trimmed.lastIndexOf('/');
    const paxName = asciiFallback(slash >= 0 ? `${trimmed.slice(0, slash)}/PaxHeaders/${trimmed.slice(slash + 1)}` : `PaxHeaders/${trimmed}`, NAME_LEN);
    const paxHeader = buildHeader(paxName, '', PAX_TYPEFLAG, 0o644, 0, 0, body.length, hMtime, '', '', '', 0, 0);
    pax = new Uint8Array(TAR_BLOCK + padded(body.length));
    pax.set(paxHeader, 0);
    pax.set(body, TAR_BLOCK);
  }
  const header = buildHeader(hName, hPrefix, TYPEFLAG[e.kind], mode, hUid, hGid, hSize, hMtime, hLink, hUname, hGname, devmajor, devminor);
  return { pax, header, data };
}

/** pax `mtime`: decimal seconds, optionally with a fraction (POSIX pax, "mtime"). */
function formatPaxTime(t: number): string {
  if (Number.isInteger(t)) return String(t);
  // Up to nanoseconds, without trailing zeros; never exponent notation.
  const neg = t < 0;
  const a = Math.abs(t);
  const whole = Math.floor(a);
  const frac = Math.round((a - whole) * 1e9);
  const [w, f] = frac >= 1e9 ? [whole + 1, 0] : [whole, frac];
  const fs = f === 0 ? '' : '.' + String(f).padStart(9, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${w}${fs}`;
}

function padded(n: number): number {
  return Math.ceil(n / TAR_BLOCK) * TAR_BLOCK;
}

/**
 * The header blocks of one member (a pax extended header when ustar cannot hold
 * it, then the ustar header) for a 'file' of `size` bytes whose data the caller
 * writes itself, followed by tarPadding(size) zero bytes: for archives assembled
 * from data that is not in memory (a directory of an image, downloaded from the
 * page as Blob slices). Other kinds have no data (`size` is ignored).
 */
export function memberHeader(e: Omit<TarWriteEntry, 'data'>, size: number): Uint8Array {
  if (e.kind === 'file' && !(Number.isSafeInteger(size) && size >= 0)) throw new LayerscopeError('BAD_HEADER', `tar writer: bad size ${size}`);
  const p = planEntry(e, e.kind === 'file' ? size : undefined);
  if (!p.pax) return p.header;
  const out = new Uint8Array(p.pax.length + TAR_BLOCK);
  out.set(p.pax, 0);
  out.set(p.header, p.pax.length);
  return out;
}

/** Zero bytes after `size` bytes of member data, up to the next 512-byte block. */
export function tarPadding(size: number): number {
  return padded(size) - size;
}

/** The end-of-archive marker: two zero blocks (see END_BLOCKS). */
export const TAR_END_BYTES = END_BLOCKS * TAR_BLOCK;

/** Serialises `entries`, in order, into one tar stream ending with two zero blocks. */
export function writeTar(entries: TarWriteEntry[]): Uint8Array {
  const planned = entries.map((e) => planEntry(e));
  let total = END_BLOCKS * TAR_BLOCK;
  for (const p of planned) total += (p.pax ? p.pax.length : 0) + TAR_BLOCK + (p.data ? padded(p.data.length) : 0);
  const out = new Uint8Array(total); // zero-filled: padding and end blocks come for free
  let o = 0;
  for (const p of planned) {
    if (p.pax) {
      out.set(p.pax, o);
      o += p.pax.length;
    }
    out.set(p.header, o);
    o += TAR_BLOCK;
    if (p.data) {
      out.set(p.data, o);
      o += padded(p.data.length);
    }
  }
  return out;
}
