import { afterEach, describe, expect, it, vi } from 'vitest';
import { gzipSync } from 'node:zlib';
import { Inflater, OUT_CHUNK } from './inflater';
import { LayerscopeError } from '../../errors';
import { xorshift32 } from './sample.testkit';

/**
 * How the inflater spends its work on long repetitions (issue 9, point 3): the
 * CRC-32 functions are wrapped to count the bytes each accounts for, and the
 * buffer's fill/copyWithin calls are counted. These count work, not time.
 */
const crcWork = vi.hoisted(() => ({ read: 0, repeated: 0 }));
vi.mock('./crc32', async (importOriginal) => {
  const real = await importOriginal<typeof import('./crc32')>();
  return {
    ...real,
    crc32Update: (crc: number, b: Uint8Array, start = 0, end = b.length) => {
      crcWork.read += end - start;
      return real.crc32Update(crc, b, start, end);
    },
    crc32Repeat: (crc: number, b: Uint8Array, start: number, end: number, k: number) => {
      crcWork.repeated += (end - start) * k;
      return real.crc32Repeat(crc, b, start, end, k);
    },
  };
});

function countCalls(): { calls: () => number; restore: () => void } {
  const fill = vi.spyOn(Uint8Array.prototype, 'fill');
  const copy = vi.spyOn(Uint8Array.prototype, 'copyWithin');
  return {
    calls: () => fill.mock.calls.length + copy.mock.calls.length,
    restore: () => {
      fill.mockRestore();
      copy.mockRestore();
    },
  };
}

afterEach(() => {
  crcWork.read = 0;
  crcWork.repeated = 0;
  vi.restoreAllMocks();
});

/** `n` bytes repeating `period`. */
function periodic(period: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = period[i % period.length]!;
  return out;
}

function inflateAll(gz: Uint8Array, split = gz.length): { out: Uint8Array; size: number } {
  const parts: Uint8Array[] = [];
  let size = 0;
  const inf = new Inflater({
    reuseOutput: true,
    onData: (c) => {
      parts.push(c.slice());
      size += c.length;
    },
  });
  for (let p = 0; p < gz.length; p += split) inf.push(gz.subarray(p, Math.min(gz.length, p + split)), p + split >= gz.length);
  const out = new Uint8Array(size);
  let o = 0;
  for (const c of parts) {
    out.set(c, o);
    o += c.length;
  }
  return { out, size };
}

const MiB = 1024 * 1024;

describe('Inflater on long repetitions', () => {
  it.each([
    ['zeros (period 1)', Uint8Array.of(0)],
    ['"ab" (period 2)', Uint8Array.of(0x61, 0x62)],
    ['period 3', Uint8Array.of(1, 2, 3)],
    ['period 7', Uint8Array.of(9, 8, 7, 6, 5, 4, 3)],
    ['period 4096', Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24)],
  ])('%s: written a run per output buffer, CRC-32 checked over every byte once, mostly by repetition', (_, period) => {
    const n = 48 * MiB;
    const data = periodic(period, n);
    const gz = gzipSync(data);
    const c = countCalls();
    const { out } = inflateAll(gz, MiB);
    const calls = c.calls();
    c.restore();
    expect(Buffer.from(out).equals(Buffer.from(data))).toBe(true);
    // Without deferred runs: one fill or copy per 258-byte match (195,000 here). With them: a run
    // per buffer (and where a deflate block ends, every ~4 MiB here), written by one fill
    // (period 1) or ~log2(buffer / period) doubling copies, plus the history copy per buffer.
    const buffers = Math.ceil(n / OUT_CHUNK);
    expect(calls).toBeLessThan(2 * buffers * (2 + Math.log2(OUT_CHUNK / period.length)));
    // Every output byte is in the CRC exactly once (the trailer check passed), and almost all
    // of it through crc32Repeat: reading it (slicing by 8) would cost 48 MiB of table steps.
    expect(crcWork.read + crcWork.repeated).toBe(n);
    expect(crcWork.read).toBeLessThan(buffers * (8192 + 2 * period.length));
  });

  it('runs broken by literals, other distances and input cut anywhere decode as zlib wrote them', () => {
    // Runs of random lengths and periods 1–9 (plus 300 and 5000), each followed by a random byte,
    // so a run ends and a new one starts at the same distance without touching it.
    const rnd = xorshift32(12345);
    const out: number[] = [];
    while (out.length < 6 * MiB) {
      const d = rnd() % 11 === 0 ? [300, 5000][rnd() % 2]! : 1 + (rnd() % 9);
      if (out.length < d) {
        out.push(rnd() & 0xff);
        continue;
      }
      const len = rnd() % 3 === 0 ? rnd() % 200_000 : rnd() % 600;
      for (let i = 0; i < len; i++) out.push(out[out.length - d]!);
      out.push(rnd() & 0xff);
    }
    const data = Uint8Array.from(out);
    for (const level of [1, 6, 9]) {
      const gz = gzipSync(data, { level });
      for (const split of [gz.length, 4099, 77]) expect(Buffer.from(inflateAll(gz, split).out).equals(Buffer.from(data))).toBe(true);
    }
  });

  it('a run whose trailer CRC-32 is wrong is refused (the repeated CRC is checked, not skipped)', () => {
    const data = new Uint8Array(8 * MiB);
    data[5 * MiB] = 1; // one byte in the middle of two runs
    const gz = gzipSync(data);
    // the trailer of the same length of zeros only: what a decoder that did not fold runs into the CRC could accept
    const zeros = gzipSync(new Uint8Array(8 * MiB));
    const forged = Uint8Array.from(gz);
    forged.set(zeros.subarray(zeros.length - 8), forged.length - 8);
    expect(() => inflateAll(forged)).toThrow(LayerscopeError);
    expect(() => inflateAll(forged)).toThrow(/CRC-32/);
    expect(inflateAll(gz).size).toBe(8 * MiB);
  });
});
