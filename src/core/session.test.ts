import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openImage, verifyImage, inProcessScanner, type LayerScanner } from './session';
import { buildUnion } from './model/union';
import { computeStats } from './model/stats';
import { listMerged } from './model/listing';
import { cancelled } from './errors';
import * as H from '../../test/helpers/hostile.mjs';

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

  it('starts the largest layer before the image is built, and cancels it when the image cannot be built (issue 13)', async () => {
    // manifest.json names three layers; config.json is not JSON, so no image can be built
    const layers = [
      { name: 'a/layer.tar', data: H.tarOf([{ name: 'a.txt', data: 'a' }]) },
      { name: 'b/layer.tar', data: H.tarOf([{ name: 'b.bin', data: new Uint8Array(8 * 1024) }]) },
      { name: 'c/layer.tar', data: H.tarOf([{ name: 'c.txt', data: 'c' }]) },
    ];
    const man = JSON.stringify([{ Config: 'config.json', RepoTags: ['x:1'], Layers: layers.map((l) => l.name) }]);
    const archive = H.tarOf([{ name: 'manifest.json', data: man }, { name: 'config.json', data: '{not json' }, ...layers]);
    const started: { layer: number; size: number; signal?: AbortSignal }[] = [];
    let settled: unknown = null;
    const scanner: LayerScanner = {
      ...inProcessScanner(2),
      // holds every scan until its signal aborts: what becomes of it is the load's doing
      scan: (blob, layer, o) => {
        started.push({ layer, size: blob.size, signal: o.signal });
        const p = new Promise<never>((_, reject) => o.signal?.addEventListener('abort', () => reject(cancelled()), { once: true }));
        p.catch((e) => (settled = e));
        return p;
      },
    };
    await expect(openImage(new Blob([archive as Uint8Array<ArrayBuffer>]), { scanner })).rejects.toMatchObject({ code: 'BAD_JSON' });
    expect(started.map((s) => [s.layer, s.size])).toEqual([[1, layers[1]!.data.length]]);
    expect(started[0]!.signal?.aborted).toBe(true);
    await Promise.resolve();
    expect(settled).toMatchObject({ code: 'CANCELLED' });
  });

  it('the early scan hashes what the load asks (the command line: verify), sniffing the layer as buildImage does', async () => {
    const scans: { layer: number; hash: boolean | 'diffId' }[] = [];
    const base = inProcessScanner(2);
    const scanner: LayerScanner = {
      ...base,
      scan: (blob, layer, o) => {
        scans.push({ layer, hash: o.hash });
        return base.scan(blob, layer, o);
      },
    };
    const img = await openImage(fixture('buildx-oci-gzip.tar'), { scanner, verify: true });
    expect(scans).toEqual([{ layer: 0, hash: true }]);
    expect(img.integrity.map((c) => [c.diffId, c.digest])).toEqual([['ok', 'ok']]);
    scans.length = 0;
    await openImage(fixture('skopeo-busybox.tar'), { scanner, verify: true });
    // uncompressed: hashed by verifyImage from the stored bytes, not while indexing
    expect(scans).toEqual([{ layer: 0, hash: false }]);
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

describe('partial unions while every scan worker decodes (issue 13)', () => {
  // The example image (5 layers), 2 scan workers: the first scan (the largest) and the fourth held
  // back, so after the second and third finish 3 layers are unfinished: every worker has a layer,
  // and a partial union waits (PARTIAL_BUSY_WAIT_MS).
  const example = () => new Blob([readFileSync(join(__dirname, '../../public/example.tar'))]);
  async function loadHeld(spareCores: boolean) {
    const base = inProcessScanner(2);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let scans = 0;
    const scanner: LayerScanner = {
      ...base,
      spareCores,
      scan: async (blob, layer, o) => {
        const k = scans++;
        if (k === 0 || k === 3) await gate;
        return base.scan(blob, layer, o);
      },
    };
    const partials: number[] = [];
    let done = 0;
    const load = openImage(example(), {
      scanner,
      verify: false,
      onLayerDone: () => done++,
      onPartial: (p) => partials.push(p.layers.filter(Boolean).length),
    });
    while (done < 2) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 100));
    const seen = partials.length;
    release();
    await load;
    return seen;
  }

  it('no partial union while every worker decodes; with cores beyond the workers (spareCores) it is built at once', async () => {
    expect(await loadHeld(false)).toBe(0);
    expect(await loadHeld(true)).toBe(1);
  });
});
