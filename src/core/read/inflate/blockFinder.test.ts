import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { blockStarts, CODE_LENGTHS_ERROR, findBlockStart, isBlockStart, readCodeLengths } from './blockFinder';
import { oracleBlockStarts, oracleIsBlockStart } from './blockFinder.testkit';
import { type Checkpoint, Inflater } from './inflater';
import { MarkerDecoder } from './speculative';
import { pigzLike, sample, xorshift32 } from './sample.testkit';

/** Every block boundary of a raw deflate stream, from the project's inflater (a checkpoint at each block). */
function boundaries(raw: Uint8Array): Checkpoint[] {
  const cps: Checkpoint[] = [];
  const inf = new Inflater({ format: 'raw', onData: () => {}, checkpoints: { spacing: 1, onCheckpoint: (c) => cps.push(c) } });
  inf.push(raw, true);
  return cps;
}

/** The three header bits at `bit` (BFINAL, then BTYPE). */
function header3(raw: Uint8Array, bit: number): number {
  return ((raw[bit >>> 3]! | ((raw[(bit >>> 3) + 1] ?? 0) << 8)) >>> (bit & 7)) & 7;
}

/** `raw` preceded by `k` random bits (0–7): every bit offset moves by k. */
function shifted(raw: Uint8Array, k: number, seed: number): Uint8Array {
  if (k === 0) return raw;
  const rnd = xorshift32(seed);
  const out = new Uint8Array(raw.length + 1);
  let carry = rnd() & ((1 << k) - 1);
  for (let i = 0; i < raw.length; i++) {
    out[i] = (carry | (raw[i]! << k)) & 0xff;
    carry = raw[i]! >>> (8 - k);
  }
  out[raw.length] = carry | ((rnd() & 0xff) << k);
  return out;
}

/** Little-endian bit writer (deflate's order) over a buffer of random bytes. */
class Bits {
  constructor(
    readonly b: Uint8Array,
    public at: number,
  ) {}
  put(v: number, n: number): void {
    for (let i = 0; i < n; i++, this.at++) {
      const m = 1 << (this.at & 7);
      if ((v >>> i) & 1) this.b[this.at >>> 3]! |= m;
      else this.b[this.at >>> 3]! &= ~m;
    }
  }
  /** A Huffman code, most significant bit first (RFC 1951 §3.1.1). */
  code(c: number, len: number): void {
    for (let i = len - 1; i >= 0; i--) this.put((c >>> i) & 1, 1);
  }
}

const CLEN_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/**
 * Writes a valid non-final dynamic header at `at` with these HLIT/HDIST/HCLEN fields.
 * The literal/length symbols 1…256 have length 8 (complete). `dist`: 0, every distance
 * length 0 (no distance codes, which zlib accepts); 1, one distance code of length 1 (a
 * single code, also accepted); 2, two of length 1 (complete). The code-length code uses
 * 0 and 8 (both among the first five sent, so HCLEN ≥ 1), and 1 for distances 1 and 2
 * (sent 18th: HCLEN ≥ 14). Returns the bit after the header.
 */
function writeHeader(b: Uint8Array, at: number, hlitField: number, hdistField: number, hclenField: number, rnd: () => number, dist = 0): number {
  if (dist && hclenField < 14) throw new Error('a length-1 code needs HCLEN ≥ 14');
  const w = new Bits(b, at);
  w.put(0b100, 3);
  w.put(hlitField, 5);
  w.put(hdistField, 5);
  w.put(hclenField, 4);
  // code-length code: without 1, symbols 0 and 8 one bit each ("0", "1"); with it, 0 one bit ("0"), 1 and 8 two ("10", "11")
  const clen = dist ? { 0: 1, 1: 2, 8: 2 } : { 0: 1, 8: 1 };
  for (let i = 0; i < hclenField + 4; i++) w.put(clen[CLEN_ORDER[i]! as 0] ?? 0, 3);
  const put = (len: number) => {
    if (len === 0) w.code(0, 1);
    else if (len === 8) w.code(dist ? 0b11 : 1, dist ? 2 : 1);
    else w.code(0b10, 2);
  };
  const hlit = hlitField + 257;
  for (let i = 0; i < hlit; i++) put(i >= 1 && i <= 256 ? 8 : 0);
  for (let i = 0; i <= hdistField; i++) put(i < dist ? 1 : 0);
  // something random after, as a real block's data would be
  for (let i = 0; i < 64; i++) w.put(rnd() & 1, 1);
  return w.at;
}

function randomBytes(n: number, seed: number): Uint8Array {
  const rnd = xorshift32(seed);
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = rnd() & 0xff;
  return b;
}

describe('blockFinder', () => {
  const data = sample(1024 * 1024, 11);

  it('finds a valid header for every HLIT ≤ 29, HDIST ≤ 29 and HCLEN ≥ 1, at every bit offset, where the oracle finds it', () => {
    // HCLEN 0 sends only the lengths of 16, 17, 18 and 0: no literal can get a length, so no valid header has it
    const rnd = xorshift32(3);
    const buf = randomBytes(512, 1);
    let n = 0;
    for (let hlit = 0; hlit <= 29; hlit++)
      for (let hdist = 0; hdist <= 29; hdist++)
        for (let hclen = 1; hclen <= 15; hclen++) {
          const at = 8 * (rnd() % 64) + (n++ & 7);
          // with a length-1 code available, also one and two distance codes (2 needs HDIST ≥ 1)
          const dist = hclen >= 14 ? (hdist ? n % 3 : n % 2) : 0;
          writeHeader(buf, at, hlit, hdist, hclen, rnd, dist);
          expect(oracleIsBlockStart(buf, at)).toBe(true);
          if (findBlockStart(buf, Math.max(0, at - 200), at + 1) !== at && !blockStarts(buf, Math.max(0, at - 200), at + 1).includes(at))
            throw new Error(`missed a valid header: HLIT ${hlit} HDIST ${hdist} HCLEN ${hclen} at bit ${at}`);
        }
    expect(n).toBe(30 * 30 * 15);
  });

  it('rejects headers that are valid but for HLIT or HDIST 30 or 31 (RFC 1951 allows at most 286 and 30 codes), at every bit of a 32-bit step', () => {
    const rnd = xorshift32(4);
    for (let at = 64; at < 64 + 40; at++) {
      for (const [hlit, hdist] of [
        [30, 3],
        [31, 3],
        [5, 30],
        [5, 31],
        [29, 29],
      ] as const) {
        const buf = randomBytes(200, at);
        writeHeader(buf, at, hlit, hdist, 1 + (rnd() % 15), rnd);
        const valid = hlit <= 29 && hdist <= 29;
        expect(oracleIsBlockStart(buf, at)).toBe(valid);
        // searched from bit 0, `at` is position at % 32 of its step (a search from `at` would put it at 0–7)
        expect(blockStarts(buf, 0, buf.length * 8).includes(at)).toBe(valid);
        expect(isBlockStart(buf, at)).toBe(valid);
      }
    }
  });

  it('short inputs, and the last bytes of any input: the oracle’s positions, no read past the end', () => {
    for (let seed = 1; seed <= 3000; seed++) {
      const b = randomBytes(1 + (seed % 90), seed);
      // 0x04 bytes read BFINAL 0, BTYPE 10 at bit 0: more positions get to the later checks near the end
      if (seed % 2) for (let i = 0; i < b.length; i += 3) b[i] = 0x04;
      expect(blockStarts(b, 0, b.length * 8 + 64)).toEqual(oracleBlockStarts(b, 0, b.length * 8 + 64));
    }
  });

  it('rejects what the oracle rejects near a valid header: every single bit flipped in it', () => {
    const rnd = xorshift32(9);
    for (let t = 0; t < 40; t++) {
      const buf = randomBytes(400, 100 + t);
      const at = 8 * 4 + (t & 7);
      const hclen = 1 + (rnd() % 15);
      const end = writeHeader(buf, at, rnd() % 30, 1 + (rnd() % 29), hclen, rnd, hclen >= 14 ? t % 3 : 0);
      for (let f = at; f < end; f++) {
        buf[f >>> 3]! ^= 1 << (f & 7);
        expect(isBlockStart(buf, at)).toBe(oracleIsBlockStart(buf, at));
        buf[f >>> 3]! ^= 1 << (f & 7);
      }
    }
  });

  it('returns exactly the oracle’s positions over random bytes, whole and in sub-ranges', () => {
    for (const seed of [1, 2, 3]) {
      const b = randomBytes(96 * 1024, seed);
      const all = oracleBlockStarts(b, 0, b.length * 8);
      expect(blockStarts(b, 0, b.length * 8)).toEqual(all);
      const rnd = xorshift32(seed + 50);
      for (let i = 0; i < 20; i++) {
        const from = rnd() % (b.length * 8);
        const to = from + (rnd() % 100_000);
        expect(blockStarts(b, from, to)).toEqual(all.filter((x) => x >= from && x < to));
        expect(blockStarts(b, from, to, 2)).toEqual(all.filter((x) => x >= from && x < to).slice(0, 2));
      }
    }
  });

  it('returns the oracle’s positions over bytes dense with valid and damaged headers (the later checks decide)', () => {
    // random bytes almost never get past the code-length code; overlapping written headers do, and then fail or pass on their codes
    const rnd = xorshift32(77);
    const b = randomBytes(64 * 1024, 5);
    for (let i = 0; i < 1500; i++) {
      const hclen = 1 + (rnd() % 15);
      writeHeader(b, rnd() % (b.length * 8 - 1200), rnd() % 30, 1 + (rnd() % 29), hclen, rnd, hclen >= 14 ? i % 3 : 0);
    }
    const want = oracleBlockStarts(b, 0, b.length * 8);
    expect(want.length).toBeGreaterThan(500);
    expect(blockStarts(b, 0, b.length * 8)).toEqual(want);
  });

  it.each([1, 6, 9])('zlib level %i: the oracle’s positions at every bit offset 0–7, every real non-final dynamic boundary among them', (level) => {
    const raw = deflateRawSync(data, { level });
    const real = boundaries(raw).filter((c) => c.out > 0 && header3(raw, c.bit) === 0b100);
    expect(real.length).toBeGreaterThan(5);
    for (let k = 0; k < 8; k++) {
      const b = shifted(raw, k, k + level);
      const got = blockStarts(b, 0, b.length * 8);
      expect(got).toEqual(oracleBlockStarts(b, 0, b.length * 8));
      const set = new Set(got);
      for (const c of real) expect(set.has(c.bit + k)).toBe(true);
    }
  });

  it.each([false, true])('pigz-style %s flush chunks: the oracle’s positions; each chunk start found', (independent) => {
    const raw = pigzLike(data, independent);
    const got = blockStarts(raw, 0, raw.length * 8);
    expect(got).toEqual(oracleBlockStarts(raw, 0, raw.length * 8));
    const set = new Set(got);
    // a flush ends with an empty stored block (LEN 0, NLEN 0xffff after its header); the next chunk's dynamic block starts on the byte after it
    const stored = boundaries(raw).filter((c) => c.out > 0 && header3(raw, c.bit) === 0);
    expect(stored.length).toBeGreaterThan(3);
    let chunkStarts = 0;
    for (const c of stored) {
      const lenByte = Math.ceil((c.bit + 3) / 8);
      expect(set.has(lenByte * 8 - 3)).toBe(true);
      const next = (lenByte + 4) * 8;
      if (header3(raw, next) !== 0b100) continue;
      chunkStarts++;
      expect(set.has(next)).toBe(true);
    }
    expect(chunkStarts).toBeGreaterThan(3);
  });

  it('stored blocks (level 0): the oracle’s positions at every bit offset, each block’s candidate bit found', () => {
    const raw = deflateRawSync(data.subarray(0, 400_000), { level: 0 });
    const cps = boundaries(raw).filter((c) => c.out > 0);
    expect(cps.length).toBeGreaterThan(3);
    for (let k = 0; k < 8; k++) {
      const b = shifted(raw, k, 40 + k);
      const got = blockStarts(b, 0, b.length * 8);
      expect(got).toEqual(oracleBlockStarts(b, 0, b.length * 8));
      // stored blocks are byte-aligned: shifting the stream by k moves them by k bits only when their LEN stays on a byte
      if (k === 0) for (const cp of cps) expect(got).toContain(Math.ceil((cp.bit + 3) / 8) * 8 - 3);
    }
  });

  it('near the end of the input: headers cut short read as zeros, like the oracle', () => {
    const raw = deflateRawSync(data.subarray(0, 300_000), { level: 6 });
    const real = boundaries(raw).filter((c) => c.out > 0 && header3(raw, c.bit) === 0b100);
    for (const c of real.slice(0, 6)) {
      for (const cut of [2, 5, 9, 12, 20, 40, 80, 200]) {
        const b = raw.subarray(0, (c.bit >>> 3) + cut);
        const from = Math.max(0, c.bit - 500);
        expect(blockStarts(b, from, b.length * 8 + 100)).toEqual(oracleBlockStarts(b, from, b.length * 8 + 100));
      }
    }
    expect(findBlockStart(new Uint8Array(0), 0, 100)).toBe(-1);
    expect(blockStarts(raw, 50, 50)).toEqual([]);
  });

  it('readCodeLengths (shared with the MarkerDecoder) returns the lengths written and the bit after them, or the rule broken', () => {
    const rnd = xorshift32(21);
    const buf = randomBytes(200, 8);
    const at = 13;
    const end = writeHeader(buf, at, 4, 2, 14, rnd, 2) - 64;
    const lens = new Uint8Array(320);
    expect(readCodeLengths(buf, at + 17, 261, 3, 18, lens)).toBe(end);
    expect(Array.from(lens.subarray(0, 264))).toEqual(Array.from({ length: 264 }, (_, i) => (i >= 1 && i <= 256 ? 8 : i >= 261 && i < 263 ? 1 : 0)));
    // the code-length code's first length (for 16) set to 1: over-subscribed
    const bad = buf.slice();
    new Bits(bad, at + 17).put(1, 3);
    const r = readCodeLengths(bad, at + 17, 261, 3, 18, lens);
    expect(CODE_LENGTHS_ERROR[-r]).toBe('invalid code lengths set');
    const dec = new MarkerDecoder(bad, at, { maxOut: 1000 });
    expect(dec.decode(1000)).toBe('error');
    expect(dec.error).toBe('invalid code lengths set');
  });
});
