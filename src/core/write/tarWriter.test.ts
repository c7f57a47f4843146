/**
 * The writer is checked against GNU tar (the ground truth): `tar -tvf` must
 * list every member with the kind, mode, owner, size, mtime and link target we
 * asked for, `tar -xOf` must give back the bytes, and (as root) extracting the
 * archive must create the same files on disk. Python's tarfile, when present,
 * is a second independent reader for pax records GNU tar does not list (xattrs).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, lstatSync, readlinkSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTar, TAR_BLOCK, type TarWriteEntry } from './tarWriter';
import { isLayerscopeError } from '../errors';

const ENV = { ...process.env, LC_ALL: 'C.UTF-8', TZ: 'UTC' };
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasPython = spawnSync('python3', ['-c', 'import tarfile'], { env: ENV }).status === 0;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tarwriter-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

let counter = 0;
function save(bytes: Uint8Array): string {
  const f = join(dir, `t${counter++}.tar`);
  writeFileSync(f, bytes);
  return f;
}

function tar(args: string[]): Buffer {
  const r = spawnSync('tar', args, { env: ENV, maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`tar ${args.join(' ')} failed: ${r.stderr.toString()}`);
  return r.stdout;
}

interface Listed {
  mode: string;
  uid: number;
  gid: number;
  size: string;
  date: string;
  rest: string;
}

/** Parses `tar --list --verbose --full-time --numeric-owner` lines. */
function list(file: string, extra: string[] = []): Listed[] {
  const out = tar(['--list', '--verbose', '--full-time', '--numeric-owner', '--quoting-style=literal', ...extra, '-f', file]).toString('utf8');
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const m = /^(\S{10}) (\d+)\/(\d+)\s+(\S+) (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?)\s+(.*)$/.exec(line);
      if (!m) throw new Error(`unparsed tar -tv line: ${line}`);
      return { mode: m[1]!, uid: Number(m[2]), gid: Number(m[3]), size: m[4]!, date: m[5]!, rest: m[6]! };
    });
}

/** `ls -l` style mode string, as GNU tar prints it (type letter, rwx with s/S/t/T). */
function modeString(kind: TarWriteEntry['kind'], mode: number): string {
  const t = { file: '-', dir: 'd', symlink: 'l', hardlink: 'h', char: 'c', block: 'b', fifo: 'p' }[kind];
  const bit = (m: number, c: string) => (mode & m ? c : '-');
  const special = (x: number, s: number, lower: string, upper: string) => (mode & s ? (mode & x ? lower : upper) : mode & x ? 'x' : '-');
  return (
    t +
    bit(0o400, 'r') +
    bit(0o200, 'w') +
    special(0o100, 0o4000, 's', 'S') +
    bit(0o040, 'r') +
    bit(0o020, 'w') +
    special(0o010, 0o2000, 's', 'S') +
    bit(0o004, 'r') +
    bit(0o002, 'w') +
    special(0o001, 0o1000, 't', 'T')
  );
}

/** UTC `YYYY-MM-DD HH:MM:SS[.frac]` for epoch seconds, independent of the writer. */
function utcDate(t: number): string {
  const whole = Math.floor(t);
  const d = new Date(whole * 1000).toISOString(); // 2024-01-01T00:00:00.000Z
  const frac = t - whole;
  const fs = frac ? '.' + frac.toFixed(9).slice(2).replace(/0+$/, '') : '';
  return `${d.slice(0, 10)} ${d.slice(11, 19)}${fs}`;
}

function expectedRest(e: TarWriteEntry, name: string): string {
  if (e.kind === 'symlink') return `${name} -> ${e.linkname}`;
  if (e.kind === 'hardlink') return `${name} link to ${e.linkname}`;
  return name;
}

function checkListing(file: string, entries: TarWriteEntry[], names?: string[]): void {
  const listed = list(file);
  expect(listed.length).toBe(entries.length);
  entries.forEach((e, i) => {
    const l = listed[i]!;
    const name = names?.[i] ?? (e.kind === 'dir' && !e.path.endsWith('/') ? `${e.path}/` : e.path);
    expect(l.rest).toBe(expectedRest(e, name));
    expect(l.mode).toBe(modeString(e.kind, e.mode));
    expect(l.uid).toBe(e.uid);
    expect(l.gid).toBe(e.gid);
    expect(l.date).toBe(utcDate(e.mtime));
    if (e.kind === 'char' || e.kind === 'block') expect(l.size).toBe(`${e.devmajor},${e.devminor}`);
    else expect(Number(l.size)).toBe(e.kind === 'file' ? (e.data?.length ?? 0) : 0);
  });
}

const enc = new TextEncoder();
const T0 = 1704067200; // 2024-01-01T00:00:00Z

function file(path: string, content: string | Uint8Array, extra: Partial<TarWriteEntry> = {}): TarWriteEntry {
  return { path, kind: 'file', data: typeof content === 'string' ? enc.encode(content) : content, mode: 0o644, uid: 0, gid: 0, mtime: T0, ...extra };
}

/** Deterministic pseudo-random bytes (xorshift32), so multi-block data is not all one value. */
function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe('writeTar', () => {
  const kinds: TarWriteEntry[] = [
    { path: '', kind: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: T0 },
    { path: 'etc', kind: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: T0 + 1 },
    file('etc/motd', 'hello\n', { mtime: T0 + 2 }),
    file('etc/empty', ''),
    file('bin/busybox', bytes(1000), { mode: 0o4755, uid: 1000, gid: 1001 }),
    file('exact-block', bytes(TAR_BLOCK, 7), { mode: 0o600 }),
    { path: 'bin/sh', kind: 'symlink', linkname: 'busybox', mode: 0o777, uid: 0, gid: 0, mtime: T0 },
    { path: 'bin/ash', kind: 'hardlink', linkname: 'bin/busybox', mode: 0o4755, uid: 1000, gid: 1001, mtime: T0 },
    { path: 'tmp', kind: 'dir', mode: 0o1777, uid: 0, gid: 0, mtime: T0 },
    { path: 'srv/shared', kind: 'dir', mode: 0o2775, uid: 0, gid: 50, mtime: T0 },
    { path: 'run/fifo', kind: 'fifo', mode: 0o620, uid: 0, gid: 0, mtime: T0 },
    { path: 'dev/null', kind: 'char', devmajor: 1, devminor: 3, mode: 0o666, uid: 0, gid: 0, mtime: T0 },
    { path: 'dev/sda', kind: 'block', devmajor: 8, devminor: 0, mode: 0o660, uid: 0, gid: 6, mtime: T0 },
    file('etc/.wh.gone', '', { mode: 0 }),
    file('app/.wh..wh..opq', ''),
  ];

  it('writes every kind the way GNU tar lists it', () => {
    const f = save(writeTar(kinds));
    checkListing(
      f,
      kinds,
      kinds.map((e) => (e.path === '' ? './' : e.kind === 'dir' ? `${e.path}/` : e.path)),
    );
  });

  it('gives back file contents through tar -xOf', () => {
    const f = save(writeTar(kinds));
    for (const e of kinds.filter((k) => k.kind === 'file')) {
      expect(new Uint8Array(tar(['-xOf', f, e.path]))).toEqual(e.data);
    }
  });

  it('is whole 512-byte blocks ending in two zero blocks', () => {
    const out = writeTar([file('a', 'x')]);
    expect(out.length % TAR_BLOCK).toBe(0);
    // header + 1 data block + 2 end blocks
    expect(out.length).toBe(4 * TAR_BLOCK);
    expect(out.subarray(2 * TAR_BLOCK).every((b) => b === 0)).toBe(true);
    expect(writeTar([]).length).toBe(2 * TAR_BLOCK);
    expect(list(save(writeTar([])))).toEqual([]);
  });

  it.skipIf(!isRoot)('extracts to the same files on disk (as root: owners, modes, mtimes, links, devices)', () => {
    const f = save(writeTar(kinds));
    const out = mkdtempSync(join(dir, 'x-'));
    tar(['-xpf', f, '--same-owner', '--numeric-owner', '-C', out]);
    for (const e of kinds) {
      if (e.path === '') continue;
      const st = lstatSync(join(out, e.path));
      expect(st.mode & 0o7777).toBe(e.mode & (e.kind === 'symlink' ? st.mode : 0o7777));
      expect(st.uid).toBe(e.uid);
      expect(st.gid).toBe(e.gid);
      const isType = {
        file: st.isFile(),
        hardlink: st.isFile(),
        dir: st.isDirectory(),
        symlink: st.isSymbolicLink(),
        fifo: st.isFIFO(),
        char: st.isCharacterDevice(),
        block: st.isBlockDevice(),
      }[e.kind];
      expect(isType).toBe(true);
      if (e.kind === 'file') expect(new Uint8Array(readFileSync(join(out, e.path)))).toEqual(e.data);
      if (e.kind === 'symlink') expect(readlinkSync(join(out, e.path))).toBe(e.linkname);
      if (e.kind === 'hardlink') expect(st.ino).toBe(lstatSync(join(out, e.linkname!)).ino);
      if (e.kind !== 'symlink' && e.kind !== 'dir') expect(st.mtimeMs / 1000).toBe(e.mtime);
    }
  });

  describe('names', () => {
    const seg = (c: string, n: number) => c.repeat(n);
    const exactly100 = seg('a', 50) + '/' + seg('b', 49);
    const prefixed = seg('p', 120) + '/' + seg('n', 90); // 211: needs the ustar prefix field
    const tooLong = Array.from({ length: 12 }, (_, i) => `${i}${seg('d', 24)}`).join('/'); // 311 chars
    const noSlashLong = seg('x', 180); // 180 chars, no '/' to split at
    const unicode = 'données/日本語/ファイル.txt';
    const entries: TarWriteEntry[] = [
      file(exactly100, 'a'),
      file(prefixed, 'b'),
      file(tooLong, 'c'),
      file(noSlashLong, 'd'),
      file(unicode, 'e'),
      { path: prefixed.replace(/\/n+$/, ''), kind: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: T0 },
      { path: `${tooLong}-dir`, kind: 'dir', mode: 0o700, uid: 0, gid: 0, mtime: T0 },
      { path: 'link-long', kind: 'symlink', linkname: `/${tooLong}`, mode: 0o777, uid: 0, gid: 0, mtime: T0 },
      { path: 'link-utf8', kind: 'symlink', linkname: `../${unicode}`, mode: 0o777, uid: 0, gid: 0, mtime: T0 },
      { path: 'hard-long', kind: 'hardlink', linkname: tooLong, mode: 0o644, uid: 0, gid: 0, mtime: T0 },
      file('space in name.txt', 'f'),
    ];

    it('lists long (prefix and pax), unicode and link names exactly', () => {
      const f = save(writeTar(entries));
      checkListing(f, entries);
      for (const e of entries.filter((k) => k.kind === 'file')) {
        expect(new Uint8Array(tar(['-xOf', f, e.path]))).toEqual(e.data);
      }
    });

    it('uses plain ustar (no pax header) when the name fits name+prefix', () => {
      const out = writeTar([file(prefixed, 'b')]);
      // The first block is the member's own header: typeflag '0', not pax 'x'.
      expect(String.fromCharCode(out[156]!)).toBe('0');
      expect(out.length).toBe(4 * TAR_BLOCK);
      const withPax = writeTar([file(tooLong, 'c')]);
      expect(String.fromCharCode(withPax[156]!)).toBe('x');
    });

    it.skipIf(!hasPython)('agrees with Python tarfile on the names too', () => {
      const f = save(writeTar(entries));
      const py = spawnSync(
        'python3',
        [
          '-c',
          ['import sys, tarfile, json', 't = tarfile.open(sys.argv[1])', 'print(json.dumps([[m.name, m.linkname, m.size] for m in t.getmembers()]))'].join(
            '\n',
          ),
          f,
        ],
        { env: ENV },
      );
      expect(py.status, py.stderr.toString()).toBe(0);
      const got = JSON.parse(py.stdout.toString()) as [string, string, number][];
      // tarfile strips the trailing slash of directories.
      expect(got).toEqual(entries.map((e) => [e.path, e.linkname ?? '', e.data?.length ?? 0]));
    });
  });

  describe('numbers beyond the ustar fields', () => {
    const entries: TarWriteEntry[] = [
      file('big-uid', 'x', { uid: 20_000_000, gid: 3_000_000 }), // > 0o7777777 = 2097151
      file('max-octal-uid', 'x', { uid: 0o7777777, gid: 0o7777777 }), // exactly fits
      file('far-future', 'x', { mtime: 2 ** 34 }), // > 0o77777777777 (year 2514)
      file('fraction', 'x', { mtime: 1700000000.25 }),
      file('before-epoch', 'x', { mtime: -86400 }),
      file('zero', 'x', { mtime: 0 }),
    ];
    it('are written as pax records GNU tar reads back', () => {
      checkListing(save(writeTar(entries)), entries);
    });
  });

  it('writes user/group names, long and non-ASCII ones through pax', () => {
    const entries: TarWriteEntry[] = [
      file('a', 'x', { uid: 1000, gid: 1000, uname: 'app', gname: 'staff' }),
      file('b', 'x', { uid: 1001, gid: 1001, uname: 'u'.repeat(40), gname: 'g'.repeat(33) }),
      file('c', 'x', { uid: 1002, gid: 1002, uname: 'jürgen', gname: 'gruppe' }),
    ];
    const out = tar(['--list', '--verbose', '--quoting-style=literal', '-f', save(writeTar(entries))]).toString('utf8');
    const owners = out
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(/\s+/)[1]);
    expect(owners).toEqual(entries.map((e) => `${e.uname}/${e.gname}`));
  });

  it.skipIf(!hasPython)('writes xattrs as SCHILY.xattr records (binary values kept)', () => {
    const cap = new Uint8Array([1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const f = save(writeTar([file('bin/ping', 'x', { xattrs: { 'security.capability': cap, 'user.comment': 'héllo' } })]));
    const py = spawnSync(
      'python3',
      [
        '-c',
        [
          'import sys, tarfile, json',
          'm = tarfile.open(sys.argv[1], encoding="utf-8", errors="surrogateescape").getmembers()[0]',
          'print(json.dumps({k: list(v.encode("utf-8", "surrogateescape")) for k, v in m.pax_headers.items()}))',
        ].join('\n'),
        f,
      ],
      { env: ENV },
    );
    expect(py.status, py.stderr.toString()).toBe(0);
    const got = JSON.parse(py.stdout.toString()) as Record<string, number[]>;
    expect(got['SCHILY.xattr.security.capability']).toEqual([...cap]);
    expect(got['SCHILY.xattr.user.comment']).toEqual([...enc.encode('héllo')]);
    // GNU tar still reads the file through the pax header.
    expect(tar(['-xOf', f, 'bin/ping']).toString()).toBe('x');
  });

  it('refuses what tar cannot represent', () => {
    const bad: TarWriteEntry[] = [
      file('a\0b', 'x'),
      { path: 's', kind: 'symlink', mode: 0o777, uid: 0, gid: 0, mtime: T0 },
      file('neg-uid', 'x', { uid: -1 }),
      file('nan-time', 'x', { mtime: Number.NaN }),
      { path: 'd', kind: 'dir', data: enc.encode('x'), mode: 0o755, uid: 0, gid: 0, mtime: T0 },
    ];
    for (const e of bad) {
      let err: unknown;
      try {
        writeTar([e]);
      } catch (x) {
        err = x;
      }
      expect(isLayerscopeError(err), e.path).toBe(true);
    }
  });
});
