/**
 * Archive opening, against real archives (test/fixtures/images, see
 * test/fixtures/PROVENANCE.md) and hand-built broken ones.
 *
 * Ground truth: the fixtures' own JSON documents (tags, layer lists, diff_ids,
 * history, as written by the tools that made them) and the bytes themselves:
 * every layer the opener points at must hash (after decompression with node:zlib
 * or fzstd, independent of the engine) to the config's diff_id, and to the
 * manifest's digest when one is known.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { decompress as zstdDecompress } from 'fzstd';
import { openArchive, blobOf, selectImage, MAX_JSON_BYTES, MAX_INDEX_DEPTH } from './archive';
import { isLayerscopeError } from '../errors';
import type { ArchiveInfo, ImageInfo } from '../types';

const FIXTURES = join(__dirname, '../../../test/fixtures/images');

function fixture(name: string): Blob {
  return new Blob([readFileSync(join(FIXTURES, name))]);
}

async function open(name: string) {
  return openArchive(fixture(name));
}

const sha256 = (b: Uint8Array): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Decompress with Node/fzstd by magic bytes: a reference independent of src/core/compression. */
function inflate(b: Uint8Array): Uint8Array {
  if (b[0] === 0x1f && b[1] === 0x8b) return new Uint8Array(gunzipSync(b));
  if (b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd) return zstdDecompress(b);
  return b;
}

function expectCode(code: string) {
  return (err: unknown) => {
    if (!isLayerscopeError(err)) throw err;
    expect(err.code).toBe(code);
    return true;
  };
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<Error> {
  try {
    await p;
  } catch (err) {
    expectCode(code)(err);
    return err as Error;
  }
  throw new Error(`expected a ${code} error`);
}

function throwsCode(fn: () => unknown, code: string): Error {
  try {
    fn();
  } catch (err) {
    expectCode(code)(err);
    return err as Error;
  }
  throw new Error(`expected a ${code} error`);
}

// ---------------------------------------------------------------------------
// A minimal ustar writer (POSIX.1-1988), for archives the tests build themselves.

interface TarItem {
  name: string;
  data?: string | Uint8Array;
  type?: '0' | '1' | '2' | '5';
  linkname?: string;
}

function tarHeader(name: string, size: number, type: string, linkname: string): Uint8Array {
  const h = new Uint8Array(512);
  const put = (off: number, len: number, s: string) => {
    const b = Buffer.from(s, 'utf8');
    if (b.length > len) throw new Error(`tar field too long: ${s}`);
    h.set(b, off);
  };
  const oct = (off: number, len: number, n: number) => put(off, len, `${n.toString(8).padStart(len - 1, '0')}\0`);
  put(0, 100, name);
  oct(100, 8, type === '5' ? 0o755 : 0o644);
  oct(108, 8, 0);
  oct(116, 8, 0);
  oct(124, 12, size);
  oct(136, 12, 0);
  put(156, 1, type);
  put(157, 100, linkname);
  put(257, 6, 'ustar\0');
  put(263, 2, '00');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  put(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

function makeTar(items: TarItem[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const it of items) {
    const data = typeof it.data === 'string' ? new Uint8Array(Buffer.from(it.data)) : (it.data ?? new Uint8Array(0));
    parts.push(tarHeader(it.name, data.length, it.type ?? '0', it.linkname ?? ''));
    parts.push(data);
    const pad = (512 - (data.length % 512)) % 512;
    if (pad) parts.push(new Uint8Array(pad));
  }
  parts.push(new Uint8Array(1024));
  return new Uint8Array(Buffer.concat(parts));
}

const blobOfBytes = (b: Uint8Array): Blob => new Blob([new Uint8Array(b)]);

/** A one-file layer tar and its diff_id. */
function layer(file: string, content: string): { bytes: Uint8Array; diffId: string; hex: string } {
  const bytes = makeTar([{ name: file, data: content }]);
  const diffId = sha256(bytes);
  return { bytes, diffId, hex: diffId.slice(7) };
}

function config(diffIds: string[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: diffIds }, ...extra });
}

// ---------------------------------------------------------------------------
// What the fixtures contain, read off their manifest.json / index.json / configs.

interface Expect {
  format: ArchiveInfo['format'];
  images: { tags: string[]; layers: number; platform: string; compression: ('none' | 'gzip' | 'zstd')[] }[];
}

const EXPECTED: Record<string, Expect> = {
  'buildx-oci-gzip.tar': { format: 'oci', images: [{ tags: [], layers: 1, platform: 'linux/arm64', compression: ['gzip'] }] },
  'buildx-oci-uncompressed.tar': { format: 'oci', images: [{ tags: [], layers: 1, platform: 'linux/arm64', compression: ['none'] }] },
  'buildx-oci-zstd.tar': { format: 'oci', images: [{ tags: [], layers: 1, platform: 'linux/arm64', compression: ['zstd'] }] },
  'containerd-alpine-gzip.tar': { format: 'docker-oci', images: [{ tags: ['alpine:3.14'], layers: 1, platform: 'linux/amd64', compression: ['gzip'] }] },
  'containerd-busybox-multiarch-index.tar': {
    format: 'docker-oci',
    images: [{ tags: ['busybox:latest'], layers: 1, platform: 'linux/amd64', compression: ['gzip'] }],
  },
  'crane-gzip-whiteout-dir.tar': {
    format: 'tarball',
    images: [{ tags: ['localhost:5000/whiteout:latest'], layers: 4, platform: 'linux/amd64', compression: ['gzip', 'gzip', 'gzip', 'gzip'] }],
  },
  'dive-legacy-14-layers.tar': {
    format: 'docker-legacy',
    images: [{ tags: ['dive-test:latest'], layers: 14, platform: 'linux/amd64', compression: new Array(14).fill('none') }],
  },
  'docker25-hello-world.tar': { format: 'docker-oci', images: [{ tags: ['hello-world:latest'], layers: 1, platform: 'linux/amd64', compression: ['none'] }] },
  'docker25-untagged-hello-world.tar': { format: 'docker-oci', images: [{ tags: [], layers: 1, platform: 'linux/arm64', compression: ['none'] }] },
  'legacy-bundle-two-images.tar': {
    format: 'docker-legacy',
    images: [
      { tags: ['test_image_2'], layers: 1, platform: 'linux/amd64', compression: ['none'] },
      { tags: ['test_image_1'], layers: 1, platform: 'linux/amd64', compression: ['none'] },
    ],
  },
  'legacy-overwritten-file.tar': {
    format: 'docker-legacy',
    images: [{ tags: ['bazel/pkg/v1/mutate:overwritten_file'], layers: 3, platform: 'linux/amd64', compression: ['none', 'none', 'none'] }],
  },
  'legacy-two-images-symlinked-layer.tar': {
    format: 'docker-legacy',
    images: [
      { tags: ['bazel/v1/tarball:test_image_1'], layers: 1, platform: 'linux/amd64', compression: ['none'] },
      { tags: ['bazel/v1/tarball:test_image_3'], layers: 2, platform: 'linux/amd64', compression: ['none', 'none'] },
    ],
  },
  'podman-two-images-shared-layer.docker.tar': {
    format: 'docker-legacy',
    images: [
      { tags: ['localhost/umoci-fixture:v3'], layers: 3, platform: 'linux/amd64', compression: ['none', 'none', 'none'] },
      { tags: ['localhost/umoci-fixture:v1'], layers: 1, platform: 'linux/amd64', compression: ['none'] },
    ],
  },
  'skopeo-busybox.tar': { format: 'docker-legacy', images: [{ tags: [], layers: 1, platform: 'linux/amd64', compression: ['none'] }] },
  'skopeo-opaque-whiteout.tar': { format: 'docker-legacy', images: [{ tags: [], layers: 2, platform: 'linux/amd64', compression: ['none', 'none'] }] },
  'umoci-edge-cases-zstd.oci.tar': { format: 'oci', images: [{ tags: ['v3'], layers: 3, platform: 'linux/amd64', compression: ['zstd', 'zstd', 'zstd'] }] },
  'umoci-edge-cases.docker.tar': {
    format: 'docker-legacy',
    images: [
      { tags: ['docker.io/example/fixture:v3', 'docker.io/example/fixture:latest'], layers: 3, platform: 'linux/amd64', compression: ['none', 'none', 'none'] },
    ],
  },
};

const platformString = (im: ImageInfo) => (im.platform ? [im.platform.os, im.platform.architecture, im.platform.variant].filter(Boolean).join('/') : '');

describe('openArchive on every fixture', () => {
  it('knows every fixture in test/fixtures/images', () => {
    const files = readdirSync(FIXTURES)
      .filter((f) => f.endsWith('.tar'))
      .sort();
    expect(files).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [name, exp] of Object.entries(EXPECTED)) {
    it(`opens ${name}`, async () => {
      const { info, outer } = await open(name);
      expect(info.format).toBe(exp.format);
      expect(info.outerCompression).toBe('none');
      expect(info.images.map((im) => im.tags)).toEqual(exp.images.map((e) => e.tags));
      for (const [i, im] of info.images.entries()) {
        const e = exp.images[i]!;
        expect(im.index).toBe(i);
        expect(platformString(im)).toBe(e.platform);
        expect(im.layers.length).toBe(e.layers);
        expect(im.layers.map((l) => l.compression)).toEqual(e.compression);
        // Layer count equals the config's diff_ids, and each layer is the right blob:
        // its bytes, decompressed independently, hash to that diff_id.
        const cfg = im.rawConfig as { rootfs: { diff_ids: string[] } };
        expect(im.layers.length).toBe(cfg.rootfs.diff_ids.length);
        for (const l of im.layers) {
          expect(l.index).toBe(im.layers.indexOf(l));
          expect(l.diffId).toBe(cfg.rootfs.diff_ids[l.index]);
          const stored = new Uint8Array(await blobOf(outer, l.blob).arrayBuffer());
          expect(stored.length).toBe(l.blob.size);
          expect(sha256(inflate(stored))).toBe(l.diffId);
          if (l.digest) expect(sha256(stored)).toBe(l.digest);
        }
        // The config digest is the sha256 of the config document as stored.
        expect(im.configDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
      }
      expect(info.warnings).toEqual([]);
    });
  }
});

describe('format details', () => {
  it('reads digests and media types from the OCI manifest of a Docker 25 save', async () => {
    const { info } = await open('docker25-hello-world.tar');
    const im = info.images[0]!;
    expect(im.manifestDigest).toBe('sha256:8876a860b8c40b280440ed7678ba677f5a3cb972fddde4198a9a5e159184732f');
    expect(im.configDigest).toBe('sha256:d2c94e258dcb3c5ac2798d32e1249e42ef01cba4841c2234249495f87264ac5a');
    expect(im.layers[0]!.digest).toBe('sha256:ac28800ec8bb38d5c35b49d45a6ac4777544941199075dff8c4eb63e093aa81e');
    expect(im.layers[0]!.mediaType).toBe('application/vnd.oci.image.layer.v1.tar');
    expect(im.config.Cmd).toEqual(['/hello']);
    expect(im.created).toBe('2023-05-02T16:49:27Z');
    // One layer-making step, then CMD (empty_layer) sitting on layer 0.
    expect(im.history.map((h) => [h.emptyLayer, h.layerIndex])).toEqual([
      [false, 0],
      [true, 0],
    ]);
    expect(im.layers[0]!.createdBy).toBe('COPY hello / # buildkit');
  });

  it('opens an untagged Docker 25 save (RepoTags null, index.json manifests null)', async () => {
    const { info } = await open('docker25-untagged-hello-world.tar');
    expect(info.images[0]!.tags).toEqual([]);
    expect(info.images[0]!.configDigest).toBe('sha256:ee301c921b8aadc002973b2e0c3da17d701dcd994b606769a7e6eaa100b81d44');
    expect(info.images[0]!.layers[0]!.digest).toBe('sha256:12660636fe55438cc3ae7424da7ac56e845cdb52493ff9cf949c47a7f57f8b43');
    expect(info.platforms).toEqual([]);
  });

  it('takes Docker media types inside an OCI layout (containerd save)', async () => {
    const { info } = await open('containerd-alpine-gzip.tar');
    const im = info.images[0]!;
    expect(im.manifestDigest).toBe('sha256:c8844343d5ccbc9f24a7cca4bdcf5b2d43cde2c83d201b18365c99b1e5f24c80');
    expect(im.layers[0]!.mediaType).toBe('application/vnd.docker.image.rootfs.diff.tar.gzip');
    expect(im.layers[0]!.digest).toBe('sha256:d261077062b2aebb9ca8dc61f2b00e7e2b4e44179d3cfbe526c4ee0c5e41b26f');
    expect(info.platforms).toEqual([{ platform: { os: 'linux', architecture: 'amd64' }, manifestDigest: im.manifestDigest, available: true, imageIndex: 0 }]);
  });

  it('lists every platform of a multi-platform index, only the saved one available, attestations skipped', async () => {
    const { info } = await open('containerd-busybox-multiarch-index.tar');
    // The index (blob 6d9ac923…) lists 20 manifests: 10 platforms and 10 attestation manifests.
    const names = info.platforms.map((p) => [p.platform.os, p.platform.architecture, p.platform.variant].filter(Boolean).join('/'));
    expect(names).toEqual([
      'linux/amd64',
      'linux/arm/v5',
      'linux/arm/v6',
      'linux/arm/v7',
      'linux/arm64/v8',
      'linux/386',
      'linux/mips64le',
      'linux/ppc64le',
      'linux/riscv64',
      'linux/s390x',
    ]);
    expect(info.platforms.filter((p) => p.available).map((p) => p.manifestDigest)).toEqual([
      'sha256:538721340ded10875f4710cad688c70e5d0ecb4dcd5e7d0c161f301f36f79414',
    ]);
    expect(info.platforms[0]!.imageIndex).toBe(0);
    expect(info.platforms.slice(1).every((p) => p.imageIndex === null)).toBe(true);
    expect(info.images[0]!.manifestDigest).toBe('sha256:538721340ded10875f4710cad688c70e5d0ecb4dcd5e7d0c161f301f36f79414');
    expect(selectImage(info, {})).toBe(info.images[0]);
    expect(selectImage(info, { platform: 'linux/amd64' })).toBe(info.images[0]);
    expect(throwsCode(() => selectImage(info, { platform: 'linux/arm64' }), 'UNKNOWN_PLATFORM').message).toMatch(
      /listed by the image index.*not in this archive/,
    );
  });

  it('resolves skopeo/podman symlinked layer.tar to the blob it points at', async () => {
    const { info } = await open('legacy-two-images-symlinked-layer.tar');
    // Image 1's first layer is b159…/layer.tar -> ../6e77…/layer.tar (image 0's only layer).
    const [a, b] = info.images as [ImageInfo, ImageInfo];
    expect(b.layers[0]!.blob.entryName).toBe('6e77476643c3155b1e9ae07dd5a4c8288bdb6590c131c222b7a3f277dec1e266/layer.tar');
    expect(b.layers[0]!.blob).toEqual(a.layers[0]!.blob);
    expect(b.layers[1]!.blob.entryName).toBe('3fe17a762ab6ad87de78c88326e1667b3e6a8924a0eb92a34a2bfeb40f49824d/layer.tar');
    expect(a.layers[0]!.sharedWith).toEqual([1]);
    expect(b.layers[0]!.sharedWith).toEqual([0]);
    expect(b.layers[1]!.sharedWith).toEqual([]);
  });

  it('marks the layer two podman images share', async () => {
    const { info } = await open('podman-two-images-shared-layer.docker.tar');
    const [v3, v1] = info.images as [ImageInfo, ImageInfo];
    expect(v3.layers.map((l) => l.sharedWith)).toEqual([[1], [], []]);
    expect(v1.layers.map((l) => l.sharedWith)).toEqual([[0]]);
    expect(v3.layers[0]!.blob.entryName).toBe('988335b73567cccf3952a40c3543f9d4bba5712cd7c35f3a12d9c1d74cb2831a.tar');
    expect(v3.config.User).toBe('1000:1000');
    expect(v3.config.Entrypoint).toEqual(['/bin/tool']);
    expect(v3.config.ExposedPorts).toEqual({ '8080/tcp': {} });
    expect(v3.config.Labels).toEqual({ 'org.example.name': 'fixture' });
    // history: layer1, metadata-only step, layer2, layer3
    expect(v3.history.map((h) => [h.emptyLayer, h.layerIndex])).toEqual([
      [false, 0],
      [true, 0],
      [false, 1],
      [false, 2],
    ]);
    expect(v3.layers[2]!.createdBy).toMatch(/^umoci raw add-layer/);
  });

  it('maps the 15 history steps of dive-legacy-14-layers onto its 14 layers', async () => {
    const { info } = await open('dive-legacy-14-layers.tar');
    const im = info.images[0]!;
    expect(im.layers.length).toBe(14);
    expect(im.history.length).toBe(15);
    // Step 1 is `CMD ["sh"]` with empty_layer: it sits on layer 0; every later step makes the next layer.
    expect(im.history[1]).toMatchObject({ emptyLayer: true, layerIndex: 0, createdBy: '/bin/sh -c #(nop)  CMD ["sh"]' });
    expect(im.history.map((h) => h.layerIndex)).toEqual([0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(im.layers[0]!.createdBy).toMatch(/^\/bin\/sh -c #\(nop\) ADD file:ce026b62/);
    expect(im.layers[1]!.createdBy).toMatch(/ADD file:139c3708.* in \/somefile.txt/);
    expect(im.layers[13]!.createdBy).toBe('/bin/sh -c chmod +x /root/saved.txt');
    expect(im.layers.every((l) => l.digest === null && l.mediaType === null)).toBe(true);
  });

  it('reads crane tarballs: config named sha256:<hex>, .tar.gz layers', async () => {
    const { info } = await open('crane-gzip-whiteout-dir.tar');
    const im = info.images[0]!;
    expect(im.configDigest).toBe('sha256:92f1e3d53acdc7e137e73869abc4e87aba6614440a31723423790ca0d5db9111');
    expect(im.layers.map((l) => l.blob.entryName)).toEqual([
      'e351ee8e5cab41e244c9a219e949dcc90cfa157f0a216157e3406eeef976a953.tar.gz',
      '66386e0afc5a20378faa73a0d72ebcd690c13248867dfc299997ab5d6c5a4608.tar.gz',
      '9d8bff046c709e215d2c0a5b720ca4edf67e925af8078393ae99ed0724963e40.tar.gz',
      'a09a7f2d8191df180b280eceb816ba2ce5440564e4e41b79d9f8d7641aa7171a.tar.gz',
    ]);
  });

  it('opens a whole archive gzipped (.tar.gz) the same way', async () => {
    for (const name of ['podman-two-images-shared-layer.docker.tar', 'containerd-busybox-multiarch-index.tar']) {
      const plain = await open(name);
      const gz = await openArchive(new Blob([gzipSync(readFileSync(join(FIXTURES, name)))]));
      expect(gz.info.outerCompression).toBe('gzip');
      expect({ ...gz.info, outerCompression: 'none' }).toEqual(plain.info);
      for (const im of gz.info.images) {
        for (const l of im.layers) {
          const a = new Uint8Array(await blobOf(gz.outer, l.blob).arrayBuffer());
          expect(sha256(inflate(a))).toBe(l.diffId);
        }
      }
    }
  });
});

describe('reads of the dropped file', () => {
  /** A Blob that records the ranges sliced from it (each a round trip of a few ms for a dropped File in Chromium). */
  class CountingBlob extends Blob {
    readonly slices: [number | undefined, number | undefined][] = [];
    override slice(start?: number, end?: number, type?: string): Blob {
      this.slices.push([start, end]);
      return super.slice(start, end, type);
    }
  }

  it("reads an uncompressed archive's first 512 bytes once, for the sniff and the tar's first header both", async () => {
    for (const name of ['buildx-oci-gzip.tar', 'podman-two-images-shared-layer.docker.tar']) {
      const blob = new CountingBlob([readFileSync(join(FIXTURES, name))]);
      const opened = await openArchive(blob);
      expect(opened.info).toEqual((await open(name)).info);
      expect(blob.slices.filter(([s, e]) => s === 0 && e === 512)).toHaveLength(1);
    }
  });
});

describe('selectImage', () => {
  it('chooses by index, tag (normalized) and digest', async () => {
    const { info } = await open('podman-two-images-shared-layer.docker.tar');
    expect(selectImage(info, {}).tags).toEqual(['localhost/umoci-fixture:v3']);
    expect(selectImage(info, { image: 1 }).tags).toEqual(['localhost/umoci-fixture:v1']);
    expect(selectImage(info, { image: '1' }).index).toBe(1);
    expect(selectImage(info, { image: 'localhost/umoci-fixture:v1' }).index).toBe(1);
    expect(selectImage(info, { image: info.images[1]!.configDigest!.slice(0, 19) }).index).toBe(1);
    expect(selectImage(info, { image: 0, platform: 'linux/amd64' }).index).toBe(0);

    const u = await open('umoci-edge-cases.docker.tar');
    expect(selectImage(u.info, { image: 'example/fixture' }).index).toBe(0); // docker.io/…:latest
  });

  it('throws UNKNOWN_IMAGE / UNKNOWN_PLATFORM listing what exists', async () => {
    const { info } = await open('podman-two-images-shared-layer.docker.tar');
    expect(throwsCode(() => selectImage(info, { image: 5 }), 'UNKNOWN_IMAGE').message).toMatch(
      /0: localhost\/umoci-fixture:v3.*1: localhost\/umoci-fixture:v1/,
    );
    expect(throwsCode(() => selectImage(info, { image: 'nope:1' }), 'UNKNOWN_IMAGE').message).toMatch(/umoci-fixture:v3/);
    expect(throwsCode(() => selectImage(info, { platform: 'linux/s390x' }), 'UNKNOWN_PLATFORM').message).toMatch(/linux\/amd64/);
    expect(() => selectImage(info, { platform: 'amd64' })).toThrow(/os\/architecture/);
  });
});

describe('multi-image OCI layouts (built here)', () => {
  /** An OCI layout with the given manifests in index.json; blobs addressed by their real sha256. */
  function ociLayout(
    images: { tag: string; platform?: { os: string; architecture: string; variant?: string }; files: [string, string][]; dropLayer?: boolean }[],
    extraIndex: unknown[] = [],
  ) {
    const items: TarItem[] = [{ name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' }];
    const manifests: unknown[] = [];
    const blobs = new Map<string, Uint8Array>();
    const add = (b: Uint8Array) => {
      const d = sha256(b);
      blobs.set(d, b);
      return d;
    };
    const expected: { manifest: string; layers: string[] }[] = [];
    for (const im of images) {
      const ls = im.files.map(([f, c]) => layer(f, c));
      const cfg = new Uint8Array(
        Buffer.from(
          config(
            ls.map((l) => l.diffId),
            im.platform ?? {},
          ),
        ),
      );
      const cfgD = add(cfg);
      const layerDescs = ls.map((l) => {
        const d = sha256(l.bytes);
        if (!im.dropLayer) blobs.set(d, l.bytes);
        return { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: d, size: l.bytes.length };
      });
      const man = new Uint8Array(
        Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: cfgD, size: cfg.length },
            layers: layerDescs,
          }),
        ),
      );
      const manD = add(man);
      expected.push({ manifest: manD, layers: ls.map((l) => l.diffId) });
      manifests.push({
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: manD,
        size: man.length,
        annotations: { 'org.opencontainers.image.ref.name': im.tag },
        ...(im.platform ? { platform: im.platform } : {}),
      });
    }
    for (const [d, b] of blobs) items.push({ name: `blobs/sha256/${d.slice(7)}`, data: b });
    items.push({ name: 'index.json', data: JSON.stringify({ schemaVersion: 2, manifests: [...manifests, ...extraIndex] }) });
    return { tar: makeTar(items), expected };
  }

  it('lists all images of an index.json with several manifests, sharing by diff_id', async () => {
    const { tar, expected } = ociLayout([
      {
        tag: 'one',
        files: [
          ['a.txt', 'A'],
          ['b.txt', 'B'],
        ],
      },
      {
        tag: 'two',
        files: [
          ['a.txt', 'A'],
          ['c.txt', 'C'],
        ],
      },
    ]);
    const { info } = await openArchive(blobOfBytes(tar));
    expect(info.format).toBe('oci');
    expect(info.images.map((i) => i.tags)).toEqual([['one'], ['two']]);
    expect(info.images.map((i) => i.manifestDigest)).toEqual(expected.map((e) => e.manifest));
    expect(info.images.map((i) => i.layers.map((l) => l.diffId))).toEqual(expected.map((e) => e.layers));
    expect(info.images[0]!.layers.map((l) => l.sharedWith)).toEqual([[1], []]);
    expect(info.images[1]!.layers.map((l) => l.sharedWith)).toEqual([[0], []]);
    expect(info.images[0]!.history).toEqual([]);
    expect(info.images[0]!.layers[0]!.createdBy).toBeNull();
  });

  it('a multi-image archive with one image missing a blob still opens the others, with a warning', async () => {
    const { tar } = ociLayout([
      { tag: 'good', files: [['a.txt', 'A']] },
      { tag: 'broken', files: [['b.txt', 'B']], dropLayer: true },
    ]);
    const { info } = await openArchive(blobOfBytes(tar));
    expect(info.images.map((i) => i.tags)).toEqual([['good']]);
    expect(info.warnings.map((w) => w.code)).toEqual(['MISSING_BLOB']);
    expect(info.warnings[0]!.message).toMatch(/broken/);
  });

  it('defaults to linux/amd64 among platforms of one index, else the first present', async () => {
    const a = ociLayout([
      { tag: 'x', platform: { os: 'linux', architecture: 'arm64', variant: 'v8' }, files: [['arm.txt', '1']] },
      { tag: 'x', platform: { os: 'linux', architecture: 'amd64' }, files: [['amd.txt', '2']] },
    ]);
    const { info } = await openArchive(blobOfBytes(a.tar));
    expect(info.platforms.map((p) => [p.available, p.imageIndex])).toEqual([
      [true, 0],
      [true, 1],
    ]);
    expect(selectImage(info, {}).index).toBe(1);
    expect(selectImage(info, { image: 'x' }).index).toBe(1);
    expect(selectImage(info, { platform: 'linux/arm64' }).index).toBe(0);
    expect(selectImage(info, { platform: 'linux/arm64/v8' }).index).toBe(0);

    const b = ociLayout([
      { tag: 'y', platform: { os: 'linux', architecture: 'arm64' }, files: [['arm.txt', '1']] },
      { tag: 'y', platform: { os: 'linux', architecture: 'amd64' }, files: [['amd.txt', '2']], dropLayer: true },
    ]);
    const r = await openArchive(blobOfBytes(b.tar));
    expect(r.info.platforms.map((p) => p.available)).toEqual([true, false]);
    expect(selectImage(r.info, {}).index).toBe(0);
    expect(() => selectImage(r.info, { platform: 'linux/amd64' })).toThrow(/not in this archive/);
  });

  it('follows nested indexes, skipping attestation manifests', async () => {
    const inner = ociLayout([{ tag: 'ignored', platform: { os: 'linux', architecture: 'amd64' }, files: [['f', 'x']] }]);
    // Re-wrap: index.json -> index blob -> (manifest, attestation)
    const items: TarItem[] = [];
    const src = new Map<string, Uint8Array>();
    // Pull the blobs out of the generated layout using the test's own reader: the tar we wrote.
    const raw = Buffer.from(inner.tar);
    for (let off = 0; off + 512 <= raw.length; ) {
      const name = raw
        .subarray(off, off + 100)
        .toString('utf8')
        .replace(/\0.*$/s, '');
      if (!name) break;
      const size = parseInt(
        raw
          .subarray(off + 124, off + 136)
          .toString('utf8')
          .replace(/\0.*$/s, ''),
        8,
      );
      src.set(name, new Uint8Array(raw.subarray(off + 512, off + 512 + size)));
      off += 512 + Math.ceil(size / 512) * 512;
    }
    const topIndex = JSON.parse(Buffer.from(src.get('index.json')!).toString()) as { manifests: { annotations?: unknown }[] };
    const child = topIndex.manifests[0]!;
    delete child.annotations;
    const nested = new Uint8Array(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          manifests: [
            child,
            {
              mediaType: 'application/vnd.oci.image.manifest.v1+json',
              digest: `sha256:${'0'.repeat(64)}`,
              size: 1,
              platform: { os: 'unknown', architecture: 'unknown' },
              annotations: { 'vnd.docker.reference.type': 'attestation-manifest' },
            },
          ],
        }),
      ),
    );
    const nestedD = sha256(nested);
    for (const [n, b] of src) if (n !== 'index.json') items.push({ name: n, data: b });
    items.push({ name: `blobs/sha256/${nestedD.slice(7)}`, data: nested });
    items.push({
      name: 'index.json',
      data: JSON.stringify({
        schemaVersion: 2,
        manifests: [
          {
            mediaType: 'application/vnd.oci.image.index.v1+json',
            digest: nestedD,
            size: nested.length,
            annotations: { 'io.containerd.image.name': 'docker.io/library/nested:1' },
          },
        ],
      }),
    });
    const { info } = await openArchive(blobOfBytes(makeTar(items)));
    expect(info.images.length).toBe(1);
    expect(info.images[0]!.tags).toEqual(['docker.io/library/nested:1']);
    expect(info.platforms.length).toBe(1);
    expect(selectImage(info, { image: 'nested:1' }).index).toBe(0);
  });
});

describe('bad input', () => {
  it('random bytes and a PNG are NOT_A_TAR', async () => {
    await rejectsWith(openArchive(blobOfBytes(new Uint8Array(randomBytes(4096)))), 'NOT_A_TAR');
    const png = new Uint8Array(2048);
    png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    await rejectsWith(openArchive(blobOfBytes(png)), 'NOT_A_TAR');
    await rejectsWith(openArchive(blobOfBytes(new Uint8Array(0))), 'NOT_A_TAR');
    await rejectsWith(openArchive(blobOfBytes(new Uint8Array(gzipSync(Buffer.from('hello, not a tar'))))), 'NOT_A_TAR');
  });

  it('a truncated archive is TRUNCATED', async () => {
    const full = readFileSync(join(FIXTURES, 'skopeo-busybox.tar'));
    await rejectsWith(openArchive(blobOfBytes(new Uint8Array(full.subarray(0, 700_000)))), 'TRUNCATED');
  });

  it('a tar without manifest.json / index.json is NOT_AN_IMAGE naming what it holds', async () => {
    const tar = makeTar([
      { name: 'etc/', type: '5' },
      { name: 'etc/passwd', data: 'root:x:0:0' },
      { name: 'README', data: 'hi' },
    ]);
    const err = await rejectsWith(openArchive(blobOfBytes(tar)), 'NOT_AN_IMAGE');
    expect(err.message).toMatch(/"README", "etc\/"/);
    await rejectsWith(openArchive(blobOfBytes(new Uint8Array(1024))), 'NOT_AN_IMAGE');
  });

  it('a manifest naming a missing blob is MISSING_BLOB naming it', async () => {
    const l = layer('a', 'A');
    const tar = makeTar([
      { name: 'manifest.json', data: JSON.stringify([{ Config: 'cfg.json', RepoTags: ['t:1'], Layers: ['abc/layer.tar'] }]) },
      { name: 'cfg.json', data: config([l.diffId]) },
    ]);
    const err = await rejectsWith(openArchive(blobOfBytes(tar)), 'MISSING_BLOB');
    expect(err.message).toMatch(/abc\/layer\.tar/);

    const noCfg = makeTar([{ name: 'manifest.json', data: JSON.stringify([{ Config: 'gone.json', Layers: [] }]) }]);
    expect((await rejectsWith(openArchive(blobOfBytes(noCfg)), 'MISSING_BLOB')).message).toMatch(/gone\.json/);
  });

  it('two images in manifest.json, one broken: the other opens, with a warning', async () => {
    const l = layer('a', 'A');
    const tar = makeTar([
      {
        name: 'manifest.json',
        data: JSON.stringify([
          { Config: 'c1.json', RepoTags: ['ok:1'], Layers: [`${l.hex}.tar`] },
          { Config: 'c1.json', RepoTags: ['bad:1'], Layers: ['nothere.tar'] },
        ]),
      },
      { name: 'c1.json', data: config([l.diffId]) },
      { name: `${l.hex}.tar`, data: l.bytes },
    ]);
    const { info } = await openArchive(blobOfBytes(tar));
    expect(info.format).toBe('tarball');
    expect(info.images.map((i) => i.tags)).toEqual([['ok:1']]);
    expect(info.warnings).toHaveLength(1);
    expect(info.warnings[0]).toMatchObject({ code: 'MISSING_BLOB' });
    expect(info.warnings[0]!.message).toMatch(/bad:1.*nothere\.tar/);
  });

  it('invalid JSON is BAD_JSON naming the file', async () => {
    const bad = makeTar([{ name: 'manifest.json', data: '[{"Config": ' }]);
    expect((await rejectsWith(openArchive(blobOfBytes(bad)), 'BAD_JSON')).message).toMatch(/manifest\.json/);
    const l = layer('a', 'A');
    const badCfg = makeTar([
      { name: 'manifest.json', data: JSON.stringify([{ Config: 'c.json', Layers: ['l.tar'] }]) },
      { name: 'c.json', data: '{not json' },
      { name: 'l.tar', data: l.bytes },
    ]);
    expect((await rejectsWith(openArchive(blobOfBytes(badCfg)), 'BAD_JSON')).message).toMatch(/c\.json/);
    const badIndex = makeTar([
      { name: 'oci-layout', data: '{}' },
      { name: 'index.json', data: '{"manifests": [' },
    ]);
    expect((await rejectsWith(openArchive(blobOfBytes(badIndex)), 'BAD_JSON')).message).toMatch(/index\.json/);
  });

  it('an absurdly large JSON document is refused (LIMIT)', async () => {
    const huge = new Uint8Array(MAX_JSON_BYTES + 1).fill(0x20);
    huge[0] = 0x5b; // '['
    huge[huge.length - 1] = 0x5d; // ']'
    await rejectsWith(openArchive(blobOfBytes(makeTar([{ name: 'manifest.json', data: huge }]))), 'LIMIT');
  });

  it('an index loop is LOOP, over-deep nesting is LIMIT', async () => {
    // Two index blobs naming each other (their names are not their digests: a forged layout).
    const A = `sha256:${'a'.repeat(64)}`;
    const B = `sha256:${'b'.repeat(64)}`;
    const idx = (d: string) => JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', digest: d, size: 1 }] });
    const loop = makeTar([
      { name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' },
      { name: `blobs/sha256/${'a'.repeat(64)}`, data: idx(B) },
      { name: `blobs/sha256/${'b'.repeat(64)}`, data: idx(A) },
      { name: 'index.json', data: idx(A) },
    ]);
    await rejectsWith(openArchive(blobOfBytes(loop)), 'LOOP');

    const chain: TarItem[] = [{ name: 'oci-layout', data: '{}' }];
    const hex = (i: number) => i.toString(16).padStart(64, '0');
    for (let i = 0; i <= MAX_INDEX_DEPTH + 1; i++) chain.push({ name: `blobs/sha256/${hex(i)}`, data: idx(`sha256:${hex(i + 1)}`) });
    chain.push({ name: 'index.json', data: idx(`sha256:${hex(0)}`) });
    await rejectsWith(openArchive(blobOfBytes(makeTar(chain))), 'LIMIT');
  });

  it('an index fanning out exponentially is refused (LIMIT) instead of hanging', async () => {
    const hex = (i: number) => i.toString(16).padStart(64, '0');
    const fan = (d: string) =>
      JSON.stringify({ schemaVersion: 2, manifests: new Array(100).fill({ mediaType: 'application/vnd.oci.image.index.v1+json', digest: d, size: 1 }) });
    const items: TarItem[] = [{ name: 'oci-layout', data: '{}' }];
    for (let i = 0; i < 6; i++) items.push({ name: `blobs/sha256/${hex(i)}`, data: fan(`sha256:${hex(i + 1)}`) });
    items.push({ name: 'index.json', data: fan(`sha256:${hex(0)}`) });
    await rejectsWith(openArchive(blobOfBytes(makeTar(items))), 'LIMIT');
  });

  it('a broken index.json next to a good manifest.json only costs a warning', async () => {
    const l = layer('a', 'A');
    const tar = makeTar([
      { name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' },
      { name: 'index.json', data: '{"manifests": [' },
      { name: 'manifest.json', data: JSON.stringify([{ Config: `blobs/sha256/cfg`, RepoTags: ['x:1'], Layers: [`blobs/sha256/${l.hex}`] }]) },
      { name: 'blobs/sha256/cfg', data: config([l.diffId]) },
      { name: `blobs/sha256/${l.hex}`, data: l.bytes },
    ]);
    const { info } = await openArchive(blobOfBytes(tar));
    expect(info.format).toBe('docker-oci');
    expect(info.images[0]!.tags).toEqual(['x:1']);
    expect(info.images[0]!.layers[0]!.digest).toBe(l.diffId); // blobs/<alg>/<hex> is content-addressed
    expect(info.warnings.map((w) => w.code)).toEqual(['BAD_JSON']);
  });

  it('a symlink loop for layer.tar is LOOP; a symlink chain resolves', async () => {
    const l = layer('a', 'A');
    const looped = makeTar([
      { name: 'manifest.json', data: JSON.stringify([{ Config: 'c.json', Layers: ['x/layer.tar'] }]) },
      { name: 'c.json', data: config([l.diffId]) },
      { name: 'x/layer.tar', type: '2', linkname: '../y/layer.tar' },
      { name: 'y/layer.tar', type: '2', linkname: '../x/layer.tar' },
    ]);
    await rejectsWith(openArchive(blobOfBytes(looped)), 'LOOP');

    const chained = makeTar([
      { name: 'manifest.json', data: JSON.stringify([{ Config: 'c.json', RepoTags: ['c:1'], Layers: ['x/layer.tar'] }]) },
      { name: 'c.json', data: config([l.diffId]) },
      { name: 'x/layer.tar', type: '2', linkname: '../y/layer.tar' },
      { name: 'y/layer.tar', type: '1', linkname: 'z/real.tar' },
      { name: 'z/real.tar', data: l.bytes },
      { name: 'x/VERSION', data: '1.0' },
    ]);
    const { info, outer } = await openArchive(blobOfBytes(chained));
    expect(info.format).toBe('docker-legacy');
    expect(info.images[0]!.layers[0]!.blob.entryName).toBe('z/real.tar');
    expect(sha256(new Uint8Array(await blobOf(outer, info.images[0]!.layers[0]!.blob).arrayBuffer()))).toBe(l.diffId);
  });

  it('a layer whose bytes are gzip under the name layer.tar is sniffed as gzip', async () => {
    const l = layer('a', 'A');
    const gz = new Uint8Array(gzipSync(l.bytes));
    const tar = makeTar([
      { name: 'manifest.json', data: JSON.stringify([{ Config: 'c.json', Layers: ['id/layer.tar'] }]) },
      { name: 'c.json', data: config([l.diffId]) },
      { name: 'id/layer.tar', data: gz },
    ]);
    const { info } = await openArchive(blobOfBytes(tar));
    expect(info.images[0]!.layers[0]!.compression).toBe('gzip');
  });

  it('legacy <id>/json gives createdBy when the config has no history; mismatched counts warn', async () => {
    const l1 = layer('a', 'A');
    const l2 = layer('b', 'B');
    const tar = makeTar([
      { name: 'manifest.json', data: JSON.stringify([{ Config: 'c.json', RepoTags: ['old:1'], Layers: ['one/layer.tar', 'two/layer.tar'] }]) },
      { name: 'c.json', data: config([l1.diffId, l2.diffId]) },
      { name: 'one/layer.tar', data: l1.bytes },
      { name: 'one/json', data: JSON.stringify({ id: 'one', container_config: { Cmd: ['/bin/sh', '-c', '#(nop) ADD file:x in /'] } }) },
      { name: 'two/layer.tar', data: l2.bytes },
      {
        name: 'two/json',
        data: JSON.stringify({ id: 'two', parent: 'one', created: '2001-01-01T00:00:00Z', container_config: { Cmd: ['/bin/sh', '-c', 'echo hi'] } }),
      },
    ]);
    const { info } = await openArchive(blobOfBytes(tar));
    const im = info.images[0]!;
    expect(im.layers.map((l) => l.createdBy)).toEqual(['/bin/sh -c #(nop) ADD file:x in /', '/bin/sh -c echo hi']);
    expect(im.history[1]).toMatchObject({ created: '2001-01-01T00:00:00Z', layerIndex: 1, emptyLayer: false });

    const short = makeTar([
      { name: 'manifest.json', data: JSON.stringify([{ Config: 'c.json', Layers: ['l1.tar', 'l2.tar'] }]) },
      { name: 'c.json', data: config([l1.diffId, l2.diffId], { history: [{ created_by: 'only one' }, { created_by: 'meta', empty_layer: true }] }) },
      { name: 'l1.tar', data: l1.bytes },
      { name: 'l2.tar', data: l2.bytes },
    ]);
    const r = await openArchive(blobOfBytes(short));
    expect(r.info.images[0]!.layers.map((l) => l.createdBy)).toEqual(['only one', null]);
    expect(r.info.images[0]!.history.map((h) => h.layerIndex)).toEqual([0, 0]);
    expect(r.info.warnings.map((w) => w.code)).toEqual(['HISTORY_MISMATCH']);
  });

  it('honours an aborted signal', async () => {
    const ac = new AbortController();
    ac.abort();
    await rejectsWith(openArchive(fixture('skopeo-busybox.tar'), { signal: ac.signal }), 'CANCELLED');
  });
});
