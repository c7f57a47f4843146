import { describe, expect, it } from 'vitest';
import { diveEfficiency } from './diveEfficiency';
import { buildUnion } from './union';
import { layer } from './union.testkit';

describe('dive efficiency', () => {
  it("reproduces dive's own test vector (dive/filetree/efficiency_test.go TestEfficency)", () => {
    // trees[0]: /etc/nginx/nginx.conf 2000, /etc/nginx/public 3000
    // trees[1]: /etc/nginx/nginx.conf 5000, /etc/athing 10000
    // trees[2]: /etc/.wh.nginx
    // dive expects score 0.75 and one inefficiency: /etc/nginx/nginx.conf, 7000 bytes, layers [0, 1]
    const layers = [
      layer([
        ['etc/nginx/nginx.conf', 'file', 2000],
        ['etc/nginx/public', 'file', 3000],
      ]),
      layer([
        ['etc/nginx/nginx.conf', 'file', 5000],
        ['etc/athing', 'file', 10000],
      ]),
      layer([['etc/.wh.nginx', 'whiteout']]),
    ];
    const d = diveEfficiency(layers);
    expect(d.score).toBe(0.75);
    expect(d.inefficiencies).toEqual([{ path: '/etc/nginx/nginx.conf', cumulativeSize: 7000, minSize: 2000, layers: [0, 1] }]);
    expect(d.wastedBytes).toBe(7000);
    expect(d.sizeBytes).toBe(20000);
    expect(d.userSizeBytes).toBe(15000);
    expect(d.userWastedPercent).toBe(7000 / 15000);
    expect(d.abortedLayers).toEqual([]);
  });

  it("dive's scratch-image test vector: nothing of size > 0 gives score 1", () => {
    const d = diveEfficiency([layer([['nothing', 'file', 0]]), layer([]), layer([])]);
    expect(d.score).toBe(1);
    expect(d.inefficiencies).toEqual([]);
    expect(d.userWastedPercent).toBeNaN(); // 0 / 0, as Go's float division gives
  });

  /*
   * Worked by hand from dive's algorithm (see diveEfficiency's comment):
   *
   * L0 tree: app/ a(100) b(50), lib/ x(10), empty/, opq(implied) f(7).      leaves: /app/a /app/b /empty /lib/x /opq/f
   * L1 tree: app(implied) a(120), lib/(0700) y(5).                           leaves: /app/a /lib/y
   *   stacking L1: the implied `app` resets the stacked /app to an empty payload (not a directory)
   * L2 tree: .wh.lib, app(implied) .wh.b, empty/, opq(implied; .wh..wh..opq dropped)
   *   post-order: .wh.lib (lib is a dir below: lib+x+y = 15), app/.wh.b (a file below: 0), empty (0), opq (leaf now: 0)
   * L3 tree: .wh.app (stacked /app is not a dir: 0), .wh.ghost (not below: dive stops L3 here; z is never visited)
   *
   * per path: /app/a 100+120 (min 100) x2, /app/b 50+0 (min 0) x2, /empty 0+0 x2, /lib/x 10, /lib/y 5,
   *           /opq/f 7, /lib 15, /opq 0, /app 0, /ghost: entry left with minDiscoveredSize -1
   * sum(min) = 100+0+0+10+5+7+15+0+0-1 = 136, sum(cumulative) = 220+50+0+10+5+7+15+0+0 = 307
   * wasted = 220+50+0 = 270; layer sizes 167, 125, 0, 1 -> user size 126
   */
  const quirky = [
    layer([
      ['app/', 'dir'],
      ['app/a', 'file', 100],
      ['app/b', 'file', 50],
      ['lib/', 'dir'],
      ['lib/x', 'file', 10],
      ['empty/', 'dir'],
      ['opq/f', 'file', 7],
    ]),
    layer([
      ['app/a', 'file', 120],
      ['lib/', 'dir', 0, { mode: 0o700 }],
      ['lib/y', 'file', 5],
    ]),
    layer([
      ['.wh.lib', 'whiteout'],
      ['app/.wh.b', 'whiteout'],
      ['empty/', 'dir'],
      ['opq/.wh..wh..opq', 'opaque'],
    ]),
    layer([
      ['.wh.app', 'whiteout'],
      ['.wh.ghost', 'whiteout'],
      ['z', 'file', 1],
    ]),
  ];

  it('matches a hand-worked case with whiteouts of dirs and files, implied parents, opaque markers and an aborted layer', () => {
    const d = diveEfficiency(quirky);
    expect(d.score).toBe(136 / 307);
    expect(d.wastedBytes).toBe(270);
    expect(d.layerSizes).toEqual([167, 125, 0, 1]);
    expect(d.sizeBytes).toBe(293);
    expect(d.userSizeBytes).toBe(126);
    expect(d.userWastedPercent).toBe(270 / 126);
    expect(d.inefficiencies).toEqual([
      { path: '/app/a', cumulativeSize: 220, minSize: 100, layers: [0, 1] },
      { path: '/app/b', cumulativeSize: 50, minSize: 0, layers: [0, 2] },
      { path: '/empty', cumulativeSize: 0, minSize: 0, layers: [0, 2] },
    ]);
    expect(d.abortedLayers).toEqual([3]);
  });

  it('sizes a whiteout of an explicit directory by everything below it', () => {
    const d = diveEfficiency([
      layer([
        ['d/', 'dir'],
        ['d/a', 'file', 3],
        ['d/s/', 'dir'],
        ['d/s/b', 'file', 4],
      ]),
      layer([['.wh.d', 'whiteout']]),
      layer([
        ['d/', 'dir'],
        ['d/a', 'file', 1],
      ]),
    ]);
    // L0 leaves /d/a 3, /d/s/b 4; L1 whiteout of /d, a directory below: d+a+s+b = 0+3+0+4 = 7;
    // L2 leaf /d/a 1 (/d has a child: not visited). sum(min) = 1+4+7 = 12, sum(cumulative) = 4+4+7 = 15
    expect(d.score).toBe(12 / 15);
    expect(d.inefficiencies).toEqual([{ path: '/d/a', cumulativeSize: 4, minSize: 1, layers: [0, 2] }]);
  });
});

describe('dive efficiency from the union trie', () => {
  it("gives the same figures as building dive's trees from the paths alone (random images)", () => {
    const segs = ['a', 'b', '.wh.a', 'a-b', 'é'];
    const kinds = ['file', 'file', 'dir', 'whiteout', 'opaque', 'meta', 'symlink'] as const;
    let seed = 7;
    const r = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    for (let iter = 0; iter < 300; iter++) {
      const layers = Array.from({ length: 1 + Math.floor(r() * 4) }, () =>
        layer(
          Array.from({ length: Math.floor(r() * 8) }, () => {
            const parts = Array.from({ length: 1 + Math.floor(r() * 3) }, () => segs[Math.floor(r() * segs.length)]!);
            const kind = kinds[Math.floor(r() * kinds.length)]!;
            const last = parts[parts.length - 1];
            if (kind === 'whiteout') parts[parts.length - 1] = '.wh.' + last;
            if (kind === 'opaque') parts[parts.length - 1] = '.wh..wh..opq';
            if (kind === 'meta') parts[parts.length - 1] = '.wh..wh.plnk';
            return [parts.join('/'), kind, Math.floor(r() * 50)] as const;
          }).map(([p, k, n]) => [p, k, n]),
        ),
      );
      const plain = diveEfficiency(layers);
      const viaUnion = diveEfficiency(layers, buildUnion(layers));
      const norm = (d: typeof plain) => ({ ...d, inefficiencies: [...d.inefficiencies].sort((x, y) => (x.path < y.path ? -1 : 1)) });
      expect(norm(viaUnion)).toEqual(norm(plain));
    }
  });
});

describe('dive figures on a real image', () => {
  // test/fixtures/images/dive-legacy-14-layers.tar is dive's own .data/test-docker-image.tar
  // (PROVENANCE.md); dive's expected figures for it are in
  // wagoodman/dive dive/image/docker/image_archive_analysis_test.go (Test_Analysis):
  //   efficiency 0.9844212134184309, sizeBytes 1220598, userSizeBytes 66237,
  //   wastedBytes 32025, wastedPercent 0.4834911001404049
  it("equal dive's own expected values for its test image", async () => {
    const { openAsBlob } = await import('node:fs');
    const { join } = await import('node:path');
    // dynamic: the pipeline (archive + layer scanner) is other modules' business
    const { openImage } = await import('../session');
    const img = await openImage(await openAsBlob(join(__dirname, '../../../test/fixtures/images/dive-legacy-14-layers.tar')));
    expect(img.layers.length).toBe(14);
    const d = img.stats.dive;
    expect(d.score).toBe(0.9844212134184309);
    expect(d.sizeBytes).toBe(1220598);
    expect(d.userSizeBytes).toBe(66237);
    expect(d.wastedBytes).toBe(32025);
    expect(d.userWastedPercent).toBe(0.4834911001404049);
  });
});
