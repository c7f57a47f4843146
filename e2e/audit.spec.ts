/**
 * The audit in the page (issue 12), on an image built here with the engine's
 * writers: the package list (per-layer counts, search, sort by size, a
 * package's history, "from package X" in the file details), a secret finding
 * deleted by a later layer (redacted until clicked, never in the URL; "Show in
 * layer N" opens that layer with the file selected), the treemap (a directory
 * opens, a file is revealed in the tree) and the advice list.
 */
import { expect, test, type Page } from '@playwright/test';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { writeDockerArchive } from '../src/core/write/dockerArchive';
import { apkRecord, buildImage, dpkgStanza, dpkgStatus, layerTar, pseudoRandom } from '../test/helpers/auditImage';

const tmp = mkdtempSync(join(tmpdir(), 'layerscope-e2e-audit-'));
test.afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const PW = pseudoRandom(18, 900);
const key = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;

async function image(): Promise<string> {
  const bytes = await buildImage({
    layers: [
      {
        createdBy: '/bin/sh -c #(nop) ADD file:0123abcd in / ',
        files: [
          { path: 'var/lib/dpkg/status', data: dpkgStatus(dpkgStanza('base-files', '12.4', { size: 300 }), dpkgStanza('libc6', '2.36-9', { size: 12000 })) },
          { path: 'var/lib/dpkg/info/libc6:amd64.list', data: '/.\n/usr\n/usr/lib/libc.so.6\n' },
          { path: 'usr/lib/libc.so.6', data: new Uint8Array(300_000), mode: 0o755 },
          { path: 'usr/share/doc/big.txt', data: new Uint8Array(200_000) },
        ],
      },
      {
        createdBy: '/bin/sh -c apt-get install -y curl',
        files: [
          {
            path: 'var/lib/dpkg/status',
            data: dpkgStatus(
              dpkgStanza('base-files', '12.4', { size: 300 }),
              dpkgStanza('curl', '7.88.1', { size: 900 }),
              dpkgStanza('libc6', '2.36-9+deb12u4', { size: 12000 }),
            ),
          },
          { path: 'var/lib/dpkg/info/curl.list', data: '/.\n/usr/bin/curl\n' },
          { path: 'usr/bin/curl', data: new Uint8Array(100_000), mode: 0o755 },
          { path: 'var/lib/apt/lists/deb.debian.org_Packages', data: new Uint8Array(400_000) },
        ],
      },
      {
        createdBy: 'COPY id_rsa /root/.ssh/id_rsa # buildkit',
        files: [
          { path: 'root/.ssh/id_rsa', data: key, mode: 0o600 },
          { path: 'app/.env', data: `DB_PASSWORD=${PW}\n` },
        ],
      },
      {
        createdBy: '/bin/sh -c rm /root/.ssh/id_rsa && rm -rf /var/lib/apt/lists/*',
        files: [{ path: 'root/.ssh/.wh.id_rsa' }, { path: 'var/lib/apt/lists/.wh.deb.debian.org_Packages' }],
      },
    ],
  });
  const f = join(tmp, 'audit.tar');
  writeFileSync(f, bytes);
  return f;
}

async function openAudit(page: Page) {
  await page.goto('./');
  await page.getByTestId('file-input').setInputFiles(await image());
  await expect(page.locator('[data-state]').first()).toHaveAttribute('data-state', 'ready');
  await page.getByTestId('tab-audit').click();
  await expect(page.getByTestId('audit-panel')).toHaveAttribute('data-state', 'done');
}

const selectedRow = (page: Page) => page.locator('[data-testid="tree-row"][aria-selected="true"]');

test('the package list: per-layer counts, search, sort by size, history, and "from package" in the details', async ({ page }) => {
  await openAudit(page);
  const summary = page.getByTestId('audit-layer-summary');
  await expect(summary.locator('li[data-layer="0"]')).toContainText('installed 2 packages');
  await expect(summary.locator('li[data-layer="1"]')).toContainText('installed 1 package, upgraded 1');
  await expect(summary.locator('li[data-layer="1"]')).toContainText('+922 kB');
  const rows = page.getByTestId('package-row');
  await expect(rows).toHaveCount(3);
  await page.getByTestId('package-sort').selectOption('size');
  await expect(rows.first()).toHaveAttribute('data-name', 'libc6');
  await page.getByTestId('package-search').fill('cur');
  await expect(rows).toHaveCount(1);
  await rows.first().click();
  const detail = page.getByTestId('package-detail');
  await expect(detail).toContainText('curl');
  await expect(detail).toContainText('installed');
  await page.getByTestId('package-search').fill('libc');
  await rows.first().click();
  await expect(page.getByTestId('package-detail')).toContainText('2.36-9 → 2.36-9+deb12u4');
  await page.getByTestId('package-reveal').click();
  await expect(selectedRow(page)).toHaveAttribute('data-path', '/usr/lib/libc.so.6');
  await page.getByTestId('tab-details').click();
  await expect(page.getByTestId('file-package')).toContainText('libc6');
  // The layer details say what its step did to the packages.
  await page.locator('[data-testid="layer"][data-index="1"]').click();
  await page.getByTestId('tab-layer').click();
  await expect(page.getByTestId('layer-audit')).toContainText('This step installed 1 package, upgraded 1, +922 kB installed size.');
});

test('a secret deleted by a later layer: redacted until asked, never in the URL, revealed in the layer that added it', async ({ page }) => {
  await openAudit(page);
  await page.getByTestId('audit-tab-secrets').click();
  const findings = page.getByTestId('secret-finding');
  await expect(findings).toHaveCount(2);
  const key = page.locator('[data-testid="secret-finding"][data-path="/root/.ssh/id_rsa"]');
  await expect(key.getByTestId('secret-headline')).toHaveText('deleted in layer 3, still downloadable from layer 2');
  const env = page.locator('[data-testid="secret-finding"][data-path="/app/.env"]');
  await expect(env.getByTestId('secret-redacted')).toContainText('(18 chars)');
  await expect(page.locator('body')).not.toContainText(PW);
  await env.getByTestId('secret-show').click();
  await expect(env.getByTestId('secret-value')).toHaveText(PW);
  expect(page.url()).not.toContain(PW);
  await env.getByTestId('secret-show').click();
  await expect(page.locator('body')).not.toContainText(PW);
  await key.getByTestId('secret-reveal-layer').click();
  await expect(page.locator('[data-testid="layer"][data-index="2"]')).toHaveAttribute('aria-selected', 'true');
  await expect(selectedRow(page)).toHaveAttribute('data-path', '/root/.ssh/id_rsa');
  expect(decodeURIComponent(page.url())).not.toContain(PW);
});

test('the treemap: sized by bytes, hidden bytes as their own cells, a folder opens, a file is revealed in the tree', async ({ page }) => {
  await openAudit(page);
  await page.getByTestId('audit-tab-space').click();
  const map = page.getByTestId('treemap');
  await expect(map).toBeVisible();
  await expect(map.locator('[data-kind="hidden"]').first()).toBeAttached();
  // A folder's own area is its title strip (its children cover the rest).
  await map.locator('[data-testid="treemap-cell"][data-path="/usr"]').click({ position: { x: 4, y: 4 } });
  await expect(page.getByRole('navigation', { name: 'Treemap folder' })).toContainText('usr');
  await map.locator('[data-testid="treemap-cell"][data-path="/usr/lib/libc.so.6"]').click();
  await expect(selectedRow(page)).toHaveAttribute('data-path', '/usr/lib/libc.so.6');
  await page.getByTestId('audit-tab-advice').click();
  const groups = page.getByTestId('advice-group');
  await expect(groups.first()).toContainText('/var/lib/apt/lists');
  await expect(groups.first()).toContainText('rm -rf /var/lib/apt/lists/*');
});

test('bad input: a damaged database is a warning naming it while the others are read; an unreadable file is "not scanned", never clean', async ({ page }) => {
  const top = new Uint8Array(
    gzipSync(
      layerTar([
        // cut short in this first file: what lies after the damage (the .env) cannot be read
        { path: 'app/blob', data: Uint8Array.from(pseudoRandom(200_000, 3), (c) => c.charCodeAt(0)) },
        { path: 'app/.env', data: `API_TOKEN=${pseudoRandom(24, 7)}\n` },
      ]),
    ),
  );
  const bytes = await writeDockerArchive({
    layers: [
      {
        tar: layerTar([
          // cut off in the middle of a stanza
          { path: 'var/lib/dpkg/status', data: `${dpkgStatus(dpkgStanza('base-files', '12.4'))}\nPackage: libc6\nStatus: install ok installed\nVers` },
          { path: 'lib/apk/db/installed', data: `${apkRecord('musl', '1.2.4-r2')}\n\n` },
        ]),
      },
      // a gzip layer cut short: its files cannot be read
      { tar: top.subarray(0, Math.floor(top.length / 2)) },
    ],
    config: { architecture: 'amd64', os: 'linux', config: {} },
    history: [{ created_by: 'ADD rootfs' }, { created_by: 'COPY . /app' }],
    repoTag: 'layerscope/audit-bad:1',
  });
  const f = join(tmp, 'bad.tar');
  writeFileSync(f, bytes);
  await page.goto('./');
  await page.getByTestId('file-input').setInputFiles(f);
  await expect(page.locator('[data-state]').first()).toHaveAttribute('data-state', 'ready');
  await page.getByTestId('tab-audit').click();
  await expect(page.getByTestId('audit-panel')).toHaveAttribute('data-state', 'done');
  // both databases' packages listed, the damaged one's before the damage
  await expect(page.locator('[data-testid="package-row"][data-name="musl"]')).toHaveCount(1);
  await expect(page.locator('[data-testid="package-row"][data-name="base-files"]')).toHaveCount(1);
  const problems = page.getByTestId('audit-problems');
  await problems.locator('summary').click();
  await expect(problems).toContainText('/var/lib/dpkg/status');
  await expect(problems).toContainText('damaged');
  await page.getByTestId('audit-tab-secrets').click();
  await expect(page.getByTestId('audit-problems')).toContainText('not scanned');
  await expect(page.getByTestId('secrets-empty')).toContainText('not known to be clean');
});
