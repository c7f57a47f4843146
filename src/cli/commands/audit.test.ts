/**
 * `layerscope audit`, and the audit in `ci` and `inspect`, through `main()` with a
 * capturing io on images built by the tests: the JSON contract (README,
 * "layerscope audit --json"), redaction unless --show-secrets, terminal escaping
 * of names from the image, `ci` failing on secrets unless --allow-secrets.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apkRecord, buildImage, dpkgStanza, dpkgStatus, pseudoRandom } from '../../../test/helpers/auditImage';
import { runCli } from '../../../test/helpers/runCli';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'layerscope-audit-cli-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const run = (...argv: string[]) => runCli(argv);

const PW = pseudoRandom(16, 501);
const key = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;

async function image(opts: { secrets: boolean }): Promise<string> {
  const bytes = await buildImage({
    layers: [
      {
        createdBy: '/bin/sh -c #(nop) ADD file:abc in / ',
        files: [
          { path: 'var/lib/dpkg/status', data: dpkgStatus(dpkgStanza('base-files', '12.4'), dpkgStanza('libc6', '2.36-9', { size: 12000 })) },
          { path: 'lib/apk/db/installed', data: `${apkRecord('musl', '1.2.4-r2')}\n\n` },
        ],
      },
      {
        createdBy: '/bin/sh -c apt-get install -y curl',
        files: [
          {
            path: 'var/lib/dpkg/status',
            data: dpkgStatus(dpkgStanza('base-files', '12.4'), dpkgStanza('curl', '7.88.1'), dpkgStanza('libc6', '2.36-9+deb12u4', { size: 12000 })),
          },
          ...(opts.secrets
            ? [
                { path: 'root/.ssh/id_rsa', data: key },
                // A name that would drive the terminal if printed raw: ESC [2J clears the screen.
                { path: 'app/\u001b[2Jx/.env', data: `DB_PASSWORD=${PW}\n` },
              ]
            : []),
        ],
      },
      { createdBy: '/bin/sh -c rm /root/.ssh/id_rsa', files: opts.secrets ? [{ path: 'root/.ssh/.wh.id_rsa' }] : [{ path: 'tmp/x', data: 'x' }] },
    ],
  });
  const f = join(tmp, `img-${opts.secrets ? 's' : 'c'}.tar`);
  writeFileSync(f, bytes);
  return f;
}

describe('layerscope audit', () => {
  it('--json: the contract', async () => {
    const r = await run('audit', await image({ secrets: true }), '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    for (const p of j.packages) for (const k of ['ecosystem', 'name', 'version', 'layer', 'removedBy', 'size']) expect(p).toHaveProperty(k);
    expect(
      j.packages.map((p: { ecosystem: string; name: string; version: string; layer: number }) => `${p.ecosystem} ${p.name} ${p.version} ${p.layer}`),
    ).toEqual(['apk musl 1.2.4-r2 0', 'deb base-files 12.4 0', 'deb libc6 2.36-9+deb12u4 0', 'deb curl 7.88.1 1']);
    expect(j.packages[2].history.map((h: { action: string }) => h.action)).toEqual(['installed', 'upgraded']);
    expect(j.secrets).toHaveLength(2);
    for (const s of j.secrets) {
      for (const k of ['rule', 'source', 'path', 'layer', 'deletedBy', 'shipped', 'redacted']) expect(s).toHaveProperty(k);
      expect(s).not.toHaveProperty('value');
      expect(r.out).not.toContain(PW);
    }
    expect(j.secrets[0]).toMatchObject({
      source: 'file',
      path: '/root/.ssh/id_rsa',
      layer: 1,
      deletedBy: 2,
      shipped: true,
      headline: 'deleted in layer 2, still downloadable from layer 1',
    });
    expect(j.secrets[1]).toMatchObject({ source: 'file', path: '/app/\u001b[2Jx/.env', layer: 1, deletedBy: null, rule: 'layerscope/env-assignment' });
    for (const w of j.waste) for (const k of ['path', 'bytes', 'createdBy', 'hiddenBy', 'advice']) expect(w).toHaveProperty(k);
    expect(j.waste.find((w: { path: string }) => w.path === '/root/.ssh/id_rsa')).toMatchObject({ createdBy: 1, hiddenBy: 2 });
    // The raw ESC never reaches the terminal, even inside JSON.
    expect(r.out).not.toContain('\u001b');
  });

  it('--show-secrets prints the values; text output is escaped', async () => {
    const f = await image({ secrets: true });
    const shown = await run('audit', f, '--json', '--show-secrets');
    expect(JSON.parse(shown.out).secrets[1].value).toBe(PW);
    const text = await run('audit', f);
    expect(text.code).toBe(0);
    expect(text.out).not.toContain('\u001b');
    expect(text.out).toContain('/app/\\033[2Jx/.env');
    expect(text.out).toContain('deleted in layer 2, still downloadable from layer 1');
    expect(text.out).not.toContain(PW);
    expect(text.out).toMatch(/^\s+1\s+1\s+1\s+0\s+/m); // layer 1: 1 installed, 1 upgraded, 0 removed
    const textShown = await run('audit', f, '--show-secrets');
    expect(textShown.out).toContain(PW);
  });

  it('a gzip-compressed archive (.tar.gz) is read after the load too', async () => {
    const f = await image({ secrets: true });
    const gz = join(tmp, 'img.tar.gz');
    writeFileSync(gz, gzipSync(readFileSync(f)));
    const r = await run('audit', gz, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).secrets).toHaveLength(2);
  });
});

describe('the audit in ci and inspect', () => {
  it('ci fails on secret findings unless --allow-secrets', async () => {
    const withSecrets = await image({ secrets: true });
    const loose = ['--lowest-efficiency', '0', '--highest-user-wasted-percent', 'disabled'];
    const fail = await run('ci', withSecrets, ...loose);
    expect(fail.code).toBe(1);
    expect(fail.out).toMatch(/FAIL: noSecrets: 2 secret findings \(1 deleted but still shipped\)/);
    expect(fail.out).toMatch(/Result: FAIL/);
    expect(fail.out).not.toContain(PW);
    const allowed = await run('ci', withSecrets, ...loose, '--allow-secrets');
    expect(allowed.code).toBe(0);
    expect(allowed.out).toMatch(/SKIP: noSecrets/);
    const clean = await run('ci', await image({ secrets: false }), ...loose);
    expect(clean.code).toBe(0);
    expect(clean.out).toMatch(/PASS: noSecrets: no secret found/);
  });

  it('inspect prints the counts (and --no-audit skips them)', async () => {
    const f = await image({ secrets: true });
    const t = await run('inspect', f, '--no-verify');
    expect(t.out).toMatch(
      /^audit: 4 packages \(deb 3, apk 1\), 2 secret findings \(1 deleted but still shipped\), .* wasted in \d+ file versions? \(details: layerscope audit\)$/m,
    );
    const j = JSON.parse((await run('inspect', f, '--json', '--no-verify')).out);
    expect(j.audit).toMatchObject({ packages: 4, byEcosystem: { deb: 3, apk: 1 }, secrets: 2, secretsDeletedButShipped: 1 });
    const skipped = JSON.parse((await run('inspect', f, '--json', '--no-verify', '--no-audit')).out);
    expect(skipped.audit).toBeNull();
  });
});
