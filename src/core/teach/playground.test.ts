/**
 * The read-write layer model, checked against the union model (buildUnion /
 * mergedAt over the image's layers plus the written layer) and against GNU tar
 * reading the written layer: the ground truth is what the OCI rules make of the
 * layer tar we emit, not what playground.ts says about itself.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EntryKind, type LayerIndex } from '../types';
import { emptyLayerIndex } from '../read/layerScan';
import { buildUnion, lookup, mergedAt, stateAt } from '../model/union';
import {
  buildLayer,
  chmodPath,
  renamePath,
  touchPath,
  makeDir,
  makeSymlink,
  removePath,
  resolvePath,
  startContainer,
  writeFile,
  normalizeUserPath,
  type Container,
  type Lower,
} from './playground';
import { compareBytewise } from '../model/pathTrie';

type Spec = [
  path: string,
  kind: 'file' | 'dir' | 'symlink' | 'hardlink' | 'whiteout' | 'opaque',
  size?: number,
  extra?: { mode?: number; uid?: number; gid?: number; link?: string },
];

const KINDS = {
  file: EntryKind.File,
  dir: EntryKind.Dir,
  symlink: EntryKind.Symlink,
  hardlink: EntryKind.Hardlink,
  whiteout: EntryKind.Whiteout,
  opaque: EntryKind.Opaque,
};

/** A LayerIndex by hand, as the layer scanner would produce it for a tar with these members. */
function layer(specs: Spec[]): LayerIndex {
  const links: string[] = [];
  const idx = emptyLayerIndex(
    specs.map((s) => s[0].replace(/\/$/, '')),
    { links },
  );
  specs.forEach(([, kind, size, extra], i) => {
    idx.kinds[i] = KINDS[kind];
    idx.sizes[i] = size ?? 0;
    idx.modes[i] = extra?.mode ?? (kind === 'dir' ? 0o755 : 0o644);
    idx.uids[i] = extra?.uid ?? 0;
    idx.gids[i] = extra?.gid ?? 0;
    idx.mtimes[i] = 1_700_000_000;
    if (extra?.link !== undefined) {
      idx.linkIds[i] = links.length;
      links.push(extra.link);
    }
  });
  return idx;
}

const L0 = layer([
  ['etc', 'dir', 0, { mode: 0o755 }],
  ['etc/motd', 'file', 12],
  ['etc/passwd', 'file', 30],
  ['usr/share/doc', 'dir'],
  ['usr/share/doc/big.txt', 'file', 1000],
  ['usr/share/doc/small.txt', 'file', 24],
  ['app', 'dir', 0, { mode: 0o750, uid: 1000, gid: 1000 }],
  ['app/config', 'dir', 0, { uid: 1000, gid: 1000 }],
  ['app/config/default.conf', 'file', 50, { uid: 1000, gid: 1000 }],
  ['app/config/old.conf', 'file', 20, { uid: 1000, gid: 1000 }],
  ['data/secret', 'file', 7, { mode: 0o600, uid: 33, gid: 33 }],
  ['data/link', 'hardlink', 0, { link: 'data/secret' }],
  ['bin/sh', 'symlink', 0, { link: 'busybox' }],
]);
const L1 = layer([
  ['etc', 'dir'],
  ['etc/motd', 'file', 15, { mode: 0o640 }],
]);

function lowerOf(layers: (LayerIndex | null)[]): Lower {
  const union = buildUnion(layers);
  return { union, layers, view: mergedAt(union, layers, layers.length - 1) };
}

const NOW = 1_800_000_000;
const enc = (s: string) => new TextEncoder().encode(s);

/** The container's filesystem as the union model sees it: image layers plus the written read-write layer. */
function merged(c: Container) {
  const built = buildLayer(c.entries);
  const layers = [...c.lower.layers, built.index];
  const u = buildUnion(layers);
  const top = layers.length - 1;
  const v = mergedAt(u, layers, top);
  const at = (p: string) => {
    const node = lookup(u, p);
    if (node < 0) return { status: 0, provider: -1, change: -1, node };
    return { status: v.status[node], provider: v.provider[node], change: v.change[node], node };
  };
  return { built, layers, u, v, top, at };
}

const VISIBLE = 1;
const DELETED = 2;
const CH_UNCHANGED = 0;
const CH_ADDED = 1;
const CH_MODIFIED = 2;
const CH_DELETED = 3;

function tarList(tar: Uint8Array): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'ls-playground-'));
  try {
    const f = join(dir, 'layer.tar');
    writeFileSync(f, tar);
    return execFileSync('tar', ['-tvf', f, '--numeric-owner'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function tarCat(tar: Uint8Array, member: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'cat-playground-'));
  try {
    const f = join(dir, 'layer.tar');
    writeFileSync(f, tar);
    return execFileSync('tar', ['-xOf', f, member]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('container playground: the read-write layer', () => {
  const lower = lowerOf([L0, L1]);

  it('starts empty: the layer is an empty tar and the merged view equals the image', () => {
    const c = startContainer(lower);
    const m = merged(c);
    expect(m.built.index.count).toBe(0);
    expect(m.built.tar.length).toBe(1024); // two zero blocks (POSIX ustar end of archive)
    expect(tarList(m.built.tar)).toEqual([]);
    expect(m.at('/etc/motd')).toMatchObject({ status: VISIBLE, provider: 1, change: CH_UNCHANGED });
  });

  it('editing a lower file copies it up first: same owner and mode, new bytes in the top layer, lower versions still hidden below', () => {
    const r = writeFile(startContainer(lower), '/etc/motd', enc('hello container\n'), NOW);
    expect(r.record).toMatchObject({ op: 'write', created: false, copyUp: { layer: 1, size: 15 }, parentsCopiedUp: ['/etc'] });
    const m = merged(r.container);
    expect(m.at('/etc/motd')).toMatchObject({ status: VISIBLE, provider: 2, change: CH_MODIFIED });
    // Two lower versions (layers 0 and 1) are now hidden by the copy.
    expect(stateAt(m.u, m.at('/etc/motd').node, 2).hiddenVersions).toBe(2);
    const e = m.built.paths.indexOf('etc/motd');
    expect(m.built.index.modes[e]).toBe(0o640); // from layer 1's version
    // GNU tar reads the layer back: the parent dir (copied up) and the file.
    const list = tarList(m.built.tar);
    expect(list).toHaveLength(2);
    expect(list[0]).toMatch(/^drwxr-xr-x 0\/0 .* etc\/$/);
    expect(list[1]).toMatch(/^-rw-r----- 0\/0 +16 .* etc\/motd$/);
    expect(tarCat(m.built.tar, 'etc/motd').toString()).toBe('hello container\n');
    // Data offsets in the index point at the bytes in the tar.
    const off = m.built.index.dataOffsets[e]!;
    expect(new TextDecoder().decode(m.built.tar.subarray(off, off + 16))).toBe('hello container\n');
    // Siblings are untouched, still from the image.
    expect(m.at('/etc/passwd')).toMatchObject({ status: VISIBLE, provider: 0, change: CH_UNCHANGED });
  });

  it("copy-up of a hardlink takes the inode's (target's) mode and owner", () => {
    const r = writeFile(startContainer(lower), '/data/link', enc('x'), NOW);
    expect(r.record).toMatchObject({ copyUp: { layer: 0, size: 7 } });
    const m = merged(r.container);
    const e = m.built.paths.indexOf('data/link');
    expect([m.built.index.kinds[e], m.built.index.modes[e], m.built.index.uids[e], m.built.index.gids[e]]).toEqual([EntryKind.File, 0o600, 33, 33]);
    expect(m.at('/data/secret')).toMatchObject({ status: VISIBLE, provider: 0 });
  });

  it('editing again changes only the upper copy (no second copy-up)', () => {
    const a = writeFile(startContainer(lower), '/etc/motd', enc('one'), NOW).container;
    const b = writeFile(a, '/etc/motd', enc('two'), NOW + 1);
    expect(b.record).toMatchObject({ copyUp: null, created: false });
    expect(tarCat(buildLayer(b.container.entries).tar, 'etc/motd').toString()).toBe('two');
  });

  it('deleting a lower file writes a whiteout; the union shows it deleted by the top layer; its bytes still ship below', () => {
    const r = removePath(startContainer(lower), '/usr/share/doc/big.txt', NOW);
    expect(r.record).toMatchObject({ op: 'delete', whiteout: '/usr/share/doc/.wh.big.txt', hidesLayer: 0, hiddenBytes: 1000, removedFromRw: 0 });
    const m = merged(r.container);
    expect(m.at('/usr/share/doc/big.txt')).toMatchObject({ status: DELETED, provider: 2, change: CH_DELETED });
    expect(m.at('/usr/share/doc/small.txt')).toMatchObject({ status: VISIBLE, provider: 0 });
    const w = m.built.paths.indexOf('usr/share/doc/.wh.big.txt');
    expect(m.built.index.kinds[w]).toBe(EntryKind.Whiteout);
    expect(tarList(m.built.tar).map((l) => l.split(/\s+/).pop())).toEqual(['usr/', 'usr/share/', 'usr/share/doc/', 'usr/share/doc/.wh.big.txt']);
    // Still in layer 0: a whiteout hides, it does not free (layer.md).
    expect(m.layers[0]!.paths).toContain('usr/share/doc/big.txt');
    expect(resolvePath(r.container, 'usr/share/doc/big.txt')).toBeNull();
  });

  it('deleting a lower directory hides its whole subtree with one whiteout and counts its bytes', () => {
    const r = removePath(startContainer(lower), '/usr/share', NOW);
    expect(r.record).toMatchObject({ whiteout: '/usr/.wh.share', hiddenBytes: 1024 });
    const m = merged(r.container);
    for (const p of ['/usr/share', '/usr/share/doc', '/usr/share/doc/big.txt']) expect(m.at(p).status).toBe(DELETED);
    expect(m.at('/usr')).toMatchObject({ status: VISIBLE });
  });

  it('deleting a file that exists only in the read-write layer leaves no trace', () => {
    const a = writeFile(startContainer(lower), '/tmp.txt', enc('scratch'), NOW).container;
    expect(merged(a).at('/tmp.txt')).toMatchObject({ status: VISIBLE, provider: 2, change: CH_ADDED });
    const b = removePath(a, '/tmp.txt', NOW);
    expect(b.record).toMatchObject({ whiteout: null, removedFromRw: 1, hiddenBytes: 0 });
    expect(merged(b.container).at('/tmp.txt').status).toBe(0);
    expect(buildLayer(b.container.entries).index.count).toBe(0);
  });

  it('deleting a copied-up file drops the copy and whites out the lower one', () => {
    const a = writeFile(startContainer(lower), '/etc/motd', enc('x'), NOW).container;
    const b = removePath(a, '/etc/motd', NOW);
    expect(b.record).toMatchObject({ whiteout: '/etc/.wh.motd', hidesLayer: 1, hiddenBytes: 15, removedFromRw: 1 });
    const m = merged(b.container);
    expect(m.built.paths).toEqual(['etc', 'etc/.wh.motd']);
    expect(m.at('/etc/motd')).toMatchObject({ status: DELETED, change: CH_DELETED });
  });

  it('deleting a lower directory and creating it again makes it opaque (.wh..wh..opq): lower children stay hidden, new ones show', () => {
    const a = removePath(startContainer(lower), '/app/config', NOW).container;
    const b = makeDir(a, '/app/config', NOW);
    expect(b.record).toMatchObject({ op: 'mkdir', opaque: '/app/config/.wh..wh..opq', hides: { layer: 0, bytes: 70 } });
    const c = writeFile(b.container, '/app/config/app.conf', enc('port=8080\n'), NOW).container;
    const m = merged(c);
    expect(m.built.paths).toEqual(['app', 'app/config', 'app/config/.wh..wh..opq', 'app/config/app.conf']);
    expect(m.built.index.kinds[2]).toBe(EntryKind.Opaque);
    expect(m.at('/app/config')).toMatchObject({ status: VISIBLE, provider: 2 });
    expect(m.at('/app/config/app.conf')).toMatchObject({ status: VISIBLE, provider: 2, change: CH_ADDED });
    expect(m.at('/app/config/default.conf')).toMatchObject({ status: DELETED, change: CH_DELETED });
    expect(m.at('/app/config/old.conf')).toMatchObject({ status: DELETED, change: CH_DELETED });
    // The copied-up parent keeps the lower directory's mode and owner.
    expect([m.built.index.modes[0], m.built.index.uids[0], m.built.index.gids[0]]).toEqual([0o750, 1000, 1000]);
    // And the container's own view agrees: the lower children are gone.
    expect(resolvePath(c, 'app/config/default.conf')).toBeNull();
    expect(() => writeFile(c, '/app/config/default.conf/x', enc(''), NOW)).toThrow();
    // Deleting the opaque directory again: the lower one is still below, so a whiteout, and nothing new is hidden.
    const d = removePath(c, '/app/config', NOW);
    expect(d.record).toMatchObject({ whiteout: '/app/.wh.config', hiddenBytes: 0 });
    expect(merged(d.container).at('/app/config').status).toBe(DELETED);
  });

  it('re-creating a deleted lower file replaces the whiteout with the new file', () => {
    const a = removePath(startContainer(lower), '/etc/passwd', NOW).container;
    const b = writeFile(a, '/etc/passwd', enc('root:x:0:0::/root:/bin/sh\n'), NOW);
    expect(b.record).toMatchObject({ created: true, copyUp: null, replacedWhiteout: '/etc/.wh.passwd' });
    const m = merged(b.container);
    expect(m.built.paths).toEqual(['etc', 'etc/passwd']);
    expect(m.at('/etc/passwd')).toMatchObject({ status: VISIBLE, provider: 2, change: CH_MODIFIED });
  });

  it('new directories and files deep in a new tree; symlinks', () => {
    let c = startContainer(lower);
    c = makeDir(c, '/srv', NOW).container;
    c = makeDir(c, '/srv/www', NOW).container;
    c = writeFile(c, '/srv/www/index.html', enc('<h1>hi</h1>'), NOW).container;
    c = makeSymlink(c, '/srv/current', 'www', NOW).container;
    const m = merged(c);
    expect(m.at('/srv/www/index.html')).toMatchObject({ status: VISIBLE, provider: 2, change: CH_ADDED });
    expect(m.at('/srv/current')).toMatchObject({ status: VISIBLE, provider: 2, change: CH_ADDED });
    const list = tarList(m.built.tar);
    expect(list.find((l) => l.includes('srv/current'))).toMatch(/^lrwxrwxrwx .* srv\/current -> www$/);
    expect(m.built.index.links[m.built.index.linkIds[m.built.paths.indexOf('srv/current')]!]).toBe('www');
  });

  it('refuses what a shell would refuse, and reserved whiteout names', () => {
    const c = startContainer(lower);
    expect(() => writeFile(c, '/nope/file', enc(''), NOW)).toThrow(/no such directory/);
    expect(() => writeFile(c, '/etc/motd/x', enc(''), NOW)).toThrow(/not a directory/);
    expect(() => writeFile(c, '/etc', enc(''), NOW)).toThrow(/is a directory/);
    expect(() => writeFile(c, '/bin/sh', enc(''), NOW)).toThrow(/symlink/);
    expect(() => makeDir(c, '/etc', NOW)).toThrow(/exists/);
    expect(() => removePath(c, '/missing', NOW)).toThrow(/no such file/);
    expect(() => removePath(c, '/', NOW)).toThrow();
    expect(() => writeFile(c, '/etc/.wh.motd', enc(''), NOW)).toThrow(/reserved/);
    expect(() => normalizeUserPath('/a/../b')).toThrow();
    expect(normalizeUserPath('//etc/motd/')).toBe('etc/motd');
  });

  it('operations never mutate the container they are given', () => {
    const c = startContainer(lower);
    const a = writeFile(c, '/etc/motd', enc('x'), NOW).container;
    removePath(a, '/etc/motd', NOW);
    expect(c.entries.size).toBe(0);
    expect(a.entries.get('etc/motd')?.kind).toBe('file');
  });

  it('non-ASCII and long names survive the tar round trip (pax records)', () => {
    const long = 'd'.repeat(120);
    let c = makeDir(startContainer(lower), '/' + long, NOW).container;
    c = writeFile(c, `/${long}/café-☕.txt`, enc('crème'), NOW).container;
    const m = merged(c);
    expect(tarList(m.built.tar).map((l) => l.split(/\s+/).pop())).toEqual([`${long}/`, `${long}/café-☕.txt`]);
    expect(tarCat(m.built.tar, `${long}/café-☕.txt`).toString()).toBe('crème');
    expect(m.at(`/${long}/café-☕.txt`)).toMatchObject({ status: VISIBLE, provider: 2 });
  });

  it('sorts member paths by code point like the union and `LC_ALL=C sort`', () => {
    const names = ['a-b', 'a/b', 'a', 'é', 'z', '\u{1F600}', '\uFFFD'];
    const sorted = [...names].sort(compareBytewise);
    const bytes = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect(sorted).toEqual(bytes);
  });

  it('chmod of a lower file copies it up whole (no metacopy), new mode, same bytes; GNU tar agrees', () => {
    const bytes = enc('x'.repeat(30));
    expect(() => chmodPath(startContainer(lower), '/etc/passwd', 0o600, NOW)).toThrow(/30 bytes are needed/);
    const r = chmodPath(startContainer(lower), '/etc/passwd', 0o600, NOW, bytes);
    expect(r.record).toMatchObject({ op: 'chmod', modeBefore: 0o644, modeAfter: 0o600, copyUp: { layer: 0, size: 30 }, parentsCopiedUp: ['/etc'] });
    const m = merged(r.container);
    // The union sees a metadata-only change: same size, new mode (dive calls it modified).
    expect(m.at('/etc/passwd')).toMatchObject({ status: VISIBLE, provider: 2 });
    const list = tarList(m.built.tar);
    expect(list[1]).toMatch(/^-rw------- 0\/0 +30 .* etc\/passwd$/);
    expect(tarCat(m.built.tar, 'etc/passwd').toString()).toBe('x'.repeat(30));
    // Again on the copy: no second copy-up.
    expect(chmodPath(r.container, '/etc/passwd', 0o640, NOW).record).toMatchObject({ copyUp: null, modeBefore: 0o600 });
  });

  it('chmod of a lower directory copies up the directory entry alone; its lower children still show', () => {
    const r = chmodPath(startContainer(lower), '/app/config', 0o700, NOW);
    expect(r.record).toMatchObject({ copyUp: { layer: 0, size: 0 }, kind: 'dir' });
    const m = merged(r.container);
    expect(m.built.paths).toEqual(['app', 'app/config']);
    expect(m.at('/app/config/default.conf')).toMatchObject({ status: VISIBLE, provider: 0 });
    expect(m.built.index.modes[m.built.paths.indexOf('app/config')]).toBe(0o700);
    expect(m.built.index.uids[m.built.paths.indexOf('app/config')]).toBe(1000);
    expect(() => chmodPath(startContainer(lower), '/bin/sh', 0o755, NOW)).toThrow(/symlink/);
  });

  it('touch: a missing path becomes an empty file; an existing lower file is copied up with a new mtime', () => {
    const a = touchPath(startContainer(lower), '/etc/new.conf', NOW);
    expect(a.record).toMatchObject({ op: 'touch', created: true });
    expect(merged(a.container).at('/etc/new.conf')).toMatchObject({ status: VISIBLE, change: CH_ADDED });
    const b = touchPath(startContainer(lower), '/usr/share/doc/small.txt', NOW, enc('s'.repeat(24)));
    expect(b.record).toMatchObject({ created: false, copyUp: { layer: 0, size: 24 } });
    const m = merged(b.container);
    const e = m.built.paths.indexOf('usr/share/doc/small.txt');
    expect(m.built.index.mtimes[e]).toBe(NOW);
    expect(m.built.index.sizes[e]).toBe(24);
  });

  it('rename of a lower file: a copy under the new name and a whiteout at the old one', () => {
    const r = renamePath(startContainer(lower), '/etc/passwd', '/etc/passwd.old', NOW, enc('p'.repeat(30)));
    expect(r.record).toMatchObject({ op: 'rename', from: '/etc/passwd', path: '/etc/passwd.old', whiteout: '/etc/.wh.passwd', copyUp: { layer: 0, size: 30 } });
    const m = merged(r.container);
    expect(m.at('/etc/passwd')).toMatchObject({ status: DELETED, provider: 2, change: CH_DELETED });
    expect(m.at('/etc/passwd.old')).toMatchObject({ status: VISIBLE, provider: 2, change: CH_ADDED });
    const e = m.built.paths.indexOf('etc/passwd.old');
    expect(m.built.index.mtimes[e]).toBe(1_700_000_000); // rename keeps the mtime
    expect(tarList(m.built.tar).map((l) => l.split(/\s+/).pop())).toEqual(['etc/', 'etc/.wh.passwd', 'etc/passwd.old']);
    // The copy remembers where it came from (the page says so), through a second rename too.
    expect(r.container.entries.get('etc/passwd.old')!.copiedFrom).toEqual({ layer: 0, path: 'etc/passwd' });
    const again = renamePath(r.container, '/etc/passwd.old', '/etc/passwd.bak', NOW);
    expect(again.container.entries.get('etc/passwd.bak')!.copiedFrom).toEqual({ layer: 0, path: 'etc/passwd' });
  });

  it('rename inside the read-write layer moves entries; a lower directory is refused as overlayfs refuses it (EXDEV)', () => {
    let c = makeDir(startContainer(lower), '/srv', NOW).container;
    c = writeFile(c, '/srv/a.txt', enc('a'), NOW).container;
    const r = renamePath(c, '/srv', '/opt', NOW);
    expect(r.record).toMatchObject({ whiteout: null, moved: 2 });
    const m = merged(r.container);
    expect(m.at('/srv')).toMatchObject({ status: 0 });
    expect(m.at('/opt/a.txt')).toMatchObject({ status: VISIBLE, change: CH_ADDED });
    expect(() => renamePath(startContainer(lower), '/app/config', '/app/conf', NOW)).toThrow(/EXDEV/);
    expect(() => renamePath(startContainer(lower), '/etc', '/etc/x', NOW)).toThrow(/into itself/);
    expect(() => renamePath(startContainer(lower), '/etc/motd', '/etc/passwd', NOW, enc('x'))).toThrow(/already exists/);
  });
});
