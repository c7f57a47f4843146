/**
 * The URL hash contract: `#layer=N&path=/abs/path` selects layer N and reveals
 * and selects the path once an archive is loaded; selections are history
 * entries (Back/Forward); reloading and dropping the same file restores the view.
 */
import { test, expect, type Page } from '@playwright/test';
import { join, resolve } from 'node:path';

const FIXTURES = resolve('test/fixtures/images');
const DIVE = join(FIXTURES, 'dive-legacy-14-layers.tar');
const root = (page: Page) => page.locator('[data-state]').first();
const band = (page: Page, i: number) => page.locator(`[data-testid="layer"][data-index="${i}"]`);
const row = (page: Page, path: string) => page.locator(`[data-testid="tree-row"][data-path="${path}"]`);

// dive-legacy-14-layers: layer 5 is `cp /somefile.txt /root/example/somefile2.txt`;
// layer 9 `rm -rf /root/example/` deletes it again.
const DEEP = '/root/example/somefile2.txt';

test('#layer=N&path=… selects the layer, reveals and selects the path once loaded', async ({ page }) => {
  await page.goto(`./#layer=5&path=${DEEP}`);
  await page.getByTestId('file-input').setInputFiles(DIVE);
  await expect(root(page)).toHaveAttribute('data-state', 'ready');
  await expect(band(page, 5)).toHaveAttribute('aria-selected', 'true');
  await expect(row(page, DEEP)).toBeVisible();
  await expect(row(page, DEEP)).toHaveAttribute('aria-selected', 'true');
  await expect(row(page, DEEP)).toHaveAttribute('data-change', 'added');
  // Its ancestors were expanded to reveal it.
  await expect(row(page, '/root/example')).toHaveAttribute('aria-expanded', 'true');
  await expect(page).toHaveURL(/#image=0&layer=5&path=\/root\/example\/somefile2\.txt$/);
});

test('Back and Forward move between selections', async ({ page }) => {
  await page.goto('./');
  await page.getByTestId('file-input').setInputFiles(DIVE);
  await expect(root(page)).toHaveAttribute('data-state', 'ready');
  await expect(band(page, 13)).toHaveAttribute('aria-selected', 'true');

  await band(page, 3).click();
  await expect(page).toHaveURL(/layer=3/);
  await band(page, 7).click();
  await expect(page).toHaveURL(/layer=7/);
  await expect(band(page, 7)).toHaveAttribute('aria-selected', 'true');

  await page.goBack();
  await expect(band(page, 3)).toHaveAttribute('aria-selected', 'true');
  await expect(page).toHaveURL(/layer=3/);
  await page.goBack();
  await expect(band(page, 13)).toHaveAttribute('aria-selected', 'true');
  await page.goForward();
  await expect(band(page, 3)).toHaveAttribute('aria-selected', 'true');
  await expect(root(page)).toHaveAttribute('data-state', 'ready');
});

test('editing the hash in the address bar applies it', async ({ page }) => {
  await page.goto('./');
  await page.getByTestId('file-input').setInputFiles(DIVE);
  await expect(root(page)).toHaveAttribute('data-state', 'ready');
  await page.evaluate(() => {
    location.hash = '#layer=6&path=/root/example/somefile3.txt';
  });
  await expect(band(page, 6)).toHaveAttribute('aria-selected', 'true');
  await expect(row(page, '/root/example/somefile3.txt')).toHaveAttribute('aria-selected', 'true');
});

test('reloading and dropping the same file again restores the view', async ({ page }) => {
  await page.goto('./');
  await page.getByTestId('file-input').setInputFiles(DIVE);
  await expect(root(page)).toHaveAttribute('data-state', 'ready');
  await band(page, 8).click();
  await page.evaluate(() => {
    location.hash = '#layer=8&path=/root/saved.txt&q=saved';
  });
  await expect(page.getByTestId('search')).toHaveValue('saved');
  await page.reload();
  await expect(root(page)).toHaveAttribute('data-state', 'empty');
  await page.getByTestId('file-input').setInputFiles(DIVE);
  await expect(root(page)).toHaveAttribute('data-state', 'ready');
  await expect(band(page, 8)).toHaveAttribute('aria-selected', 'true');
  await expect(row(page, '/root/saved.txt')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('search')).toHaveValue('saved');
});

test('a different file starts from a clean view', async ({ page }) => {
  await page.goto('./');
  await page.getByTestId('file-input').setInputFiles(DIVE);
  await expect(root(page)).toHaveAttribute('data-state', 'ready');
  await band(page, 2).click();
  await expect(page).toHaveURL(/layer=2/);
  await page.getByTestId('file-input').setInputFiles(join(FIXTURES, 'skopeo-busybox.tar'));
  await expect(page.getByTestId('file-name')).toContainText('skopeo-busybox.tar');
  await expect(root(page)).toHaveAttribute('data-state', 'ready');
  await expect(page).toHaveURL(/#image=0&layer=0$/);
});
