/**
 * Hostile archive STRUCTURE (issue 9, points 5, 6): thousands of images sharing a
 * layer, one layer listed thousands of times. The archives are written here
 * (test/helpers/hostile.mjs). Work is counted, not timed.
 */
import { describe, expect, it } from 'vitest';
import * as H from '../../test/helpers/hostile.mjs';
import { openArchive } from './read/archive';
import { inProcessScanner, openImage, sameBlobs, verifyImage, type LayerScanner } from './session';

const blobOf = (b: Uint8Array) => new Blob([b as BlobPart]);

describe('point 5: many images sharing a layer', () => {
  it('20,000 images: every layer knows the other 19,999 images, and nothing is computed for images not looked at', async () => {
    const { info } = await openArchive(blobOf(H.manyImages(20_000)));
    expect(info.images).toHaveLength(20_000);
    const l0 = info.images[0]!.layers[0]!;
    const l5 = info.images[5]!.layers[0]!;
    expect(l5.sharedWith).toHaveLength(19_999);
    expect(l5.sharedWith).not.toContain(5);
    expect(l5.sharedWith.slice(0, 6)).toEqual([0, 1, 2, 3, 4, 6]);
    expect(l0.sharedWith[0]).toBe(1);
    // the list is made when read (the same array each time), not for every image up front
    expect(l5.sharedWith).toBe(l5.sharedWith);
    expect(JSON.parse(JSON.stringify(info.images[7]!.layers[0])).sharedWith).toHaveLength(19_999);
  }, 60_000);

  it('images sharing by diff_id or by stored blob are linked both ways, others not', async () => {
    const a = H.tarOf([{ name: 'a', data: 'a' }]);
    const b = H.tarOf([{ name: 'b', data: 'b' }]);
    const archive = H.dockerSave({
      layers: [
        { name: 'la/layer.tar', data: a },
        { name: 'lb/layer.tar', data: b },
      ],
      manifest: [
        { Config: 'config.json', RepoTags: ['x:1'], Layers: ['la/layer.tar', 'lb/layer.tar'] },
        { Config: 'config.json', RepoTags: ['x:2'], Layers: ['la/layer.tar', 'lb/layer.tar'] },
      ],
    });
    const { info } = await openArchive(blobOf(archive));
    expect(info.images.map((im) => im.layers.map((l) => l.sharedWith))).toEqual([
      [[1], [1]],
      [[0], [0]],
    ]);
  });
});

describe('point 6: one layer listed many times', () => {
  it('is read once and hashed once; every position gets the same index', async () => {
    const base = inProcessScanner(2);
    let scans = 0;
    let hashes = 0;
    const counting: LayerScanner = {
      concurrency: 2,
      scan: (b, l, o) => {
        scans++;
        return base.scan(b, l, o);
      },
      hashLayer: (b, c, o) => {
        hashes++;
        return base.hashLayer(b, c, o);
      },
    };
    const states: string[] = [];
    const img = await openImage(blobOf(H.oneLayerManyTimes(10_000, { files: 20 })), {
      scanner: counting,
      onLayerState: (i, s) => {
        if (i === 9_999) states.push(s);
      },
    });
    expect(scans).toBe(1);
    expect(img.layers).toHaveLength(10_000);
    expect(img.layers.every((l) => l === img.layers[0])).toBe(true);
    expect(states[states.length - 1]).toBe('indexed');
    expect(sameBlobs(img.image).size).toBe(1);
    const v = await verifyImage(img, { scanner: counting });
    expect(hashes).toBe(1);
    expect(v.integrity.every((c) => c.diffId === 'ok')).toBe(true);
    // the union sees 10,000 layers writing the same 20 files: the top one owns them
    expect(img.union.layerCount).toBe(10_000);
  }, 120_000);
});
