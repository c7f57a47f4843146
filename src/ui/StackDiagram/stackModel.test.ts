import { describe, expect, it } from 'vitest';
import type { HistoryStep, ImageInfo } from '../../core/types';
import {
  bandHeights,
  bandLines,
  blobCopies,
  COLUMN_NAMES,
  stackColumns,
  type StackRow,
  baseImageEnd,
  baseImageTop,
  metadataMarkers,
  stackLayout,
  sharedCaption,
  sizeBudget,
  BAND_MIN_PX,
  SIZE_PX_MAX,
  SIZE_PX_PER_LAYER,
} from './stackModel';
import { ROW_GAP_PX, rowsIn, stackBandsPx, windowParts } from './stackWindow';

const step = (createdBy: string, layerIndex: number, emptyLayer = false): HistoryStep => ({ createdBy, layerIndex, emptyLayer });

describe('bandHeights', () => {
  it('gives every band the minimum and shares the budget by size', () => {
    expect(bandHeights([300, 100, 0], false, 400)).toEqual([BAND_MIN_PX + 300, BAND_MIN_PX + 100, BAND_MIN_PX]);
  });
  it('log scale compresses a huge base layer', () => {
    const [big = 0, small = 0] = bandHeights([1e8, 1e3], true, 100);
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
  it('finds the base image layers below the base image CMD', () => {
    expect(baseImageTop(dive, 14)).toBe(0);
    const twoLayerBase = [step('ADD a', 0), step('RUN b', 1), step('CMD ["bash"]', 1, true), step('RUN c', 2), step('RUN d', 3)];
    expect(baseImageTop(twoLayerBase, 4)).toBe(1);
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
  it('rootfs is every image layer, before and after a commit; the base never grows with commits', () => {
    // Like the example: five layers, CMD at the very top (so no base shows in the history).
    const hist = [
      step('ADD rootfs.tar /', 0),
      step('COPY app /app', 1),
      step('RUN a', 2),
      step('RUN b', 3),
      step('RUN c', 4),
      step('CMD ["/app/server.sh"]', 4, true),
    ];
    const five = Array.from({ length: 5 }, () => ({}));
    expect(stackLayout(five, hist)).toEqual({ rootfsTop: 4, baseTop: -1, baseEnd: -1, container: -1 });
    // A running container: its layer is above the rootfs, not in it.
    expect(stackLayout([...five, { synthetic: 'container' as const }], hist)).toEqual({ rootfsTop: 4, baseTop: -1, baseEnd: -1, container: 5 });
    // After a commit the CMD is no longer the top step, but the committed layer is not the base's top either.
    const committed = [...hist, step('docker commit', 5)];
    expect(stackLayout([...five, { synthetic: 'commit' as const }], committed)).toEqual({ rootfsTop: 5, baseTop: -1, baseEnd: -1, container: -1 });
    // An image built FROM a base keeps the same base layers after a commit.
    const fromBase = [step('ADD a', 0), step('CMD ["sh"]', 0, true), step('RUN b', 1), step('RUN c', 2)];
    const three = [{}, {}, {}];
    expect(stackLayout(three, fromBase)).toMatchObject({ rootfsTop: 2, baseTop: 0, baseEnd: 1 });
    expect(stackLayout([...three, { synthetic: 'commit' as const }], [...fromBase, step('docker commit', 3)])).toMatchObject({
      rootfsTop: 3,
      baseTop: 0,
      baseEnd: 1,
    });
    expect(stackLayout([], [])).toEqual({ rootfsTop: -1, baseTop: -1, baseEnd: -1, container: -1 });
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

describe('stackColumns and blobCopies (issue 9, point 6)', () => {
  const blob = (offset: number) => ({ entryName: 'l', offset, size: 10 });
  const refs = [blob(0), blob(100), blob(0), blob(0)].map((b, index) => ({ index, blob: b }) as unknown as import('../../core/types').LayerRef);

  it('blobCopies: each layer points at the first with the same stored bytes, which counts them', () => {
    const c = blobCopies(refs);
    expect([...c.first]).toEqual([0, 1, 0, 0]);
    expect(c.count[0]).toBe(3);
    expect(c.count[1]).toBe(1);
  });

  it('stackColumns: bands top first in the rootfs frame and the base frame, markers where the history puts them', () => {
    const history = [step('ADD x', 0), step('CMD ["sh"]', 0, true), step('RUN a', 1), step('RUN b', 2), step('ENV x', 2, true), step('RUN c', 3)];
    const layout = stackLayout(refs, history);
    const cols = stackColumns(layout, metadataMarkers(history), history, [40, 50, 60, 70]);
    const show = (rows: StackRow[]) => rows.map((r) => ('band' in r ? r.band : r.step.createdBy));
    expect(show(cols.own.rows)).toEqual([3, 'ENV x', 2, 1]);
    expect(show(cols.base.rows)).toEqual(['CMD ["sh"]', 0]);
    expect(cols.own.rowOfBand.get(2)).toBe(2);
    expect([...cols.own.bandPx]).toEqual([0, 70, 70, 130, 180]);
    expect(cols.own.tops[1]).toBe(70 + ROW_GAP_PX);
  });
});

describe("stackBandsPx (issue 13: the stack's fixed part without reading the DOM)", () => {
  // What the page measured before: the style heights of the drawn bands (the container's among
  // them) plus, in a windowed stack, the band pixels each spacer stands for.
  function drawnBandsPx(heights: number[], history: HistoryStep[], synthetic: Array<'container' | undefined>, windowPx: [number, number] | null): number {
    const layout = stackLayout(
      heights.map((_, i) => ({ synthetic: synthetic[i] })),
      history,
    );
    const cols = stackColumns(layout, metadataMarkers(history), history, heights);
    let px = layout.container >= 0 ? heights[layout.container]! : 0;
    for (const c of COLUMN_NAMES) {
      const col = cols[c];
      const [from, to] = windowPx ? rowsIn(col.tops, ROW_GAP_PX, windowPx[0], windowPx[1]) : [0, col.rows.length];
      for (const p of windowParts(col.tops, from, to)) {
        if ('spacer' in p) px += col.bandPx[p.spacer[1]]! - col.bandPx[p.spacer[0]]!;
        else {
          const r = col.rows[p.row]!;
          if ('band' in r) px += heights[r.band]!;
        }
      }
    }
    return px;
  }

  it('is what the drawn bands and the spacers add up to, with markers, a base image and a container layer', () => {
    const history = [step('ADD x', 0), step('CMD ["sh"]', 0, true), step('RUN a', 1), step('ENV y', 1, true), step('RUN b', 2), step('RUN c', 3)];
    const heights = [40, 55, 61, 33, 90];
    const synthetic: Array<'container' | undefined> = [undefined, undefined, undefined, undefined, 'container'];
    expect(stackBandsPx(heights)).toBe(279);
    expect(drawnBandsPx(heights, history, synthetic, null)).toBe(279);
    expect(drawnBandsPx(heights, history, [], null)).toBe(279);
  });

  it('counts the bands a windowed stack leaves out', () => {
    const n = 10_000;
    const heights = Array.from({ length: n }, (_, k) => 32 + (k % 7));
    const history = Array.from({ length: n }, (_, k) => step(`RUN ${k}`, k));
    const whole = heights.reduce((a, b) => a + b, 0);
    for (const w of [
      [0, 600],
      [150_000, 151_000],
      [1e9, 1e9 + 600],
    ] as Array<[number, number]>) {
      expect(drawnBandsPx(heights, history, [], w)).toBe(whole);
    }
    expect(stackBandsPx(heights)).toBe(whole);
  });
});
