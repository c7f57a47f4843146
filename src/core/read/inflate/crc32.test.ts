import { describe, expect, it } from 'vitest';
import * as zlib from 'node:zlib';
import { crc32Repeat, crc32Update } from './crc32';
import { xorshift32 as rng } from './sample.testkit';

/** node:zlib's own CRC-32 (Node ≥ 20.15), else the byte-wise update: the reference the fast paths are checked against. */
const zcrc = (zlib as unknown as { crc32?(b: Uint8Array, v?: number): number }).crc32;
function reference(crc: number, b: Uint8Array): number {
  if (zcrc) return zcrc(b, crc);
  let c = ~crc;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return ~c >>> 0;
}

function repeated(block: Uint8Array, k: number): Uint8Array {
  const out = new Uint8Array(block.length * k);
  for (let i = 0; i < k; i++) out.set(block, i * block.length);
  return out;
}

describe('crc32Update', () => {
  it('equals the byte-wise CRC-32 at every alignment and length', () => {
    const r = rng(7);
    const b = Uint8Array.from({ length: 4099 }, () => r() & 0xff);
    for (const [s, e] of [
      [0, 0],
      [0, 1],
      [3, 11],
      [1, 4099],
      [0, 4096],
    ] as const) {
      expect(crc32Update(0, b, s, e)).toBe(reference(0, b.subarray(s, e)));
      expect(crc32Update(0x12345678, b, s, e)).toBe(reference(0x12345678, b.subarray(s, e)));
    }
    expect(crc32Update(0, new TextEncoder().encode('123456789'))).toBe(0xcbf43926); // the check value of CRC-32/ISO-HDLC
  });
});

describe('crc32Repeat', () => {
  it('equals the CRC of the repeated bytes written out, for random blocks, counts and starting CRCs', () => {
    const r = rng(42);
    for (let t = 0; t < 300; t++) {
      // runs of one byte, short periods ("abab…") with counts up to 70,000, and long blocks
      const d = t % 3 === 0 ? 1 : t % 3 === 1 ? 1 + (r() % 7) : 1 + (r() % 5000);
      const k = r() % (t % 5 === 0 && d < 8 ? 70_000 : 300);
      const pre = r() % 20;
      const b = Uint8Array.from({ length: pre + d }, () => (t % 4 === 0 ? 0 : r() & 0xff));
      const crc0 = t % 2 ? r() >>> 0 : 0;
      const want = reference(crc0, repeated(b.subarray(pre), k));
      expect(crc32Repeat(crc0, b, pre, pre + d, k)).toBe(want);
    }
  });

  it('continues a CRC taken over data before the run, and is continued over data after it', () => {
    const r = rng(3);
    const head = Uint8Array.from({ length: 1000 }, () => r() & 0xff);
    const tail = Uint8Array.from({ length: 77 }, () => r() & 0xff);
    const run = repeated(head.subarray(998), 150_001); // period 2: "abab…"
    const all = new Uint8Array(head.length + run.length + tail.length);
    all.set(head, 0);
    all.set(run, head.length);
    all.set(tail, head.length + run.length);
    let c = crc32Update(0, head);
    c = crc32Repeat(c, head, 998, 1000, 150_001);
    c = crc32Update(c, tail);
    expect(c).toBe(reference(0, all));
  });

  it('counts past 2^32: 10 GiB of zeros as one byte repeated equals 1 MiB blocks repeated', () => {
    // Two different decompositions of the same bytes (the count of the first passes 2^32),
    // anchored to the reference by the 1 MiB block itself and by 64 MiB written out.
    const mib = new Uint8Array(1 << 20);
    expect(crc32Repeat(0, mib, 0, mib.length, 1)).toBe(reference(0, mib));
    const sixtyFour = new Uint8Array(64 << 20);
    expect(crc32Repeat(0, mib, 0, 1, sixtyFour.length)).toBe(reference(0, sixtyFour));
    expect(crc32Repeat(0, mib, 0, 1, 10 * 1024 ** 3)).toBe(crc32Repeat(0, mib, 0, mib.length, 10_240));
  });

  it('k = 0 or an empty block leaves the CRC as it was', () => {
    const b = Uint8Array.of(1, 2, 3);
    expect(crc32Repeat(0xdeadbeef, b, 0, 3, 0)).toBe(0xdeadbeef);
    expect(crc32Repeat(0xdeadbeef, b, 1, 1, 5)).toBe(0xdeadbeef);
  });
});
