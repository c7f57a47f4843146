/**
 * The values of a Berkeley DB hash database: how rpm < 4.16 stored its
 * `Packages` (one header per value, keyed by a 4-byte instance number).
 *
 * On-disk format (Berkeley DB's dbinc/db_page.h, unchanged from 4.x to 5.3,
 * byte order of the machine that wrote it, told by the magic):
 *  - page 0, the hash metadata page: DBMETA — magic 0x061561 at 12, page size at
 *    20, encryption algorithm at 24, page type 8 (P_HASHMETA) at 25, last page
 *    number at 32;
 *  - every page: a 26-byte PAGE header (entries at 20, hf_offset at 22, type
 *    at 25) and an array of 2-byte item offsets at 26;
 *  - hash pages (type 13 P_HASH, 2 P_HASH_UNSORTED): items in key/data pairs; an
 *    item's first byte is its kind: 1 H_KEYDATA (bytes inline, up to the previous
 *    item's offset), 3 H_OFFPAGE (pgno at +4, total length at +8: the value is a
 *    chain of overflow pages);
 *  - overflow pages (type 7): hf_offset bytes of the value from offset 26,
 *    next_pgno (at 16) continues the chain, 0 ends it.
 * Every page is visited once, in order, so a damaged database yields what its
 * intact pages hold, and a cycle in an overflow chain cannot loop.
 */

const HASH_MAGIC = 0x061561;
const P_HASH_UNSORTED = 2;
const P_OVERFLOW = 7;
const P_HASHMETA = 8;
const P_HASH = 13;
const H_KEYDATA = 1;
const H_OFFPAGE = 3;
const PAGE_HEADER = 26;
/** Page sizes Berkeley DB allows (DB->set_pagesize: 512 B to 64 KiB, a power of two). */
const MIN_PAGE = 512;
const MAX_PAGE = 65536;

export interface BdbValues {
  values: Uint8Array[];
  /** Problems met (bad pages, broken chains); the values read are still returned. */
  problems: string[];
}

export function readBdbHashValues(file: Uint8Array): BdbValues {
  if (file.length < 512) throw new Error('shorter than a Berkeley DB metadata page');
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let le: boolean;
  if (dv.getUint32(12, true) === HASH_MAGIC) le = true;
  else if (dv.getUint32(12, false) === HASH_MAGIC) le = false;
  else throw new Error('not a Berkeley DB hash database (no hash magic)');
  const u16 = (o: number) => dv.getUint16(o, le);
  const u32 = (o: number) => dv.getUint32(o, le);
  const pageSize = u32(20);
  if (pageSize < MIN_PAGE || pageSize > MAX_PAGE || (pageSize & (pageSize - 1)) !== 0) throw new Error(`bad page size ${pageSize}`);
  if (file[24] !== 0) throw new Error('encrypted Berkeley DB database');
  if (file[25] !== P_HASHMETA) throw new Error(`page 0 is not a hash metadata page (type ${file[25]})`);
  const pages = Math.floor(file.length / pageSize);
  const lastPgno = Math.min(u32(32), pages - 1);
  const problems: string[] = [];
  if (u32(32) >= pages) problems.push(`the database names ${u32(32) + 1} pages but the file holds ${pages} (truncated)`);

  const overflow = (start: number, total: number): Uint8Array | null => {
    const out = new Uint8Array(total);
    let got = 0;
    let pg = start;
    let hops = 0;
    while (pg !== 0 && got < total) {
      if (pg > lastPgno || ++hops > pages) return null;
      const base = pg * pageSize;
      if (file[base + 25] !== P_OVERFLOW) return null;
      const len = Math.min(u16(base + 22), pageSize - PAGE_HEADER, total - got);
      out.set(file.subarray(base + PAGE_HEADER, base + PAGE_HEADER + len), got);
      got += len;
      pg = u32(base + 16);
    }
    return got === total ? out : null;
  };

  const values: Uint8Array[] = [];
  for (let pg = 1; pg <= lastPgno; pg++) {
    const base = pg * pageSize;
    const type = file[base + 25];
    if (type !== P_HASH && type !== P_HASH_UNSORTED) continue;
    const n = u16(base + 20);
    if (PAGE_HEADER + n * 2 > pageSize) {
      problems.push(`page ${pg}: ${n} items do not fit`);
      continue;
    }
    const inp = (i: number) => u16(base + PAGE_HEADER + i * 2);
    for (let i = 1; i < n; i += 2) {
      const off = inp(i);
      if (off >= pageSize) {
        problems.push(`page ${pg}: item ${i} outside the page`);
        continue;
      }
      const kind = file[base + off];
      if (kind === H_OFFPAGE) {
        const start = u32(base + off + 4);
        const total = u32(base + off + 8);
        const v = overflow(start, total);
        if (v) values.push(v);
        else problems.push(`page ${pg}: the overflow chain of item ${i} is broken`);
      } else if (kind === H_KEYDATA) {
        const end = i === 0 ? pageSize : inp(i - 1);
        if (end <= off || end > pageSize) {
          problems.push(`page ${pg}: item ${i} has a bad length`);
          continue;
        }
        values.push(file.slice(base + off + 1, base + end));
      }
    }
  }
  return { values, problems };
}
