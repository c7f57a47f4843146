import { describe, expect, it } from 'vitest';
import { constants, deflateRawSync, gzipSync } from 'node:zlib';
import { type Checkpoint, Inflater, WSIZE } from './inflater';
import { crc32Update } from './crc32';
import { LayerscopeError } from '../../errors';
import { sample } from './sample.testkit';

function concat(chunks: Uint8Array[]): Uint8Array {
  const n = chunks.reduce((a, c) => a + c.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

function inflate(
  data: Uint8Array,
  opts: { format?: 'gzip' | 'raw'; split?: (rest: number) => number; spacing?: number; resume?: Checkpoint; reuseOutput?: boolean } = {},
): { out: Uint8Array; checkpoints: Checkpoint[] } {
  const chunks: Uint8Array[] = [];
  const checkpoints: Checkpoint[] = [];
  const inf = new Inflater({
    format: opts.format ?? 'gzip',
    onData: (c) => chunks.push(c.slice()),
    checkpoints: opts.spacing ? { spacing: opts.spacing, onCheckpoint: (c) => checkpoints.push(c) } : undefined,
    resume: opts.resume,
    reuseOutput: opts.reuseOutput,
  });
  let p = 0;
  while (p < data.length) {
    const n = Math.max(1, Math.min(data.length - p, opts.split ? opts.split(data.length - p) : data.length));
    inf.push(data.subarray(p, p + n), p + n === data.length);
    p += n;
  }
  if (data.length === 0) inf.push(new Uint8Array(0), true);
  return { out: concat(chunks), checkpoints };
}

const eq = (a: Uint8Array, b: Uint8Array) => expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);

describe('Inflater', () => {
  const data = sample(3_000_000);

  it('decodes what zlib writes, at every level and strategy', () => {
    for (const level of [0, 1, 6, 9]) {
      eq(inflate(gzipSync(data, { level })).out, data);
    }
    eq(inflate(gzipSync(data, { strategy: constants.Z_HUFFMAN_ONLY })).out, data);
    eq(inflate(gzipSync(data, { strategy: constants.Z_RLE })).out, data);
    eq(inflate(gzipSync(data, { strategy: constants.Z_FIXED })).out, data);
    eq(inflate(deflateRawSync(data), { format: 'raw' }).out, data);
    eq(inflate(gzipSync(new Uint8Array(0))).out, new Uint8Array(0));
  });

  it('matches that overlap themselves (runs of one byte, short and long periods) decode as zlib wrote them', () => {
    // zlib codes a repeated pattern of period p as matches at distance p, 258 bytes long:
    // the fill (p = 1), the doubling copies (p ≥ 8) and the byte loop (2 ≤ p < 8) all occur.
    const parts: Uint8Array[] = [];
    for (let period = 1; period <= 70; period++) {
      const unit = sample(period, period);
      const run = new Uint8Array(3000 + period * 7);
      for (let i = 0; i < run.length; i++) run[i] = unit[i % period]!;
      parts.push(run, sample(50, 1000 + period));
    }
    const data = concat(parts);
    for (const level of [1, 6, 9]) eq(inflate(gzipSync(data, { level })).out, data);
    eq(inflate(gzipSync(data, { strategy: constants.Z_RLE })).out, data);
    const zeros = new Uint8Array(5_000_000);
    eq(inflate(gzipSync(zeros)).out, zeros);
    // with the output buffer written again after each chunk (the consumer copies, as here)
    eq(inflate(gzipSync(data, { level: 6 }), { reuseOutput: true, split: () => 65536 }).out, data);
    const big = sample(3_000_000, 7);
    eq(inflate(gzipSync(big), { reuseOutput: true }).out, big);
  });

  it('gives the same bytes whatever the input chunking (1-byte, random, 64 KiB)', () => {
    const small = data.subarray(0, 200_000);
    const gz = gzipSync(small);
    eq(inflate(gz, { split: () => 1 }).out, small);
    let s = 7;
    const randomSplit = () => {
      s = (s * 1103515245 + 12345) >>> 0;
      return 1 + (s % 5000);
    };
    eq(inflate(gz, { split: randomSplit }).out, small);
    eq(inflate(gzipSync(data), { split: () => 65536 }).out, data);
  });

  it('decodes every member of a multi-member stream and checks each trailer', () => {
    const a = data.subarray(0, 100_000);
    const b = data.subarray(100_000, 400_000);
    const gz = concat([gzipSync(a), gzipSync(b), gzipSync(new Uint8Array(0))]);
    eq(inflate(gz, { split: () => 777 }).out, concat([a, b]));
    // zero padding after the last member is accepted, other trailing bytes are not
    eq(inflate(concat([gz, new Uint8Array(100)])).out, concat([a, b]));
    expect(() => inflate(concat([gz, new Uint8Array([1, 2, 3])]))).toThrow(/trailing garbage/);
  });

  it('reads header fields (FEXTRA, FNAME, FCOMMENT, FHCRC)', () => {
    const raw = deflateRawSync(data.subarray(0, 5000));
    const crc = crc32Update(0, data.subarray(0, 5000));
    const hdr = [
      0x1f,
      0x8b,
      8,
      4 | 8 | 16 | 2,
      0,
      0,
      0,
      0,
      0,
      255,
      3,
      0,
      1,
      2,
      3,
      ...new TextEncoder().encode('name'),
      0,
      ...new TextEncoder().encode('comment'),
      0,
      0,
      0,
    ];
    const trailer = new Uint8Array(8);
    new DataView(trailer.buffer).setUint32(0, crc, true);
    new DataView(trailer.buffer).setUint32(4, 5000, true);
    eq(inflate(concat([new Uint8Array(hdr), raw, trailer]), { split: () => 3 }).out, data.subarray(0, 5000));
  });

  it('CRC-32 matches zlib (slicing by 8)', () => {
    const gz = gzipSync(data);
    const stored = new DataView(gz.buffer, gz.byteOffset + gz.length - 8).getUint32(0, true);
    expect(crc32Update(0, data)).toBe(stored);
    expect(crc32Update(crc32Update(0, data.subarray(0, 12345)), data.subarray(12345))).toBe(stored);
  });

  it('refuses corrupt data with BAD_GZIP and cut data with TRUNCATED, never hanging', () => {
    const gz = gzipSync(data.subarray(0, 300_000));
    for (const cut of [5, 20, 1000, gz.length - 9, gz.length - 1]) {
      try {
        inflate(gz.subarray(0, cut));
        throw new Error('no error');
      } catch (e) {
        expect(e).toBeInstanceOf(LayerscopeError);
        expect((e as LayerscopeError).code).toBe('TRUNCATED');
      }
    }
    let s = 99;
    let errors = 0;
    for (let k = 0; k < 300; k++) {
      const bad = gz.slice();
      s = (s * 1103515245 + 12345) >>> 0;
      const at = 10 + (s % (bad.length - 20));
      bad[at]! ^= 1 << (s >>> 29);
      try {
        const r = inflate(bad, { split: () => 4096 });
        // a flip the code cannot see shows in the CRC; anything that passes must be the same bytes
        eq(r.out, data.subarray(0, 300_000));
      } catch (e) {
        expect(e).toBeInstanceOf(LayerscopeError);
        expect(['BAD_GZIP', 'TRUNCATED']).toContain((e as LayerscopeError).code);
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(250);
    expect(() => inflate(new Uint8Array([0x1f, 0x8b, 9, 0, 0, 0, 0, 0, 0, 0]))).toThrow(/compression method/);
    expect(() => inflate(new TextEncoder().encode('hello world, not gzip'))).toThrow(/bad magic/);
  });

  it('records checkpoints at block boundaries from which decoding resumes to the same bytes', () => {
    const gz = gzipSync(data, { level: 6 });
    const spacing = 256 * 1024;
    const { out, checkpoints } = inflate(gz, { spacing, split: () => 65536 });
    eq(out, data);
    expect(checkpoints.length).toBeGreaterThan(data.length / spacing - 1);
    // the first member's deflate data, after gzipSync's 10-byte header: out 0, no window
    expect(checkpoints[0]).toMatchObject({ out: 0, bit: 80, member: false });
    expect(checkpoints[0]!.window.length).toBe(0);
    eq(inflate(gz.subarray(10), { resume: checkpoints[0]!, split: () => 10_000 }).out, data);
    let prev = 0;
    for (const c of checkpoints.slice(1)) {
      expect(c.out - prev).toBeGreaterThanOrEqual(spacing);
      prev = c.out;
      expect(c.window.length).toBe(WSIZE);
      eq(c.window, data.subarray(c.out - WSIZE, c.out));
      const r = inflate(gz.subarray(Math.floor(c.bit / 8)), { resume: c, split: () => 10_000 });
      eq(r.out, data.subarray(c.out));
    }
  });

  it('resumes across member boundaries, and records member starts as checkpoints without a window', () => {
    const parts = [data.subarray(0, 700_000), data.subarray(700_000, 1_500_000), data.subarray(1_500_000)];
    const gz = concat(parts.map((p) => gzipSync(p)));
    const { out, checkpoints } = inflate(gz, { spacing: 300_000, split: () => 50_000 });
    eq(out, data);
    for (const c of checkpoints) {
      const r = inflate(gz.subarray(Math.floor(c.bit / 8)), { resume: c });
      eq(r.out, data.subarray(c.out));
    }
    // many small members (one block each, as eStargz writes): the member starts are the resume points
    const small = Array.from({ length: 60 }, (_, i) => data.subarray(i * 9000, (i + 1) * 9000));
    const gz2 = concat(small.map((p) => gzipSync(p)));
    const r2 = inflate(gz2, { spacing: 40_000, split: () => 3000 });
    eq(r2.out, concat(small));
    expect(r2.checkpoints.length).toBeGreaterThan(5);
    expect(r2.checkpoints[0]).toMatchObject({ out: 0, bit: 80, member: false });
    expect(r2.checkpoints.slice(1).every((c) => c.member && c.window.length === 0 && c.bit % 8 === 0)).toBe(true);
    for (const c of r2.checkpoints) eq(inflate(gz2.subarray(c.bit / 8), { resume: c }).out, concat(small).subarray(c.out));
  });
});
