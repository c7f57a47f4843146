/** Test data for the inflater's tests. */
import { constants, deflateRawSync } from 'node:zlib';
import { WSIZE } from './inflater';

/** xorshift32: a fixed sequence of 32-bit values for a seed (0 counts as 1), so a failing case reproduces. */
export function xorshift32(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/** Deterministic pseudo-random bytes with some structure (text-like runs and repeats), so every block type and long matches occur. */
export function sample(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  const rnd = xorshift32(seed);
  const words = ['usr/', 'lib/', 'share/', 'doc/', 'x86_64-linux-gnu/', '.so.', 'copyright', '\n', ' ', 'debian'];
  let i = 0;
  while (i < n) {
    const r = rnd() % 100;
    if (r < 50) {
      const w = new TextEncoder().encode(words[rnd() % words.length]);
      for (let k = 0; k < w.length && i < n; k++) out[i++] = w[k]!;
    } else if (r < 70 && i > 300) {
      // a long repeat from far back
      const d = 1 + (rnd() % Math.min(i, 32768));
      const len = 3 + (rnd() % 300);
      for (let k = 0; k < len && i < n; k++, i++) out[i] = out[i - d]!;
    } else if (r < 75) {
      const len = rnd() % 2000;
      const b = rnd() & 0xff;
      for (let k = 0; k < len && i < n; k++) out[i++] = b;
    } else {
      const len = rnd() % 500;
      for (let k = 0; k < len && i < n; k++) out[i++] = rnd() & 0xff;
    }
  }
  return out;
}

/**
 * pigz's way: 128 KiB chunks, each ended by a sync flush with the previous 32 KiB as dictionary (its
 * default) or a full flush (`independent`, pigz -i); a final fixed block holding only end-of-block.
 */
export function pigzLike(data: Uint8Array, independent: boolean, level = 6): Uint8Array {
  const parts: Uint8Array[] = [];
  const CHUNK = 128 * 1024;
  for (let o = 0; o < data.length; o += CHUNK) {
    const dict = !independent && o > 0 ? data.subarray(Math.max(0, o - WSIZE), o) : undefined;
    parts.push(
      deflateRawSync(data.subarray(o, o + CHUNK), {
        level,
        finishFlush: independent ? constants.Z_FULL_FLUSH : constants.Z_SYNC_FLUSH,
        ...(dict ? { dictionary: dict } : {}),
      }),
    );
  }
  parts.push(new Uint8Array([0x03, 0x00])); // a final fixed block holding only end-of-block
  return Buffer.concat(parts);
}
