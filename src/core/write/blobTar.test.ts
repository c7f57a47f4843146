/**
 * Directory and layer tars assembled from Blobs, checked by GNU tar: the
 * listing of a directory's archive equals the merged listing of that subtree
 * (`layerscope ls`), and every file extracted by GNU tar has the bytes the
 * image holds for it — on an uncompressed docker-archive, a gzip OCI layout and
 * a zstd one (one decoding pass per layer).
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openImage } from '../session';
import { blobOf } from '../read/archive';
import { readEntryBytes } from '../read/contents';
import { lookup, mergedAt } from '../model/union';
import { listMerged, resolveHardlink } from '../model/listing';
import { EntryKind } from '../types';
import { gnuList } from '../../../test/helpers/gnuTar';
import { directoryTar, layerTar } from './blobTar';

const FIXTURES = join(process.cwd(), 'test', 'fixtures', 'images');

async function open(name: string) {
  const img = await openImage(new Blob([readFileSync(join(FIXTURES, name))]));
  const source = (l: number) => {
    const ref = img.image.layers[l];
    const idx = img.layers[l];
    return ref && idx ? { blob: blobOf(img.outer, ref.blob), compression: idx.compression } : null;
  };
  return { img, source };
}

const cases: Array<[string, string]> = [
  ['umoci-edge-cases.docker.tar', '/'],
  ['containerd-alpine-gzip.tar', '/etc'],
  ['buildx-oci-gzip.tar', '/'],
  ['umoci-edge-cases-zstd.oci.tar', '/'],
  ['dive-legacy-14-layers.tar', '/root'],
];

describe('directoryTar', () => {
  for (const [name, dir] of cases) {
    it(`${name} ${dir}: GNU tar lists the merged subtree and extracts its bytes`, async () => {
      const { img, source } = await open(name);
      const top = img.layers.length - 1;
      const view = mergedAt(img.union, img.layers, top);
      const node = lookup(img.union, dir);
      expect(node).toBeGreaterThanOrEqual(0);
      let progress = 0;
      const { blob, plan } = await directoryTar(img.union, img.layers, view, node, source, { onProgress: (d) => (progress = d) });
      expect(progress).toBe(plan.dataBytes);

      const tmp = mkdtempSync(join(tmpdir(), 'ls-dirtar-'));
      try {
        const file = join(tmp, 'dir.tar');
        writeFileSync(file, new Uint8Array(await blob.arrayBuffer()));
        const gnu = gnuList(file);
        expect(gnu.ok).toBe(true);
        // Expected: the merged listing restricted to the subtree (the directory itself included, unless it is /).
        const prefix = dir === '/' ? '/' : `${dir}/`;
        const want = listMerged(img.union, img.layers, top)
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split('\t'))
          .filter(([p]) => p === dir || p!.startsWith(prefix));
        const got = new Map(gnu.entries.map((e) => [`/${e.path}`, e]));
        expect([...got.keys()].sort()).toEqual(want.map(([p]) => p!).sort());
        for (const [p, type, size, , uid, gid, link] of want) {
          const g = got.get(p!)!;
          // A hard link is written as the file it names.
          const gType = { '-': 'file', d: 'dir', l: 'symlink', c: 'char', b: 'block', p: 'fifo' }[g.type];
          expect(gType, p).toBe(type === 'hardlink' ? 'file' : type);
          if (type === 'file') expect(g.size, p).toBe(Number(size));
          if (type === 'symlink') expect(g.link, p).toBe(link);
          expect([g.uid, g.gid], p).toEqual([Number(uid), Number(gid)]);
        }
        // Contents: extract and compare with the image's bytes, file by file.
        const out = join(tmp, 'x');
        execFileSync('mkdir', ['-p', out]);
        execFileSync('tar', ['-xf', file, '-C', out, '--no-same-owner', '--no-same-permissions'], { stdio: 'ignore' });
        let compared = 0;
        for (const [p, type] of want) {
          if (type !== 'file' && type !== 'hardlink') continue;
          const n = lookup(img.union, p!);
          let L = view.provider[n]!;
          let e = view.entry[n]!;
          if (img.layers[L]!.kinds[e] === EntryKind.Hardlink) [L, e] = resolveHardlink(img.union, img.layers, L, e)!;
          const idx = img.layers[L]!;
          const bytes = await readEntryBytes(source(L)!.blob, idx.compression, idx.dataOffsets[e]!, idx.sizes[e]!);
          expect(Buffer.from(readFileSync(join(out, p!))).equals(Buffer.from(bytes)), p).toBe(true);
          compared++;
        }
        expect(compared).toBeGreaterThan(0);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    });
  }

  it('stops when cancelled', async () => {
    const { img, source } = await open('buildx-oci-gzip.tar');
    const top = img.layers.length - 1;
    const ctl = new AbortController();
    ctl.abort();
    await expect(directoryTar(img.union, img.layers, mergedAt(img.union, img.layers, top), 0, source, { signal: ctl.signal })).rejects.toMatchObject({
      code: 'CANCELLED',
    });
  });
});

describe('layerTar', () => {
  it('the uncompressed tar of a gzip and a zstd layer hashes to its diff_id', async () => {
    for (const name of ['buildx-oci-gzip.tar', 'umoci-edge-cases-zstd.oci.tar', 'umoci-edge-cases.docker.tar']) {
      const { img, source } = await open(name);
      for (let l = 0; l < img.layers.length; l++) {
        const tar = await layerTar(source(l)!);
        const hex = execFileSync('sha256sum', { input: Buffer.from(await tar.arrayBuffer()) })
          .toString()
          .split(' ')[0];
        expect(`sha256:${hex}`, `${name} layer ${l}`).toBe(img.image.layers[l]!.diffId);
      }
    }
  });
});
