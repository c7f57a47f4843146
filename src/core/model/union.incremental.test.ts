/**
 * IncrementalUnion (union.ts) against buildUnion from scratch: the same model for
 * every set of finished layers, whatever order the layers finish in, on every
 * fixture image and on hand-made layers that exercise whiteouts, opaque
 * directories, symlinked parents and replaced directories.
 */
import { describe, expect, it } from 'vitest';
import { openAsBlob, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openImage } from '../session';
import type { LayerIndex } from '../types';
import { buildUnion, IncrementalUnion, type UnionModel } from './union';
import { layer } from './union.testkit';

const IMAGES = join(__dirname, '../../../test/fixtures/images');
const archives = [...readdirSync(IMAGES).map((f) => join(IMAGES, f)), join(__dirname, '../../../public/example.tar')];

/** Every order of 0..n-1 for small n, else a few: bottom first, top first, the middle last, and seeded shuffles. */
function orders(n: number): number[][] {
  const up = Array.from({ length: n }, (_, i) => i);
  if (n <= 4) {
    const out: number[][] = [];
    const perm = (rest: number[], acc: number[]) => {
      if (rest.length === 0) out.push(acc);
      for (let i = 0; i < rest.length; i++) perm([...rest.slice(0, i), ...rest.slice(i + 1)], [...acc, rest[i]!]);
    };
    perm(up, []);
    return out;
  }
  const mid = Math.floor(n / 2);
  const out = [up, [...up].reverse(), [...up.filter((i) => i !== mid), mid]];
  let seed = 13;
  const rnd = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  for (let s = 0; s < 4; s++) {
    const a = [...up];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    out.push(a);
  }
  return out;
}

/**
 * Layers finishing in `order` (`failed`: positions that end as null, as a layer
 * that could not be read): after each one, the partial union of those finished so
 * far, then the final one, each compared with buildUnion of the same snapshot.
 * Models handed out earlier must not change when later ones are built.
 */
function checkOrder(layers: readonly LayerIndex[], order: readonly number[], failed: ReadonlySet<number> = new Set()): void {
  const inc = new IncrementalUnion();
  const snapshot: (LayerIndex | null)[] = layers.map(() => null);
  const earlier: { u: UnionModel; copy: UnionModel }[] = [];
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    snapshot[i] = failed.has(i) ? null : layers[i]!;
    const last = k === order.length - 1;
    const u = inc.build(snapshot, { last });
    expect(u, `after layers ${order.slice(0, k + 1).join(',')}`).toEqual(buildUnion(snapshot));
    earlier.push({ u, copy: structuredClone(u) });
  }
  for (const e of earlier) expect(e.u).toEqual(e.copy);
}

/** As the union worker hands a model over: every buffer of its typed arrays transferred (detached here). */
function transfer(u: UnionModel): void {
  const buffers = new Set<ArrayBuffer>();
  const walk = (v: unknown): void => {
    if (ArrayBuffer.isView(v)) buffers.add(v.buffer as ArrayBuffer);
    else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x);
  };
  walk(u);
  structuredClone(u, { transfer: [...buffers] });
}

describe('IncrementalUnion equals buildUnion from scratch', () => {
  for (const path of archives) {
    it(path.split('/').pop()!, async () => {
      const img = await openImage(await openAsBlob(path));
      const layers = img.layers.map((l, i) => l ?? layer([[`missing-${i}`, 'file', 1]]));
      for (const o of orders(layers.length)) checkOrder(layers, o);
      // a layer that failed (null at the end), at the bottom and at the top
      checkOrder(layers, orders(layers.length)[0]!, new Set([0]));
      checkOrder(layers, [...orders(layers.length)[0]!].reverse(), new Set([layers.length - 1]));
    });
  }

  // Whiteouts and opaque markers against lower layers, a symlinked parent (etc2 -> /etc),
  // a directory replaced by a file and back, an implied parent, a later duplicate.
  const handMade = [
    layer([
      ['etc/', 'dir'],
      ['etc/motd', 'file', 12],
      ['etc/conf/', 'dir'],
      ['etc/conf/a', 'file', 3],
      ['etc2', 'symlink', 0, { link: '/etc' }],
      ['var/lib/x', 'file', 5],
    ]),
    layer([
      ['etc2/evil', 'file', 4],
      ['etc/.wh.motd', 'whiteout'],
      ['etc/conf', 'file', 9],
      ['var/lib/x', 'file', 6],
    ]),
    layer([
      ['etc/conf/', 'dir'],
      ['etc/conf/b', 'file', 1],
      ['var/.wh..wh..opq', 'opaque'],
      ['var/new', 'file', 2],
      ['etc2', 'dir'],
      ['etc2/own', 'file', 1],
    ]),
    layer([
      ['etc/.wh.conf', 'whiteout'],
      ['etc/motd', 'file', 13],
      ['etc/motd', 'file', 14],
      ['loop/a', 'symlink', 0, { link: '../loop/b' }],
      ['loop/b', 'symlink', 0, { link: '/loop/a' }],
    ]),
    layer([
      ['loop/a/x', 'file', 1],
      ['.wh.var', 'whiteout'],
      ['deep/er/still/file', 'file', 7],
    ]),
  ];
  it('hand-made layers, every finishing order', () => {
    for (const o of orders(4)) checkOrder(handMade.slice(0, 4), o);
    for (const o of orders(handMade.length)) checkOrder(handMade, o);
    for (const o of orders(handMade.length)) checkOrder(handMade, o, new Set([1, 3]));
  });

  it('a model handed over (its buffers transferred) leaves the kept state whole', () => {
    for (const o of orders(handMade.length)) {
      const inc = new IncrementalUnion();
      const snapshot: (LayerIndex | null)[] = handMade.map(() => null);
      for (const i of o) {
        snapshot[i] = handMade[i]!;
        const u = inc.build(snapshot);
        expect(u).toEqual(buildUnion(snapshot));
        transfer(u);
      }
    }
  });

  it('starts over when a layer below the kept ones is replaced (a TOC listing by the tar’s)', () => {
    const inc = new IncrementalUnion();
    const ls: (LayerIndex | null)[] = [handMade[0]!, handMade[1]!, handMade[2]!];
    expect(inc.build(ls)).toEqual(buildUnion(ls));
    const replaced = [ls[0]!, layer([['etc/other', 'file', 1]]), ls[2]!];
    expect(inc.build(replaced)).toEqual(buildUnion(replaced));
    // and goes on from the new state
    const more = [...replaced, handMade[3]!];
    expect(inc.build(more, { last: true })).toEqual(buildUnion(more));
    // after `last` it holds nothing: the next build is from scratch, and still right
    expect(inc.build(ls)).toEqual(buildUnion(ls));
  });

  it('an image with no layers, and a union of no finished layer', () => {
    const inc = new IncrementalUnion();
    expect(inc.build([])).toEqual(buildUnion([]));
    expect(inc.build([null, null])).toEqual(buildUnion([null, null]));
  });
});
