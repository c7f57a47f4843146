/**
 * The playground's image on the real example (public/example.tar): a
 * container's layer composed on top reads back by offset like any layer; a
 * commit, written as a docker-archive, reopens with one more layer whose merged
 * listing is exactly what the page showed (the composed image), with digests
 * that GNU tar + node:crypto and skopeo agree with.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openImage, verifyImage } from '../session';
import { mergedAt } from '../model/union';
import { listMerged } from '../model/listing';
import { blobOf } from '../read/archive';
import { buildLayer, makeDir, removePath, startContainer, writeFile, type Container } from './playground';
import { composeImage, exportDockerArchive, sha256Digest, defaultCommitTag, type ExtraLayer } from './playgroundImage';

const EXAMPLE = join(__dirname, '../../../public/example.tar');
const HAVE_SKOPEO = spawnSync('sh', ['-c', 'command -v skopeo']).status === 0;
if (!HAVE_SKOPEO) console.warn('playgroundImage.test: skopeo is not installed; skipping the skopeo copy check (apt-get install -y skopeo)');
const NOW = 1_767_225_600; // 2026-01-01T00:00:00Z
const enc = (s: string) => new TextEncoder().encode(s);
const sha256 = (b: Uint8Array) => 'sha256:' + createHash('sha256').update(b).digest('hex');

async function openExample() {
  return verifyImage(await openImage(new Blob([readFileSync(EXAMPLE)]), { verify: true }));
}

function containerOn(img: Awaited<ReturnType<typeof openExample>>): Container {
  const top = img.layers.length - 1;
  return startContainer({ union: img.union, layers: img.layers, view: mergedAt(img.union, img.layers, top) });
}

/** The session the e2e test also performs: copy-up, whiteout, opaque directory, new file. */
function session(c: Container): Container {
  c = writeFile(c, '/etc/motd', enc('Hello from the container playground\n'), NOW).container;
  c = removePath(c, '/usr/share/doc/example/manual.txt', NOW).container;
  c = removePath(c, '/app/static', NOW).container;
  c = makeDir(c, '/app/static', NOW).container;
  c = writeFile(c, '/app/static/hello.txt', enc('hi\n'), NOW).container;
  return c;
}

/** The example with one playground commit, written as a docker-archive (what the page's download gives). */
async function commitExample() {
  const base = await openExample();
  const n = base.layers.length;
  const built = buildLayer(session(containerOn(base)).entries);
  const diffId = await sha256Digest(built.tar);
  const commit: ExtraLayer = {
    kind: 'commit',
    tar: built.tar,
    index: built.index,
    createdBy: 'docker commit -m "playground"',
    created: '2026-01-01T00:00:00Z',
    comment: 'playground',
    diffId,
  };
  const shown = composeImage(base, [commit]);
  const tag = defaultCommitTag(base.image);
  const archive = await exportDockerArchive(base, [commit], { repoTag: tag });
  return { base, n, diffId, shown, tag, archive };
}

describe('playground image (example.tar)', () => {
  it('a running container is one more layer whose bytes read back by offset from the composed archive', async () => {
    const base = await openExample();
    const n = base.layers.length;
    const c = session(containerOn(base));
    const built = buildLayer(c.entries);
    const shown = composeImage(base, [{ kind: 'container', tar: built.tar, index: built.index, createdBy: 'container', created: '', diffId: null }]);
    expect(shown.layers).toHaveLength(n + 1);
    expect(shown.image.layers[n]!.synthetic).toBe('container');
    expect(shown.image.layers.slice(0, n)).toEqual(base.image.layers);
    // The original is untouched.
    expect(base.layers).toHaveLength(n);
    // Read /etc/motd the way the page does (loader.readEntry): the layer's blob in the outer archive, at the entry's data offset.
    const e = built.paths.indexOf('etc/motd');
    const blob = blobOf(shown.outer, shown.image.layers[n]!.blob);
    const off = built.index.dataOffsets[e]!;
    const bytes = new Uint8Array(await blob.slice(off, off + built.index.sizes[e]!).arrayBuffer());
    expect(new TextDecoder().decode(bytes)).toBe('Hello from the container playground\n');
    // And an original layer still reads from the same composed archive.
    const l0 = base.layers[0]!;
    const busybox = l0.paths.indexOf('bin/busybox');
    const b0 = blobOf(shown.outer, shown.image.layers[0]!.blob);
    const head = new Uint8Array(await b0.slice(l0.dataOffsets[busybox], l0.dataOffsets[busybox]! + 4).arrayBuffer());
    expect([...head]).toEqual([0x7f, 0x45, 0x4c, 0x46]); // ELF
    // The merged view shows copy-up, whiteout and opaque directory.
    const top = mergedAt(shown.union, shown.layers, n);
    const listing = listMerged(shown.union, shown.layers, n);
    expect(listing).toMatch(new RegExp(`^/etc/motd\tfile\t36\t0644\t0\t0\t\t${n}$`, 'm'));
    expect(listing).not.toContain('/usr/share/doc/example/manual.txt');
    expect(listing).toMatch(new RegExp(`^/app/static/hello.txt\tfile\t3\t0644\t0\t0\t\t${n}$`, 'm'));
    expect(listing).not.toContain('/app/static/logo.png');
    expect(top.layer).toBe(n);
  });

  it('commit + download: the docker-archive reopens with one more layer and the same listing; digests check out', async () => {
    const { base, n, diffId, shown, tag, archive } = await commitExample();
    expect(tag).toBe('layerscope/example:committed');

    const reopened = await verifyImage(await openImage(new Blob([archive as Uint8Array<ArrayBuffer>]), { verify: true }));
    expect(reopened.layers).toHaveLength(n + 1);
    expect(reopened.integrity.every((c) => c.diffId === 'ok')).toBe(true);
    expect(reopened.image.tags).toEqual([tag]);
    // Exactly what the page showed, at every layer.
    for (let l = 0; l <= n; l++) expect(listMerged(reopened.union, reopened.layers, l), `layer ${l}`).toBe(listMerged(shown.union, shown.layers, l));
    // The history keeps the image's steps and adds the commit.
    expect(reopened.image.history.map((h) => h.createdBy)).toEqual([...base.image.history.map((h) => h.createdBy), 'docker commit -m "playground"']);
    expect(reopened.image.config).toEqual(base.image.config);

    // Independent check with GNU tar and node:crypto: each layer.tar's sha256 is its diff_id.
    const dir = mkdtempSync(join(tmpdir(), 'pg-export-'));
    try {
      const file = join(dir, 'committed.tar');
      writeFileSync(file, archive);
      const out = join(dir, 'x');
      execFileSync('mkdir', [out]);
      execFileSync('tar', ['-xf', file, '-C', out]);
      const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
      const config = JSON.parse(readFileSync(join(out, manifest[0].Config), 'utf8'));
      expect(manifest[0].Layers).toHaveLength(n + 1);
      const digests = manifest[0].Layers.map((p: string) => sha256(readFileSync(join(out, p))));
      expect(digests).toEqual(config.rootfs.diff_ids);
      // The original layers are byte-identical (same diff_ids as the example's config).
      expect(config.rootfs.diff_ids.slice(0, n)).toEqual(base.image.layers.map((l) => l.diffId));
      expect(config.rootfs.diff_ids[n]).toBe(diffId);
      // The new layer as GNU tar lists it.
      const members = execFileSync('tar', ['-tf', join(out, manifest[0].Layers[n])], { encoding: 'utf8' })
        .trim()
        .split('\n');
      expect(members).toEqual([
        'app/',
        'app/static/',
        'app/static/.wh..wh..opq',
        'app/static/hello.txt',
        'etc/',
        'etc/motd',
        'usr/',
        'usr/share/',
        'usr/share/doc/',
        'usr/share/doc/example/',
        'usr/share/doc/example/.wh.manual.txt',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(['buildx-oci-gzip.tar', 'buildx-oci-zstd.tar', 'crane-gzip-whiteout-dir.tar'])(
    'compressed layers (%s) are written back as their uncompressed tars: same diff_ids, same listings',
    async (name) => {
      const base = await openImage(new Blob([readFileSync(join(__dirname, '../../../test/fixtures/images', name))]), { verify: true });
      const n = base.layers.length;
      let c = containerOn(base);
      c = writeFile(c, '/playground.txt', enc('written in the page\n'), NOW).container;
      const built = buildLayer(c.entries);
      const commit: ExtraLayer = {
        kind: 'commit',
        tar: built.tar,
        index: built.index,
        createdBy: 'docker commit',
        created: '2026-01-01T00:00:00Z',
        diffId: await sha256Digest(built.tar),
      };
      const shown = composeImage(base, [commit]);
      const reopened = await verifyImage(
        await openImage(new Blob([(await exportDockerArchive(base, [commit], { repoTag: 'fixture/committed:1' })) as Uint8Array<ArrayBuffer>]), {
          verify: true,
        }),
      );
      expect(reopened.info.format).toBe('docker-legacy');
      expect(reopened.layers).toHaveLength(n + 1);
      expect(reopened.integrity.map((x) => x.diffId)).toEqual(new Array(n + 1).fill('ok'));
      // The original diff_ids are kept: the uncompressed tars are byte for byte those the config names.
      expect(reopened.image.layers.slice(0, n).map((l) => l.diffId)).toEqual(base.image.layers.map((l) => l.diffId));
      for (let l = 0; l <= n; l++) expect(listMerged(reopened.union, reopened.layers, l), `layer ${l}`).toBe(listMerged(shown.union, shown.layers, l));
    },
  );

  // skopeo verifies every digest when it copies.
  it.skipIf(!HAVE_SKOPEO)('commit + download: skopeo copies the archive (it verifies every digest)', async () => {
    const { archive } = await commitExample();
    const dir = mkdtempSync(join(tmpdir(), 'pg-skopeo-'));
    try {
      const file = join(dir, 'committed.tar');
      writeFileSync(file, archive);
      const r = spawnSync('skopeo', ['copy', '--quiet', `docker-archive:${file}`, `oci:${join(dir, 'oci')}:committed`], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to write an image whose layers could not all be read', async () => {
    const base = await openExample();
    const broken = { ...base, layers: [null, ...base.layers.slice(1)], layerErrors: ['bad', ...base.layerErrors.slice(1)] };
    await expect(exportDockerArchive(broken, [], { repoTag: 'x/y:z' })).rejects.toThrow(/layer 0 could not be read/);
  });
});
