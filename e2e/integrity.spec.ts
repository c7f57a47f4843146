/**
 * A layer whose bytes fail their digest check is marked where one looks: its
 * band (data-integrity), the header, the rows it provides; the warnings read
 * as sentences. The tampered archive is made here: one byte of a file's content
 * in dive's layer 5 flipped (the tar still parses; the layer's sha256 no longer
 * equals the config's diff_id).
 */
import { test, expect, type Page } from '@playwright/test';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const FIXTURES = resolve('test/fixtures/images');
const BLOCK = 512;
const root = (page: Page) => page.locator('.app[data-state]');
const band = (page: Page, i: number) => page.locator(`[data-testid="layer"][data-index="${i}"]`);
const row = (page: Page, path: string) => page.locator(`[data-testid="tree-row"][data-path="${path}"]`);

interface Member {
  name: string;
  type: string;
  size: number;
  data: number;
}

/** The members of a ustar archive (name with prefix, type flag, size, offset of the data). */
function members(buf: Buffer, base = 0, end = buf.length): Member[] {
  const out: Member[] = [];
  for (let at = base; at + BLOCK <= end; ) {
    const h = buf.subarray(at, at + BLOCK);
    if (h.every((b) => b === 0)) break;
    const str = (o: number, n: number) =>
      h
        .subarray(o, o + n)
        .toString('latin1')
        .replace(/\0.*$/s, '');
    const prefix = str(345, 155);
    const name = (prefix ? `${prefix}/` : '') + str(0, 100);
    const size = Number.parseInt(str(124, 12).trim() || '0', 8);
    out.push({ name, type: str(156, 1) || '0', size, data: at + BLOCK });
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return out;
}

/** dive-legacy-14-layers.tar with the first content byte of layer `layer`'s first regular file flipped. */
function tampered(layer: number): { path: string; file: string } {
  const buf = Buffer.from(readFileSync(join(FIXTURES, 'dive-legacy-14-layers.tar')));
  const outer = members(buf);
  const manifest = JSON.parse(
    buf
      .subarray(outer.find((m) => m.name === 'manifest.json')!.data)
      .toString('utf8')
      .replace(/\0.*$/s, ''),
  );
  const layerTar = outer.find((m) => m.name === manifest[0].Layers[layer])!;
  const file = members(buf, layerTar.data, layerTar.data + layerTar.size).find((m) => m.type === '0' && m.size > 0)!;
  buf[file.data] = buf[file.data]! ^ 0x20;
  const dir = mkdtempSync(join(tmpdir(), 'ls-integrity-'));
  const path = join(dir, 'dive-tampered.tar');
  writeFileSync(path, buf);
  return { path, file: `/${file.name.replace(/^\.?\//, '')}` };
}

test('a layer that fails its digest check: the band, the header, its rows and the warnings say so', async ({ page }) => {
  const t = tampered(5);
  expect(t.file).toBe('/root/example/somefile2.txt');
  await page.goto('./');
  await page.getByTestId('file-input').setInputFiles(t.path);
  await expect(root(page)).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  // The digest check runs behind the shown image; then layer 5 is marked, the others verified.
  await expect(band(page, 5)).toHaveAttribute('data-integrity', 'mismatch', { timeout: 60_000 });
  for (const i of [0, 4, 6, 13]) await expect(band(page, i)).toHaveAttribute('data-integrity', 'ok');
  await expect(band(page, 5).getByTestId('integrity-badge')).toHaveText('⚠ digest mismatch');
  await expect(band(page, 5)).toHaveAttribute('aria-label', /fails its digest check/);
  await expect(band(page, 5)).toHaveAttribute('title', /diff_id is sha256:[0-9a-f]{64}/);
  await expect(page.getByTestId('integrity-status')).toHaveText('1 layer fails its digest check');
  // The header says it too, and leads to the layer.
  const badge = page.getByTestId('header-integrity');
  await expect(badge).toHaveText('⚠ 1 layer fails its digest check');
  await band(page, 2).click();
  await badge.click();
  await expect(band(page, 5)).toHaveAttribute('aria-selected', 'true');
  // Rows that layer provides are flagged (at layer 5 and above, until layer 9 deletes them), others not.
  await page.getByTestId('search').fill('somefile2');
  await expect(row(page, t.file)).toHaveAttribute('data-integrity', 'mismatch');
  await expect(row(page, t.file).getByTestId('row-integrity')).toBeVisible();
  await page.getByTestId('search').fill('');
  await expect(row(page, '/bin')).not.toHaveAttribute('data-integrity', 'mismatch');
  // The warnings: one sentence each, the layer named once.
  await page.getByTestId('warnings-button').click();
  const panel = page.locator('#load-warnings');
  await expect(panel).toContainText('sha256 of the uncompressed tar is');
  const text = (await panel.textContent()) ?? '';
  expect(text).not.toMatch(/layer (\d+) layer \1:/);
  expect(text).not.toMatch(/\b1 layers\b/);
  expect(text).not.toContain('this image cannot be opened');
});

test('an intact image: every band ok once checked, no header badge', async ({ page }) => {
  await page.goto('./');
  await page.getByTestId('file-input').setInputFiles(join(FIXTURES, 'dive-legacy-14-layers.tar'));
  await expect(root(page)).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await expect(page.getByTestId('integrity-status')).toHaveText('14/14 layers verified', { timeout: 60_000 });
  await expect(page.locator('[data-testid="layer"][data-integrity="ok"]')).toHaveCount(14);
  await expect(page.getByTestId('header-integrity')).toHaveCount(0);
  await expect(page.locator('[data-testid="tree-row"][data-integrity]')).toHaveCount(0);
});
