/**
 * The image chooser of a multi-image archive: a filterable, virtualized list
 * (src/ui/Choosers/ImageChooser.tsx). On an archive of 20,000 images sharing
 * one layer (issue 9, point 5; written by the test with test/helpers/hostile.mjs)
 * it opens at once with a screenful of rows, filters by tag, moves with ↑/↓,
 * PageUp/PageDown, Ctrl+Home/End, opens the image with Enter, closes with
 * Escape or a click outside; on a real two-image archive it finds an image by
 * its config digest.
 */
import { test, expect, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as H from '../test/helpers/hostile.mjs';

const IMAGES = 20_000;
/** Rows the list may render for 20,000 images: a screenful plus overscan, never the whole list. */
const MAX_RENDERED = 60;

const tmp = mkdtempSync(join(tmpdir(), 'layerscope-e2e-chooser-'));
test.afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const chooser = (page: Page) => page.getByTestId('image-chooser');
const filter = (page: Page) => page.getByTestId('image-filter');
const options = (page: Page) => page.getByTestId('image-option');
const active = (page: Page) => page.locator('[data-testid="image-option"][data-active="true"]');

async function open(page: Page, file: string) {
  await page.goto('./');
  await page.getByTestId('file-input').setInputFiles(file);
  await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', 'ready', { timeout: 120_000 });
}

test('20,000 images: the list is filtered by tag and driven by the keyboard, a screenful rendered', async ({ page }) => {
  test.setTimeout(180_000);
  const file = join(tmp, 'many.tar');
  writeFileSync(file, H.manyImages(IMAGES)); // tags img:0 … img:19999
  await open(page, file);
  await expect(chooser(page)).toHaveText('img:0');
  await expect(chooser(page)).toHaveAttribute('aria-label', 'Image: img:0 (20,000 in this archive)');

  // Open from the keyboard: the filter has focus, the shown image is the active, selected option.
  await chooser(page).focus();
  await page.keyboard.press('ArrowDown');
  await expect(filter(page)).toBeFocused();
  await expect(page.getByTestId('image-filter-count')).toHaveText('20,000 images');
  await expect(active(page)).toHaveAttribute('data-index', '0');
  await expect(active(page)).toHaveAttribute('aria-selected', 'true');
  await expect(active(page)).toHaveAttribute('aria-setsize', String(IMAGES));
  const rendered = await options(page).count();
  expect(rendered).toBeGreaterThan(3);
  expect(rendered).toBeLessThanOrEqual(MAX_RENDERED);
  // aria-activedescendant names the active option.
  const activeId = await active(page).getAttribute('id');
  await expect(filter(page)).toHaveAttribute('aria-activedescendant', activeId!);

  // Moving: down, page down, to the end (rendered, in view), back to the top; up at the top stays.
  await page.keyboard.press('ArrowDown');
  await expect(active(page)).toHaveAttribute('data-index', '1');
  await page.keyboard.press('PageDown');
  const afterPage = Number(await active(page).getAttribute('data-index'));
  expect(afterPage).toBeGreaterThan(2);
  await page.keyboard.press('Control+End');
  await expect(active(page)).toHaveAttribute('data-index', String(IMAGES - 1));
  await expect(active(page)).toBeInViewport();
  expect(await options(page).count()).toBeLessThanOrEqual(MAX_RENDERED);
  await page.keyboard.press('Control+Home');
  await expect(active(page)).toHaveAttribute('data-index', '0');
  await page.keyboard.press('ArrowUp');
  await expect(active(page)).toHaveAttribute('data-index', '0');

  // Filtering: every tag containing "img:1234" (img:1234, img:12340 … img:12349), the first active.
  await filter(page).fill('img:1234');
  await expect(page.getByTestId('image-filter-count')).toHaveText('11 of 20,000 images');
  await expect(options(page)).toHaveCount(11);
  await expect(active(page)).toHaveAttribute('data-index', '1234');
  await page.keyboard.press('ArrowDown');
  await expect(active(page)).toHaveAttribute('data-index', '12340');
  await page.keyboard.press('Enter');
  // Chosen: the popup closes, focus returns to the button, the image opens (in the URL too).
  await expect(page.getByTestId('image-popup')).toHaveCount(0);
  await expect(chooser(page)).toBeFocused();
  await expect(chooser(page)).toHaveAttribute('data-value', '12340');
  await expect(chooser(page)).toHaveText('img:12340');
  await expect(page).toHaveURL(/image=12340/);
  await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', 'ready');

  // Type-to-find from the closed button: the key starts the filter.
  await page.keyboard.press('i');
  await expect(filter(page)).toBeFocused();
  await expect(filter(page)).toHaveValue('i');
  await page.keyboard.type('mg:7777');
  await expect(page.getByTestId('image-filter-count')).toHaveText('1 of 20,000 images'); // img:7777 (img:17777 does not contain "img:7777")
  // Nothing matches: said so.
  await filter(page).fill('img:99999');
  await expect(page.getByTestId('image-filter-empty')).toHaveText('No image matches “img:99999”');
  // Escape closes without choosing.
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('image-popup')).toHaveCount(0);
  await expect(chooser(page)).toBeFocused();
  await expect(chooser(page)).toHaveAttribute('data-value', '12340');

  // The mouse: open, click outside closes; open, click an option opens it.
  await chooser(page).click();
  await expect(active(page)).toHaveAttribute('data-index', '12340'); // the current image, scrolled to
  await expect(active(page)).toBeInViewport();
  const box = (await page.getByTestId('image-popup').boundingBox())!;
  const vp = page.viewportSize()!;
  expect(box.y + box.height).toBeLessThan(vp.height - 10);
  await page.mouse.click(5, vp.height - 5); // the status bar, below the popup
  await expect(page.getByTestId('image-popup')).toHaveCount(0);
  await chooser(page).click();
  await filter(page).fill('img:5');
  await page.locator('[data-testid="image-option"][data-index="5"]').click();
  await expect(chooser(page)).toHaveAttribute('data-value', '5');
  await expect(page).toHaveURL(/image=5(&|$)/);
});

test('an image is found by its config digest, with or without sha256:', async ({ page }) => {
  const file = join(process.cwd(), 'test/fixtures/images/podman-two-images-shared-layer.docker.tar');
  const manifest = JSON.parse(execFileSync('tar', ['-xOf', file, 'manifest.json'], { encoding: 'utf8' })) as { Config: string; RepoTags: string[] }[];
  const second = manifest[1]!;
  const hex = second.Config.replace(/\.json$/, '');
  await open(page, file);
  await expect(chooser(page)).toHaveText(manifest[0]!.RepoTags[0]!);
  await chooser(page).click();
  await filter(page).fill(hex.slice(0, 10));
  await expect(options(page)).toHaveCount(1);
  await expect(options(page)).toContainText(second.RepoTags[0]!);
  await filter(page).fill(`SHA256:${hex.slice(0, 16)}`);
  await expect(options(page)).toHaveCount(1);
  await page.keyboard.press('Enter');
  await expect(chooser(page)).toHaveText(second.RepoTags[0]!);
  await expect(chooser(page)).toHaveAttribute('data-value', '1');
});
