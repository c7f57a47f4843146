/**
 * rpm's package headers and the databases that hold them.
 *
 * A header as the rpmdb stores it (rpm's lib/header.c, headerImport; the
 * "Header Structure" of the RPM file format, refspecs.linuxfoundation.org LSB
 * "Package File Format"), without the 8-byte magic a .rpm file has:
 *   int32 il (index entries), int32 dl (data bytes), il × {int32 tag, type,
 *   offset, count}, then dl bytes of data; all big-endian.
 * Databases:
 *  - `rpmdb.sqlite` (rpm ≥ 4.16: Fedora 33+, RHEL/UBI 9): table
 *    `Packages(hnum INTEGER PRIMARY KEY, blob BLOB)`, read with sql.js (SQLite
 *    compiled to WebAssembly), which the host provides (AuditHost.openSqlite).
 *  - `Packages` (RHEL ≤ 8, CentOS 7, Amazon Linux 2): a Berkeley DB hash
 *    database whose values are headers, read by bdb.ts.
 *  - `Packages.db` (SUSE's "ndb"): not read; reported as such.
 */
import type { PackageRecord } from './types';

const TAG = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  SUMMARY: 1004,
  SIZE: 1009,
  LICENSE: 1014,
  ARCH: 1022,
  OLDFILENAMES: 1027,
  SOURCERPM: 1044,
  DIRINDEXES: 1116,
  BASENAMES: 1117,
  DIRNAMES: 1118,
  LONGSIZE: 5009,
} as const;

const TYPE = { INT32: 4, INT64: 5, STRING: 6, BIN: 7, STRING_ARRAY: 8, I18NSTRING: 9 } as const;

/** Index entries beyond this are not a real header (rpm's own limit, HEADER_TAGS_MAX, is 0x0000ffff). */
const MAX_INDEX_ENTRIES = 0xffff;

export const rpmKey = (name: string, arch: string | null) => `rpm:${name}:${arch ?? ''}`;

interface Entry {
  type: number;
  offset: number;
  count: number;
}

/** Parse one header blob; a string says why it is not one. */
export function parseRpmHeader(blob: Uint8Array, source: string): PackageRecord | string {
  if (blob.length < 8) return 'header shorter than its preamble';
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const il = dv.getUint32(0);
  const dl = dv.getUint32(4);
  if (il > MAX_INDEX_ENTRIES || 8 + il * 16 + dl > blob.length) return `header sizes out of range (${il} entries, ${dl} data bytes, ${blob.length} stored)`;
  const dataStart = 8 + il * 16;
  const entries = new Map<number, Entry>();
  for (let i = 0; i < il; i++) {
    const p = 8 + i * 16;
    const tag = dv.getUint32(p);
    const e = { type: dv.getUint32(p + 4), offset: dv.getUint32(p + 8), count: dv.getUint32(p + 12) };
    if (e.offset > dl) return `entry ${tag} points past the data`;
    entries.set(tag, e);
  }
  const dec = new TextDecoder();
  const strings = (tag: number): string[] | null => {
    const e = entries.get(tag);
    if (!e || (e.type !== TYPE.STRING && e.type !== TYPE.STRING_ARRAY && e.type !== TYPE.I18NSTRING)) return null;
    const out: string[] = [];
    let o = dataStart + e.offset;
    const end = dataStart + dl;
    const n = e.type === TYPE.STRING ? 1 : e.count;
    for (let k = 0; k < n && o < end; k++) {
      let z = o;
      while (z < end && blob[z] !== 0) z++;
      out.push(dec.decode(blob.subarray(o, z)));
      o = z + 1;
    }
    return out;
  };
  const str = (tag: number) => strings(tag)?.[0] ?? null;
  const ints = (tag: number): number[] | null => {
    const e = entries.get(tag);
    if (!e) return null;
    const o = dataStart + e.offset;
    if (e.type === TYPE.INT32 && o + e.count * 4 <= dataStart + dl) return Array.from({ length: e.count }, (_, k) => dv.getInt32(o + k * 4));
    if (e.type === TYPE.INT64 && o + e.count * 8 <= dataStart + dl) return Array.from({ length: e.count }, (_, k) => Number(dv.getBigInt64(o + k * 8)));
    return null;
  };
  const name = str(TAG.NAME);
  const version = str(TAG.VERSION);
  const release = str(TAG.RELEASE);
  if (!name || !version) return `header without ${name ? 'a version' : 'a name'}`;
  const epoch = ints(TAG.EPOCH)?.[0];
  const arch = str(TAG.ARCH);
  const full = `${epoch ? `${epoch}:` : ''}${version}${release ? `-${release}` : ''}`;
  const size = ints(TAG.LONGSIZE)?.[0] ?? ints(TAG.SIZE)?.[0] ?? null;
  const files: string[] = [];
  const base = strings(TAG.BASENAMES);
  const dirs = strings(TAG.DIRNAMES);
  const dirIdx = ints(TAG.DIRINDEXES);
  if (base && dirs && dirIdx && dirIdx.length === base.length) {
    for (let k = 0; k < base.length; k++) files.push(`${dirs[dirIdx[k]!] ?? ''}${base[k]}`);
  } else {
    for (const f of strings(TAG.OLDFILENAMES) ?? []) files.push(f);
  }
  const detail: Record<string, string> = {};
  const summary = str(TAG.SUMMARY);
  if (summary) detail.summary = summary;
  const license = str(TAG.LICENSE);
  if (license) detail.license = license;
  const srpm = str(TAG.SOURCERPM);
  if (srpm) detail.source = srpm;
  // gpg-pubkey pseudo-packages hold imported signing keys, not software.
  if (name === 'gpg-pubkey') detail.kind = 'signing key';
  return { ecosystem: 'rpm', name, version: full, arch: arch === '(none)' ? null : arch, size, key: rpmKey(name, arch), source, files, detail };
}

/** A read-only SQLite database, as the host opens one (sql.js in the page and in Node). */
export interface SqliteDb {
  /** Rows of a query, as arrays of column values. */
  rows(sql: string): unknown[][];
  close(): void;
}

export type OpenSqlite = (bytes: Uint8Array) => Promise<SqliteDb>;

/** Headers of an rpmdb.sqlite. Throws (the caller reports the database as corrupt) when SQLite cannot read it. */
export async function readRpmSqlite(bytes: Uint8Array, open: OpenSqlite): Promise<Uint8Array[]> {
  // SQLite's file header starts with "SQLite format 3\0" (sqlite.org/fileformat.html §1.3).
  const magic = 'SQLite format 3\0';
  for (let i = 0; i < magic.length; i++) if (bytes[i] !== magic.charCodeAt(i)) throw new Error('not an SQLite database (no "SQLite format 3" header)');
  const db = await open(bytes);
  try {
    const out: Uint8Array[] = [];
    for (const row of db.rows('SELECT blob FROM Packages ORDER BY hnum')) {
      if (row[0] instanceof Uint8Array) out.push(row[0]);
    }
    return out;
  } finally {
    db.close();
  }
}
