import { describe, expect, it } from 'vitest';
import type { LayerLoad } from '../../state/loadSlice';
import { layerSegments, MAX_LAYER_SEGMENTS } from './segments';

const load = (state: LayerLoad['state'], read = 0, total = 100, error: string | null = null): LayerLoad => ({
  state,
  bytesRead: read,
  bytesTotal: total,
  error,
});

describe('layerSegments', () => {
  it('one segment per layer for a short stack, as before', () => {
    const s = layerSegments([load('indexed', 100), load('decompressing', 40), load('waiting'), load('failed', 10, 100, 'bad gzip')]);
    expect(s.map((g) => [g.from, g.to, g.state])).toEqual([
      [0, 1, 'indexed'],
      [1, 2, 'decompressing'],
      [2, 3, 'waiting'],
      [3, 4, 'failed'],
    ]);
    expect(s[1]!.read).toBe(0.4);
    expect(s[3]!.error).toBe('bad gzip');
  });

  it('10,000 layers: 60 runs covering every layer once, with their states counted', () => {
    const loads = Array.from({ length: 10_000 }, (_, i) => (i < 5_000 ? load('indexed', 100) : i === 5_000 ? load('decompressing', 50) : load('waiting')));
    loads[9_999] = load('failed', 0, 100, 'layer 9999: damaged');
    const s = layerSegments(loads);
    expect(s).toHaveLength(MAX_LAYER_SEGMENTS);
    expect(s[0]!.from).toBe(0);
    expect(s.at(-1)!.to).toBe(10_000);
    for (let k = 1; k < s.length; k++) expect(s[k]!.from).toBe(s[k - 1]!.to);
    expect(s.reduce((n, g) => n + g.counts.indexed + g.counts.waiting + g.counts.decompressing + g.counts.failed, 0)).toBe(10_000);
    expect(s[0]!.state).toBe('indexed');
    const mid = s.find((g) => g.from <= 5_000 && 5_000 < g.to)!;
    expect(mid.state).toBe('decompressing');
    expect(s.at(-2)!.state).toBe('waiting');
    expect(s.at(-1)!.state).toBe('failed');
    expect(s.at(-1)!.error).toBe('layer 9999: damaged');
  });

  it('a run partly read and partly waiting is shown as reading', () => {
    const s = layerSegments([load('indexed', 100), load('waiting'), load('indexed', 100), load('waiting')], 2);
    expect(s.map((g) => g.state)).toEqual(['decompressing', 'decompressing']);
    expect(s[0]!.read).toBe(0.5);
  });
});
