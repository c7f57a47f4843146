import { describe, expect, it } from 'vitest';
import { WSIZE } from './inflate/inflater';
import { sample, xorshift32 } from './inflate/sample.testkit';
import { scanLayer } from './layerScan';
import { dropCovered, SCAN_WINDOW_SPACING, ScanWindowRecorder, WINDOW_MEMORY_SHARE, windowBefore } from './scanWindows';
import { blobOf, layers, tar } from './speculative.testkit';
import { CHECKPOINT_SPACING, hashLayer } from './verify';
import { layerIndexTransferables } from '../../worker/protocol';
import { isFramePoint, type ResumePoint } from './toc/types';

/** Feeds `data` to a recorder in pieces of random size (1 B … 96 KiB) through one reused buffer, as the scan's inflater hands them out. */
function record(data: Uint8Array, seed: number): ScanWindowRecorder {
  const r = new ScanWindowRecorder();
  const rnd = xorshift32(seed);
  const buf = new Uint8Array(96 * 1024);
  let o = 0;
  while (o < data.length) {
    const n = Math.min(data.length - o, rnd() % 7 === 0 ? 1 + (rnd() % 300) : 1 + (rnd() % buf.length));
    buf.set(data.subarray(o, o + n));
    o += n;
    r.push(buf.subarray(0, n), o, o >>> 1);
    buf.fill(0xa5); // the piece is only valid during the call
  }
  return r;
}

describe('scan windows', () => {
  const data = sample(24 * 1024 * 1024, 5);

  it('each window is the true 32 KiB before its out, about every SCAN_WINDOW_SPACING, for pieces of any size', () => {
    for (const seed of [1, 2, 3]) {
      const r = record(data, seed);
      expect(r.windows.length).toBeGreaterThanOrEqual(Math.floor(data.length / SCAN_WINDOW_SPACING) - 4);
      for (const w of r.windows) {
        expect(w.window.length).toBe(WSIZE);
        expect(Buffer.from(w.window).equals(data.subarray(w.out - WSIZE, w.out))).toBe(true);
        expect(w.in).toBe(w.out >>> 1);
      }
      for (let i = 1; i < r.windows.length; i++) expect(r.windows[i]!.out - r.windows[i - 1]!.out).toBeGreaterThanOrEqual(SCAN_WINDOW_SPACING);
    }
  });

  it('memory: the windows are ≤ WINDOW_MEMORY_SHARE of the output, and with the checkpoints that cover them dropped, the two together too', () => {
    const r = record(data, 4);
    const bytes = (ws: readonly { window: Uint8Array }[]) => ws.reduce((n, w) => n + w.window.length, 0);
    expect(bytes(r.windows)).toBeLessThanOrEqual(WINDOW_MEMORY_SHARE * data.length);
    // checkpoints every CHECKPOINT_SPACING up to `to`, windows past it
    for (const to of [4e6, 11e6, 20e6, 24e6]) {
      const cps = Math.floor(to / CHECKPOINT_SPACING);
      const kept = dropCovered(r.windows, to);
      expect(kept.every((w) => w.out > to)).toBe(true);
      expect(kept.length).toBe(r.windows.filter((w) => w.out > to).length);
      expect(cps * WSIZE + bytes(kept)).toBeLessThanOrEqual(WINDOW_MEMORY_SHARE * data.length);
    }
    expect(dropCovered(r.windows, 0)).toBe(r.windows);
  });

  it('windowBefore picks the last window at or before a point', () => {
    const r = record(data, 6);
    const ws = r.windows;
    expect(windowBefore(ws, ws[0]!.out - 1)).toBeNull();
    expect(windowBefore(ws, ws[3]!.out)).toBe(ws[3]);
    expect(windowBefore(ws, ws[3]!.out + 1)).toBe(ws[3]);
    expect(windowBefore(ws, Infinity)).toBe(ws.at(-1));
    expect(windowBefore(null, 5)).toBeNull();
  });

  it('the load scan of a gzip layer keeps them (true bytes; in ≥ what the output needed), transferred with the index; none for uncompressed layers', async () => {
    const gz = layers[1]![1];
    const idx = await scanLayer(blobOf(gz));
    const ws = idx.seekWindows!;
    expect(ws.length).toBeGreaterThanOrEqual(Math.floor(tar.length / SCAN_WINDOW_SPACING) - 4);
    for (const w of ws) {
      expect(Buffer.from(w.window).equals(tar.subarray(w.out - WSIZE, w.out))).toBe(true);
      expect(w.in).toBeLessThanOrEqual(gz.length);
    }
    const buffers = layerIndexTransferables(idx);
    for (const w of ws) expect(buffers).toContain(w.window.buffer);
    expect((await scanLayer(blobOf(tar))).seekWindows).toBeUndefined();
  });

  it("the digest check's checkpoints on the same layer cover the windows as the page drops them", async () => {
    const gz = layers[0]![1];
    const idx = await scanLayer(blobOf(gz));
    const points: ResumePoint[] = [];
    await hashLayer(blobOf(gz), 'gzip', { checkpoints: { onCheckpoints: (p) => points.push(...p) } });
    const last = points.filter((p) => !isFramePoint(p)).at(-1)!;
    expect(dropCovered(idx.seekWindows!, last.out).length).toBeLessThanOrEqual(1);
  });
});
