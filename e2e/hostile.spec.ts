/**
 * Hostile archives in the page (issue 9, points 1–3): a few hundred KB that
 * decompress to gigabytes. The page's memory (the renderer processes: the page
 * and its workers) is sampled from /proc all along and must stay bounded; the
 * .tar.gz bomb must be stopped with a sentence. Archives written by the test.
 */
import { test, expect, type Page } from '@playwright/test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as H from '../test/helpers/hostile.mjs';
import { canSampleMemory, sampleMemory } from './processMemory';

const tmp = mkdtempSync(join(tmpdir(), 'layerscope-e2e-hostile-'));
test.afterAll(() => rmSync(tmp, { recursive: true, force: true }));
test.skip(!canSampleMemory, 'reads process memory from /proc (Linux only)');

/** The bound: page memory stays under 1.5 GB at every moment. */
const PAGE_BOUND = 1.5e9;
const zeroDiff = 'sha256:' + '0'.repeat(64);

function oneLayer(name: string, layer: Uint8Array): string {
  const f = join(tmp, name);
  writeFileSync(f, H.dockerSave({ layers: [{ name: 'l/layer.tar', data: layer, diffId: zeroDiff }] }));
  return f;
}

async function openAndWait(page: Page, file: string): Promise<string> {
  await page.goto('./');
  await page.getByTestId('file-input').setInputFiles(file);
  const app = page.locator('.app[data-state]');
  await expect(app).toHaveAttribute('data-state', /^(ready|error)$/, { timeout: 240_000 });
  return (await app.getAttribute('data-state')) ?? '';
}

test('a zstd layer of 4 GiB of zeros opens in bounded memory', async ({ page }) => {
  test.setTimeout(300_000);
  const file = oneLayer('zstd4g.tar', H.zstdZeroTar(4 * H.GiB));
  const mem = sampleMemory();
  const state = await openAndWait(page, file);
  const peaks = mem.stop();
  expect(state).toBe('ready');
  await expect(page.locator('[data-testid="tree-row"][data-path="/zeros"]')).toHaveCount(1);
  console.log(`zstd 4 GiB: renderer peak ${(peaks.renderer / 1e6).toFixed(0)} MB, browser ${(peaks.browser / 1e6).toFixed(0)} MB`);
  expect(peaks.renderer).toBeLessThan(PAGE_BOUND);
});

test('a 1 GiB file of zeros in a gzip layer opens in bounded memory', async ({ page }) => {
  test.setTimeout(300_000);
  const file = oneLayer('gz1g.tar', H.gzipZeroTar(H.GiB));
  const mem = sampleMemory();
  const state = await openAndWait(page, file);
  const peaks = mem.stop();
  expect(state).toBe('ready');
  await expect(page.locator('[data-testid="tree-row"][data-path="/zeros"]')).toHaveCount(1);
  console.log(`gzip 1 GiB: renderer peak ${(peaks.renderer / 1e6).toFixed(0)} MB, browser ${(peaks.browser / 1e6).toFixed(0)} MB`);
  expect(peaks.renderer).toBeLessThan(PAGE_BOUND);
});

test('a .tar.gz of 10 GiB is stopped at the stated bound with a sentence, page memory bounded', async ({ page }) => {
  test.setTimeout(300_000);
  const file = join(tmp, 'bomb.tar.gz');
  H.writeGzippedArchiveWithZeroEntry(file, 10 * H.GiB);
  const mem = sampleMemory();
  const state = await openAndWait(page, file);
  const peaks = mem.stop();
  expect(state).toBe('error');
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('was refused to protect this page');
  await expect(alert).toContainText('expands to more than 1.1 GB');
  await expect(alert).toContainText('decompress it first');
  console.log(`bomb: renderer peak ${(peaks.renderer / 1e6).toFixed(0)} MB, browser ${(peaks.browser / 1e6).toFixed(0)} MB`);
  expect(peaks.renderer).toBeLessThan(PAGE_BOUND);
  // the page is still usable: a good file opens after it
  await page.getByTestId('file-input').setInputFiles('test/fixtures/images/skopeo-busybox.tar');
  await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
});
