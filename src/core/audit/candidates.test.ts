/** Which file versions the audit reads, from names, types and sizes alone. */
import { describe, expect, it } from 'vitest';
import { layer } from '../model/union.testkit';
import { MAX_SECRET_FILE_BYTES, MIN_GO_BINARY_BYTES, secretStrength, selectCandidates } from './candidates';
import { Role } from './types';

describe('candidates', () => {
  it('package databases at their documented places, and only there', () => {
    const idx = layer([
      ['var/lib/dpkg/status', 'file', 100],
      ['var/lib/dpkg/status-old', 'file', 100],
      ['var/lib/dpkg/status.d/tzdata', 'file', 10],
      ['var/lib/dpkg/status.d/tzdata.md5sums', 'file', 10],
      ['var/lib/dpkg/info/bash.list', 'file', 10],
      ['var/lib/dpkg/info/bash.md5sums', 'file', 10],
      ['lib/apk/db/installed', 'file', 10],
      ['var/lib/rpm/rpmdb.sqlite', 'file', 10],
      ['usr/lib/sysimage/rpm/Packages', 'file', 10],
      ['srv/backup/var/lib/rpm/Packages', 'file', 10],
      ['usr/lib/python3.11/site-packages/six-1.16.0.dist-info/METADATA', 'file', 10],
      ['usr/lib/python3.11/site-packages/six-1.16.0.dist-info/RECORD', 'file', 10],
      ['usr/lib/python3/dist-packages/foo-1.0.egg-info', 'file', 10],
      ['app/node_modules/a/package.json', 'file', 10],
      ['app/node_modules/@s/b/package.json', 'file', 10],
      ['app/node_modules/a/lib/package.json', 'file', 10],
      ['app/node_modules/a/node_modules/c/package.json', 'file', 10],
      ['app/package.json', 'file', 10],
      ['var/lib/dpkg/status', 'dir'],
    ]);
    const roles = Object.fromEntries(selectCandidates(idx).map((c) => [c.path, c.roles]));
    expect(roles).toEqual({
      'var/lib/dpkg/status': Role.DpkgStatus,
      'var/lib/dpkg/status.d/tzdata': Role.DpkgStatusD,
      'var/lib/dpkg/info/bash.list': Role.DpkgList,
      'lib/apk/db/installed': Role.ApkInstalled,
      'var/lib/rpm/rpmdb.sqlite': Role.RpmSqlite,
      'usr/lib/sysimage/rpm/Packages': Role.RpmBdb,
      'srv/backup/var/lib/rpm/Packages': Role.Secret,
      'usr/lib/python3.11/site-packages/six-1.16.0.dist-info/METADATA': Role.PythonMetadata,
      'usr/lib/python3.11/site-packages/six-1.16.0.dist-info/RECORD': Role.PythonRecord,
      'usr/lib/python3/dist-packages/foo-1.0.egg-info': Role.PythonMetadata,
      'app/node_modules/a/package.json': Role.NpmPackage,
      'app/node_modules/@s/b/package.json': Role.NpmPackage,
      'app/node_modules/a/node_modules/c/package.json': Role.NpmPackage,
      'app/package.json': Role.Secret,
    });
  });

  it('secret candidates: credential names anywhere, text files outside the distribution trees', () => {
    const strong = [
      'root/.ssh/id_rsa',
      'home/u/.git-credentials',
      'root/.docker/config.json',
      'etc/ssl/private/server.key',
      'app/.env.production',
      'root/.kube/config',
      'app/.git/config',
      'root/.npm/.npmrc',
    ];
    const weak = ['app/settings.py', 'etc/myapp/config.yml', 'srv/run.sh', 'root/.bashrc', 'usr/local/bin/deploy', 'usr/src/app/index.js'];
    const none = [
      'usr/share/doc/x/README.md',
      'usr/lib/python3/x.py',
      'app/node_modules/x/index.js',
      'root/.ssh/known_hosts',
      'root/.ssh/id_rsa.pub',
      'app/logo.png',
      'var/cache/x.json',
      'app/.git/objects/ab/cdef',
    ];
    for (const p of strong) expect(secretStrength(p), p).toBe(2);
    for (const p of weak) expect(secretStrength(p), p).toBe(1);
    for (const p of none) expect(secretStrength(p), p).toBe(0);
  });

  it('sizes: weak candidates over the limit are skipped, strong ones kept (to be reported not scanned); Go binaries by size and mode', () => {
    const idx = layer([
      ['app/big.json', 'file', MAX_SECRET_FILE_BYTES + 1],
      ['root/.ssh/id_rsa', 'file', MAX_SECRET_FILE_BYTES + 1],
      ['usr/local/bin/app', 'file', MIN_GO_BINARY_BYTES, { mode: 0o755 }],
      ['usr/local/bin/small', 'file', 1000, { mode: 0o755 }],
      ['usr/lib/libbig.a', 'file', MIN_GO_BINARY_BYTES * 2],
    ]);
    const c = selectCandidates(idx);
    expect(c.map((x) => [x.path, x.roles, x.readBytes])).toEqual([
      ['root/.ssh/id_rsa', Role.Secret, 0],
      ['usr/local/bin/app', Role.GoBinary, 4096],
      ['usr/local/bin/small', Role.Secret, 1000],
    ]);
  });
});
