import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { type AnchoredFailure, MAX_PROBE_HITS, PROBE_BYTES, probeHits, readAnchored, withAnchor } from './anchoredRead';
import { HEAD_START_MIN_DISTANCE, readEntryBytes } from './contents';
import { type Checkpoint, Inflater, WSIZE } from './inflate/inflater';
import { MARKER } from './inflate/speculative';
import { xorshift32 } from './inflate/sample.testkit';
import { scanLayer } from './layerScan';
import { LONG_NAME_LOOKBACK, seekPlan, type SeekPlan } from './speculativeRead';
import { blobOf, file, layers, tar } from './speculative.testkit';
import { writeTar } from '../write/tarWriter';
import { EntryKind, type LayerIndex } from '../types';

/** Every block boundary of a gzip layer as the digest check's inflater records checkpoints (spacing 1: at each block). */
function allCheckpoints(gz: Uint8Array): Map<number, Checkpoint> {
  const cps = new Map<number, Checkpoint>();
  const inf = new Inflater({ onData: () => {}, reuseOutput: true, checkpoints: { spacing: 1, onCheckpoint: (c) => cps.set(c.bit, c) } });
  inf.push(gz, true);
  return cps;
}

const deepFiles = (idx: LayerIndex, min = 9 * 1024 * 1024) => {
  const f: number[] = [];
  for (let i = 0; i < idx.count; i++) if (idx.kinds[i] === EntryKind.File && idx.sizes[i]! > 0 && idx.dataOffsets[i]! > min) f.push(i);
  return f;
};

const planOf = (idx: LayerIndex, e: number, want: number): SeekPlan => {
  const off = idx.dataOffsets[e]!;
  return withAnchor(seekPlan(idx.seekHints, idx.paths[e]!, off, idx.sizes[e]!, off, want), idx.seekWindows)!;
};

describe('anchored first reads of a gzip layer', () => {
  it.each(layers)(
    "%s: deep files read exactly through a checkpoint found after the anchor, the one the digest check's inflater records at that boundary; most reads succeed",
    async (_name, gz) => {
      const blob = blobOf(gz);
      const idx = await scanLayer(blob);
      const truth = allCheckpoints(gz);
      const files = deepFiles(idx);
      const rnd = xorshift32(9);
      const picked = Array.from({ length: 10 }, () => files[rnd() % files.length]!);
      let ok = 0;
      for (const e of picked) {
        const off = idx.dataOffsets[e]!;
        const want = Math.min(idx.sizes[e]!, 64 * 1024);
        const plan = planOf(idx, e, want);
        expect(plan.anchor!.out).toBeLessThanOrEqual(off - 512);
        const r = await readAnchored(blob, plan, off, want, { native: false });
        if (!r) continue;
        ok++;
        expect(Buffer.from(r.bytes).equals(tar.subarray(off, off + want))).toBe(true);
        const cp = truth.get(r.checkpoint.bit);
        expect(cp).toBeDefined();
        expect(r.checkpoint.out).toBe(cp!.out);
        expect(r.checkpoint.member).toBe(false);
        expect(Buffer.from(r.checkpoint.window).equals(Buffer.from(cp!.window))).toBe(true);
        expect(r.checkpoint.out).toBeGreaterThanOrEqual(plan.anchor!.out);
        // the last boundary decoded before the range (the decode runs to the window's `in`): no later one is nearer the file
        const lookFrom = Math.max(off - 512 - LONG_NAME_LOOKBACK, plan.anchor!.out - WSIZE);
        for (const c of truth.values()) if (c.bit > r.checkpoint.bit && c.bit < plan.anchor!.in * 8 && c.out <= lookFrom) expect(c.out).toBe(r.checkpoint.out);
      }
      expect(ok).toBeGreaterThanOrEqual(8);
    },
  );

  it('readEntryBytes hands the checkpoint back, and a window that is not the one before `out` is never taken for it', async () => {
    const gz = layers[1]![1];
    const blob = blobOf(gz);
    const idx = await scanLayer(blob);
    const e = deepFiles(idx, 11 * 1024 * 1024)[3]!;
    const off = idx.dataOffsets[e]!;
    const want = Math.min(idx.sizes[e]!, 4096);
    const plan = planOf(idx, e, want);
    const found: Checkpoint[] = [];
    const bytes = await readEntryBytes(blob, 'gzip', off, idx.sizes[e]!, { maxBytes: want, seek: plan, onCheckpoint: (cp) => found.push(cp) });
    expect(Buffer.from(bytes).equals(tar.subarray(off, off + want))).toBe(true);
    expect(found).toHaveLength(1);
    expect(Buffer.from(found[0]!.window).equals(tar.subarray(found[0]!.out - WSIZE, found[0]!.out))).toBe(true);

    const a = plan.anchor!;
    const fails: AnchoredFailure[] = [];
    const onFail = (f: AnchoredFailure) => fails.push(f);
    // the true bytes, but of a point 100 bytes later: the anchor lands there, the file's header is then not where the index says
    const shifted = { ...a, window: tar.slice(a.out - WSIZE + 100, a.out + 100) };
    expect(await readAnchored(blob, { ...plan, anchor: shifted }, off, want, { onFail, native: false })).toBeNull();
    // bytes from elsewhere in the layer
    const other = { ...a, window: tar.slice(2 * 1024 * 1024, 2 * 1024 * 1024 + WSIZE) };
    expect(await readAnchored(blob, { ...plan, anchor: other }, off, want, { onFail, native: false })).toBeNull();
    expect(fails).toEqual(['header', 'no-anchor']);
  });

  it("today's read waits for the anchored read, and starts as soon as the anchored read is refused", async () => {
    /** Counts streams of the whole layer: today's read from the start; the anchored read only slices. */
    class Counting extends Blob {
      streams = 0;
      private readonly plain: Blob;
      constructor(bytes: Uint8Array<ArrayBuffer>) {
        super([bytes]);
        this.plain = new Blob([bytes]);
      }
      override stream() {
        this.streams++;
        return super.stream();
      }
      // slices (the anchored read's, a checkpoint read's) are plain Blobs
      override slice(start?: number, end?: number) {
        return this.plain.slice(start, end);
      }
    }
    const gz = layers[1]![1];
    const idx = await scanLayer(blobOf(gz));
    const e = deepFiles(idx, 11 * 1024 * 1024)[5]!;
    const off = idx.dataOffsets[e]!;
    const want = Math.min(idx.sizes[e]!, 4096);
    const plan = planOf(idx, e, want);
    // a head start longer than any test, for any distance: the anchored read answers, today's read never starts
    const won = new Counting(gz as Uint8Array<ArrayBuffer>);
    const found: Checkpoint[] = [];
    const a = await readEntryBytes(won, 'gzip', off, idx.sizes[e]!, {
      maxBytes: want,
      seek: plan,
      headStartMs: 60_000,
      headStartMinDistance: 0,
      onCheckpoint: (cp) => found.push(cp),
    });
    expect(Buffer.from(a).equals(tar.subarray(off, off + want))).toBe(true);
    expect(found).toHaveLength(1);
    expect(won.streams).toBe(0);
    // the same file with the page's distance rule: it is nearer than HEAD_START_MIN_DISTANCE, so today's read
    // is not held back (it would get there within the head start itself) and the two race from the start
    expect(off).toBeLessThan(HEAD_START_MIN_DISTANCE);
    const near = new Counting(gz as Uint8Array<ArrayBuffer>);
    const c = await readEntryBytes(near, 'gzip', off, idx.sizes[e]!, { maxBytes: want, seek: plan, headStartMs: 60_000 });
    expect(Buffer.from(c).equals(tar.subarray(off, off + want))).toBe(true);
    expect(near.streams).toBe(1);
    // a window that fits nowhere: refused, and today's read starts then, not after the head start
    const lost = new Counting(gz as Uint8Array<ArrayBuffer>);
    const wrong = { ...plan, anchor: { ...plan.anchor!, window: tar.slice(2 * 1024 * 1024, 2 * 1024 * 1024 + WSIZE) } };
    const t = performance.now();
    const b = await readEntryBytes(lost, 'gzip', off, idx.sizes[e]!, { maxBytes: want, seek: wrong, headStartMs: 60_000, headStartMinDistance: 0 });
    expect(Buffer.from(b).equals(tar.subarray(off, off + want))).toBe(true);
    expect(performance.now() - t).toBeLessThan(30_000);
    expect(lost.streams).toBe(1);
  });

  it('a window that fits in many places (zeros, one block of text repeated) is refused, and the read still gives the right bytes', async () => {
    const rnd = xorshift32(5);
    const text = new TextEncoder().encode('lorem ipsum dolor sit amet, consectetur adipiscing elit\n'.repeat(80));
    const repeated = new Uint8Array(12 * 1024 * 1024);
    for (let o = 0; o < repeated.length; o += text.length) repeated.set(text.subarray(0, repeated.length - o), o);
    const noise = (n: number) => Uint8Array.from({ length: n }, () => rnd() & 0xff);
    for (const filler of [new Uint8Array(12 * 1024 * 1024), repeated]) {
      // noise around the filler, so that the scan's input is not all in before the filler's windows
      const entries = [file('noise.bin', noise(3 * 1024 * 1024)), file('big.bin', filler), file('mid.bin', noise(300 * 1024)), file('after.bin', noise(3000))];
      const t = writeTar(entries);
      const gz = gzipSync(t);
      const blob = blobOf(gz);
      const idx = await scanLayer(blob);
      const e = idx.paths.indexOf('after.bin');
      const off = idx.dataOffsets[e]!;
      const plan = planOf(idx, e, 3000);
      // the window before the file lies in the filler
      const w = plan.anchor!.window;
      expect(Buffer.from(w).equals(Buffer.from(t.subarray(plan.anchor!.out - WSIZE, plan.anchor!.out)))).toBe(true);
      const big = idx.dataOffsets[idx.paths.indexOf('big.bin')]!;
      expect(plan.anchor!.out - WSIZE).toBeGreaterThanOrEqual(big);
      expect(plan.anchor!.out).toBeLessThanOrEqual(big + filler.length);
      const fails: AnchoredFailure[] = [];
      expect(await readAnchored(blob, plan, off, 3000, { onFail: (f) => fails.push(f), native: false })).toBeNull();
      expect(['ambiguous', 'no-anchor']).toContain(fails[0]);
      const bytes = await readEntryBytes(blob, 'gzip', off, 3000, { seek: plan });
      expect(Buffer.from(bytes).equals(t.subarray(off, off + 3000))).toBe(true);
    }
  });
});

describe("the anchor's probe search", () => {
  /** probeHits by its definition: every q in [from, to] whose PROBE_BYTES cells equal the probe, null when flat or too many. */
  function naive(o: Uint16Array, from: number, to: number, win: Uint8Array, p: number): number[] | null {
    if (win.subarray(p, p + PROBE_BYTES).every((b) => b === win[p])) return null;
    const hits: number[] = [];
    for (let q = from; q <= to; q++) {
      let j = 0;
      while (j < PROBE_BYTES && o[WSIZE + q + j] === win[p + j]) j++;
      if (j === PROBE_BYTES) hits.push(q);
    }
    return hits.length > MAX_PROBE_HITS ? null : hits;
  }

  it('finds exactly the places a cell-by-cell comparison finds (few letters, markers, repeats, too many hits)', () => {
    const rnd = xorshift32(17);
    let compared = 0;
    let found = 0;
    let refused = 0;
    for (let round = 0; round < 60; round++) {
      const n = 20_000 + (rnd() % 20_000);
      const o = new Uint16Array(WSIZE + n + 64);
      const letters = 2 + (rnd() % 6);
      for (let i = 0; i < WSIZE; i++) o[i] = MARKER + i;
      for (let i = WSIZE; i < o.length; i++) o[i] = rnd() % 10 === 0 ? MARKER + (rnd() % WSIZE) : 97 + (rnd() % letters);
      // a stretch copied several times, so that a probe from it is found more than once (or more than MAX_PROBE_HITS times)
      const src = WSIZE + (rnd() % (n - 200));
      const copies = rnd() % 2 ? 3 : MAX_PROBE_HITS + 5;
      for (let c = 0; c < copies; c++) o.copyWithin(WSIZE + (rnd() % (n - 200)), src, src + 100);
      const win = new Uint8Array(WSIZE);
      for (let i = 0; i < WSIZE; i++) win[i] = 97 + (rnd() % letters);
      for (let i = 0; i < 100; i++) win[WSIZE - 200 + i] = o[src + i]! < MARKER ? o[src + i]! : 97;
      if (round % 10 === 0) win.fill(97, WSIZE - 64, WSIZE - 32);
      const from = rnd() % 1000;
      const to = n - PROBE_BYTES - (rnd() % 1000);
      // and at both ends of the range searched (the first probe below matches there)
      o.copyWithin(WSIZE + from, src, src + 100);
      o.copyWithin(WSIZE + to, src, src + PROBE_BYTES);
      for (const p of [WSIZE - 200, WSIZE - 190, WSIZE - 64, rnd() % (WSIZE - PROBE_BYTES)]) {
        const want = naive(o, from, to, win, p);
        expect(probeHits(o, from, to, win, p)).toEqual(want);
        compared++;
        if (want === null) refused++;
        else found += want.length;
      }
    }
    expect(compared).toBe(240);
    expect(found).toBeGreaterThan(60);
    expect(refused).toBeGreaterThan(5);
  });
});
