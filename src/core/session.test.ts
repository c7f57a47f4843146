import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openImage, verifyImage, inProcessScanner, type LayerScanner } from './session';
import { buildUnion } from './model/union';
import { computeStats } from './model/stats';
import { listMerged } from './model/listing';

const FIXTURES = join(__dirname, '../../test/fixtures/images');
const fixture = (name: string) => new Blob([readFileSync(join(FIXTURES, name))]);

describe('openImage scheduling and hand-offs', () => {
  it('scans the largest layer first (LPT), then by size', async () => {
    const sizes: number[] = [];
    const base = inProcessScanner(1);
    const scanner: LayerScanner = {
      ...base,
      scan: (blob, layer, o) => {
        sizes.push(blob.size);
        return base.scan(blob, layer, o);
      },
    };
    const img = await openImage(fixture('dive-legacy-14-layers.tar'), { scanner });
    expect(sizes.length).toBe(img.image.layers.length);
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    expect(sizes[0]).toBeGreaterThan(sizes.at(-1)!);
  });

  it('builds the union and statistics through scanner.summarize when the scanner has one (the page: a worker)', async () => {
    let calls = 0;
    const scanner: LayerScanner = {
      ...inProcessScanner(2),
      // what the worker does, with the structured clones of the message round trip
      summarize: async (layers, o) => {
        calls++;
        const copy = structuredClone(layers);
        const union = buildUnion(copy);
        return structuredClone({ union, stats: o.stats ? computeStats(union, copy) : null });
      },
    };
    const viaWorker = await openImage(fixture('skopeo-opaque-whiteout.tar'), { scanner });
    const here = await openImage(fixture('skopeo-opaque-whiteout.tar'));
    expect(calls).toBe(1);
    const top = here.layers.length - 1;
    expect(listMerged(viaWorker.union, viaWorker.layers, top)).toBe(listMerged(here.union, here.layers, top));
    expect(viaWorker.stats).toEqual(here.stats);
  });

  it('indexes without hashing by default; verifyImage then checks both digests of compressed layers', async () => {
    const img = await openImage(fixture('buildx-oci-gzip.tar'));
    expect(img.layers.every((l) => l && l.compression === 'gzip')).toBe(true);
    expect(img.integrity.every((c) => c.diffId === 'unchecked' && c.digest === 'unchecked')).toBe(true);
    const verified = await verifyImage(img);
    expect(verified.integrity.map((c) => [c.diffId, c.digest])).toEqual(img.layers.map(() => ['ok', 'ok']));
    // the input is not mutated (parse results are replaced whole)
    expect(img.integrity.every((c) => c.diffId === 'unchecked')).toBe(true);
  });
});
