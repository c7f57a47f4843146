import { describe, expect, it } from 'vitest';
import { readEntryBytes } from './contents';
import { xorshift32 } from './inflate/sample.testkit';
import { blobOf, gzipOf, layers, tar } from './speculative.testkit';
import { scanLayer } from './layerScan';
import { readSpeculatively, SEEK_HINT_SPACING, seekPlan, type SeekPlan, type SpeculativeFailure } from './speculativeRead';
import { memberHeader } from '../write/tarWriter';
import { EntryKind, type LayerIndex } from '../types';

const deepFiles = (idx: LayerIndex) => {
  const f: number[] = [];
  for (let i = 0; i < idx.count; i++) if (idx.kinds[i] === EntryKind.File && idx.sizes[i]! > 0 && idx.dataOffsets[i]! > 9 * 1024 * 1024) f.push(i);
  return f;
};

describe('speculative reads of a gzip layer', () => {
  it('the scan notes a seek hint per SEEK_HINT_SPACING of output, each in ≥ the compressed bytes its output needs', async () => {
    const gz = layers[1]![1];
    const idx = await scanLayer(blobOf(gz));
    const h = idx.seekHints!;
    expect(h.length / 2).toBeGreaterThanOrEqual(Math.floor(tar.length / SEEK_HINT_SPACING) - 1);
    for (let i = 2; i < h.length; i += 2) {
      expect(h[i]!).toBeGreaterThanOrEqual(h[i - 2]!);
      expect(h[i + 1]! - h[i - 1]!).toBeGreaterThanOrEqual(SEEK_HINT_SPACING);
    }
    expect((await scanLayer(blobOf(tar))).seekHints).toBeUndefined();
  });

  it.each(layers)('%s: deep files read speculatively are exact, and most reads succeed', async (_name, gz) => {
    const blob = blobOf(gz);
    const idx = await scanLayer(blob);
    const files = deepFiles(idx);
    const rnd = xorshift32(9);
    let ok = 0;
    const fails: SpeculativeFailure[] = [];
    for (let t = 0; t < 12; t++) {
      const e = files[rnd() % files.length]!;
      const off = idx.dataOffsets[e]!;
      const want = Math.min(idx.sizes[e]!, 64 * 1024);
      const plan = seekPlan(idx.seekHints, idx.paths[e]!, off, idx.sizes[e]!, off, want)!;
      expect(plan).not.toBeNull();
      const r = await readSpeculatively(blob, plan, off, want, { onFail: (w) => fails.push(w) });
      if (r) {
        expect(Buffer.from(r.bytes).equals(tar.subarray(off, off + want))).toBe(true);
        ok++;
      }
    }
    expect(ok, `failures: ${fails.join(', ')}`).toBeGreaterThanOrEqual(8);
  });

  it('random starts anywhere (false boundaries, wrong places): a read is exact or refused, never wrong', async () => {
    const gz = layers[2]![1];
    const blob = blobOf(gz);
    const idx = await scanLayer(blob);
    const files = deepFiles(idx);
    const rnd = xorshift32(21);
    let ok = 0;
    for (let t = 0; t < 12; t++) {
      const e = files[rnd() % files.length]!;
      const off = idx.dataOffsets[e]!;
      const want = Math.min(idx.sizes[e]!, 16 * 1024);
      // a start up to 3 MiB of compressed bytes before the file, at any byte
      const base = seekPlan(idx.seekHints, idx.paths[e]!, off, idx.sizes[e]!, off, want)!;
      const from = Math.max(0, base.starts[0]!.from - (rnd() % (1024 * 1024)));
      const plan: SeekPlan = { ...base, starts: [{ from, out: 0 }] };
      const r = await readSpeculatively(blob, plan, off, want);
      if (r) {
        expect(Buffer.from(r.bytes).equals(tar.subarray(off, off + want))).toBe(true);
        ok++;
      }
    }
    expect(ok).toBeGreaterThan(0);
  });

  it('refuses a file whose name or size does not match the header found there', async () => {
    const gz = layers[1]![1];
    const blob = blobOf(gz);
    const idx = await scanLayer(blob);
    const e = deepFiles(idx).find((i) => !idx.paths[i]!.includes('very-long'))!;
    const off = idx.dataOffsets[e]!;
    const plan = seekPlan(idx.seekHints, idx.paths[e]!, off, idx.sizes[e]!, off, 100)!;
    expect(await readSpeculatively(blob, plan, off, 100)).not.toBeNull();
    const why: SpeculativeFailure[] = [];
    expect(await readSpeculatively(blob, { ...plan, path: `${idx.paths[e]}x` }, off, 100, { onFail: (w) => why.push(w) })).toBeNull();
    expect(await readSpeculatively(blob, { ...plan, size: idx.sizes[e]! + 1 }, off, 100, { onFail: (w) => why.push(w) })).toBeNull();
    expect(why).toEqual(['no-header', 'no-header']);
  });

  it('no plan near the layer start, without hints, or for a range too long for one decode', async () => {
    const idx = await scanLayer(blobOf(layers[1]![1]));
    const first = deepFiles(idx)[0]!;
    expect(seekPlan(idx.seekHints, 'a', 1024, 10, 1024, 10)).toBeNull();
    expect(seekPlan(null, idx.paths[first]!, idx.dataOffsets[first]!, 10, idx.dataOffsets[first]!, 10)).toBeNull();
    expect(seekPlan(idx.seekHints, 'a', 10e6, 64e6, 10e6, 64e6)).toBeNull();
  });
});

/**
 * A layer built block by block so that one file's header decodes from known bytes while
 * its data is a back-reference into the window before the start: the read must refuse it
 * ('markers'), and readEntryBytes must then give the right bytes the old way.
 */
describe('a preview that depends on the unknown window', () => {
  const rnd = xorshift32(77);
  const dataA = Uint8Array.from({ length: 40960 }, () => rnd() & 0xff);
  const dataC = Uint8Array.from({ length: 512 }, () => rnd() & 0xff);
  const hdr = (path: string, size: number) => memberHeader({ path, kind: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0 }, size);
  const DIST = 20512;
  // tar: A, C, B (B's data copies A's from DIST back), end blocks
  const tarBytes = new Uint8Array(512 + 40960 + 512 + 512 + 512 + 1024 + 1024);
  tarBytes.set(hdr('a.bin', 40960), 0);
  tarBytes.set(dataA, 512);
  tarBytes.set(hdr('c.bin', 512), 41472);
  tarBytes.set(dataC, 41984);
  tarBytes.set(hdr('b.bin', 1024), 42496);
  const bAt = 43008;
  for (let i = 0; i < 1024; i++) tarBytes[bAt + i] = tarBytes[bAt + i - DIST]!;

  // raw deflate: stored(A), stored(C), stored(B's header), fixed(B's data as matches), stored(end), final empty fixed
  const bits: number[] = [];
  const put = (v: number, n: number) => {
    for (let i = 0; i < n; i++) bits.push((v >>> i) & 1);
  };
  const putHuff = (code: number, n: number) => {
    for (let i = n - 1; i >= 0; i--) bits.push((code >>> i) & 1);
  };
  const align = () => {
    while (bits.length % 8) bits.push(0);
  };
  const blockAt: number[] = [];
  const stored = (b: Uint8Array) => {
    blockAt.push(bits.length / 8);
    put(0, 3);
    align();
    put(b.length, 16);
    put(~b.length & 0xffff, 16);
    for (const x of b) put(x, 8);
  };
  stored(tarBytes.subarray(0, 41472));
  stored(tarBytes.subarray(41472, 42496));
  stored(tarBytes.subarray(42496, bAt));
  blockAt.push(bits.length / 8);
  put(0, 1);
  put(1, 2); // fixed Huffman
  const match = (len: number) => {
    if (len === 258)
      putHuff(0b11000101, 8); // symbol 285
    else {
      putHuff(0b11000100, 8); // symbol 284: 227 + 5 extra bits
      put(len - 227, 5);
    }
    putHuff(28, 5); // distance code 28: 16385 + 13 extra bits
    put(DIST - 16385, 13);
  };
  match(258);
  match(258);
  match(258);
  match(250);
  putHuff(0, 7); // end of block
  stored(tarBytes.subarray(bAt + 1024));
  put(1, 1);
  put(1, 2);
  putHuff(0, 7);
  align();
  const raw = new Uint8Array(bits.length / 8);
  for (let i = 0; i < bits.length; i++) raw[i >>> 3]! |= bits[i]! << (i & 7);
  const gz = gzipOf(raw, tarBytes);
  const blob = blobOf(gz);
  const GZ_HEADER = 10;
  const plan = (path: string, dataOffset: number, size: number, block: number, out: number): SeekPlan => ({
    starts: [{ from: GZ_HEADER + blockAt[block]!, out }],
    to: null,
    path,
    dataOffset,
    size,
  });

  it('the hand-built layer is what it claims (zlib agrees with the tar)', async () => {
    const idx = await scanLayer(blob);
    expect(idx.error).toBeNull();
    expect(idx.paths).toEqual(['a.bin', 'c.bin', 'b.bin']);
    expect(Array.from(idx.dataOffsets)).toEqual([512, 41984, bAt]);
  });

  it("refuses B: its header is known but its data depends on the window ('markers')", async () => {
    const why: SpeculativeFailure[] = [];
    expect(await readSpeculatively(blob, plan('b.bin', bAt, 1024, 1, 41472), bAt, 1024, { onFail: (w) => why.push(w) })).toBeNull();
    expect(why).toEqual(['markers']);
  });

  it('reads C from a start one block before it (the first block is distrusted, C is not)', async () => {
    const r = await readSpeculatively(blob, plan('c.bin', 41984, 512, 0, 0), 41984, 512);
    expect(r && Buffer.from(r.bytes).equals(dataC)).toBe(true);
  });

  it('readEntryBytes falls back to the old read when the speculative one refuses, and gets B right', async () => {
    const bytes = await readEntryBytes(blob, 'gzip', bAt, 1024, { seek: plan('b.bin', bAt, 1024, 1, 41472) });
    expect(Buffer.from(bytes).equals(tarBytes.subarray(bAt, bAt + 1024))).toBe(true);
  });

  it('readEntryBytes with a good plan returns the speculative bytes (and the same as the old read)', async () => {
    const p = plan('c.bin', 41984, 512, 0, 0);
    const [a, b] = await Promise.all([readEntryBytes(blob, 'gzip', 41984, 512, { seek: p }), readEntryBytes(blob, 'gzip', 41984, 512)]);
    expect(Buffer.from(a).equals(dataC)).toBe(true);
    expect(Buffer.from(b).equals(dataC)).toBe(true);
  });

  it('a cancelled read rejects CANCELLED on both paths', async () => {
    const ctl = new AbortController();
    ctl.abort();
    await expect(readEntryBytes(blob, 'gzip', bAt, 1024, { seek: plan('b.bin', bAt, 1024, 1, 41472), signal: ctl.signal })).rejects.toMatchObject({
      code: 'CANCELLED',
    });
  });
});
