import { describe, expect, it } from 'vitest';
import { listMerged, listingOrder, mergedRow, mergedRows, resolveHardlink } from './listing';
import { buildUnion, lookup, mergedAt, pathOf } from './union';
import { layer } from './union.testkit';

const byteSort = (a: string[]) => [...a].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));

describe('listMerged', () => {
  it('prints the documented columns', () => {
    const layers = [
      layer([
        ['bin/', 'dir'],
        ['bin/tool', 'file', 3000, { mode: 0o4755 }],
        ['tmp/', 'dir', 0, { mode: 0o1777 }],
        ['etc/hello.txt', 'file', 9, { uid: 20000000, gid: 20000000 }],
        ['etc/hello-symlink', 'symlink', 0, { link: 'hello.txt', mode: 0o755 }], // Linux shows every symlink as 0777
        ['dev/null', 'char', 0, { mode: 0o666 }],
        ['dev/loop0', 'block', 0, { mode: 0o660, gid: 6 }],
        ['run/fifo', 'fifo', 0, { mode: 0o600 }],
      ]),
      layer([['usr/bin/tool-hardlink', 'hardlink', 0, { link: 'bin/tool', mode: 0o644 }]]),
    ];
    const u = buildUnion(layers);
    expect(listMerged(u, layers, 1)).toBe(
      [
        '/bin\tdir\t0\t0755\t0\t0\t\t0',
        '/bin/tool\tfile\t3000\t4755\t0\t0\t\t0',
        '/dev\tdir\t0\t0755\t0\t0\t\t0',
        '/dev/loop0\tblock\t0\t0660\t0\t6\t\t0',
        '/dev/null\tchar\t0\t0666\t0\t0\t\t0',
        '/etc\tdir\t0\t0755\t0\t0\t\t0',
        '/etc/hello-symlink\tsymlink\t0\t0777\t0\t0\thello.txt\t0',
        '/etc/hello.txt\tfile\t9\t0644\t20000000\t20000000\t\t0',
        '/run\tdir\t0\t0755\t0\t0\t\t0',
        '/run/fifo\tfifo\t0\t0600\t0\t0\t\t0',
        '/tmp\tdir\t0\t1777\t0\t0\t\t0',
        '/usr\tdir\t0\t0755\t0\t0\t\t1',
        '/usr/bin\tdir\t0\t0755\t0\t0\t\t1',
        // same inode as /bin/tool in layer 0: its size, mode, owner
        '/usr/bin/tool-hardlink\thardlink\t3000\t4755\t0\t0\t/bin/tool\t1',
      ].join('\n') + '\n',
    );
    expect(listMerged(u, layers, 0).split('\n')).not.toContain(expect.stringMatching(/^\/usr/));
  });

  it('an empty image lists nothing', () => {
    const layers = [layer([])];
    expect(listMerged(buildUnion(layers), layers, 0)).toBe('');
  });

  it('sorts bytewise on the full path: "/a-b" between "/a" and "/a/b", non-ASCII by code point', () => {
    const names = ['a', 'a-b', 'a.b', 'a/b', 'a/b/c', 'a0', 'B', 'é', 'e', 'z', '\u{1F600}', '\uFFFD', 'a b', 'a!', 'x/é', 'x/e-', 'x/e/f', 'x/\u{1F600}/z'];
    const layers = [layer(names.map((n) => [n, 'file', 1]))];
    const u = buildUnion(layers);
    const listed = listMerged(u, layers, 0)
      .trimEnd()
      .split('\n')
      .map((l) => l.split('\t')[0]);
    // every path and every implied parent, sorted like `LC_ALL=C sort`
    const all = new Set<string>();
    for (const n of names) {
      const parts = n.split('/');
      for (let i = 1; i <= parts.length; i++) all.add('/' + parts.slice(0, i).join('/'));
    }
    expect(listed).toEqual(byteSort([...all]));
    expect(listed.indexOf('/a-b')).toBeGreaterThan(listed.indexOf('/a'));
    expect(listed.indexOf('/a-b')).toBeLessThan(listed.indexOf('/a/b'));
    // listingOrder covers every node once
    const order = Array.from(listingOrder(u));
    expect(order.length).toBe(u.nodeCount - 1);
    expect(order.map((n) => pathOf(u, n))).toEqual(byteSort(order.map((n) => pathOf(u, n))));
  });

  it('leaves out deleted paths and whiteout files, shows the providing layer', () => {
    const layers = [
      layer([
        ['etc/', 'dir'],
        ['etc/motd', 'file', 12],
        ['etc/hosts', 'file', 5],
      ]),
      layer([
        ['etc/.wh.motd', 'whiteout'],
        ['etc/hosts', 'file', 7],
      ]),
    ];
    const u = buildUnion(layers);
    expect(listMerged(u, layers, 1)).toBe('/etc\tdir\t0\t0755\t0\t0\t\t0\n/etc/hosts\tfile\t7\t0644\t0\t0\t\t1\n');
  });
});

describe('hardlinks', () => {
  it('resolve to the target as it was when the link was made, even if the target path changes later', () => {
    const layers = [
      layer([['a', 'file', 10, { mode: 0o600, uid: 5 }]]),
      layer([
        ['h', 'hardlink', 0, { link: 'a' }],
        ['h2', 'hardlink', 0, { link: 'h' }],
      ]),
      layer([
        ['a', 'file', 99],
        ['.wh.x', 'whiteout'],
      ]),
      layer([['.wh.a', 'whiteout']]),
    ];
    const u = buildUnion(layers);
    const rows = (L: number) => Object.fromEntries(mergedRows(u, layers, L).map((r) => [r.path, r]));
    for (const L of [1, 2, 3]) {
      expect(rows(L)['/h']).toMatchObject({ type: 'hardlink', size: 10, mode: 0o600, uid: 5, link: '/a', layer: 1 });
      expect(rows(L)['/h2']).toMatchObject({ type: 'hardlink', size: 10, mode: 0o600, link: '/h' });
    }
    expect(rows(2)['/a']!.size).toBe(99);
    expect(rows(3)['/a']).toBeUndefined();
    expect(resolveHardlink(u, layers, 1, 1)).toEqual([0, 0]);
  });

  it('a dangling or cyclic hardlink keeps its own attributes and size 0', () => {
    const layers = [
      layer([
        ['d', 'hardlink', 0, { link: 'nowhere', mode: 0o640 }],
        ['c1', 'hardlink', 0, { link: 'c1' }],
      ]),
    ];
    const u = buildUnion(layers);
    const v = mergedAt(u, layers, 0);
    expect(mergedRow(u, layers, v, lookup(u, '/d'))).toMatchObject({ size: 0, mode: 0o640, link: '/nowhere' });
    expect(mergedRow(u, layers, v, lookup(u, '/c1'))).toMatchObject({ size: 0, link: '/c1' });
  });
});
