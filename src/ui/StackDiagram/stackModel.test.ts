import { describe, expect, it } from 'vitest';
import type { HistoryStep, ImageInfo } from '../../core/types';
import {
  bandHeights,
  bandLines,
  baseImageEnd,
  baseImageTop,
  metadataMarkers,
  rootfsTop,
  sharedCaption,
  sizeBudget,
  BAND_MIN_PX,
  SIZE_PX_MAX,
  SIZE_PX_PER_LAYER,
} from './stackModel';

const step = (createdBy: string, layerIndex: number, emptyLayer = false): HistoryStep => ({ createdBy, layerIndex, emptyLayer });

describe('bandHeights', () => {
  it('gives every band the minimum and shares the budget by size', () => {
    expect(bandHeights([300, 100, 0], false, 400)).toEqual([BAND_MIN_PX + 300, BAND_MIN_PX + 100, BAND_MIN_PX]);
  });
  it('log scale compresses a huge base layer', () => {
    const [big, small] = bandHeights([1e8, 1e3], true, 100);
    // log1p(1e8) ≈ 18.42, log1p(1e3) ≈ 6.91 → 72.7 % and 27.3 % of 100 px.
    expect(big - BAND_MIN_PX).toBe(73);
    expect(small - BAND_MIN_PX).toBe(27);
  });
  it('falls back to the minimum when nothing is known', () => {
    expect(bandHeights([0, 0], false, 100)).toEqual([BAND_MIN_PX, BAND_MIN_PX]);
  });
  it('budget: the room left when the stack fits, at most the cap; a fixed share per layer when it scrolls', () => {
    expect(sizeBudget(3, 300)).toBe(300 - 3 * BAND_MIN_PX);
    expect(sizeBudget(10, 10 * BAND_MIN_PX)).toBe(0);
    expect(sizeBudget(2, 2000)).toBe(SIZE_PX_MAX);
    expect(sizeBudget(14, 14 * BAND_MIN_PX - 1)).toBe(14 * SIZE_PX_PER_LAYER);
  });
});

describe('history markers and rootfs', () => {
  // History of dive-legacy-14-layers.tar: ADD rootfs, CMD ["sh"] (empty), then 13 layers.
  const dive: HistoryStep[] = [
    step('/bin/sh -c #(nop) ADD file:ce026b62356eec3ad1214f92be2c9dc063fe205bd5e600be3492c4dfb17148bd in / ', 0),
    step('/bin/sh -c #(nop)  CMD ["sh"]', 0, true),
    ...Array.from({ length: 13 }, (_, i) => step(`/bin/sh -c step ${i + 1}`, i + 1)),
  ];
  it('groups metadata-only steps by the layer below them', () => {
    const m = metadataMarkers(dive);
    expect([...m.keys()]).toEqual([0]);
    expect(m.get(0)!.map((h) => h.createdBy)).toEqual(['/bin/sh -c #(nop)  CMD ["sh"]']);
    expect(metadataMarkers([step('ENV A=1', -1, true), step('x', 0)]).get(-1)!.length).toBe(1);
  });
  it('claims the layers below the base image CMD as rootfs', () => {
    expect(rootfsTop(dive, 14)).toBe(0);
    const twoLayerBase = [step('ADD a', 0), step('RUN b', 1), step('CMD ["bash"]', 1, true), step('RUN c', 2), step('RUN d', 3)];
    expect(rootfsTop(twoLayerBase, 4)).toBe(1);
  });
  it('tells whether the history shows a base image', () => {
    expect(baseImageTop(dive, 14)).toBe(0);
    expect(baseImageEnd(dive, 14)).toBe(1); // the CMD ["sh"] step
    expect(baseImageTop([step('ADD a', 0), step('RUN b', 1), step('CMD ["x"]', 1, true)], 2)).toBe(-1);
    expect(baseImageTop([step('umoci repack', 0), step('umoci config (metadata only)', 0, true), step('x', 1)], 2)).toBe(-1);
  });
  it('counts the text lines a band has room for', () => {
    expect(bandLines(BAND_MIN_PX)).toBe(2);
    expect(bandLines(48)).toBe(3);
    expect(bandLines(400)).toBe(28);
  });
  it('claims only layer 0 when the image is a base itself or has no CMD step', () => {
    // alpine (containerd-alpine-gzip.tar): one layer, then CMD.
    expect(rootfsTop([step('/bin/sh -c #(nop) ADD file:x in /', 0), step('/bin/sh -c #(nop)  CMD ["/bin/sh"]', 0, true)], 1)).toBe(0);
    // FROM scratch with the CMD at the very top: not a base boundary.
    expect(rootfsTop([step('ADD a', 0), step('RUN b', 1), step('CMD ["x"]', 1, true)], 2)).toBe(0);
    // podman fixture: a non-CMD metadata step.
    expect(rootfsTop([step('umoci repack', 0), step('umoci config (metadata only)', 0, true), step('x', 1), step('y', 2)], 3)).toBe(0);
    expect(rootfsTop([], 0)).toBe(-1);
  });
});

describe('sharedCaption', () => {
  const img = (tags: string[]) => ({ tags }) as unknown as ImageInfo;
  it('names other images by tag, else by 1-based number', () => {
    const images = [img(['a:1']), img([]), img(['c:3'])];
    expect(sharedCaption([1], images)).toBe('shared with image 2');
    expect(sharedCaption([0, 1, 2], images)).toBe('shared with a:1, image 2 and c:3');
    expect(sharedCaption([], images)).toBe('');
  });
});
