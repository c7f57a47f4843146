/** Test data for the inflater's tests. */

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
