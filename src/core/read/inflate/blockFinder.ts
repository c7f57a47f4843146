/**
 * Finding plausible deflate block starts (RFC 1951 §3.2.3) at arbitrary bit offsets of a
 * raw deflate stream, for decoding from the middle (speculative.ts, rapidgzip's approach:
 * Knespel & Brunst, HPDC 2023). A candidate is:
 *
 * - a non-final dynamic-Huffman header (BFINAL 0, BTYPE 10) with HLIT ≤ 29 and HDIST ≤ 29
 *   (RFC 1951 §3.2.7: at most 286 literal/length and 30 distance codes), whose code-length
 *   code is complete, whose code lengths decode within HLIT + HDIST values with no repeat
 *   of a previous length at the first value, whose end-of-block symbol has a code, whose
 *   literal/length code is complete and whose distance code is complete, a single code, or
 *   empty (zlib inflate.c / inftrees.c: "invalid code lengths set", "invalid bit length
 *   repeat", "invalid code -- missing end-of-block", over-subscribed and incomplete sets);
 * - or a non-final stored block (BFINAL 0, BTYPE 00) whose LEN and NLEN are each other's
 *   one's complement (§3.2.4), reported at the bit three before LEN's byte (a real stored
 *   header may start a few bits earlier; decoding from there reads the same zero bits).
 *
 * Random bits pass these checks rarely, but they do pass: a candidate is only a guess.
 *
 * The accepted set is exactly that of the plain per-bit check (kept as the tests' oracle,
 * blockFinder.testkit.ts); only the order and the form of the checks change, cheapest and
 * most rejecting first:
 *
 * 1. BFINAL/BTYPE/HLIT/HDIST (the first 13 header bits) for 32 positions at once, with
 *    shifts and ands over a 64-bit window of two 32-bit words (nextCandidate). About 1 in 9
 *    positions of compressed data passes. rapidgzip uses a table over the next 13–15 bits
 *    that says how far to skip instead; measured here in JS (issue 13, Stop 21) that loop
 *    was ~2× slower: each step's table load depends on the previous one, and the branch on
 *    its result is mispredicted about half the time.
 * 2. The code-length code's Kraft sum: each of the HCLEN + 4 3-bit lengths adds 2^(7 − l);
 *    the code is complete exactly when the sum is 2^7 (lengths are at most 7).
 *    `PRECODE_KRAFT` sums four lengths per lookup, with no branch until the sum. About 1
 *    in 250 of the positions left passes.
 * 3. Only then the code lengths are decoded, with the literal/length and distance Kraft
 *    sums kept as they go, so an over-subscribed code stops the decode at once.
 */
import { huffman as H } from './inflater';

const { CLEN_ORDER } = H;

/** Header bits the first filter looks at: BFINAL (1), BTYPE (2), HLIT (5), HDIST (5). */
const FILTER_BITS = 13;
/** Bits of a dynamic header before the code-length code lengths: the 13 above and HCLEN (4). */
const PRECODE_AT = 17;
/** The code-length code's Kraft sum when complete: its lengths are at most 7 bits (3-bit fields), so each length l adds 2^(7 − l). */
const PRECODE_FULL = 1 << 7;
/** The literal/length and distance codes' Kraft sum when complete: lengths are at most 15 bits, so each length l adds 2^(15 − l). */
const CODE_FULL = 1 << 15;

/** Do the first 13 bits of `v` (from a position) read BFINAL 0, BTYPE 10, HLIT ≤ 29, HDIST ≤ 29? The per-bit form of nextCandidate's step 1. */
function prefixPasses(v: number): boolean {
  return (v & 7) === 0b100 && ((v >>> 3) & 31) <= 29 && ((v >>> 8) & 31) <= 29;
}

/** PRECODE_KRAFT[x]: the Kraft sum (in units of 2^-7) of the four 3-bit code-length code lengths packed in the 12 bits x. */
const PRECODE_KRAFT = new Uint16Array(1 << 12);
for (let x = 0; x < PRECODE_KRAFT.length; x++) {
  let s = 0;
  for (let i = 0; i < 4; i++) {
    const l = (x >>> (3 * i)) & 7;
    if (l) s += 1 << (7 - l);
  }
  PRECODE_KRAFT[x] = s;
}

/** Up to 25 bits of `b` from absolute bit `bit` (deflate's little-endian bit order); bytes past the end read as 0. */
function peek25(b: Uint8Array, bit: number): number {
  const p = bit >>> 3;
  const v = (b[p] ?? 0) | ((b[p + 1] ?? 0) << 8) | ((b[p + 2] ?? 0) << 16) | ((b[p + 3] ?? 0) << 24);
  return v >>> (bit & 7);
}

/** Is the code-length code of the dynamic header at `bit` (with HCLEN field `hclenField`) complete? */
function precodeComplete(b: Uint8Array, bit: number, hclenField: number): boolean {
  let left = hclenField + 4;
  let at = bit + PRECODE_AT;
  let sum = 0;
  // 8 lengths (24 bits) per read, four per table lookup
  while (left >= 8) {
    const v = peek25(b, at);
    sum += PRECODE_KRAFT[v & 0xfff]! + PRECODE_KRAFT[(v >>> 12) & 0xfff]!;
    if (sum > PRECODE_FULL) return false;
    at += 24;
    left -= 8;
  }
  const v = peek25(b, at) & ((1 << (3 * left)) - 1);
  sum += PRECODE_KRAFT[v & 0xfff]! + PRECODE_KRAFT[v >>> 12]!;
  return sum === PRECODE_FULL;
}

/** Up to 25 bits from `bit`: unchecked reads where four bytes are inside `b`, else peek25. */
function bits25(b: Uint8Array, bit: number): number {
  const p = bit >>> 3;
  return p + 4 <= b.length ? (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> (bit & 7) : peek25(b, bit);
}

/** The code-length code's decoding table (one header is read at a time per thread): entry = symbol << 4 | code length, by the next 7 input bits. */
const clTable = new Uint16Array(128);
const clLens = new Uint8Array(19);
const clNext = new Uint8Array(8);
/** REV7[x]: the 7-bit x reversed (Huffman codes are packed most significant bit first, RFC 1951 §3.1.1). */
const REV7 = new Uint8Array(128);
for (let x = 0; x < 128; x++) {
  let r = 0;
  for (let i = 0; i < 7; i++) r |= ((x >>> i) & 1) << (6 - i);
  REV7[x] = r;
}

/** Length l's share of a complete code of at most 15-bit lengths (0 for an unused symbol). */
const KRAFT15 = new Uint16Array(16);
for (let l = 1; l <= 15; l++) KRAFT15[l] = 1 << (15 - l);

/** readCodeLengths failed: the code-length code is not complete (zlib: "invalid code lengths set"). */
const E_PRECODE = -1;
/** readCodeLengths failed: a repeat (16) with no length before it, or one running past HLIT + HDIST (zlib: "invalid bit length repeat"). */
const E_REPEAT = -2;
/** readCodeLengths failed: the literal/length code's lengths are over-subscribed (zlib: "invalid literal/lengths set"). */
const E_LIT_OVER = -3;
/** readCodeLengths failed: the distance code's lengths are over-subscribed (zlib: "invalid distances set"). */
const E_DIST_OVER = -4;
/** What a negative readCodeLengths result means, by −result. */
export const CODE_LENGTHS_ERROR: readonly string[] = [
  '',
  'invalid code lengths set',
  'invalid bit length repeat',
  'invalid literal/lengths set',
  'invalid distances set',
];

/**
 * Reads the code-length code and the HLIT + HDIST code lengths of a dynamic block header
 * (RFC 1951 §3.2.7) from bit `at` of `b` (just after HCLEN) into `lens` (bytes past the
 * end read as 0). Returns the bit after the last length, or a negative E_* code: the
 * code-length code must be complete (its lengths are at most 7, so zlib's over-subscribed,
 * incomplete and empty checks are one Kraft sum), a repeat needs a length before it and
 * must stay within HLIT + HDIST, and the literal/length and distance Kraft sums are kept
 * as lengths arrive, so an over-subscribed code stops the read at once. The callers check
 * the rest (end-of-block, complete or single-code sets): the block finder with the sums
 * (codesComplete), the MarkerDecoder by building its tables (speculative.ts).
 */
export function readCodeLengths(b: Uint8Array, at: number, hlit: number, hdist: number, hclen: number, lens: Uint8Array): number {
  // the canonical code (RFC 1951 §3.2.2) of the code-length code, as a 7-bit table
  clLens.fill(0);
  let kraft = 0;
  for (let i = 0; i < hclen; i++, at += 3) {
    const l = bits25(b, at) & 7;
    clLens[CLEN_ORDER[i]!] = l;
    if (l) kraft += 1 << (7 - l);
  }
  if (kraft !== PRECODE_FULL) return E_PRECODE;
  clNext.fill(0);
  for (let s = 0; s < 19; s++) clNext[clLens[s]!]!++;
  let code = 0;
  for (let l = 1, prev = 0; l <= 7; l++) {
    code = (code + prev) << 1;
    prev = clNext[l]!;
    clNext[l] = code;
  }
  for (let s = 0; s < 19; s++) {
    const l = clLens[s]!;
    if (!l) continue;
    const e = (s << 4) | l;
    for (let r = REV7[clNext[l]!++]! >>> (7 - l); r < 128; r += 1 << l) clTable[r] = e;
  }
  const n = hlit + hdist;
  let litSum = 0;
  let distSum = 0;
  let i = 0;
  while (i < n) {
    const w = bits25(b, at);
    const e = clTable[w & 127]!;
    const cl = e & 15;
    at += cl;
    const sym = e >>> 4;
    if (sym < 16) {
      lens[i] = sym;
      if (sym) {
        if (i < hlit) litSum += KRAFT15[sym]!;
        else distSum += KRAFT15[sym]!;
        if (litSum > CODE_FULL) return E_LIT_OVER;
        if (distSum > CODE_FULL) return E_DIST_OVER;
      }
      i++;
      continue;
    }
    let rep: number;
    let v = 0;
    if (sym === 16) {
      if (i === 0) return E_REPEAT;
      v = lens[i - 1]!;
      rep = 3 + ((w >>> cl) & 3);
      at += 2;
    } else if (sym === 17) {
      rep = 3 + ((w >>> cl) & 7);
      at += 3;
    } else {
      rep = 11 + ((w >>> cl) & 127);
      at += 7;
    }
    if (i + rep > n) return E_REPEAT;
    lens.fill(v, i, i + rep);
    if (v) {
      const toLit = Math.max(0, Math.min(rep, hlit - i));
      litSum += toLit * KRAFT15[v]!;
      distSum += (rep - toLit) * KRAFT15[v]!;
      if (litSum > CODE_FULL) return E_LIT_OVER;
      if (distSum > CODE_FULL) return E_DIST_OVER;
    }
    i += rep;
  }
  return at;
}

/** The code lengths of the header being checked (one search runs at a time per thread). */
const lensScratch = new Uint8Array(320);

/**
 * The rest of a dynamic header at `bit` (its first 32 bits in `first`), once the first 13
 * bits passed: readCodeLengths succeeds within the input, end-of-block has a code, the
 * literal/length code is complete and the distance code complete or at most one code
 * (zlib inftrees.c accepts an incomplete distance code of one length-1 code, or none).
 */
function codesComplete(b: Uint8Array, bit: number, first: number): boolean {
  const hlit = ((first >>> 3) & 31) + 257;
  const hdist = ((first >>> 8) & 31) + 1;
  const hclen = ((first >>> 13) & 15) + 4;
  const lens = lensScratch;
  const end = readCodeLengths(b, bit + PRECODE_AT, hlit, hdist, hclen, lens);
  if (end < 0 || end > b.length * 8 || lens[256] === 0) return false;
  // no code is over-subscribed (readCodeLengths); complete?
  let litSum = 0;
  for (let s = 0; s < hlit; s++) litSum += KRAFT15[lens[s]!]!;
  if (litSum !== CODE_FULL) return false;
  let distSum = 0;
  let maxD = 0;
  for (let s = hlit; s < hlit + hdist; s++) {
    const l = lens[s]!;
    distSum += KRAFT15[l]!;
    if (l > maxD) maxD = l;
  }
  return distSum === CODE_FULL || maxD <= 1;
}

/**
 * Bytes a step of nextCandidate may read from the byte of its first position: 8 for the 64
 * bits of the word pair, and a position's code-length code lengths end at most 17 + 57 bits
 * after the last of its 32 positions (three 4-byte reads from byte (bit + 17) / 8). Steps
 * nearer the end of the input take the bounds-checked per-bit path.
 */
const FAST_TAIL_BYTES = 16;

/** PRE_MASK[3h + j]: the mask of piece j (bits 24j…24j+23) of the code-length code lengths for HCLEN field h (h + 4 lengths of 3 bits). */
const PRE_MASK = new Int32Array(48);
for (let h = 0; h < 16; h++) {
  const bits = 3 * (h + 4);
  for (let j = 0; j < 3; j++) {
    const inPiece = Math.max(0, Math.min(24, bits - 24 * j));
    PRE_MASK[3 * h + j] = inPiece === 24 ? 0xffffff : (1 << inPiece) - 1;
  }
}

/** Is there a stored-block candidate at `bit` (≡ 5 mod 8): its byte's top three bits 0, then LEN = ~NLEN? Bounds-checked. */
function storedAt(b: Uint8Array, bit: number): boolean {
  const p = (bit + 3) >>> 3;
  return (bit & 7) === 5 && p + 4 <= b.length && b[p - 1]! >>> 5 === 0 && (b[p]! ^ b[p + 2]!) === 0xff && (b[p + 1]! ^ b[p + 3]!) === 0xff;
}

/**
 * The first candidate in [fromBit, toBit), or -1.
 *
 * Step 1 of the module comment, 32 positions at a time: with x the 64 input bits from a
 * byte-aligned position, bit i of `pass` is 1 when the header read from position i has
 * BFINAL 0 (x_i = 0), BTYPE 10 (x_{i+1} = 0, x_{i+2} = 1), and neither HLIT nor HDIST is
 * 30 or 31 — a 5-bit count is > 29 exactly when its top four bits are all 1, i.e. bits
 * i+4…i+7 (HLIT) or i+9…i+12 (HDIST) of x. No branch per position: only the ~1 in 9
 * positions that pass go on, lowest first, to the code-length code's Kraft sum.
 *
 * The same step checks the four stored-block candidates among its positions (bits 5, 13,
 * 21, 29: LEN in bytes 1–4 of x) with one zero-byte test over the LEN ^ NLEN bytes; their
 * header bits are 000, so they are never also dynamic candidates.
 */
function nextCandidate(b: Uint8Array, fromBit: number, toBit: number): number {
  const n = b.length;
  const end = Math.min(toBit, n * 8);
  if (fromBit >= end) return -1;
  let p = fromBit >>> 3;
  // positions before fromBit in the first step are masked off
  let lowMask = -1 << (fromBit & 7);
  const fastBytes = n - FAST_TAIL_BYTES;
  // one 4-byte load per word (engines inline DataView reads); measured faster than four byte reads
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (; p <= fastBytes && p * 8 < end; p += 4) {
    const lo = dv.getInt32(p, true);
    const hi = dv.getInt32(p + 4, true);
    const s1 = (lo >>> 1) | (hi << 31);
    const s2 = (lo >>> 2) | (hi << 30);
    const s3 = (lo >>> 3) | (hi << 29);
    // four ones from position i on, for i in 0…31 (lo) and 32…40 (hi)
    const qlo = lo & s1 & s2 & s3;
    const qhi = hi & (hi >>> 1) & (hi >>> 2) & (hi >>> 3);
    const badCount = (qlo >>> 4) | (qhi << 28) | (qlo >>> 9) | (qhi << 23);
    let pass = ~(lo | s1) & s2 & ~badCount;
    // stored: byte j of t is b[p+1+j] ^ b[p+3+j] (j = 0…3), t4 the same for j = 4; LEN at p+1+j matches when bytes j and j+1 are 0xff
    const t = ((lo >>> 8) | (hi << 24)) ^ ((lo >>> 24) | (hi << 8));
    const t4 = ((hi >>> 8) ^ (hi >>> 24)) & 0xff;
    const m = ~(t & ((t >>> 8) | (t4 << 24)));
    let stored = 0;
    if (((m - 0x01010101) & ~m & 0x80808080) !== 0) {
      // some byte of m is 0 (the test has no false negatives; which bytes, checked one by one)
      for (let j = 0; j < 4; j++) if (((m >>> (8 * j)) & 0xff) === 0 && b[p + j]! >>> 5 === 0) stored |= 1 << (8 * j + 5);
      pass |= stored;
    }
    pass &= lowMask;
    lowMask = -1;
    while (pass !== 0) {
      const i = 31 - Math.clz32(pass & -pass);
      pass &= pass - 1;
      const bit = p * 8 + i;
      if (bit >= end) return -1;
      if (stored & (1 << i)) return bit;
      // step 2, no branch until the sum: HCLEN + 4 lengths, 8 per 24-bit piece, 4 per table lookup
      const first = (lo >>> i) | ((hi << 1) << (31 - i));
      const h = (first >>> FILTER_BITS) & 15;
      const at = bit + PRECODE_AT;
      const q = at >>> 3;
      const sh = at & 7;
      const v0 = (dv.getUint32(q, true) >>> sh) & PRE_MASK[3 * h]!;
      const v1 = (dv.getUint32(q + 3, true) >>> sh) & PRE_MASK[3 * h + 1]!;
      const v2 = (dv.getUint32(q + 6, true) >>> sh) & PRE_MASK[3 * h + 2]!;
      const sum = PRECODE_KRAFT[v0 & 0xfff]! + PRECODE_KRAFT[v0 >>> 12]! + PRECODE_KRAFT[v1 & 0xfff]! + PRECODE_KRAFT[v1 >>> 12]! + PRECODE_KRAFT[v2 & 0xfff]!;
      if (sum === PRECODE_FULL && codesComplete(b, bit, first)) return bit;
    }
  }
  // the last bytes, where the reads above would run past the input: one position at a time
  for (let bit = Math.max(fromBit, p * 8); bit < end; bit++) {
    if (storedAt(b, bit)) return bit;
    const first = peek25(b, bit);
    if (prefixPasses(first) && precodeComplete(b, bit, (first >>> FILTER_BITS) & 15) && codesComplete(b, bit, first)) return bit;
  }
  return -1;
}

/** The first candidate block start (module comment) in [fromBit, toBit) of `b`, or -1. */
export function findBlockStart(b: Uint8Array, fromBit: number, toBit: number): number {
  return nextCandidate(b, Math.max(0, fromBit), toBit);
}

/** Candidate block starts in [fromBit, toBit) of `b`, in order, at most `max`. */
export function blockStarts(b: Uint8Array, fromBit: number, toBit: number, max = Number.POSITIVE_INFINITY): number[] {
  const found: number[] = [];
  let bit = fromBit;
  while (found.length < max) {
    const at = findBlockStart(b, bit, toBit);
    if (at < 0) break;
    found.push(at);
    bit = at + 1;
  }
  return found;
}

/** Is there a candidate block start exactly at `bit`? */
export function isBlockStart(b: Uint8Array, bit: number): boolean {
  return findBlockStart(b, bit, bit + 1) === bit;
}
