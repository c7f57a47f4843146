/**
 * The whole audit on images built here (real `docker save` archives made by the
 * engine's writers, opened by the engine) and on the real fixtures:
 *  - dpkg and apk databases across layers, with an upgrade and a removal;
 *  - a key added in one layer and `rm`-ed in a later one ("deleted in layer 3,
 *    still downloadable from layer 2"), credentials in Env and in a build arg;
 *  - the look-alikes (a certificate, a README that mentions passwords, a
 *    placeholder .env.example, AWS's documented example keys, GPG_KEY);
 *  - waste with its advice; damaged databases (a warning naming each while the
 *    others are read) and unreadable files ("not scanned", never clean);
 *  - every package name and version of the real fixtures equal to what
 *    dpkg-query / the apk database list (test/fixtures/expected-packages).
 */
import { generateKeyPairSync } from 'node:crypto';
import { openAsBlob, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { openImage } from '../session';
import { auditImage, inProcessAuditHost, type AuditHost } from './audit';
import { scanMetadata } from './secrets/scan';
import { selectCandidates } from './candidates';
import { auditLayerContents } from './layer';
import { ownerOfPath } from './packages';
import { apkRecord, buildImage, dpkgStanza, dpkgStatus, layerTar, openBuilt, pseudoRandom } from '../../../test/helpers/auditImage';
import type { AuditReport } from './types';

const FIX = join(__dirname, '../../../test/fixtures');
const rsaPem = () => generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;

const GH = `ghp_${pseudoRandom(36, 101)}`;
const NPM = `npm_${pseudoRandom(36, 102)}`;
const DBPW = pseudoRandom(18, 103);

async function debianLike(gzip = false) {
  const cert = `-----BEGIN CERTIFICATE-----\nMII${pseudoRandom(300, 104, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`;
  const key = rsaPem();
  const bytes = await buildImage({
    layers: [
      {
        createdBy: '/bin/sh -c #(nop) ADD file:0123abcd in / ',
        gzip,
        files: [
          {
            path: 'var/lib/dpkg/status',
            data: dpkgStatus(
              dpkgStanza('base-files', '12.4', { size: 300 }),
              dpkgStanza('libc6', '2.36-9', { size: 12000, extra: 'Multi-Arch: same' }),
              dpkgStanza('oldpkg', '1.0', { size: 50 }),
              dpkgStanza('tzdata', '2024a-0+deb12u1', { arch: 'all' }),
            ),
          },
          { path: 'var/lib/dpkg/info/base-files.list', data: '/.\n/etc\n/etc/os-release\n' },
          { path: 'var/lib/dpkg/info/libc6:amd64.list', data: '/.\n/usr\n/usr/lib/x86_64-linux-gnu/libc.so.6\n' },
          { path: 'var/lib/dpkg/info/oldpkg.list', data: '/.\n/usr/bin/oldtool\n' },
          { path: 'etc/os-release', data: 'NAME="Debian GNU/Linux"\n' },
          { path: 'usr/lib/x86_64-linux-gnu/libc.so.6', data: new Uint8Array(3000), mode: 0o755 },
          { path: 'usr/bin/oldtool', data: new Uint8Array(500), mode: 0o755 },
          { path: 'usr/share/doc/oldpkg/README', data: 'Set the password in /etc/oldpkg.conf\n' },
        ],
      },
      {
        createdBy: '/bin/sh -c apt-get update && apt-get install -y curl && apt-get upgrade -y && apt-get purge -y oldpkg',
        gzip,
        files: [
          {
            path: 'var/lib/dpkg/status',
            data: dpkgStatus(
              dpkgStanza('base-files', '12.4', { size: 300 }),
              dpkgStanza('curl', '7.88.1-10+deb12u5', { size: 500 }),
              dpkgStanza('libc6', '2.36-9+deb12u4', { size: 12100, extra: 'Multi-Arch: same' }),
              dpkgStanza('oldpkg', '1.0', { status: 'deinstall ok config-files' }),
              dpkgStanza('tzdata', '2024a-0+deb12u1', { arch: 'all' }),
            ),
          },
          { path: 'var/lib/dpkg/info/curl.list', data: '/.\n/usr/bin/curl\n' },
          { path: 'var/lib/dpkg/info/.wh.oldpkg.list' },
          { path: 'usr/bin/.wh.oldtool' },
          { path: 'usr/bin/curl', data: new Uint8Array(2000), mode: 0o755 },
          { path: 'usr/lib/x86_64-linux-gnu/libc.so.6', data: new Uint8Array(3100), mode: 0o755 },
          { path: 'var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages', data: new Uint8Array(40_000) },
        ],
      },
      {
        createdBy: 'COPY . /app # buildkit',
        gzip,
        files: [
          { path: 'root/.ssh/id_rsa', data: key, mode: 0o600 },
          { path: 'app/.env', data: `DB_HOST=db\nDB_PASSWORD=${DBPW}\n` },
          { path: 'app/.env.example', data: 'API_KEY=your-api-key-here\nDB_PASSWORD=changeme\n' },
          { path: 'app/README.md', data: '# app\n\nSet DB_PASSWORD=<your password> before starting. Never commit the password.\n' },
          { path: 'app/config.json', data: '{"aws_access_key_id":"AKIAIOSFODNN7EXAMPLE","aws_secret_access_key":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}' },
          { path: 'app/tls/cert.pem', data: cert },
        ],
      },
      {
        createdBy: '/bin/sh -c rm /root/.ssh/id_rsa && rm -rf /var/lib/apt/lists/*',
        gzip,
        files: [{ path: 'root/.ssh/.wh.id_rsa' }, { path: 'var/lib/apt/lists/.wh.deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages' }],
      },
      {
        createdBy: `RUN |1 NPM_TOKEN=${NPM} /bin/sh -c npm ci # buildkit`,
        gzip,
        files: [
          { path: 'app/node_modules/left-pad/package.json', data: '{"name":"left-pad","version":"1.3.0","license":"WTFPL"}' },
          { path: 'app/node_modules/left-pad/index.js', data: 'module.exports = x => x;\n' },
          { path: 'app/node_modules/@scope/util/package.json', data: '{"name":"@scope/util","version":"2.0.0"}' },
          { path: 'usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA', data: 'Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n\n' },
          {
            path: 'usr/lib/python3/dist-packages/requests-2.31.0.dist-info/RECORD',
            data: 'requests/__init__.py,sha256=x,4963\nrequests-2.31.0.dist-info/METADATA,,\n',
          },
          { path: 'usr/lib/python3/dist-packages/requests/__init__.py', data: new Uint8Array(4963) },
        ],
      },
    ],
    config: {
      config: {
        Env: ['PATH=/usr/local/bin:/usr/bin:/bin', `GITHUB_TOKEN=${GH}`, 'GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D', 'LANG=C.UTF-8'],
        Labels: { maintainer: 'team@example.org' },
      },
    },
    emptySteps: [{ after: 4, createdBy: '/bin/sh -c #(nop)  ENV LANG=C.UTF-8' }],
  });
  return { bytes, key };
}

const byName = (r: AuditReport, name: string) => r.packages.filter((p) => p.name === name);

describe('a Debian-like image built here', () => {
  for (const gzip of [false, true]) {
    it(`packages, secrets and waste (${gzip ? 'gzip' : 'uncompressed'} layers)`, async () => {
      const { bytes, key } = await debianLike(gzip);
      const img = await openBuilt(bytes);
      const r = await auditImage(img);

      // Packages: who installed, upgraded, removed what.
      const libc = byName(r, 'libc6');
      expect(libc).toHaveLength(1);
      expect(libc[0]).toMatchObject({ ecosystem: 'deb', version: '2.36-9+deb12u4', layer: 0, removedBy: null, size: 12100 * 1024, arch: 'amd64' });
      expect(libc[0]!.history.map((h) => [h.layer, h.action, h.version])).toEqual([
        [0, 'installed', '2.36-9'],
        [1, 'upgraded', '2.36-9+deb12u4'],
      ]);
      expect(byName(r, 'oldpkg')[0]).toMatchObject({ layer: 0, removedBy: 1, version: '1.0' });
      expect(byName(r, 'curl')[0]).toMatchObject({ layer: 1, removedBy: null, files: ['/usr/bin/curl'] });
      expect(byName(r, 'left-pad')[0]).toMatchObject({ ecosystem: 'npm', version: '1.3.0', layer: 4 });
      expect(byName(r, '@scope/util')[0]).toMatchObject({ ecosystem: 'npm', version: '2.0.0' });
      expect(byName(r, 'requests')[0]).toMatchObject({ ecosystem: 'python', version: '2.31.0', layer: 4, size: 4963 });
      expect(r.perLayer.map((s) => [s.installed, s.upgraded, s.removed])).toEqual([
        [4, 0, 0],
        [1, 1, 1],
        [0, 0, 0],
        [0, 0, 0],
        [3, 0, 0],
      ]);
      expect(r.perLayer[1]!.sizeDelta).toBe((500 + 100 - 50) * 1024);
      // Files say which package they are from.
      const byKey = new Map(r.packages.map((p) => [p.key, p]));
      expect(ownerOfPath(r.fileOwners, byKey, '/usr/lib/x86_64-linux-gnu/libc.so.6')?.name).toBe('libc6');
      expect(ownerOfPath(r.fileOwners, byKey, '/usr/bin/curl')?.name).toBe('curl');
      expect(ownerOfPath(r.fileOwners, byKey, '/app/node_modules/left-pad/index.js')?.name).toBe('left-pad');
      expect(ownerOfPath(r.fileOwners, byKey, '/usr/lib/python3/dist-packages/requests/__init__.py')?.name).toBe('requests');
      expect(ownerOfPath(r.fileOwners, byKey, '/usr/bin/oldtool')).toBeNull();

      // Secrets: the rm-ed key still ships; Env and build arg; nothing for the look-alikes.
      expect(r.secrets.map((s) => [s.source, s.path, s.rule])).toEqual([
        ['file', '/root/.ssh/id_rsa', 'secretlint/privatekey/PrivateKey'],
        ['file', '/app/.env', 'layerscope/env-assignment'],
        ['history', 'history[4]', 'secretlint/npm/NPM_ACCESS_TOKEN'],
        ['config', 'Env:GITHUB_TOKEN', 'secretlint/github/GITHUB_TOKEN'],
      ]);
      const [idRsa, env, buildArg, gh] = r.secrets as [
        (typeof r.secrets)[number],
        (typeof r.secrets)[number],
        (typeof r.secrets)[number],
        (typeof r.secrets)[number],
      ];
      expect(idRsa).toMatchObject({
        layer: 2,
        layers: [2],
        deletedBy: 3,
        visible: false,
        shipped: true,
        headline: 'deleted in layer 3, still downloadable from layer 2',
      });
      expect(idRsa.value).toBe(key.slice(0, key.lastIndexOf('-----') + 5));
      expect(idRsa.redacted).toMatch(/^-----BEGIN RSA PRIVATE KEY-----…\(\d+ chars\)$/);
      expect(env).toMatchObject({ layer: 2, deletedBy: null, visible: true, value: DBPW, line: 2, headline: null });
      expect(buildArg).toMatchObject({ layer: 4, value: NPM });
      expect(gh).toMatchObject({ layer: null, value: GH, redacted: `${GH.slice(0, 6)}…(40 chars)` });
      for (const s of r.secrets) expect(s.redacted).not.toContain(s.value);

      // Waste: the rm-ed key and the apt lists, with their advice.
      const keyWaste = r.waste.find((w) => w.path === '/root/.ssh/id_rsa')!;
      expect(keyWaste).toMatchObject({ createdBy: 2, hiddenBy: 3, cause: 'deleted' });
      expect(keyWaste.advice).toMatch(/\.dockerignore|multi-stage/);
      const lists = r.waste.find((w) => w.path.startsWith('/var/lib/apt/lists/'))!;
      expect(lists).toMatchObject({ bytes: 40_000, createdBy: 1, hiddenBy: 3 });
      expect(lists.advice).toMatch(/rm -rf \/var\/lib\/apt\/lists/);
      expect(r.waste.find((w) => w.path === '/usr/lib/x86_64-linux-gnu/libc.so.6')).toMatchObject({
        bytes: 3000,
        createdBy: 0,
        hiddenBy: 1,
        cause: 'overwritten',
      });
      expect(r.waste.find((w) => w.path === '/usr/bin/oldtool')!.advice).toMatch(/base image/);
      expect(r.wasteGroups[0]).toMatchObject({ dir: '/var/lib/apt/lists', files: 1, bytes: 40_000 });

      expect(r.notScanned).toEqual([]);
      expect(r.warnings).toEqual([]);
    });
  }
});

describe("the page's way to run it", () => {
  it('the metadata scanned by the host (a worker), the join yielding to the page: the same report', async () => {
    const { bytes } = await debianLike(true);
    const img = await openBuilt(bytes);
    const inThread = await auditImage(img);
    const inProcess = inProcessAuditHost(2);
    const inputs: unknown[] = [];
    let yields = 0;
    const order: string[] = [];
    const host: AuditHost = {
      concurrency: 2,
      auditLayer: async (...a) => {
        const r = await inProcess.auditLayer(...a);
        order.push(`layer ${a[2]}`);
        return r;
      },
      // as the worker pool does: the input is posted (structured clone), scanned there
      scanMetadata: async (input) => {
        inputs.push(input);
        order.push('metadata');
        return scanMetadata(structuredClone(input));
      },
    };
    const paged = await auditImage(img, {
      host,
      yieldToHost: async () => {
        yields++;
        await new Promise((r) => setTimeout(r, 0));
      },
    });
    expect(inputs).toHaveLength(1);
    // asked for beside the layers, not after the last of them (in the page it would wait for a worker)
    expect(order[0]).toBe('metadata');
    // layer 3 holds only whiteouts: nothing in it to read
    expect(order.slice(1)).toEqual(expect.arrayContaining(['layer 0', 'layer 1', 'layer 2', 'layer 4']));
    expect(paged).toEqual(inThread);
    // between the join's steps at least (scanMetadata, packageHistory, fileOwnersOf, findings)
    expect(yields).toBeGreaterThanOrEqual(4);
  });
});

describe('an Alpine-like image built here', () => {
  it('apk database across layers: upgrade, removal, install, file owners', async () => {
    const db0 = [
      apkRecord('musl', '1.2.4-r0', ['lib/ld-musl-x86_64.so.1'], 600_000),
      apkRecord('busybox', '1.36.1-r2', ['bin/busybox']),
      apkRecord('zlib', '1.2.13-r1', ['lib/libz.so.1']),
    ].join('\n\n');
    const db1 = [
      apkRecord('musl', '1.2.4-r2', ['lib/ld-musl-x86_64.so.1'], 610_000),
      apkRecord('busybox', '1.36.1-r2', ['bin/busybox']),
      apkRecord('curl', '8.5.0-r0', ['usr/bin/curl']),
    ].join('\n\n');
    const bytes = await buildImage({
      layers: [
        { createdBy: '/bin/sh -c #(nop) ADD file:aaaa in / ', files: [{ path: 'lib/apk/db/installed', data: `${db0}\n\n` }] },
        { createdBy: '/bin/sh -c apk upgrade && apk del zlib && apk add curl', files: [{ path: 'lib/apk/db/installed', data: `${db1}\n\n` }] },
      ],
    });
    const r = await auditImage(await openBuilt(bytes));
    expect(r.packages.map((p) => [p.name, p.version, p.layer, p.removedBy])).toEqual([
      ['busybox', '1.36.1-r2', 0, null],
      ['musl', '1.2.4-r2', 0, null],
      ['zlib', '1.2.13-r1', 0, 1],
      ['curl', '8.5.0-r0', 1, null],
    ]);
    expect(byName(r, 'musl')[0]!.history.map((h) => h.action)).toEqual(['installed', 'upgraded']);
    expect(r.perLayer[1]).toMatchObject({ installed: 1, upgraded: 1, removed: 1, sizeDelta: 4096 + 10_000 - 4096 });
    expect(r.fileOwners.get('/usr/bin/curl')).toBe('apk:curl');
    expect(r.fileOwners.get('/lib/libz.so.1')).toBeUndefined();
  });

  it("a package's own config file is its default, not a credential; the same file rewritten by a later step is checked", async () => {
    const db = [apkRecord('myd', '1.0-r0', ['etc/myd/myd.conf'])].join('\n\n');
    const conf = (pw: string) => `[server]\nadmin_password = ${pw}\nprivate_key = /etc/myd/key.pem\n`;
    const pw = pseudoRandom(14, 300);
    const bytes = await buildImage({
      layers: [
        {
          createdBy: 'apk add myd',
          files: [
            { path: 'lib/apk/db/installed', data: `${db}\n\n` },
            { path: 'etc/myd/myd.conf', data: conf('Sh1pp3dDefault') },
          ],
        },
        { createdBy: 'COPY myd.conf /etc/myd/myd.conf', files: [{ path: 'etc/myd/myd.conf', data: conf(pw) }] },
      ],
    });
    const r = await auditImage(await openBuilt(bytes));
    expect(r.secrets.map((s) => [s.path, s.layers, s.value])).toEqual([['/etc/myd/myd.conf', [1], pw]]);
  });

  it('distroless: one status.d file per package, a package removed by a whiteout', async () => {
    const bytes = await buildImage({
      layers: [
        {
          createdBy: 'bazel build',
          files: [
            { path: 'var/lib/dpkg/status.d/base-files', data: 'Package: base-files\nVersion: 12.4+deb12u5\nArchitecture: amd64\nInstalled-Size: 340\n' },
            { path: 'var/lib/dpkg/status.d/base-files.md5sums', data: 'abc  etc/os-release\n' },
            { path: 'var/lib/dpkg/status.d/tzdata', data: 'Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n' },
          ],
        },
        { createdBy: 'rm tzdata', files: [{ path: 'var/lib/dpkg/status.d/.wh.tzdata' }] },
      ],
    });
    const r = await auditImage(await openBuilt(bytes));
    expect(r.packages.map((p) => [p.name, p.version, p.removedBy])).toEqual([
      ['base-files', '12.4+deb12u5', null],
      ['tzdata', '2024a-0+deb12u1', 1],
    ]);
  });
});

describe('an rpm-based image built here (databases made by rpm 4.18 itself)', () => {
  // test/fixtures/rpmdb (scripts/make-rpmdb-fixtures.sh): the database after `rpm -i` of hello
  // and tinylib, and upgraded/: the same database after rpm upgraded hello, erased tinylib and
  // installed newtool. Each expected.tsv is `rpm --dbpath … -qa` over it: the oracle here.
  const RPM = join(FIX, 'rpmdb');
  const qa = (dir: string) =>
    readFileSync(join(dir, 'expected.tsv'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => {
        const [name, version, arch, size] = l.split('\t') as [string, string, string, string];
        return { name, version, arch, size: Number(size) };
      });
  const layersQa = [qa(RPM), qa(join(RPM, 'upgraded'))];
  // The files each package lists (the .spec files' %files), as the step's layer ships them.
  const filesOf = (name: string) => [
    { path: `usr/bin/${name}`, data: '#!/bin/sh\n', mode: 0o755 },
    { path: `usr/share/${name}/README`, data: `${name}\n` },
  ];

  for (const [db, at, gzip] of [
    ['rpmdb.sqlite', 'usr/lib/sysimage/rpm/rpmdb.sqlite', true], // rpm ≥ 4.16: Fedora 33+, RHEL/UBI 9
    ['Packages', 'var/lib/rpm/Packages', false], // Berkeley DB: RHEL ≤ 8, CentOS 7
  ] as const) {
    it(`/${at} across two layers: the history per layer equals rpm -qa of each layer's database`, async () => {
      const [before, after] = layersQa as [ReturnType<typeof qa>, ReturnType<typeof qa>];
      const inAfter = new Map(after.map((p) => [p.name, p]));
      const inBefore = new Map(before.map((p) => [p.name, p]));
      const changed = after.filter((p) => inBefore.get(p.name)?.version !== p.version);
      const removed = before.filter((p) => !inAfter.has(p.name));
      // the fixture is what this test is about: an upgrade, a removal and an install
      expect(changed.some((p) => inBefore.has(p.name))).toBe(true);
      expect(changed.some((p) => !inBefore.has(p.name))).toBe(true);
      expect(removed.length).toBeGreaterThan(0);
      const img = await openBuilt(
        await buildImage({
          layers: [
            {
              createdBy: '/bin/sh -c #(nop) ADD file:5a3c9d0e1f in / ',
              gzip,
              files: [{ path: at, data: new Uint8Array(readFileSync(join(RPM, db))) }, ...before.flatMap((p) => filesOf(p.name))],
            },
            {
              createdBy: '/bin/sh -c dnf upgrade -y hello && dnf remove -y tinylib && dnf install -y newtool && dnf clean all',
              gzip,
              files: [
                { path: at, data: new Uint8Array(readFileSync(join(RPM, 'upgraded', db))) },
                ...changed.flatMap((p) => filesOf(p.name)),
                ...removed.flatMap((p) => [{ path: `usr/bin/.wh.${p.name}` }, { path: `usr/share/.wh.${p.name}` }]),
              ],
            },
          ],
        }),
      );
      const r = await auditImage(img);
      expect(r.warnings).toEqual([]);
      expect(r.notScanned).toEqual([]);
      expect(r.databases).toEqual([
        { path: `/${at}`, layer: 0, ecosystem: 'rpm', packages: before.length },
        { path: `/${at}`, layer: 1, ecosystem: 'rpm', packages: after.length },
      ]);

      // What the history says is installed as of each layer: the last event at or below it.
      const asOf = (L: number) =>
        r.packages
          .flatMap((p) => {
            const last = p.history.filter((h) => h.layer <= L).at(-1);
            if (!last || last.action === 'removed') return [];
            return [{ name: p.name, version: last.version, arch: p.arch }];
          })
          .sort((a, b) => (a.name < b.name ? -1 : 1));
      for (const L of [0, 1]) expect(asOf(L), `layer ${L}`).toEqual(layersQa[L]!.map(({ name, version, arch }) => ({ name, version, arch })));
      // Sizes as rpm records them (%{SIZE}), for the packages of the final image.
      expect(r.packages.filter((p) => p.removedBy === null).map((p) => [p.name, p.size])).toEqual(after.map((p) => [p.name, p.size]));

      // Which step did what, by package.
      for (const p of before)
        expect(r.packages.find((x) => x.name === p.name)!.history[0], p.name).toEqual({ layer: 0, action: 'installed', version: p.version });
      for (const p of changed) {
        const h = r.packages.find((x) => x.name === p.name)!.history;
        const was = inBefore.get(p.name);
        expect(h.at(-1), p.name).toEqual(
          was ? { layer: 1, action: 'upgraded', version: p.version, from: was.version } : { layer: 1, action: 'installed', version: p.version },
        );
      }
      for (const p of removed)
        expect(
          r.packages.find((x) => x.name === p.name),
          p.name,
        ).toMatchObject({ layer: 0, removedBy: 1 });
      expect(r.perLayer.map((s) => [s.installed, s.upgraded, s.removed])).toEqual([
        [before.length, 0, 0],
        [changed.filter((p) => !inBefore.has(p.name)).length, changed.filter((p) => inBefore.has(p.name)).length, removed.length],
      ]);

      // The files the database lists say which package they are from; a removed package owns nothing.
      const byKey = new Map(r.packages.map((p) => [p.key, p]));
      for (const p of after) {
        expect(ownerOfPath(r.fileOwners, byKey, `/usr/bin/${p.name}`)?.name).toBe(p.name);
        expect(ownerOfPath(r.fileOwners, byKey, `/usr/share/${p.name}/README`)?.name).toBe(p.name);
      }
      for (const p of removed) expect(ownerOfPath(r.fileOwners, byKey, `/usr/bin/${p.name}`)).toBeNull();
    });
  }
});

describe('bad input', () => {
  it('a damaged database is a warning naming it; the others are still read', async () => {
    const whole = dpkgStatus(dpkgStanza('a', '1'), dpkgStanza('b', '2'));
    const bytes = await buildImage({
      layers: [
        {
          createdBy: 'x',
          files: [
            { path: 'var/lib/dpkg/status', data: `${whole}\nPackage: c\nStatus: install ok installed\nVers` },
            { path: 'lib/apk/db/installed', data: `${apkRecord('musl', '1.2.4-r2')}\n\n` },
            { path: 'var/lib/rpm/rpmdb.sqlite', data: 'SQLite format 3\u0000 but then nothing sensible follows' },
            { path: 'var/lib/rpm/Packages.db', data: new Uint8Array(64) },
          ],
        },
      ],
    });
    const r = await auditImage(await openBuilt(bytes));
    expect(r.packages.map((p) => p.name).sort()).toEqual(['a', 'b', 'musl']);
    const w = r.warnings.map((x) => [x.code, x.path]);
    expect(w).toContainEqual(['PACKAGE_DB_CORRUPT', '/var/lib/dpkg/status']);
    expect(w).toContainEqual(['PACKAGE_DB_CORRUPT', '/var/lib/rpm/rpmdb.sqlite']);
    expect(w).toContainEqual(['PACKAGE_DB_NOT_READ', '/var/lib/rpm/Packages.db']);
    expect(r.warnings.find((x) => x.path === '/var/lib/dpkg/status')!.message).toMatch(/layer 0 is damaged .*2 packages/);
  });

  it('a file that cannot be read is "not scanned", never clean', async () => {
    const tar = layerTar([
      { path: 'app/.env', data: `DB_PASSWORD=${DBPW}\n` },
      { path: 'root/.netrc', data: `machine x login y password ${DBPW}\n` },
    ]);
    const img = await openBuilt(
      await buildImage({
        layers: [
          {
            createdBy: 'x',
            files: [
              { path: 'app/.env', data: `DB_PASSWORD=${DBPW}\n` },
              { path: 'root/.netrc', data: 'x' },
            ],
          },
        ],
      }),
    );
    const idx = img.layers[0]!;
    const cands = selectCandidates(idx);
    expect(cands.map((c) => c.path)).toEqual(['app/.env', 'root/.netrc']);
    // The layer's bytes end before the second file's data (a layer cut short after it was indexed).
    const cut = new Blob([tar.slice(0, cands[1]!.dataOffset - 10)]);
    const res = await auditLayerContents(cut, 'none', 0, cands);
    expect(res.secrets.map((s) => s.path)).toEqual(['/app/.env']);
    expect(res.notScanned).toEqual([{ path: '/root/.netrc', layer: 0, reason: expect.stringMatching(/ends before/) }]);
    // A compressed layer whose data turns to garbage: everything from there on is not scanned.
    const gz = new Uint8Array(gzipSync(tar));
    gz.fill(0x55, 20, gz.length - 8);
    const bad = await auditLayerContents(new Blob([gz]), 'gzip', 0, cands);
    expect(bad.notScanned.map((n) => n.path)).toEqual(['/app/.env', '/root/.netrc']);
    expect(bad.secrets).toEqual([]);
  });

  it('a layer that failed to read is reported, not silently clean', async () => {
    const bytes = await buildImage({ layers: [{ createdBy: 'x', gzip: true, files: [{ path: 'app/.env', data: `DB_PASSWORD=${DBPW}\n` }] }] });
    const img = await openBuilt(bytes);
    const broken = { ...img, layers: [null], layerErrors: ['layer 0: corrupt gzip data'] };
    const r = await auditImage(broken);
    expect(r.warnings.map((w) => w.code)).toEqual(['LAYER_NOT_AUDITED']);
    expect(r.notScanned).toHaveLength(1);
    expect(r.secrets).toEqual([]);
  });
});

describe('one blob listed many times (issue 9, point 6)', () => {
  /** The in-process host, counting the layers it is asked to read. */
  const countingHost = () => {
    const inner = inProcessAuditHost(2);
    const host: AuditHost & { layers: number[] } = {
      concurrency: inner.concurrency,
      layers: [],
      auditLayer: (blob, compression, layer, candidates, o) => {
        host.layers.push(layer);
        return inner.auditLayer(blob, compression, layer, candidates, o);
      },
    };
    return host;
  };

  it('is read and examined once; every position reports what auditing it on its own reports', async () => {
    const COPIES = 6;
    // A secret, a damaged database (a warning naming its layer), an unsupported one
    // (a warning and "not scanned"), a binary credential file (not scanned).
    const files = [
      { path: 'app/.env', data: `DB_PASSWORD=${DBPW}\n` },
      { path: 'var/lib/dpkg/status', data: `${dpkgStatus(dpkgStanza('a', '1'))}\nPackage: b\nStatus: install ok installed\nVers` },
      { path: 'var/lib/rpm/Packages.db', data: new Uint8Array(64) },
      { path: 'root/.netrc', data: new Uint8Array([0, 1, 2, 0, 0, 3, 0, 4]) },
    ];
    for (const gzip of [false, true]) {
      // The same bytes stored COPIES times (distinct blobs: each position is audited on its own)...
      const separate = await openBuilt(await buildImage({ layers: Array.from({ length: COPIES }, () => ({ createdBy: 'COPY . /', gzip, files })) }));
      expect(new Set(separate.image.layers.map((l) => l.blob.offset)).size).toBe(COPIES);
      // ...and one blob that the manifest lists COPIES times (what session.ts gives: one index for all).
      const first = separate.image.layers[0]!;
      const listed = {
        ...separate,
        image: { ...separate.image, layers: separate.image.layers.map((l) => ({ ...l, blob: first.blob, digest: first.digest })) },
        layers: separate.layers.map(() => separate.layers[0]!),
      };
      const a = countingHost();
      const b = countingHost();
      const ra = await auditImage(separate, { host: a });
      const rb = await auditImage(listed, { host: b });
      expect(a.layers.sort()).toEqual([...Array(COPIES).keys()]);
      expect(b.layers).toEqual([0]);
      // the findings name every layer, as each layer's own audit did
      expect(ra.secrets.map((x) => x.layers)).toEqual([[0, 1, 2, 3, 4, 5]]);
      expect(ra.warnings.filter((w) => w.code === 'PACKAGE_DB_CORRUPT').map((w) => w.message)).toEqual(
        [...Array(COPIES).keys()].map((L) => expect.stringContaining(`/var/lib/dpkg/status in layer ${L} is damaged`)),
      );
      expect(ra.notScanned.length).toBeGreaterThanOrEqual(2 * COPIES);
      const { stats: sa, ...restA } = ra;
      const { stats: sb, ...restB } = rb;
      expect(restB).toEqual(restA);
      expect(sb.candidates).toBe(sa.candidates);
      // the bytes were read once
      expect(sb.filesRead * COPIES).toBe(sa.filesRead);
      expect(sb.bytesRead * COPIES).toBe(sa.bytesRead);
    }
  });

  it('a copy of a layer whose audit failed is reported as not audited too', async () => {
    const img = await openBuilt(await buildImage({ layers: [{ createdBy: 'x', files: [{ path: 'app/.env', data: `DB_PASSWORD=${DBPW}\n` }] }] }));
    const ref = img.image.layers[0]!;
    const listed = {
      ...img,
      image: { ...img.image, layers: [ref, { ...ref, index: 1 }, { ...ref, index: 2 }] },
      layers: [img.layers[0]!, img.layers[0]!, img.layers[0]!],
    };
    let calls = 0;
    const host: AuditHost = {
      concurrency: 1,
      auditLayer: async () => {
        calls++;
        throw new Error('the worker went away');
      },
    };
    const r = await auditImage(listed, { host });
    expect(calls).toBe(1);
    expect(r.warnings.map((w) => [w.code, w.layer, w.message])).toEqual(
      [0, 1, 2].map((L) => ['LAYER_NOT_AUDITED', L, `layer ${L}: its files could not be audited (the worker went away)`]),
    );
    expect(r.notScanned.map((n) => [n.path, n.layer])).toEqual([
      ['/app/.env', 0],
      ['/app/.env', 1],
      ['/app/.env', 2],
    ]);
    expect(r.secrets).toEqual([]);
  });
});

describe('real fixtures', () => {
  const expectedDir = join(FIX, 'expected-packages');
  const withList = new Set(
    readdirSync(expectedDir)
      .filter((f) => f.endsWith('.tsv'))
      .map((f) => f.replace(/\.tsv$/, '')),
  );
  for (const f of readdirSync(join(FIX, 'images')).filter((x) => x.endsWith('.tar'))) {
    const name = f.replace(/\.tar$/, '');
    it(`${name}: packages equal the reference list`, async () => {
      const img = await openImage(await openAsBlob(join(FIX, 'images', f)));
      const r = await auditImage(img);
      const ours = r.packages
        .filter((p) => p.removedBy === null && (p.ecosystem === 'deb' || p.ecosystem === 'apk'))
        .map((p) => `${p.ecosystem}\t${p.name}\t${p.version}`)
        .sort();
      const ref = withList.has(name)
        ? readFileSync(join(expectedDir, `${name}.tsv`), 'utf8')
            .split('\n')
            .filter(Boolean)
        : [];
      expect(ours).toEqual([...ref].sort());
      expect(r.warnings.filter((w) => w.code.startsWith('PACKAGE_DB'))).toEqual([]);
    });
  }
});
