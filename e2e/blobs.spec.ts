/**
 * The blobs behind the image and the previews a binary-heavy image needs, on an
 * archive the test writes itself (a gzip layer and a plain one): an ELF's
 * summary (checked against readelf's reading of the same binary), a `.gz`
 * file's decompressed text, "load more" and "jump to offset" past the text and
 * hex caps, the layer details pane and its downloads (as stored, and as an
 * uncompressed tar whose sha256 is the diff_id), "download this directory as
 * .tar" (checked by GNU tar), and the raw manifest/config JSON with clickable
 * references.
 */
import { test, expect, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { writeTar } from '../src/core/write/tarWriter';
import { dockerArchive, tdir, tfile } from '../test/helpers/imageArchive';
import { withoutSavePicker } from './browserDownload';

// the downloads checked here are the browser's own (the picker path: download.spec.ts)
test.beforeEach(({ page }) => withoutSavePicker(page));

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const ELF = readFileSync(join(process.cwd(), 'test/fixtures/preview/elf/hello-pie'));
const LIB = readFileSync(join(process.cwd(), 'test/fixtures/preview/elf/libanswer.so.1.0'));
const CHANGELOG = Array.from({ length: 40_000 }, (_, i) => `line ${i + 1}: fixed something\n`).join('');
const BIG_LOG = Buffer.from(Array.from({ length: 20_000 }, (_, i) => `${String(i).padStart(6, '0')} ${'x'.repeat(42)}\n`).join('')); // 1,000,000 bytes
const BLOB = randomBytes(300 * 1024);
BLOB.write('MARKER!!', 0x30000, 'latin1');

const layer0 = writeTar([
  tdir('usr/'),
  tdir('usr/bin/'),
  tfile('usr/bin/hello', ELF, { mode: 0o755 }),
  tdir('usr/lib/'),
  tfile('usr/lib/libanswer.so.1.0', LIB),
  tdir('usr/share/'),
  tdir('usr/share/doc/'),
  tdir('usr/share/doc/app/'),
  tfile('usr/share/doc/app/changelog.gz', gzipSync(Buffer.from(CHANGELOG))),
  tfile('usr/share/doc/app/README', 'read me\n'),
  tdir('var/'),
  tdir('var/log/'),
  tfile('var/log/big.log', BIG_LOG),
  tdir('opt/'),
  tfile('opt/blob.bin', BLOB),
]);
const layer1 = writeTar([tdir('etc/'), tfile('etc/app.conf', 'answer=42\n')]);
const layer0gz = gzipSync(layer0);

let dir: string;
let file: string;
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ls-blobs-'));
  file = join(dir, 'blobs.tar');
  writeFileSync(
    file,
    dockerArchive([layer0gz, layer1], {
      tags: ['example.com/blobs:1'],
      diffIds: [`sha256:${sha(layer0)}`, `sha256:${sha(layer1)}`],
      createdBy: ['ADD rootfs.tar.gz / # gzip layer', 'COPY app.conf /etc/'],
    }),
  );
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function open(page: Page) {
  await page.setViewportSize({ width: 1600, height: 1000 });
  await page.goto('./');
  await page.getByTestId('file-input').setInputFiles(file);
  await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', /ready|error/, { timeout: 60_000 });
  // An archive the test wrote that does not open: say why.
  if ((await page.locator('.app[data-state]').getAttribute('data-state')) !== 'ready')
    throw new Error(`not opened: ${await page.getByRole('alert').first().textContent()}`);
}
async function select(page: Page, path: string) {
  await page.getByTestId('search').fill(path);
  const row = page.locator(`[data-testid="tree-row"][data-path="${path}"]`);
  await row.click();
  await expect(page.getByTestId('details-path')).toHaveText(path);
}
async function download(page: Page, click: () => Promise<void>): Promise<Buffer> {
  const [d] = await Promise.all([page.waitForEvent('download'), click()]);
  return readFileSync((await d.path())!);
}

test('an ELF binary: class, machine, type, interpreter, needed libraries — what readelf says', async ({ page }) => {
  const readelf = readFileSync(join(process.cwd(), 'test/fixtures/preview/elf/hello-pie.readelf'), 'utf8');
  const needed = [...readelf.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
  const interp = /Requesting program interpreter: ([^\]]+)\]/.exec(readelf)![1];
  await open(page);
  await select(page, '/usr/bin/hello');
  const elf = page.getByTestId('elf-summary');
  await expect(elf).toBeVisible();
  await expect(elf.locator('[data-field="Format"] dd')).toHaveText('ELF 64-bit little-endian, System V');
  await expect(elf.locator('[data-field="Type"] dd')).toHaveText('PIE executable');
  await expect(elf.locator('[data-field="Machine"] dd')).toHaveText('x86-64');
  await expect(elf.locator('[data-field="Interpreter"] dd')).toHaveText(interp!);
  await expect(elf.locator('[data-field="Runpath"] dd')).toHaveText('/opt/app/lib');
  expect(await page.getByTestId('elf-needed').locator('.pv-elf-lib').allTextContents()).toEqual(needed);
  await expect(page.getByTestId('preview-hex')).toBeVisible();
  // A shared library: its soname.
  await select(page, '/usr/lib/libanswer.so.1.0');
  await expect(page.getByTestId('elf-summary').locator('[data-field="Type"] dd')).toHaveText('shared object');
  await expect(page.getByTestId('elf-summary').locator('[data-field="Soname"] dd')).toHaveText('libanswer.so.1');
});

test('a .gz file shows its decompressed text; its compressed bytes are one click away', async ({ page }) => {
  await open(page);
  await select(page, '/usr/share/doc/app/changelog.gz');
  const gz = page.getByTestId('preview-gunzip');
  await expect(gz).toHaveAttribute('data-inner', 'text');
  const text = (await page.getByTestId('preview-text').textContent())!;
  expect(text.length).toBe(256 * 1024);
  expect(CHANGELOG.startsWith(text)).toBe(true);
  await expect(gz).toContainText('the first 262 kB decompressed');
  await page.getByTestId('preview-gz-raw').check();
  await expect(page.getByTestId('preview-hex')).toContainText('00000000  1f 8b 08');
});

test('text: load more past the cap, and jump to an offset', async ({ page }) => {
  await open(page);
  await select(page, '/var/log/big.log');
  const pre = page.getByTestId('preview-text');
  await expect(page.getByTestId('preview-range')).toHaveText('The first 262 kB of 1 MB are shown.');
  expect((await pre.textContent())!.length).toBe(256 * 1024);
  await page.getByTestId('preview-more').click();
  await expect.poll(async () => (await pre.textContent())!.length).toBe(512 * 1024);
  expect(await pre.textContent()).toBe(BIG_LOG.subarray(0, 512 * 1024).toString('latin1'));
  await page.getByTestId('preview-offset').fill('800000');
  await page.getByTestId('preview-offset').press('Enter');
  await expect(page.getByTestId('preview-range')).toHaveText('Bytes 800,000–1,000,000 of 1,000,000 are shown.');
  expect(await pre.textContent()).toBe(BIG_LOG.subarray(800_000).toString('latin1'));
  // An offset past the end is refused with a reason.
  await page.getByTestId('preview-offset').fill('2M');
  await page.getByTestId('preview-offset').press('Enter');
  await expect(page.getByTestId('preview-jump')).toContainText('an offset below 1,000,000');
});

test('hex: the next 64 kB, and jump to an offset', async ({ page }) => {
  await open(page);
  await select(page, '/opt/blob.bin');
  const hex = page.getByTestId('preview-hex');
  await expect(hex).toBeVisible();
  await page.getByTestId('preview-more').click();
  await expect(hex).toContainText(/^00010000 {2}/);
  await expect(page.getByTestId('preview-range')).toContainText('0x10000–0x1ffff');
  await page.getByTestId('preview-offset').fill('0x30000');
  await page.getByTestId('preview-offset').press('Enter');
  await expect(hex).toContainText(/^00030000 {2}4d 41 52 4b 45 52 21 21 .*\|MARKER!!/);
  await page.getByTestId('preview-prev').click();
  await expect(hex).toContainText(/^00020000 {2}/);
});

test('layer details and downloads: as stored, and the uncompressed tar whose sha256 is the diff_id', async ({ page }) => {
  await open(page);
  await page.locator('[data-testid="layer"][data-index="0"]').dblclick();
  const ld = page.getByTestId('layer-details');
  await expect(ld).toHaveAttribute('data-layer', '0');
  await expect(page.getByTestId('tab-layer')).toHaveAttribute('aria-selected', 'true');
  await expect(ld).toContainText(`sha256:${sha(layer0)}`);
  await expect(ld).toContainText('gzip');
  await expect(ld).toContainText(`${layer0gz.length.toLocaleString('en-US')} bytes`);
  await expect(ld).toContainText(`${layer0.length.toLocaleString('en-US')} bytes of tar`);
  await expect(ld.getByTestId('layer-created-by')).toHaveText('ADD rootfs.tar.gz / # gzip layer');
  await expect(ld).toContainText('✓ verified', { timeout: 30_000 });
  const stored = await download(page, () => ld.getByTestId('download-layer-stored').getByRole('button').click());
  expect(sha(stored)).toBe(sha(layer0gz));
  const tar = await download(page, () => ld.getByTestId('download-layer-tar').getByRole('button').click());
  expect(`sha256:${sha(tar)}`).toBe(`sha256:${sha(layer0)}`);
  // Enter on the selected band opens the same pane for that layer.
  await page.getByTestId('tab-image').click();
  await page.locator('[data-testid="layer"][data-index="1"]').click();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('layer-details')).toHaveAttribute('data-layer', '1');
  await expect(page.getByTestId('download-layer-tar')).toHaveCount(0); // an uncompressed layer is its own tar
});

test('download this directory as .tar: GNU tar lists the merged directory', async ({ page }) => {
  await open(page);
  await select(page, '/usr/share');
  const tar = await download(page, () => page.getByTestId('download-dir').getByRole('button').click());
  const t = join(dir, 'share.tar');
  writeFileSync(t, tar);
  const list = execFileSync('tar', ['-tf', t], { encoding: 'utf8' }).split('\n').filter(Boolean);
  expect(list).toEqual(['usr/share/', 'usr/share/doc/', 'usr/share/doc/app/', 'usr/share/doc/app/README', 'usr/share/doc/app/changelog.gz']);
  const out = execFileSync('tar', ['-xOf', t, 'usr/share/doc/app/changelog.gz']);
  expect(sha(out)).toBe(sha(gzipSync(Buffer.from(CHANGELOG))));
});

test('raw JSON: manifest.json and the config, pretty-printed, references clickable', async ({ page }) => {
  await open(page);
  await page.getByTestId('tab-image').click();
  const raw = page.getByTestId('raw-json');
  await page.locator('[data-testid="raw-doc"][data-key="manifest.json"]').click();
  await expect(raw).toContainText('"RepoTags": [');
  await expect(raw).toContainText('"example.com/blobs:1"');
  // docker's manifest.json names layers by path: each is a link to its layer.
  await raw.locator('[data-testid="raw-digest"][data-digest="l1/layer.tar"]').click();
  await expect(page.getByTestId('layer-details')).toHaveAttribute('data-layer', '1');
  await page.getByTestId('tab-image').click();
  await page.locator('[data-testid="raw-doc"]', { hasText: 'image config' }).click();
  await expect(raw).toContainText('"diff_ids": [');
  await raw.locator(`[data-testid="raw-digest"][data-digest="sha256:${sha(layer0)}"]`).click();
  await expect(page.getByTestId('layer-details')).toHaveAttribute('data-layer', '0');
});

test('raw JSON on an OCI layout: index, manifest and config; the manifest digest opens the manifest', async ({ page }) => {
  await page.goto('./');
  await page.getByTestId('file-input').setInputFiles(join(process.cwd(), 'test/fixtures/images/buildx-oci-gzip.tar'));
  await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await page.getByTestId('tab-image').click();
  const raw = page.getByTestId('raw-json');
  await page.locator('[data-testid="raw-doc"][data-key="index.json"]').click();
  await expect(raw).toContainText('"mediaType"');
  const link = raw.locator('[data-testid="raw-digest"]').first();
  await link.click();
  await expect(raw).toContainText('"layers": [');
  await expect(raw).toContainText('"config": {');
  await expect(raw.locator('.j-note', { hasText: 'layer 0' })).toHaveCount(1);
});

test("the example's busybox: a static x86-64 executable, no interpreter, no libraries", async ({ page }) => {
  await page.goto('./?example');
  await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await select(page, '/bin/busybox');
  const elf = page.getByTestId('elf-summary');
  await expect(elf.locator('[data-field="Linking"] dd')).toHaveText('statically linked');
  await expect(elf.locator('[data-field="Machine"] dd')).toHaveText('x86-64');
  await expect(elf.locator('[data-field="Interpreter"]')).toHaveCount(0);
  await expect(page.getByTestId('elf-needed')).toHaveCount(0);
});
