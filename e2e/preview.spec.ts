/**
 * Details and previews on the built-in example image (public/example.tar),
 * checked against the bytes GNU tar extracts from the same layers: text of
 * each version, the PNG logo, a hex dump of a binary, downloads, a whiteout's
 * last version, symlinks.
 */
import { test, expect, type Page } from '@playwright/test';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileBytes, truthOf } from './tarTruth';
import { withoutSavePicker } from './browserDownload';

// the downloads checked here are the browser's own (the picker path: download.spec.ts)
test.beforeEach(({ page }) => withoutSavePicker(page));

const EXAMPLE = resolve(process.cwd(), 'public/example.tar');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function openExample(page: Page) {
  await page.goto('./');
  await page.getByTestId('file-input').setInputFiles(EXAMPLE);
  await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
}

async function selectLayer(page: Page, n: number) {
  const band = page.locator(`[data-testid="layer"][data-index="${n}"]`);
  await band.click();
  await expect(band).toHaveAttribute('aria-selected', 'true');
}

/** Find a path with the search (its ancestors open) and click its row. */
async function selectPath(page: Page, path: string) {
  await page.getByTestId('search').fill(path.slice(path.lastIndexOf('/') + 1));
  const row = page.locator(`[data-testid="tree-row"][data-path="${path}"]`);
  await row.click();
  await expect(row).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('details-path')).toHaveText(path);
}

test.describe('preview', () => {
  const truth = truthOf(EXAMPLE);

  test('text of every version of an overwritten file, and its download', async ({ page }) => {
    const motd2 = fileBytes(truth, 2, '/etc/motd');
    const motd0 = fileBytes(truth, 0, '/etc/motd');
    expect(motd2.equals(motd0)).toBe(false);
    await openExample(page);
    await selectPath(page, '/etc/motd');
    await expect(page.getByTestId('preview-kind')).toHaveText('Text · UTF-8');
    await expect(page.getByTestId('preview-text')).toHaveText(motd2.toString('utf8'));
    // the version in layer 0 still ships: view it from the history
    await page.locator('[data-testid="history-row"][data-layer="0"] [data-testid="preview-version"]').click();
    await expect(page.getByTestId('preview-text')).toHaveText(motd0.toString('utf8'));
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
    expect(download.suggestedFilename()).toBe('motd');
    expect(readFileSync(await download.path())).toEqual(motd0);
  });

  test('a PNG shows as an image', async ({ page }) => {
    const png = fileBytes(truth, 1, '/app/static/logo.png');
    // IHDR width and height (PNG spec §11.2.2), big-endian at offsets 16 and 20
    const width = png.readUInt32BE(16);
    const height = png.readUInt32BE(20);
    await openExample(page);
    await selectPath(page, '/app/static/logo.png');
    await expect(page.getByTestId('preview-kind')).toHaveText('PNG image');
    const img = page.getByTestId('preview-image');
    await expect(img).toHaveAttribute('src', /^blob:/);
    await expect.poll(() => img.evaluate((e: HTMLImageElement) => [e.naturalWidth, e.naturalHeight])).toEqual([width, height]);
    await expect(page.locator('.pv-image figcaption')).toHaveText(`${width} × ${height} px`);
  });

  test('a binary shows as a hex dump, and downloads whole', async ({ page }) => {
    test.setTimeout(90_000);
    const bin = fileBytes(truth, 0, '/bin/busybox');
    const first = [...bin.subarray(0, 16)].map((x) => x.toString(16).padStart(2, '0'));
    const ascii = [...bin.subarray(0, 16)].map((x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : '.')).join('');
    const line0 = `00000000  ${first.slice(0, 8).join(' ')}  ${first.slice(8).join(' ')}  |${ascii}|`;
    await openExample(page);
    await selectPath(page, '/bin/busybox');
    await expect(page.getByTestId('preview-kind')).toHaveText('Binary · hex');
    const hex = await page.getByTestId('preview-hex').textContent();
    expect(hex!.split('\n')[0]).toBe(line0);
    expect(hex!.split('\n')).toHaveLength(65536 / 16);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
    expect(download.suggestedFilename()).toBe('busybox');
    expect(sha(readFileSync(await download.path()))).toBe(sha(bin));
  });

  test('a deleted file: what the whiteout hides, and its last version', async ({ page }) => {
    const big = fileBytes(truth, 0, '/usr/share/doc/example/big.txt');
    await openExample(page);
    await selectLayer(page, 3);
    await selectPath(page, '/usr/share/doc/example/big.txt');
    const info = page.getByTestId('deletion-info');
    await expect(info).toContainText('/usr/share/doc/example/.wh.big.txt');
    await expect(info).toContainText('still ship in layer 0');
    // the preview is the version the whiteout hides, capped at 256 KiB
    const text = await page.getByTestId('preview-text').textContent();
    expect(text).toBe(big.subarray(0, 256 * 1024).toString('utf8'));
    await expect(page.getByTestId('preview')).toContainText('are shown');
  });

  test('an opaque directory hides the lower versions', async ({ page }) => {
    await openExample(page);
    await selectLayer(page, 4);
    await selectPath(page, '/app/config/default.conf');
    await expect(page.getByTestId('deletion-info')).toContainText('/app/config/.wh..wh..opq');
    await expect(page.locator('[data-testid="history-row"][data-layer="4"]')).toHaveAttribute('data-action', 'opaque-hidden');
    // both hidden versions can be viewed
    const v1 = fileBytes(truth, 1, '/app/config/default.conf').toString('utf8');
    const v2 = fileBytes(truth, 2, '/app/config/default.conf').toString('utf8');
    await expect(page.getByTestId('preview-text')).toHaveText(v2);
    await page.locator('[data-testid="history-row"][data-layer="1"] [data-testid="preview-version"]').click();
    await expect(page.getByTestId('preview-text')).toHaveText(v1);
    // the directory itself says it was made opaque, and by which marker
    await selectPath(page, '/app/config');
    await expect(page.getByTestId('details')).toContainText('opaque in layer 4');
    await expect(page.getByTestId('details')).toContainText('/app/config/.wh..wh..opq');
  });

  test('a symlink names its target and leads to it', async ({ page }) => {
    await openExample(page);
    await selectPath(page, '/bin/sh');
    await expect(page.getByTestId('details')).toContainText('symbolic link');
    await page.getByRole('button', { name: 'Go to /bin/busybox' }).click();
    await expect(page.getByTestId('details-path')).toHaveText('/bin/busybox');
  });
});
