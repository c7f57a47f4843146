/**
 * The block finder's benchmark body (scripts/bench-finder.mjs builds and runs it): the
 * per-bit check it replaced (blockFinder.testkit.ts, the tests' oracle) against
 * blockFinder.ts, alternating per point in one run, on a gzip layer and on random bytes.
 * Figures are same-run ratios; the results of both are compared and must be equal.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { blockStarts, findBlockStart } from '../src/core/read/inflate/blockFinder';
import { oracleBlockStarts, oracleIsBlockStart } from '../src/core/read/inflate/blockFinder.testkit';
import { MarkerDecoder } from '../src/core/read/inflate/speculative';

/** The span the speculative read searches per start is SEARCH_SPAN_BYTES (512 KiB); 256 KiB is the measure. */
const SPAN = 256 * 1024;
/** Blocks a candidate must decode through to count as a real boundary (a false start fails within a few). */
const REAL_BLOCKS = 3;

type Find = (b: Uint8Array, from: number, to: number) => number;
const oldFind: Find = (b, from, to) => {
  for (let bit = from; bit < to; bit++) if (oracleIsBlockStart(b, bit)) return bit;
  return -1;
};
const oldStarts = oracleBlockStarts;

function real(b: Uint8Array, bit: number): boolean {
  const d = new MarkerDecoder(b, bit, { maxOut: 4 << 20 });
  return d.decode(1 << 20) !== 'error' && d.blocks.length >= 2 * REAL_BLOCKS;
}

/** Search time (decode checks of false candidates not counted) to the first real boundary from `from`. */
function firstReal(find: Find, b: Uint8Array, from: number): { ms: number; bit: number } {
  let ms = 0;
  let bit = from;
  for (;;) {
    const t0 = performance.now();
    const c = find(b, bit, from + 8 * 2 * SPAN);
    ms += performance.now() - t0;
    if (c < 0 || real(b, c)) return { ms, bit: c };
    bit = c + 1;
  }
}

const p50 = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);
const line = (what: string, o: number[], n: number[]) =>
  `${what}: old p50 ${p50(o).toFixed(2)} ms, new p50 ${p50(n).toFixed(2)} ms; old/new ${(p50(o) / p50(n)).toFixed(1)}× (p50), ${(sum(o) / sum(n)).toFixed(1)}× (sum); load ${loadavg()[0]!.toFixed(1)}`;

export function run(layerPath: string, points: number): void {
  const gz = readFileSync(layerPath);
  if (gz[0] !== 0x1f || gz[1] !== 0x8b || gz[3] !== 0) throw new Error('expected a gzip member with no optional header fields');
  const raw = new Uint8Array(gz.buffer, gz.byteOffset + 10, gz.length - 10);
  const at = (i: number) => Math.floor(((i + 0.5) / points) * (raw.length - 2 * SPAN)) * 8;
  // warm both, so the figures are the optimized code's (a fresh worker's first search is slower for both)
  for (let i = 0; i < 3; i++) {
    firstReal(oldFind, raw, at(i));
    firstReal(findBlockStart, raw, at(i));
  }
  const fo: number[] = [];
  const fn: number[] = [];
  const so: number[] = [];
  const sn: number[] = [];
  for (let i = 0; i < points; i++) {
    const a = firstReal(oldFind, raw, at(i));
    const b = firstReal(findBlockStart, raw, at(i));
    if (a.bit !== b.bit) throw new Error(`first real boundary differs at point ${i}`);
    fo.push(a.ms);
    fn.push(b.ms);
    let t0 = performance.now();
    const x = oldStarts(raw, at(i), at(i) + SPAN * 8);
    so.push(performance.now() - t0);
    t0 = performance.now();
    const y = blockStarts(raw, at(i), at(i) + SPAN * 8);
    sn.push(performance.now() - t0);
    if (x.join() !== y.join()) throw new Error(`candidates differ at point ${i}`);
  }
  console.log(`${layerPath}: ${raw.length} bytes of deflate, ${points} points`);
  console.log(line('search to the first real boundary', fo, fn));
  console.log(line('search over 256 KiB', so, sn));
  const rnd = new Uint8Array(SPAN * 17);
  let s = 12345;
  for (let i = 0; i < rnd.length; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    rnd[i] = s & 0xff;
  }
  const ro: number[] = [];
  const rn: number[] = [];
  for (let k = 1; k < 17; k++) {
    const sub = rnd.subarray(k * SPAN, (k + 1) * SPAN);
    let t0 = performance.now();
    const x = oldStarts(sub, 0, SPAN * 8);
    ro.push(performance.now() - t0);
    t0 = performance.now();
    const y = blockStarts(sub, 0, SPAN * 8);
    rn.push(performance.now() - t0);
    if (x.join() !== y.join()) throw new Error('candidates differ on random bytes');
  }
  console.log(line('random bytes, 256 KiB', ro, rn));
}
