/**
 * The URL hash contract: `#layer=N&path=/abs/path` selects layer N and reveals
 * and selects the path once an archive is loaded; selections are history
 * entries (Back/Forward); reloading and dropping the same file restores the view.
 * `id=` names the image a link is for: another image does not get its view,
 * and the page says which image (and, when this browser opened it, which file)
 * to open.
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
  await expect(page).toHaveURL(/#id=[0-9a-f]{12}&image=0&layer=5&path=\/root\/example\/somefile2\.txt$/);
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
  await expect(page).toHaveURL(/#id=[0-9a-f]{12}&image=0&layer=0$/);
});

/** The image identity the page wrote: the config digest's first 12 hex digits. */
async function linkId(page: Page): Promise<string> {
  await expect(page).toHaveURL(/#id=[0-9a-f]{12}&/);
  return /#id=([0-9a-f]{12})&/.exec(page.url())![1]!;
}

test('a link for another image: its view is not applied, the page names the image; opening that image restores it', async ({ page }) => {
  await page.goto('./');
  await page.getByTestId('file-input').setInputFiles(DIVE);
  await expect(root(page)).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  const diveId = await linkId(page);
  // The identity is the config digest (the image ID) shown in the image panel.
  expect(diveId).toMatch(/^[0-9a-f]{12}$/);
  // A link into dive's image, opened in a fresh page on busybox instead.
  await page.goto(`./?fresh#id=${diveId}&layer=5&path=${DEEP}&q=somefile`);
  await page.getByTestId('file-input').setInputFiles(join(FIXTURES, 'skopeo-busybox.tar'));
  await expect(root(page)).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  const notice = page.getByTestId('link-mismatch');
  await expect(notice).toBeVisible();
  await expect(notice).toContainText(`This link is for image sha256:${diveId}…; open that image to restore the view.`);
  await expect(notice).toContainText('dive-legacy-14-layers.tar');
  // Nothing of the link was applied: no stale search, the top layer, no selection.
  await expect(page.getByTestId('search')).toHaveValue('');
  await expect(page.getByTestId('tree-empty')).toHaveCount(0);
  await expect(page.locator('[data-testid="tree-row"][aria-selected="true"]')).toHaveCount(0);
  // The right file next: the view the link names, and the notice goes.
  await page.getByTestId('file-input').setInputFiles(DIVE);
  await expect(page.getByTestId('file-name')).toContainText('dive-legacy-14-layers.tar');
  await expect(root(page)).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await expect(band(page, 5)).toHaveAttribute('aria-selected', 'true');
  await expect(row(page, DEEP)).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('search')).toHaveValue('somefile');
  await expect(notice).toHaveCount(0);
});

test('after a reload the landing names the file to open again', async ({ page }) => {
  await page.goto('./');
  await expect(page.getByTestId('link-pending')).toHaveCount(0);
  await page.getByTestId('file-input').setInputFiles(DIVE);
  await expect(root(page)).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await band(page, 4).click();
  const id = await linkId(page);
  await page.reload();
  await expect(root(page)).toHaveAttribute('data-state', 'empty');
  const pending = page.getByTestId('link-pending');
  await expect(pending).toContainText('dive-legacy-14-layers.tar');
  await expect(pending).toContainText(`sha256:${id}…`);
  // A link from another browser (nothing remembered): the image is named.
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await expect(pending).toContainText(`This link is for image sha256:${id}…`);
  await expect(pending).not.toContainText('.tar');
});
