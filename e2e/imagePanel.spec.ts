/**
 * The image panel's dive figures: the whole inefficient-file list (count, sort,
 * paging, CSV and JSON exports that match the command line's figures), the
 * explanation of a user-wasted percent above 100 %, and the image chooser
 * showing whole tags.
 */
import { test, expect, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTar } from '../src/core/write/tarWriter';
import { dockerArchive, tdir, tfile } from '../test/helpers/imageArchive';

const ROOT = process.cwd();
const EXAMPLE = join(ROOT, 'public', 'example.tar');

async function openFile(page: Page, file: string) {
  await page.goto('./');
  await page.getByTestId('file-input').setInputFiles(file);
  await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
}
async function download(page: Page, click: () => Promise<void>): Promise<string> {
  const [d] = await Promise.all([page.waitForEvent('download'), click()]);
  return readFileSync((await d.path())!, 'utf8');
}
const cliDive = (file: string) =>
  JSON.parse(execFileSync('node', [join(ROOT, 'bin', 'layerscope.mjs'), 'inspect', '--json', file], { encoding: 'utf8' })).totals.dive;

test('the example: every inefficient file, exports equal to the command line, and why 53096 % is not a share', async ({ page }) => {
  const want = cliDive(EXAMPLE);
  await openFile(page, EXAMPLE);
  await page.getByTestId('tab-image').click();
  await expect(page.getByTestId('user-wasted')).toHaveText('53096.15 %');
  await expect(page.getByTestId('user-wasted-explained')).toContainText('above the base');
  await expect(page.getByTestId('user-wasted-explained')).toContainText('525 kB wasted against 988 B');
  await expect(page.getByTestId('ineff-count')).toContainText(`${want.inefficiencyCount} paths in two or more layers`);
  await expect(page.getByTestId('ineff-row')).toHaveCount(want.inefficiencyCount);
  const json = JSON.parse(await download(page, () => page.getByTestId('ineff-json').click()));
  expect(json.image.inefficientFiles).toEqual(
    want.inefficiencies.map((x: { path: string; cumulativeSize: number; layers: number[] }) => ({
      count: x.layers.length,
      sizeBytes: x.cumulativeSize,
      file: x.path,
      layers: x.layers,
    })),
  );
  expect(json.image.inefficientBytes).toBe(want.wastedBytes);
  const csv = (await download(page, () => page.getByTestId('ineff-csv').click())).trim().split('\r\n');
  expect(csv[0]).toBe('count,sizeBytes,file,layers');
  expect(csv.slice(1)).toEqual(
    want.inefficiencies.map(
      (x: { path: string; cumulativeSize: number; layers: number[] }) => `${x.layers.length},${x.cumulativeSize},${x.path},${x.layers.join(' ')}`,
    ),
  );
  // A row leads to the path in the tree, at the last layer that touched it.
  await page.getByTestId('ineff-row').first().getByRole('button').click();
  await expect(page.getByTestId('details-path')).toHaveText('/usr/share/doc/example/big.txt');
  await expect(page.locator('[data-testid="layer"][data-index="3"]')).toHaveAttribute('aria-selected', 'true');
});

test('a long list: all of it, paged and sortable', async ({ page }) => {
  const dir = mkdtempSync(join(tmpdir(), 'ls-ineff-'));
  try {
    const N = 250;
    const files = (v: string) => Array.from({ length: N }, (_, i) => tfile(`data/f${String(i).padStart(3, '0')}`, v.repeat(i + 1)));
    const file = join(dir, 'many.tar');
    writeFileSync(file, dockerArchive([writeTar([tdir('data/'), ...files('a')]), writeTar([tdir('data/'), ...files('bb')])]));
    const want = cliDive(file);
    expect(want.inefficiencyCount).toBeGreaterThanOrEqual(N);
    await openFile(page, file);
    await page.getByTestId('tab-image').click();
    const rows = page.getByTestId('ineff-row');
    await expect(rows).toHaveCount(100);
    await page.getByTestId('ineff-more').click();
    await expect(rows).toHaveCount(200);
    await page.getByRole('button', { name: 'Show all' }).click();
    await expect(rows).toHaveCount(want.inefficiencyCount);
    // Largest first by default; by path on request.
    await expect(rows.first()).toContainText('/data/f249');
    await page.getByTestId('ineff-sort').selectOption('path');
    await expect(rows.first()).toContainText('/data');
    const csv = (await download(page, () => page.getByTestId('ineff-csv').click())).trim().split('\r\n');
    expect(csv).toHaveLength(want.inefficiencyCount + 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the image chooser shows whole tags and names the image on hover', async ({ page }) => {
  await openFile(page, join(ROOT, 'test/fixtures/images/podman-two-images-shared-layer.docker.tar'));
  const chooser = page.getByTestId('image-chooser');
  // The closed chooser is wide enough for the shown tag: its text is not cut.
  await expect(chooser).toHaveText(/^localhost\/umoci-fixture:v\d$/);
  const cut = await chooser.evaluate((el) => el.scrollWidth > el.clientWidth);
  expect(cut).toBe(false);
  await expect(chooser).toHaveAttribute('title', /localhost\/umoci-fixture:v\d/);
  // The list names both, whole.
  await chooser.click();
  const options = await page.getByTestId('image-option').locator('.chooser-option__name').allTextContents();
  expect(options.some((o) => o.includes('localhost/umoci-fixture:v1'))).toBe(true);
  expect(options.some((o) => o.includes('localhost/umoci-fixture:v3'))).toBe(true);
});
