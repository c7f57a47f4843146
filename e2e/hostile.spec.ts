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
import { maxStall, probeNow } from './stallProbe';

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

/**
 * Issue 9, point 6: one layer listed 10,000 times. The blob is read once (core/session),
 * and the page draws only the bands in view (StackDiagram/stackWindow.ts) and 60 status
 * segments: before, 10,000 bands took 113–128 s to ready with main-thread stalls of
 * 23–77 s (style, layout and paint of the whole stack on every change).
 */
test('one layer listed 10,000 times: ready with the page answering, few bands drawn, the stack scrolls', async ({ page }) => {
  test.setTimeout(300_000);
  /** A generous bound for the longest main-thread stall (a 2-core machine shared by a team): before, 23–77 s. */
  const STALL_BOUND_MS = 5_000;
  /** Bands in the DOM at most: the viewport plus 2 × OVERSCAN_PX at the 32 px minimum, and the selected one. */
  const BANDS_BOUND = 120;
  const file = join(tmp, 'repeat10k.tar');
  writeFileSync(file, H.oneLayerManyTimes(10_000));
  await page.goto('./');
  // the probe: how late a 50 ms timer fires, all through the load
  await probeNow(page);
  const mem = sampleMemory();
  await page.getByTestId('file-input').setInputFiles(file);
  const app = page.locator('.app[data-state]');
  await expect(app).toHaveAttribute('data-state', 'ready', { timeout: 240_000 });
  const peaks = mem.stop();
  const lag = await maxStall(page);
  console.log(`10,000 mentions: longest stall ${lag.toFixed(0)} ms, renderer peak ${(peaks.renderer / 1e6).toFixed(0)} MB`);
  expect(lag).toBeLessThan(STALL_BOUND_MS);
  expect(peaks.renderer).toBeLessThan(PAGE_BOUND);

  const bands = page.locator('[data-testid="layer"]');
  await expect(page.locator('.sd-total')).toContainText('10000 layers');
  expect(await bands.count()).toBeLessThan(BANDS_BOUND);
  expect(await page.locator('[data-testid="layer-load"], [data-testid="layer-load-group"]').count()).toBeLessThanOrEqual(60);
  // the comparison's layer pickers are number fields, not two lists of 10,000 options
  expect(await page.locator('option').count()).toBeLessThan(BANDS_BOUND);
  await expect(page.getByTestId('compare-layer-a')).toHaveAttribute('max', '9999');
  // the top of the stack is in view: layer 9,999 is the same blob as layer 0
  const top = page.locator('[data-testid="layer"][data-index="9999"]');
  await expect(top.getByTestId('same-blob')).toHaveText('same blob as layer 0');
  // scroll to the middle: the bands there are drawn, the count stays bounded
  await page.locator('.sd-scroll').evaluate((el) => {
    el.scrollTop = el.scrollHeight / 2;
  });
  // (the selected band, 9,999, stays drawn wherever the window is)
  await expect(async () => {
    const drawn = await bands.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-index'))));
    const there = drawn.filter((i) => i > 3_000 && i < 7_000);
    expect(there.length).toBeGreaterThan(10);
    await expect(page.locator(`[data-testid="layer"][data-index="${there[0]}"]`).getByTestId('same-blob')).toHaveText('same blob as layer 0');
  }).toPass({ timeout: 10_000 });
  expect(await bands.count()).toBeLessThan(BANDS_BOUND);
  // the bottom: layer 0 says it is one blob listed 10,000 times
  await page.locator('.sd-scroll').evaluate((el) => {
    el.scrollTop = el.scrollHeight;
  });
  await expect(page.locator('[data-testid="layer"][data-index="0"]').getByTestId('same-blob')).toHaveText('listed 10,000 times');
  // End moves the selection to layer 0 and keeps it in view and focused
  await top.click();
  await page.keyboard.press('End');
  await expect(page.locator('[data-testid="layer"][data-index="0"]')).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('[data-testid="layer"][data-index="0"]')).toBeInViewport();
  expect(await bands.count()).toBeLessThan(BANDS_BOUND);
  // a file of it has 10,000 versions: its history shows the first and last rows and one line for the rest
  await page.getByTestId('search').fill('f7');
  await page.locator('[data-testid="tree-row"][data-path="/d/f7"]').click();
  await expect(page.getByTestId('history-gap')).toContainText('9,900 more');
  expect(await page.getByTestId('history-row').count()).toBeLessThanOrEqual(128);
  // its version diff picks among 10,000 versions with number fields, not two lists of
  // 10,000 options each (VersionDiff's MAX_VERSION_OPTIONS; without it: 20,000 options)
  const vd = page.getByTestId('version-diff');
  await expect(vd).toBeVisible();
  expect(await vd.locator('option').count()).toBe(0);
  expect(await page.locator('option').count()).toBeLessThan(BANDS_BOUND);
  const from = vd.getByTestId('version-from');
  await expect(from).toHaveAttribute('max', '10000');
  await expect(from).toHaveValue('9999');
  await expect(vd.getByTestId('version-to')).toHaveValue('10000');
  await expect(vd.getByTestId('version-from-what')).toHaveText(/^layer 9998 · /);
  // typing another version picks it; a number that is no version changes nothing
  await from.fill('1');
  await expect(vd.getByTestId('version-from-what')).toHaveText(/^layer 0 · /);
  await from.fill('10001');
  await expect(vd.getByTestId('version-from-what')).toHaveText(/^layer 0 · /);
  await from.blur();
  await expect(from).toHaveValue('1');
});
