/**
 * CRC-32 (IEEE 802.3 polynomial, reflected): the gzip trailer's checksum (RFC 1952 §8).
 *
 * Two ways to update it: `crc32Update` reads every byte (slicing by 8), and
 * `crc32Repeat` extends it over a block repeated k times in O(|block| + log k)
 * steps instead of O(|block|·k). The inflater uses the second for the runs a
 * match writes into its own output (a file of zeros is one run per output
 * buffer, "abab…" a run of period 2), so a hostile 10 GiB run costs nothing to
 * check while its CRC is still checked exactly (issue 9, point 3).
 *
 * Why that works (the arithmetic of zlib's crc32_combine, crc32.c: multmodp,
 * x2nmodp): the CRC register is a polynomial over GF(2) modulo P, and reading a
 * byte string B from register r gives Z_B(r) ⊕ c_B, where Z_B multiplies by
 * x^(8|B|) mod P and c_B is the register after reading B from 0 (the update is
 * affine: linear in r, plus what B itself contributes). Reading B k times is then
 *   r_k = x^(8|B|k)·r ⊕ S_k,   S_k = Σ_{i<k} x^(8|B|i)·c_B,
 * and S_k doubles like a power: S_2n = S_n ⊕ x^(8|B|n)·S_n, S_(n+1) = x^(8|B|)·S_n ⊕ c_B.
 */

/** Reflected CRC-32 polynomial (x^32 + x^26 + … + 1 without its x^32 term, bit-reversed). */
const POLY = 0xedb88320;
/** The polynomial 1 (x^0) in the reflected representation: the top bit. */
const X0 = 0x80000000;

/** 8 tables of 256: the byte-wise table and the 7 that let one step read 8 bytes (slicing by 8). */
const CRC8 = (() => {
  const t = new Int32Array(256 * 8);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? POLY ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) for (let k = 1; k < 8; k++) t[k * 256 + n] = (t[(k - 1) * 256 + n]! >>> 8) ^ t[t[(k - 1) * 256 + n]! & 0xff]!;
  return t;
})();

/** The CRC-32 of `b[start..end)` continuing from `crc` (0 to start). */
export function crc32Update(crc: number, b: Uint8Array, start = 0, end = b.length): number {
  return ~register(~crc, b, start, end) >>> 0;
}

/** The raw register (no pre/post inversion) after reading b[start..end) from `c`. */
function register(c: number, b: Uint8Array, start: number, end: number): number {
  let i = start;
  const t = CRC8;
  for (; i + 8 <= end; i += 8) {
    const a = c ^ (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24));
    c =
      t[1792 + (a & 0xff)]! ^
      t[1536 + ((a >>> 8) & 0xff)]! ^
      t[1280 + ((a >>> 16) & 0xff)]! ^
      t[1024 + (a >>> 24)]! ^
      t[768 + b[i + 4]!]! ^
      t[512 + b[i + 5]!]! ^
      t[256 + b[i + 6]!]! ^
      t[b[i + 7]!]!;
  }
  for (; i < end; i++) c = t[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return c;
}

/** a·b mod P, both reflected (zlib's multmodp). */
function multmodp(a: number, b: number): number {
  let m = X0;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    if (m === 0) break;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

/** x^(2^k) mod P for k = 0..31 (zlib's x2n_table); the exponents of x repeat with period dividing 2^32 − 1, so k wraps at 32. */
const X2N = (() => {
  const t = new Uint32Array(32);
  let p = X0 >>> 1; // x^1
  t[0] = p;
  for (let k = 1; k < 32; k++) t[k] = p = multmodp(p, p);
  return t;
})();

/** x^(n·2^k) mod P (zlib's x2nmodp): x^(8n), the effect of reading n zero bytes, is xPow(n, 3). */
function xPow(n: number, k: number): number {
  let p = X0;
  while (n > 0) {
    if (n % 2 === 1) p = multmodp(X2N[k & 31]!, p);
    n = Math.floor(n / 2);
    k++;
  }
  return p;
}

/**
 * The CRC-32 continuing from `crc` over `k` copies of `b[start..end)`, in
 * O(end − start) table steps plus O(log k) polynomial products (see above).
 */
export function crc32Repeat(crc: number, b: Uint8Array, start: number, end: number, k: number): number {
  if (k <= 0 || end <= start) return crc >>> 0;
  const cB = register(0, b, start, end) >>> 0;
  const xB = xPow(end - start, 3);
  // S = S_n and xn = x^(8|B|n) for the leading bits of k, most significant first.
  // (k may pass 2^32: its bits by division, not by 32-bit shifts)
  const bits: number[] = [];
  for (let n = k; n > 0; n = Math.floor(n / 2)) bits.push(n % 2);
  let s = 0;
  let xn = X0;
  for (let i = bits.length - 1; i >= 0; i--) {
    s = (s ^ multmodp(xn, s)) >>> 0;
    xn = multmodp(xn, xn);
    if (bits[i]) {
      s = (multmodp(xB, s) ^ cB) >>> 0;
      xn = multmodp(xn, xB);
    }
  }
  return ~(multmodp(xn, ~crc >>> 0) ^ s) >>> 0;
}
