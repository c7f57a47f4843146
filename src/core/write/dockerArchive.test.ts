/**
 * writeDockerArchive is checked with independent tools: GNU tar reads the
 * archive back, node:crypto recomputes every digest, skopeo (which verifies
 * diff_ids and the config digest when it reads a docker-archive) converts it
 * to an OCI layout, and umoci unpacks that into the merged root filesystem we
 * expect from how the layers were built (whiteouts and an opaque dir applied).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, readdirSync, lstatSync, readlinkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeDockerArchive, type DockerArchiveHistory } from './dockerArchive';
import { writeTar, type TarWriteEntry } from './tarWriter';

const ENV = { ...process.env, LC_ALL: 'C.UTF-8', TZ: 'UTC' };
const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const HAVE_SKOPEO = have('skopeo');
const HAVE_UMOCI = have('umoci');
if (!HAVE_SKOPEO) console.warn('dockerArchive.test: skopeo is not installed; skipping the skopeo checks (apt-get install -y skopeo)');
if (!HAVE_UMOCI) console.warn('dockerArchive.test: umoci is not installed; skipping the unpack checks (apt-get install -y umoci)');
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const EXAMPLE = fileURLToPath(new URL('../../../public/example.tar', import.meta.url));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dockerarchive-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function run(cmd: string, args: string[]): Buffer {
  const r = spawnSync(cmd, args, { env: ENV, maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr?.toString()}`);
  return r.stdout;
}
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const members = (file: string) => run('tar', ['-tf', file]).toString().split('\n').filter(Boolean);
const member = (file: string, name: string) => new Uint8Array(run('tar', ['-xOf', file, name]));
const memberJson = (file: string, name: string) => JSON.parse(Buffer.from(member(file, name)).toString('utf8'));

const enc = new TextEncoder();
const T0 = 1704067200;
const f = (path: string, text: string, extra: Partial<TarWriteEntry> = {}): TarWriteEntry => ({
  path,
  kind: 'file',
  data: enc.encode(text),
  mode: 0o644,
  uid: 0,
  gid: 0,
  mtime: T0,
  ...extra,
});
const d = (path: string, extra: Partial<TarWriteEntry> = {}): TarWriteEntry => ({ path, kind: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: T0, ...extra });

// Three layers that exercise what an image builder writes.
const layerTars = [
  writeTar([
    d('etc'),
    f('etc/motd', 'v1\n'),
    f('etc/passwd', 'root:x:0:0::/root:/bin/sh\n'),
    d('doc'),
    f('doc/big.txt', 'x'.repeat(5000)),
    d('app'),
    d('app/config'),
    f('app/config/a.conf', 'a=1\n'),
    f('app/config/b.conf', 'b=1\n'),
    { path: 'motd-link', kind: 'symlink', linkname: 'etc/motd', mode: 0o777, uid: 0, gid: 0, mtime: T0 },
  ]),
  writeTar([d('etc'), f('etc/motd', 'v2, overwritten\n'), d('doc'), f('doc/.wh.big.txt', '')]),
  writeTar([d('app/config', { uid: 1000, gid: 1000 }), f('app/config/.wh..wh..opq', ''), f('app/config/c.conf', 'c=3\n', { uid: 1000, gid: 1000 })]),
];
// The merged rootfs those layers must give: path -> kind/content (written by hand from the layer list above).
const expectedRootfs: Record<string, string> = {
  etc: 'dir',
  'etc/motd': 'file:v2, overwritten\n',
  'etc/passwd': 'file:root:x:0:0::/root:/bin/sh\n',
  doc: 'dir',
  app: 'dir',
  'app/config': 'dir',
  'app/config/c.conf': 'file:c=3\n',
  'motd-link': 'symlink:etc/motd',
};
const history: DockerArchiveHistory[] = [
  { created: '2024-01-01T00:00:00Z', created_by: 'ADD rootfs.tar /' },
  { created: '2024-01-01T00:01:00Z', created_by: 'ENV PATH=/bin', empty_layer: true },
  { created: '2024-01-01T00:02:00Z', created_by: 'RUN /bin/sh -c echo v2 > /etc/motd && rm /doc/big.txt' },
  { created: '2024-01-01T00:03:00Z', created_by: 'RUN /bin/sh -c rm -rf /app/config && mkdir /app/config' },
  { created: '2024-01-01T00:04:00Z', created_by: 'CMD ["/bin/sh"]', empty_layer: true },
];
const config = {
  created: '2024-01-01T00:04:00Z',
  architecture: 'amd64',
  os: 'linux',
  config: { Env: ['PATH=/bin'], Cmd: ['/bin/sh'], Labels: { 'org.example': 'é <&>' } },
};

let archive: string;
beforeAll(async () => {
  const bytes = await writeDockerArchive({ layers: layerTars.map((tar) => ({ tar })), config, history, repoTag: 'layerscope/test:1.0' });
  archive = join(dir, 'test.tar');
  writeFileSync(archive, bytes);
});

/** Reads an unpacked rootfs into the shape of expectedRootfs. */
function readRootfs(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (p: string) => {
    for (const name of readdirSync(p)) {
      const full = join(p, name);
      const rel = relative(root, full);
      const st = lstatSync(full);
      if (st.isSymbolicLink()) out[rel] = `symlink:${readlinkSync(full)}`;
      else if (st.isDirectory()) {
        out[rel] = 'dir';
        walk(full);
      } else out[rel] = `file:${readFileSync(full, 'utf8')}`;
    }
  };
  walk(root);
  return out;
}

function skopeoToOci(src: string, name: string): string {
  const oci = join(dir, name);
  run('skopeo', ['copy', '-q', src, `oci:${oci}:img`]);
  return oci;
}

function umociUnpack(oci: string, name: string): string {
  const bundle = join(dir, name);
  run('umoci', ['unpack', ...(isRoot ? [] : ['--rootless']), '--image', `${oci}:img`, bundle]);
  return join(bundle, 'rootfs');
}

describe('writeDockerArchive', () => {
  it('writes exactly the legacy docker save members', () => {
    const m = memberJson(archive, 'manifest.json');
    expect(Array.isArray(m) && m.length).toBe(1);
    expect(m[0].RepoTags).toEqual(['layerscope/test:1.0']);
    expect(m[0].Config).toMatch(/^[0-9a-f]{64}\.json$/);
    expect(m[0].Layers).toHaveLength(3);
    const ids = (m[0].Layers as string[]).map((l) => {
      expect(l).toMatch(/^[0-9a-f]{64}\/layer\.tar$/);
      return l.slice(0, 64);
    });
    expect(new Set(ids).size).toBe(3);
    const expected = [...ids.flatMap((id) => [`${id}/`, `${id}/VERSION`, `${id}/json`, `${id}/layer.tar`]), m[0].Config, 'manifest.json', 'repositories'];
    expect(members(archive).sort()).toEqual(expected.sort());
    for (const id of ids) expect(Buffer.from(member(archive, `${id}/VERSION`)).toString()).toBe('1.0');
    // v1 json: ids and the parent chain, bottom to top.
    ids.forEach((id, i) => {
      const v1 = memberJson(archive, `${id}/json`);
      expect(v1.id).toBe(id);
      expect(v1.parent).toBe(i === 0 ? undefined : ids[i - 1]);
    });
    expect(memberJson(archive, 'repositories')).toEqual({ 'layerscope/test': { '1.0': ids[2] } });
    // Member times are the image's creation time (config.created), not the time of writing.
    const times = run('tar', ['-tv', '--full-time', '-f', archive])
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(/\s+/).slice(3, 5).join(' '));
    expect(new Set(times)).toEqual(new Set(['2024-01-01 00:04:00']));
  });

  it('stores the layers byte for byte, with diff_ids = their sha256 and the config named by its sha256', () => {
    const m = memberJson(archive, 'manifest.json')[0];
    const configBytes = member(archive, m.Config);
    expect(`${sha256(configBytes)}.json`).toBe(m.Config);
    const cfg = JSON.parse(Buffer.from(configBytes).toString('utf8'));
    expect(cfg.rootfs.type).toBe('layers');
    const layers = (m.Layers as string[]).map((l) => member(archive, l));
    layers.forEach((bytes, i) => {
      expect(bytes).toEqual(layerTars[i]);
    });
    expect(cfg.rootfs.diff_ids).toEqual(layers.map((b) => `sha256:${sha256(b)}`));
    expect(cfg.rootfs.diff_ids).toEqual(layerTars.map((b) => `sha256:${sha256(b)}`));
    expect(cfg.history).toEqual(history);
    expect(cfg.config).toEqual(config.config);
    expect(cfg.created).toBe(config.created);
    expect(cfg.architecture).toBe('amd64');
  });

  it('replaces a rootfs or history the caller left in the config', async () => {
    const bytes = await writeDockerArchive({
      layers: [{ tar: layerTars[0]! }],
      config: { ...config, rootfs: { type: 'layers', diff_ids: ['sha256:' + '0'.repeat(64)] }, history: [] },
      history: [history[0]!],
      repoTag: 'example',
    });
    const file = join(dir, 'replace.tar');
    writeFileSync(file, bytes);
    const m = memberJson(file, 'manifest.json')[0];
    expect(m.RepoTags).toEqual(['example:latest']);
    const cfg = memberJson(file, m.Config);
    expect(cfg.rootfs.diff_ids).toEqual([`sha256:${sha256(layerTars[0]!)}`]);
    expect(cfg.history).toEqual([history[0]]);
  });

  it('refuses a history that does not match the layers, and bad references', async () => {
    const layers = layerTars.map((tar) => ({ tar }));
    await expect(writeDockerArchive({ layers, config, history: history.slice(0, 2), repoTag: 'a:b' })).rejects.toThrow(/history/);
    await expect(writeDockerArchive({ layers, config, history, repoTag: 'Upper/Case:1' })).rejects.toThrow(/reference/);
    await expect(writeDockerArchive({ layers, config, history, repoTag: `a@sha256:${'0'.repeat(64)}` })).rejects.toThrow(/digest/);
  });

  it.skipIf(!HAVE_SKOPEO)('is accepted by skopeo (which verifies the digests) under its tag', () => {
    const oci = skopeoToOci(`docker-archive:${archive}:layerscope/test:1.0`, 'oci-test');
    const index = JSON.parse(readFileSync(join(oci, 'index.json'), 'utf8'));
    const manifest = JSON.parse(readFileSync(join(oci, 'blobs/sha256', index.manifests[0].digest.slice(7)), 'utf8'));
    expect(manifest.layers).toHaveLength(3);
    const cfg = JSON.parse(readFileSync(join(oci, 'blobs/sha256', manifest.config.digest.slice(7)), 'utf8'));
    expect(cfg.rootfs.diff_ids).toEqual(layerTars.map((b) => `sha256:${sha256(b)}`));
  });

  it.skipIf(!HAVE_SKOPEO)('is refused by skopeo when a layer is tampered with (so the check above means something)', () => {
    const bytes = new Uint8Array(readFileSync(archive));
    // Flip a byte inside the first layer's file data (etc/motd's "v1").
    const at = Buffer.from(bytes).indexOf('v1\n');
    expect(at).toBeGreaterThan(0);
    bytes[at]! ^= 1;
    const bad = join(dir, 'tampered.tar');
    writeFileSync(bad, bytes);
    const r = spawnSync('skopeo', ['copy', '-q', `docker-archive:${bad}`, `oci:${join(dir, 'oci-bad')}:img`], { env: ENV });
    expect(r.status).not.toBe(0);
    expect(r.stderr.toString()).toMatch(/Digest did not match/);
  });

  it.skipIf(!HAVE_SKOPEO || !HAVE_UMOCI)('unpacks (skopeo + umoci) to the merged rootfs the layers describe', () => {
    const rootfs = umociUnpack(skopeoToOci(`docker-archive:${archive}`, 'oci-unpack'), 'bundle-test');
    expect(readRootfs(rootfs)).toEqual(expectedRootfs);
  });

  it.skipIf(!HAVE_SKOPEO || !HAVE_UMOCI || !existsSync(EXAMPLE))('rewrites the built-in example image to the same layers and rootfs', async () => {
    // Take public/example.tar apart with GNU tar and write it again.
    const m = memberJson(EXAMPLE, 'manifest.json')[0];
    const cfg = memberJson(EXAMPLE, m.Config);
    const layers = (m.Layers as string[]).map((l) => ({ tar: member(EXAMPLE, l) }));
    const { rootfs, history: h, ...rest } = cfg;
    const bytes = await writeDockerArchive({ layers, config: rest, history: h, repoTag: 'layerscope/example:rewritten' });
    const file = join(dir, 'example-rewritten.tar');
    writeFileSync(file, bytes);
    const m2 = memberJson(file, 'manifest.json')[0];
    expect(memberJson(file, m2.Config).rootfs.diff_ids).toEqual(rootfs.diff_ids);
    const a = readRootfs(umociUnpack(skopeoToOci(`docker-archive:${EXAMPLE}`, 'oci-ex-a'), 'bundle-ex-a'));
    const b = readRootfs(umociUnpack(skopeoToOci(`docker-archive:${file}`, 'oci-ex-b'), 'bundle-ex-b'));
    expect(Object.keys(b).length).toBeGreaterThan(100);
    expect(b).toEqual(a);
  });
});
