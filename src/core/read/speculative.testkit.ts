/**
 * Test layers for the speculative and anchored reads (speculativeRead.test.ts, anchoredRead.test.ts):
 * a 14 MiB tar of text-like and binary files, gzipped by zlib at levels 1/6/9 and pigz-like.
 */
import { constants, deflateRawSync, gzipSync } from 'node:zlib';
import { crc32Update } from './inflate/crc32';
import { xorshift32 } from './inflate/sample.testkit';
import { writeTar, type TarWriteEntry } from '../write/tarWriter';

const te = new TextEncoder();
export const file = (path: string, data: Uint8Array): TarWriteEntry => ({ path, kind: 'file', data, mode: 0o644, uid: 0, gid: 0, mtime: 0 });

/** ~`total` bytes of files: text-like lines with numbers (compresses ~3:1), some random binary, some long names (PAX). */
export function layerFiles(total: number, seed: number): TarWriteEntry[] {
  const rnd = xorshift32(seed);
  const words = ['static', 'const', 'return', 'include', 'struct', 'uint32_t', 'if', 'else', '{', '}', ';', 'value', 'layer'];
  const out: TarWriteEntry[] = [];
  let n = 0;
  for (let i = 0; n < total; i++) {
    const size = 500 + (rnd() % 60_000);
    const b = new Uint8Array(size);
    if (i % 7 === 3) for (let k = 0; k < size; k++) b[k] = rnd() & 0xff;
    else {
      let k = 0;
      while (k < size) {
        const w = te.encode(`${words[rnd() % words.length]}${rnd() % 10 === 0 ? `${rnd() % 1000}\n` : ' '}`);
        for (let j = 0; j < w.length && k < size; j++) b[k++] = w[j]!;
      }
    }
    const dir = i % 11 === 5 ? `usr/share/${'very-long-directory-name/'.repeat(5)}` : 'usr/lib/';
    out.push(file(`${dir}f${i}.txt`, b));
    n += size + 512;
  }
  return out;
}

export function gzipOf(raw: Uint8Array, data: Uint8Array): Uint8Array {
  const crc = crc32Update(0, data);
  const trailer = new Uint8Array(8);
  new DataView(trailer.buffer).setUint32(0, crc, true);
  new DataView(trailer.buffer).setUint32(4, data.length >>> 0, true);
  return Buffer.concat([new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]), raw, trailer]);
}

/** pigz-like: 128 KiB chunks with the previous 32 KiB as dictionary (or independent, full-flushed), sync-flushed, in one gzip member. */
export function pigzGzip(data: Uint8Array, independent: boolean): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let o = 0; o < data.length; o += 128 * 1024) {
    const dict = !independent && o > 0 ? data.subarray(o - 32 * 1024, o) : undefined;
    parts.push(
      deflateRawSync(data.subarray(o, o + 128 * 1024), {
        finishFlush: independent ? constants.Z_FULL_FLUSH : constants.Z_SYNC_FLUSH,
        ...(dict ? { dictionary: dict } : {}),
      }),
    );
  }
  parts.push(new Uint8Array([0x03, 0x00]));
  return gzipOf(Buffer.concat(parts), data);
}

export const tar = writeTar(layerFiles(14 * 1024 * 1024, 3));
export const layers: [string, Uint8Array][] = [
  ['zlib level 1', gzipSync(tar, { level: 1 })],
  ['zlib level 6', gzipSync(tar, { level: 6 })],
  ['zlib level 9', gzipSync(tar, { level: 9 })],
  ['pigz-like', pigzGzip(tar, false)],
  ['pigz -i-like', pigzGzip(tar, true)],
];

/**
 * A Blob in 64 KiB parts, so its stream arrives in pieces as a File's does in a browser (an
 * in-memory Blob in Node streams as one chunk, and the scan's hints would all say "the end").
 */
export const blobOf = (b: Uint8Array) => {
  const parts: Uint8Array<ArrayBuffer>[] = [];
  for (let o = 0; o < b.length; o += 64 * 1024) parts.push(b.slice(o, o + 64 * 1024) as Uint8Array<ArrayBuffer>);
  return new Blob(parts);
};
