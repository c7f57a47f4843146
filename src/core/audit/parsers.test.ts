/**
 * The package database readers on their own: dpkg, apk, Python, npm, rpm
 * (SQLite and Berkeley DB, on databases made by rpm and Berkeley DB themselves),
 * Go build info, and version ordering — including what each does with damage.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseApkInstalled } from './apk';
import { readBdbHashValues } from './bdb';
import { listOwner, parseDpkgList, parseDpkgStatus } from './dpkg';
import { goDataSegment, goRecords, parseGoBuildInfo } from './gobuild';
import { parseNpmPackage } from './npm';
import { parseInstalledFiles, parsePythonMetadata, parseRecord } from './python';
import { parseRpmHeader, readRpmSqlite } from './rpm';
import { sqlJsOpener } from './sqlite';
import { apkRecord, dpkgStanza, dpkgStatus } from '../../../test/helpers/auditImage';
import { compareDebVersions, compareGenericVersions } from './version';

const FIX = join(__dirname, '../../../test/fixtures');

describe('dpkg', () => {
  it('reads installed packages and skips removed ones', () => {
    const text = dpkgStatus(
      dpkgStanza('bash', '5.2.15-2+b2', { size: 7000 }),
      dpkgStanza('libc6', '2.36-9+deb12u4', { extra: 'Multi-Arch: same\nSource: glibc' }),
      dpkgStanza('gone', '1.0', { status: 'deinstall ok config-files' }),
      dpkgStanza('never', '1.0', { status: 'purge ok not-installed' }),
      dpkgStanza('half', '1.1', { status: 'install reinstreq half-installed' }),
    );
    const r = parseDpkgStatus(text, '/var/lib/dpkg/status');
    expect(r.problem).toBeNull();
    expect(r.records.map((p) => [p.name, p.version, p.arch, p.size])).toEqual([
      ['bash', '5.2.15-2+b2', 'amd64', 7000 * 1024],
      ['libc6', '2.36-9+deb12u4', 'amd64', 100 * 1024],
      ['half', '1.1', 'amd64', 100 * 1024],
    ]);
    expect(r.records[1]!.detail?.source).toBe('glibc');
    expect(r.records[0]!.detail?.summary).toBe('the bash package');
  });

  it('a truncated database keeps what was read before the damage and says where', () => {
    const whole = dpkgStatus(dpkgStanza('a', '1'), dpkgStanza('b', '2'), dpkgStanza('c', '3'));
    const cut = whole.slice(0, whole.indexOf('Package: c') + 'Package: c\nStatus: install ok installed\nPrio'.length);
    const r = parseDpkgStatus(cut, '/var/lib/dpkg/status');
    expect(r.records.map((p) => p.name)).toEqual(['a', 'b']);
    expect(r.problem).toMatch(/line \d+/);
  });

  it('binary garbage is a problem, not a crash', () => {
    const r = parseDpkgStatus('\u0000\u0001garbage\u00ff\n\u0007', '/var/lib/dpkg/status');
    expect(r.records).toEqual([]);
    expect(r.problem).not.toBeNull();
  });

  it('distroless status.d stanzas need no Status field', () => {
    const r = parseDpkgStatus('Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\nInstalled-Size: 1234\n', '/var/lib/dpkg/status.d/tzdata', {
      distroless: true,
    });
    expect(r.records.map((p) => [p.name, p.version])).toEqual([['tzdata', '2024a-0+deb12u1']]);
  });

  it('.list files and their owners', () => {
    expect(listOwner('libc6:amd64.list')).toEqual({ name: 'libc6', arch: 'amd64' });
    expect(listOwner('bash.list')).toEqual({ name: 'bash', arch: null });
    expect(parseDpkgList('/.\n/bin\n/bin/bash\n')).toEqual(['/bin', '/bin/bash']);
  });

  // dpkg itself is the reference where it is installed (Debian CI): same packages, same versions.
  it.skipIf(!existsSync('/usr/bin/dpkg-query'))('lists what dpkg-query --admindir lists', () => {
    const dir = mkdtempSync(join(tmpdir(), 'layerscope-dpkg-'));
    try {
      const text = dpkgStatus(
        dpkgStanza('bash', '5.2.15-2+b2'),
        dpkgStanza('libc6', '1:2.36-9', { extra: 'Multi-Arch: same' }),
        dpkgStanza('gone', '1.0', { status: 'deinstall ok config-files' }),
        dpkgStanza('unpacked', '0.1~rc1', { status: 'install ok unpacked' }),
      );
      mkdirSync(join(dir, 'updates'));
      writeFileSync(join(dir, 'status'), text);
      // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
      const ref = execFileSync('dpkg-query', ['--admindir', dir, '-W', '-f', '${db:Status-Abbrev}\t${Package}\t${Version}\n'], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => l && !['n', 'c'].includes(l[1]!))
        .map((l) => l.split('\t').slice(1).join('\t'))
        .sort();
      const ours = parseDpkgStatus(text, '/var/lib/dpkg/status')
        .records.map((p) => `${p.name}\t${p.version}`)
        .sort();
      expect(ours).toEqual(ref);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('apk', () => {
  it('reads records and their files', () => {
    const text = `${[apkRecord('musl', '1.2.4-r2', ['lib/ld-musl-x86_64.so.1', 'lib/libc.musl-x86_64.so.1']), apkRecord('busybox', '1.36.1-r5', ['bin/busybox'])].join('\n\n')}\n\n`;
    const r = parseApkInstalled(text, '/lib/apk/db/installed');
    expect(r.problem).toBeNull();
    expect(r.records.map((p) => [p.name, p.version, p.arch, p.size])).toEqual([
      ['musl', '1.2.4-r2', 'x86_64', 4096],
      ['busybox', '1.36.1-r5', 'x86_64', 4096],
    ]);
    expect(r.records[0]!.files).toEqual(['/lib/ld-musl-x86_64.so.1', '/lib/libc.musl-x86_64.so.1']);
  });
  it('a damaged database keeps the records before the damage', () => {
    const text = `${apkRecord('musl', '1.2.4-r2')}\n\n${apkRecord('zlib', '1.3')}\nthis is not apk\nP:more`;
    const r = parseApkInstalled(text, '/lib/apk/db/installed');
    expect(r.records.map((p) => p.name)).toEqual(['musl']);
    expect(r.problem).toMatch(/line/);
  });
});

describe('python', () => {
  it('METADATA, RECORD and installed-files.txt', () => {
    const meta = 'Metadata-Version: 2.1\nName: Requests\nVersion: 2.31.0\nSummary: HTTP for Humans.\nLicense: Apache 2.0\n\nLong description: Version: 9\n';
    const site = '/usr/lib/python3/dist-packages';
    const r = parsePythonMetadata(meta, `${site}/requests-2.31.0.dist-info/METADATA`);
    expect(typeof r).toBe('object');
    if (typeof r === 'string') return;
    expect([r.name, r.version, r.key]).toEqual(['Requests', '2.31.0', `python:requests@${site}`]);
    const rec = parseRecord(
      'requests/__init__.py,sha256=abc,4963\n"requests/a,b.py",sha256=x,10\n../../../bin/req,,\nrequests-2.31.0.dist-info/RECORD,,\n',
      `${site}/requests-2.31.0.dist-info/RECORD`,
    );
    expect(rec.files).toEqual([`${site}/requests/__init__.py`, `${site}/requests/a,b.py`, '/usr/bin/req', `${site}/requests-2.31.0.dist-info/RECORD`]);
    expect(rec.size).toBe(4973);
    expect(parseInstalledFiles('../six.py\n./PKG-INFO\n', `${site}/six-1.16.0.egg-info/installed-files.txt`)).toEqual([
      `${site}/six.py`,
      `${site}/six-1.16.0.egg-info/PKG-INFO`,
    ]);
    expect(parsePythonMetadata('no headers here', `${site}/x.dist-info/METADATA`)).toMatch(/not core metadata|no Name/);
  });
});

describe('npm', () => {
  it('package.json name and version', () => {
    const r = parseNpmPackage('{"name":"@types/node","version":"20.1.0","license":"MIT"}', '/app/node_modules/@types/node/package.json');
    expect(typeof r === 'object' && [r.name, r.version, r.key]).toEqual(['@types/node', '20.1.0', 'npm:/app/node_modules/@types/node']);
    expect(parseNpmPackage('{"name":"x"}', '/a/node_modules/x/package.json')).toBe('no version');
    expect(parseNpmPackage('{not json', '/a/node_modules/x/package.json')).toMatch(/not JSON/);
  });
});

describe('rpm', () => {
  const expected = readFileSync(join(FIX, 'rpmdb/expected.tsv'), 'utf8').trim().split('\n');
  const asTsv = (rs: ReturnType<typeof parseRpmHeader>[]) =>
    rs.map((r) => (typeof r === 'string' ? r : `${r.name}\t${r.version}\t${r.arch}\t${r.size}`)).sort();

  it('rpmdb.sqlite (made by rpm 4.18) through sql.js, equal to rpm -qa', async () => {
    const blobs = await readRpmSqlite(new Uint8Array(readFileSync(join(FIX, 'rpmdb/rpmdb.sqlite'))), sqlJsOpener());
    const recs = blobs.map((b) => parseRpmHeader(b, '/var/lib/rpm/rpmdb.sqlite'));
    expect(asTsv(recs)).toEqual(expected);
    const hello = recs.find((r) => typeof r === 'object' && r.name === 'hello');
    expect(typeof hello === 'object' && hello.files).toEqual(['/usr/bin/hello', '/usr/share/hello/README']);
  });

  it('Berkeley DB Packages (made by db_load), equal to rpm -qa', () => {
    const v = readBdbHashValues(new Uint8Array(readFileSync(join(FIX, 'rpmdb/Packages'))));
    expect(v.problems).toEqual([]);
    expect(asTsv(v.values.map((b) => parseRpmHeader(b, '/var/lib/rpm/Packages')))).toEqual(expected);
  });

  it('damaged databases throw or report, never loop', async () => {
    const sqlite = new Uint8Array(readFileSync(join(FIX, 'rpmdb/rpmdb.sqlite')));
    await expect(readRpmSqlite(sqlite.slice(0, 3000), sqlJsOpener())).rejects.toThrow();
    await expect(readRpmSqlite(new Uint8Array(5000), sqlJsOpener())).rejects.toThrow(/SQLite/);
    const bdb = new Uint8Array(readFileSync(join(FIX, 'rpmdb/Packages')));
    const cut = readBdbHashValues(bdb.slice(0, 4096 * 3));
    expect(cut.problems.length).toBeGreaterThan(0);
    // an overflow chain pointing at itself
    const loop = bdb.slice();
    for (let pg = 1; pg * 4096 < loop.length; pg++) if (loop[pg * 4096 + 25] === 7) new DataView(loop.buffer).setUint32(pg * 4096 + 16, pg, true);
    expect(() => readBdbHashValues(loop)).not.toThrow();
    expect(() => readBdbHashValues(new Uint8Array(8192))).toThrow(/Berkeley DB/);
    expect(parseRpmHeader(new Uint8Array([0, 0, 0xff, 0xff, 0, 0, 0, 1]), 'x')).toMatch(/out of range/);
  });
});

/** A minimal 64-bit little-endian ELF with a Go build-id note and a writable PT_LOAD holding build info. */
function fakeGoBinary(modinfo: string, goVersion = 'go1.22.4'): Uint8Array {
  const size = 2 * 1024 * 1024;
  const b = new Uint8Array(size);
  const dv = new DataView(b.buffer);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  dv.setUint16(16, 2, true); // ET_EXEC
  dv.setBigUint64(32, 64n, true); // phoff
  dv.setUint16(54, 56, true); // phentsize
  dv.setUint16(56, 3, true); // phnum
  const ph = (i: number, type: number, flags: number, off: number, filesz: number) => {
    const p = 64 + i * 56;
    dv.setUint32(p, type, true);
    dv.setUint32(p + 4, flags, true);
    dv.setBigUint64(p + 8, BigInt(off), true);
    dv.setBigUint64(p + 32, BigInt(filesz), true);
  };
  const noteOff = 0x400;
  ph(0, 4, 4, noteOff, 16 + 16); // PT_NOTE
  ph(1, 1, 5, 0, 0x10000); // text R+X
  const dataOff = 0x100000;
  ph(2, 1, 6, dataOff, 0x20000); // data R+W
  dv.setUint32(noteOff, 4, true);
  dv.setUint32(noteOff + 4, 8, true);
  dv.setUint32(noteOff + 8, 4, true);
  b.set([0x47, 0x6f, 0, 0], noteOff + 12);
  const at = dataOff + 0x3000; // not at the segment start: an external linker puts other sections first
  b.set([0xff, 0x20, 0x47, 0x6f, 0x20, 0x62, 0x75, 0x69, 0x6c, 0x64, 0x69, 0x6e, 0x66, 0x3a, 8, 2], at);
  const enc = new TextEncoder();
  const sentinel = '0'.repeat(16);
  const mod = enc.encode(`${sentinel}${modinfo}\n${sentinel}`.replace(/\n(0{16})$/, '\n$1'));
  const v = enc.encode(goVersion);
  let o = at + 32;
  b[o++] = v.length;
  b.set(v, o);
  o += v.length;
  b[o++] = (mod.length & 0x7f) | 0x80;
  b[o++] = mod.length >> 7;
  b.set(mod, o);
  return b;
}

describe('go build info', () => {
  it('finds and parses it in a Go ELF binary', () => {
    const bin = fakeGoBinary(
      'path\texample.com/app/cmd/app\nmod\texample.com/app\tv1.2.3\th1:x=\ndep\tgolang.org/x/sys\tv0.20.0\th1:y=\ndep\tgithub.com/a/b\tv1.0.0\th1:z=\n=>\tgithub.com/fork/b\tv1.0.1\th1:w=\nbuild\tGOARCH=amd64\nbuild\tGOOS=linux',
    );
    const seg = goDataSegment(bin.subarray(0, 4096));
    expect(seg).toEqual({ offset: 0x100000, size: 0x20000 });
    const info = parseGoBuildInfo(bin.subarray(seg!.offset, seg!.offset + seg!.size));
    expect(typeof info).toBe('object');
    if (typeof info === 'string') return;
    expect(info.goVersion).toBe('go1.22.4');
    const recs = goRecords(info, '/usr/local/bin/app');
    expect(recs.map((r) => [r.name, r.version])).toEqual([
      ['stdlib', 'go1.22.4'],
      ['example.com/app', 'v1.2.3'],
      ['golang.org/x/sys', 'v0.20.0'],
      ['github.com/a/b', 'v1.0.0'],
    ]);
    expect(recs[3]!.detail?.replacedBy).toBe('github.com/fork/b@v1.0.1');
    expect(recs[0]!.arch).toBe('amd64');
  });
  it('a C binary (no Go note) and garbage are not Go', () => {
    const bin = fakeGoBinary('x');
    bin[0x400 + 12] = 0x43; // "Co\0\0"
    expect(goDataSegment(bin.subarray(0, 4096))).toBeNull();
    expect(goDataSegment(new Uint8Array(4096).fill(0xff))).toBeNull();
    expect(parseGoBuildInfo(new Uint8Array(1000))).toMatch(/no build info/);
  });
  // Debian ships Go programs built by its Go toolchain (umoci, skopeo): a real binary, where installed.
  it.skipIf(!existsSync('/usr/bin/umoci'))('reads a real Go binary (Debian umoci)', () => {
    const bin = new Uint8Array(readFileSync('/usr/bin/umoci'));
    const seg = goDataSegment(bin.subarray(0, 4096));
    expect(seg).not.toBeNull();
    const info = parseGoBuildInfo(bin.subarray(seg!.offset, seg!.offset + seg!.size));
    expect(typeof info === 'object' && info.goVersion).toMatch(/^go1\.\d+/);
    expect(typeof info === 'object' && info.path).toMatch(/umoci/);
  });
});

describe('version order', () => {
  it('dpkg (deb-version(7))', () => {
    const ordered = ['1.0~rc1', '1.0', '1.0-1', '1.0-1+b1', '1.0a', '1.0.1', '1.10', '1:0.1', '2:0'];
    for (let i = 0; i + 1 < ordered.length; i++) expect(compareDebVersions(ordered[i]!, ordered[i + 1]!), `${ordered[i]} < ${ordered[i + 1]}`).toBeLessThan(0);
    expect(compareDebVersions('2.36-9+deb12u4', '2.36-9')).toBeGreaterThan(0);
    expect(compareDebVersions('1.0', '1.0')).toBe(0);
    expect(compareDebVersions('1.01', '1.1')).toBe(0);
  });
  it('generic (apk, rpm, semver)', () => {
    expect(compareGenericVersions('1.2.4-r2', '1.2.4-r0')).toBeGreaterThan(0);
    expect(compareGenericVersions('1.10.0', '1.9.9')).toBeGreaterThan(0);
    expect(compareGenericVersions('1.0~beta', '1.0')).toBeLessThan(0);
  });
});
