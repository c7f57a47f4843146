/**
 * The page's comparison store, driven in Node with the engine in-process: the
 * provisional derivation, the proof's hashing, re-derivation on an updated image
 * (no hashing again), the mtime toggle, the view actions.
 */
import { describe, expect, it } from 'vitest';
import { openImage, inProcessScanner, verifyImage, type LoadedImage } from '../../core/session';
import { inProcessHasher } from '../../core/compare/compareImages';
import { categoryOf } from '../../core/compare/flags';
import type { ContentHasher } from '../../core/compare/proof';
import { readEntryBytes } from '../../core/read/contents';
import { blobOf } from '../../core/read/archive';
import { textDiff } from '../../core/compare/contentDiff';
import { writeTar } from '../../core/write/tarWriter';
import { dockerArchive, tdir, tfile } from '../../../test/helpers/imageArchive';
import { Comparison, type CompareHost } from './compareStore';

const scanner = inProcessScanner(2);
const open = (bytes: Uint8Array) => openImage(new Blob([bytes as BlobPart]), { scanner });
const base = writeTar([tdir('etc'), tfile('etc/motd', 'hello\n', { mtime: 5 }), tfile('etc/conf', 'a=1\n')]);

function hostFor(imgs: { a: LoadedImage; b: LoadedImage }, counter: { files: number }): CompareHost {
  const inner = inProcessHasher(imgs);
  const hasher: ContentHasher = {
    concurrency: 2,
    hashRanges: (side, layer, ranges, opts) => {
      counter.files += ranges.length;
      return inner.hashRanges(side, layer, ranges, opts);
    },
  };
  return {
    hasher,
    read: (side, layer, entry, size, maxBytes) => {
      const img = imgs[side];
      const idx = img.layers[layer]!;
      return readEntryBytes(blobOf(img.outer, img.image.layers[layer]!.blob), idx.compression, idx.dataOffsets[entry]!, size, { maxBytes });
    },
    textDiff: async (x, y) => textDiff(x, y),
  };
}

describe('Comparison (the page store)', () => {
  it('derives at once, hashes the candidates, re-derives without hashing again', async () => {
    const A = await open(dockerArchive([base]));
    const B = await open(
      dockerArchive([base, writeTar([tfile('etc/motd', 'HELLO\n', { mtime: 9 }), tfile('etc/conf', 'a=1\n', { mtime: 9 }), tfile('new', 'n')])]),
    );
    const counter = { files: 0 };
    const c = new Comparison(hostFor({ a: A, b: B }, counter));
    const seen: string[] = [];
    c.store.subscribe((s) => seen.push(s.status));
    await c.start({ id: 'a1', img: A, layer: 0, label: 'a.tar' }, { id: 'b1', img: B, layer: 1, label: 'b.tar' });
    const s = c.state;
    expect(seen).toContain('hashing');
    expect(s.status).toBe('ready');
    const cats = Object.fromEntries(Array.from({ length: s.diff!.count }, (_, i) => [s.diff!.paths[i], categoryOf(s.diff!.flags[i]!)]));
    expect(cats).toEqual({ '/etc/motd': 'changed', '/new': 'added' });
    expect(s.totals!.differing).toBe(2);
    expect(counter.files).toBe(4);
    expect(s.expanded.has('/etc')).toBe(true);

    // the digest check behind the page fills in the computed diff_ids: re-derived, nothing hashed again
    const Av = await verifyImage(A, { scanner });
    c.store.setState({ selected: '/etc/motd' });
    await c.update('a', { id: 'a1', img: Av, layer: 0, label: 'a.tar' });
    expect(counter.files).toBe(4);
    expect(c.state.selected).toBe('/etc/motd');
    expect(c.state.diff!.count).toBe(2);

    // mtime: /etc/conf now differs in its time only
    await c.setMtime(true);
    expect(counter.files).toBe(4);
    const withMtime = Object.fromEntries(Array.from({ length: c.state.diff!.count }, (_, i) => [c.state.diff!.paths[i], categoryOf(c.state.diff!.flags[i]!)]));
    expect(withMtime['/etc/conf']).toBe('metadata');

    c.toggle('/etc');
    expect(c.state.expanded.has('/etc')).toBe(false);
    c.close();
    expect(c.state.status).toBe('idle');
  });

  it('a failure is an error state with one sentence, not a throw', async () => {
    const A = await open(dockerArchive([base]));
    const B = await open(dockerArchive([writeTar([tfile('etc/motd', 'HELLO\n'), tfile('etc/conf', 'b=1\n')])]));
    const host: CompareHost = {
      hasher: { concurrency: 1, hashRanges: async () => Promise.reject(new Error('disk on fire')) },
      read: async () => new Uint8Array(),
      textDiff: async (x, y) => textDiff(x, y),
    };
    const c = new Comparison(host);
    await c.start({ id: 'a', img: A, layer: 0, label: 'a' }, { id: 'b', img: B, layer: 0, label: 'b' });
    // the hashing failed: those paths are unknown, the rest is known
    expect(c.state.status).toBe('ready');
    expect(c.state.failures.length).toBeGreaterThan(0);
    expect(categoryOf(c.state.diff!.flags[c.state.diff!.paths.indexOf('/etc/motd')]!)).toBe('unknown');
  });
});
