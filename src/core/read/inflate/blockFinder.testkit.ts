/**
 * The plain per-bit block-start check that blockFinder.ts replaced (issue 13, Stop 20),
 * kept as the tests' oracle: blockFinder's table-driven search must accept exactly the
 * bits this accepts. Slow on purpose — every check at every bit, no table — so that it
 * is easy to read against RFC 1951 §3.2.4/§3.2.7 and zlib's inflate.c.
 */
import { huffman as H } from './inflater';

const { buildTable, KIND_CODES, OP_INVALID, CLEN_ORDER } = H;

/** Reusable scratch for the oracle: code length counts. */
const counts = new Uint16Array(16);
const lensScratch = new Uint8Array(320);
const clTable = new Int32Array(128);

/** Up to 24 bits of `b` from absolute bit `bit` (little-endian bit order, as deflate packs them); bytes past the end read as 0. */
function peek(b: Uint8Array, bit: number, n: number): number {
  const p = bit >>> 3;
  const v = (b[p] ?? 0) | ((b[p + 1] ?? 0) << 8) | ((b[p + 2] ?? 0) << 16) | ((b[p + 3] ?? 0) << 24);
  return (v >>> (bit & 7)) & ((1 << n) - 1);
}

/** Kraft check of counts[1..15]: 0 complete, > 0 incomplete, < 0 over-subscribed. */
function kraftLeft(): number {
  let left = 1;
  for (let len = 1; len <= 15; len++) {
    left = (left << 1) - counts[len]!;
    if (left < 0) return -1;
  }
  return left;
}

/**
 * Is there a plausible non-final dynamic block header at `bit`? Checks, cheapest first:
 * BFINAL 0 and BTYPE 10; HLIT ≤ 286, HDIST ≤ 30; a complete code-length code; the code
 * lengths decode within their count with no repeat of nothing; end-of-block has a code;
 * the literal/length code is complete and the distance code complete (or a single code,
 * or none, as zlib accepts).
 */
export function oracleDynamicHeaderAt(b: Uint8Array, bit: number): boolean {
  if (peek(b, bit, 3) !== 0b100) return false;
  const hlit = peek(b, bit + 3, 5) + 257;
  const hdist = peek(b, bit + 8, 5) + 1;
  const hclen = peek(b, bit + 13, 4) + 4;
  if (hlit > 286 || hdist > 30) return false;
  counts.fill(0);
  const lens = lensScratch;
  lens.fill(0, 0, 19);
  let at = bit + 17;
  for (let i = 0; i < hclen; i++, at += 3) {
    const l = peek(b, at, 3);
    lens[CLEN_ORDER[i]!] = l;
    counts[l]!++;
  }
  counts[0] = 0;
  if (kraftLeft() !== 0) return false;
  if (buildTable(KIND_CODES, lens, 0, 19, clTable, 7)) return false;
  const n = hlit + hdist;
  const all = lens; // the 19 code-length lengths are no longer needed once the table exists
  let i = 0;
  while (i < n) {
    const e = clTable[peek(b, at, 7)]!;
    if ((e >>> 8) & OP_INVALID) return false;
    at += e & 0xff;
    const sym = e >>> 16;
    if (sym < 16) {
      all[i++] = sym;
      continue;
    }
    let rep: number;
    let v = 0;
    if (sym === 16) {
      if (i === 0) return false;
      v = all[i - 1]!;
      rep = 3 + peek(b, at, 2);
      at += 2;
    } else if (sym === 17) {
      rep = 3 + peek(b, at, 3);
      at += 3;
    } else {
      rep = 11 + peek(b, at, 7);
      at += 7;
    }
    if (i + rep > n) return false;
    all.fill(v, i, i + rep);
    i += rep;
  }
  if (at > b.length * 8) return false;
  if (all[256] === 0) return false;
  counts.fill(0);
  for (let s = 0; s < hlit; s++) counts[all[s]!]!++;
  counts[0] = 0;
  if (kraftLeft() !== 0) return false;
  counts.fill(0);
  let maxD = 0;
  for (let s = hlit; s < n; s++) {
    const l = all[s]!;
    counts[l]!++;
    if (l > maxD) maxD = l;
  }
  counts[0] = 0;
  const left = kraftLeft();
  return left === 0 || (left > 0 && maxD <= 1);
}

/**
 * Candidate block starts in [fromBit, toBit) of `b`, in order, at most `max`: bits where
 * dynamicHeaderAt holds, and, for a stored block, the bit three before a byte boundary
 * whose three header bits and the padding are 0 and whose LEN/NLEN match (a real stored
 * block's header may start a few bits earlier; decoding from there reads the same zeros).
 */
export function oracleBlockStarts(b: Uint8Array, fromBit: number, toBit: number, max = Infinity): number[] {
  const found: number[] = [];
  const end = Math.min(toBit, b.length * 8);
  for (let bit = fromBit; bit < end && found.length < max; bit++) if (oracleIsBlockStart(b, bit)) found.push(bit);
  return found;
}

/** One bit of blockStarts: a plausible stored or dynamic block header at `bit`. */
export function oracleIsBlockStart(b: Uint8Array, bit: number): boolean {
  if ((bit & 7) === 5) {
    const p = (bit + 3) >>> 3;
    if (p + 4 <= b.length && peek(b, bit, 3) === 0 && (b[p]! ^ b[p + 2]!) === 0xff && (b[p + 1]! ^ b[p + 3]!) === 0xff) return true;
  }
  return oracleDynamicHeaderAt(b, bit);
}
