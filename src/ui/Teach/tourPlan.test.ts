/**
 * The tour finds the real places that show each concept. The images here are
 * built by hand, so what they contain (which file is overwritten, what a
 * whiteout hides, which directory is opaque) is known independently of the
 * code under test.
 */
import { describe, expect, it } from 'vitest';
import { layer, type EntrySpec } from '../../core/model/union.testkit';
import { buildUnion } from '../../core/model/union';
import type { LoadedImage } from '../../core/session';
import type { HistoryStep, ImageInfo, LayerIndex, LayerRef } from '../../core/types';
import { cssString, planTour, rowSelector, type TourStep } from './tourPlan';

function image(specs: EntrySpec[][], opts: { history?: HistoryStep[]; shared?: number[][]; images?: number } = {}): LoadedImage {
  const layers: LayerIndex[] = specs.map((s) => layer(s));
  const refs: LayerRef[] = layers.map((_, i) => ({
    index: i,
    digest: null,
    diffId: `sha256:${String(i).repeat(64)}`,
    mediaType: null,
    blob: { entryName: `${i}.tar`, offset: 0, size: 0 },
    compression: 'none',
    createdBy: null,
    sharedWith: opts.shared?.[i] ?? [],
  }));
  const info: ImageInfo = {
    index: 0,
    tags: ['test:1'],
    platform: null,
    manifestDigest: null,
    configDigest: null,
    created: null,
    author: null,
    config: {},
    history: opts.history ?? [],
    layers: refs,
    rawConfig: {},
  };
  const images = [info, ...Array.from({ length: (opts.images ?? 1) - 1 }, (_, k) => ({ ...info, index: k + 1, tags: [`other:${k + 1}`] }))];
  return {
    info: { format: 'docker-legacy', outerCompression: 'none', images, platforms: [], warnings: [] },
    image: info,
    layers,
    union: buildUnion(layers),
    layerErrors: layers.map(() => null),
    warnings: [],
    integrity: [],
  } as unknown as LoadedImage;
}

const step = (steps: TourStep[], id: TourStep['id']) => steps.find((s) => s.id === id)!;

/** Like the example image: base rootfs, an app, an overwrite, a deletion, a replaced directory. */
const EXAMPLE: EntrySpec[][] = [
  [
    ['bin/', 'dir'],
    ['bin/busybox', 'file', 2_000_000],
    ['etc/', 'dir'],
    ['etc/motd', 'file', 100],
    ['usr/share/doc/big.txt', 'file', 524_288],
    ['usr/share/doc/small.txt', 'file', 10],
  ],
  [
    ['app/', 'dir'],
    ['app/config/', 'dir'],
    ['app/config/default.conf', 'file', 40],
    ['app/config/extra.conf', 'file', 7],
  ],
  [
    ['etc/', 'dir'],
    ['etc/motd', 'file', 250],
    ['app/config/default.conf', 'file', 45],
  ],
  [['usr/share/doc/.wh.big.txt', 'whiteout']],
  [
    ['app/config/', 'dir'],
    ['app/config/.wh..wh..opq', 'opaque'],
    ['app/config/app.conf', 'file', 30],
  ],
];

const HISTORY: HistoryStep[] = [
  { createdBy: 'ADD rootfs.tar /', emptyLayer: false, layerIndex: 0 },
  { createdBy: '/bin/sh -c #(nop)  ENV PATH=/bin', emptyLayer: true, layerIndex: 0 },
  { createdBy: 'COPY app/ /app/', emptyLayer: false, layerIndex: 1 },
  { createdBy: 'RUN edit', emptyLayer: false, layerIndex: 2 },
  { createdBy: 'RUN rm big', emptyLayer: false, layerIndex: 3 },
  { createdBy: 'RUN replace config', emptyLayer: false, layerIndex: 4 },
  { createdBy: '/bin/sh -c #(nop)  CMD ["/app/server.sh"]', emptyLayer: true, layerIndex: 4 },
];

describe('planTour', () => {
  it('walks every concept in order', () => {
    const steps = planTour(image(EXAMPLE, { history: HISTORY }));
    expect(steps.map((s) => s.id)).toEqual(['stack', 'rootfs', 'metadata', 'overwrite', 'whiteout', 'opaque', 'sharing', 'container']);
  });

  it('finds the overwritten file, the layer that covers it and the one it covers', () => {
    const s = step(planTour(image(EXAMPLE, { history: HISTORY })), 'overwrite');
    expect(s.present).toBe(true);
    // /etc/motd: layer 2's 250 B cover layer 0's 100 B. (/app/config/default.conf is hidden by the opaque dir at the top.)
    expect(s.path).toBe('/etc/motd');
    expect(s.layer).toBe(2);
    expect(s.targets[0]!.selectors).toEqual([rowSelector('/etc/motd')]);
    expect(s.targets.map((t) => t.label)).toEqual(['/etc/motd', 'layer 2', 'layer 0']);
    expect(s.body.join(' ')).toContain('100 B');
  });

  it('finds the whiteout, the layer that made it and the bytes it hides in the lower layer', () => {
    const s = step(planTour(image(EXAMPLE, { history: HISTORY })), 'whiteout');
    expect(s).toMatchObject({ present: true, layer: 3, path: '/usr/share/doc/big.txt', showDeleted: true });
    const text = s.body.join(' ');
    expect(text).toContain('`/usr/share/doc/.wh.big.txt`');
    expect(text).toContain('524 kB'); // 524,288 bytes, SI units
    expect(text).toContain('still in layer 0');
  });

  it('finds the opaque directory, what it hides, and reveals a hidden row', () => {
    const s = step(planTour(image(EXAMPLE, { history: HISTORY })), 'opaque');
    expect(s.present).toBe(true);
    expect(s.layer).toBe(4);
    // Hidden below: default.conf (layer 2's 45 B) and extra.conf (7 B).
    expect(s.path).toBe('/app/config/default.conf');
    expect(s.targets[0]!.selectors).toEqual([rowSelector('/app/config')]);
    expect(s.body[0]).toContain('2 paths');
    expect(s.body[0]).toContain('`/app/config/.wh..wh..opq`');
    // Every version still ships: default.conf from layers 1 (40 B) and 2 (45 B), extra.conf from layer 1 (7 B).
    expect(s.body[1]).toContain('92 B in 3 file versions');
    expect(s.body[1]).toContain('in layer 1 and layer 2');
  });

  it('names the metadata-only steps and the rootfs', () => {
    const steps = planTour(image(EXAMPLE, { history: HISTORY }));
    const m = step(steps, 'metadata');
    expect(m.present).toBe(true);
    expect(m.body[0]).toContain('2 steps of the 7');
    expect(m.body[0]).toContain('ENV PATH=/bin');
    const r = step(steps, 'rootfs');
    // The rootfs is the union: the tree shows the top layer, the text says every layer is in it.
    expect(r.layer).toBe(4);
    expect(r.body[0]).toContain('union of all 5 layers');
    expect(r.body[0]).toContain('`rootfs.diff_ids`');
    expect(r.path).toBe('/bin');
    expect(r.targets.map((t) => t.selectors[0])).toContain('[data-part="bootfs"]');
  });

  it('says so when a concept does not occur', () => {
    const plain = image([
      [
        ['etc/', 'dir'],
        ['etc/hosts', 'file', 5],
      ],
      [['srv/a', 'file', 1]],
    ]);
    const steps = planTour(plain);
    for (const id of ['metadata', 'overwrite', 'whiteout', 'opaque', 'sharing'] as const) {
      const s = step(steps, id);
      expect(s.present, id).toBe(false);
      expect(s.targets.length, id).toBeGreaterThan(0);
    }
    expect(step(steps, 'whiteout').body[0]).toContain('no whiteouts');
    expect(step(steps, 'sharing').body[0]).toContain('one image');
  });

  it('a whiteout of a directory counts the whole subtree', () => {
    const img = image([
      [
        ['var/cache/a', 'file', 1000],
        ['var/cache/b/c', 'file', 234],
      ],
      [['var/.wh.cache', 'whiteout']],
    ]);
    const s = step(planTour(img), 'whiteout');
    expect(s.path).toBe('/var/cache');
    expect(s.body[0]).toContain('and everything under it (4 paths)'); // /var/cache, a, b, b/c
    expect(s.body[1]).toContain('1.23 kB');
  });

  it('marks a layer shared with another image of the archive', () => {
    const img = image([[['a', 'file', 1]], [['b', 'file', 1]]], { shared: [[1], []], images: 2 });
    const s = step(planTour(img), 'sharing');
    expect(s).toMatchObject({ present: true, layer: 0 });
    expect(s.body[0]).toContain('`other:1`');
  });

  it('selectors survive quotes and backslashes in paths', () => {
    expect(cssString('a"b\\c')).toBe('a\\"b\\\\c');
  });
});
