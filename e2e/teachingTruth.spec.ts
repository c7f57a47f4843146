/**
 * State a class can rely on: a layer keeps its color whatever is added above
 * it (starting the playground's container, committing it), and the rootfs
 * means one thing before and after a commit — the union of every image layer
 * (OCI config.md: rootfs.diff_ids lists them all) — with the base image's
 * layers framed inside it only when the history shows them.
 */
import { test, expect, type Page } from '@playwright/test';
import { join } from 'node:path';

const band = (page: Page, i: number) => page.locator(`[data-testid="layer"][data-index="${i}"]`);
const colors = (page: Page) =>
  page
    .locator('[data-testid="layer"]')
    .evaluateAll((els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-index'), getComputedStyle(e).getPropertyValue('--layer').trim()])));
const rootfsBands = (page: Page) =>
  page.locator('[data-part="rootfs"] [data-testid="layer"]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-index'))));

async function openExample(page: Page) {
  await page.goto('./?example');
  await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await expect(page.getByTestId('tree-row').first()).toBeVisible();
}

test('layer colors are stable: a container and a commit recolor nothing below them', async ({ page }) => {
  await openExample(page);
  const before = await colors(page);
  expect(Object.keys(before)).toHaveLength(5);
  expect(new Set(Object.values(before)).size).toBe(5);

  await page.getByTestId('pg-toggle').click();
  await page.getByTestId('pg-start').click();
  await expect(band(page, 5)).toBeVisible();
  const running = await colors(page);
  for (const i of ['0', '1', '2', '3', '4']) expect(running[i], `layer ${i} with a container`).toBe(before[i]);
  expect(Object.values(before)).not.toContain(running['5']);
  // The tree's owner chips and the details' history chips use the same colors.
  const chip = await page.locator('[data-testid="tree-row"][data-path="/bin"] .ft-layer').evaluate((e) => getComputedStyle(e).borderLeftColor);
  const rgb = (hex: string) => `rgb(${[1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16)).join(', ')})`;
  expect(chip).toBe(rgb(before['0']!));

  await page.getByTestId('pg-path').fill('/etc/motd');
  await page.getByTestId('pg-delete').click();
  await page.getByTestId('pg-commit').click();
  await expect(page.getByTestId('pg-committed')).toHaveCount(1);
  const committed = await colors(page);
  for (const i of ['0', '1', '2', '3', '4']) expect(committed[i], `layer ${i} after the commit`).toBe(before[i]);
  // The container's layer became layer 5 and kept its color.
  expect(committed['5']).toBe(running['5']);
});

test('the rootfs is the union of every layer, before and after a commit', async ({ page }) => {
  await openExample(page);
  const rootfs = page.locator('[data-part="rootfs"]');
  await expect(page.getByTestId('rootfs-caption')).toContainText('rootfs = the union of layers 0–4, what a container sees at /');
  expect(await rootfsBands(page)).toEqual([4, 3, 2, 1, 0]);
  // The example's history ends with its CMD at the top: no base image is claimed.
  await expect(page.locator('[data-part="base-image"]')).toHaveCount(0);
  await expect(rootfs).toHaveAttribute('aria-label', /union of layers 0–4/);

  // A running container's read-write layer is not part of the rootfs: it sits above it.
  await page.getByTestId('pg-toggle').click();
  await page.getByTestId('pg-start').click();
  await expect(band(page, 5)).toBeVisible();
  expect(await rootfsBands(page)).toEqual([4, 3, 2, 1, 0]);
  const top = (await band(page, 5).boundingBox())!;
  expect(top.y + top.height).toBeLessThanOrEqual((await rootfs.boundingBox())!.y + 0.5);

  // After the commit the new layer is in the rootfs: same meaning, one layer more.
  await page.getByTestId('pg-path').fill('/etc/hostname');
  await page.getByTestId('pg-delete').click();
  await page.getByTestId('pg-commit').click();
  await expect(page.getByTestId('pg-committed')).toHaveCount(1);
  await expect(page.getByTestId('rootfs-caption')).toContainText('rootfs = the union of layers 0–5, what a container sees at /');
  expect(await rootfsBands(page)).toEqual([5, 4, 3, 2, 1, 0]);
  // The committed layer does not turn the original image into a "base image".
  await expect(page.locator('[data-part="base-image"]')).toHaveCount(0);
  await expect(page.locator('[data-part="container"]')).toContainText('container layer');
});

test('an image built FROM a base frames the base image layers inside the rootfs', async ({ page }) => {
  await page.goto('./');
  await page.getByTestId('file-input').setInputFiles(join(process.cwd(), 'test/fixtures/images/dive-legacy-14-layers.tar'));
  await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await expect(page.locator('[data-part="base-image"]')).toContainText('base image layers 0');
  expect(await page.locator('[data-part="base-image"] [data-testid="layer"]').count()).toBe(1);
  expect((await rootfsBands(page)).length).toBe(14);
  await expect(page.getByTestId('rootfs-caption')).toContainText('union of layers 0–13');
});

test('teaching texts: BuildKit, and who turns a whiteout into what the mount understands', async ({ page }) => {
  await openExample(page);
  await page.getByTestId('concepts-toggle').click();
  const pop = page.getByTestId('concepts');
  await pop.locator('[data-testid="concept-term"][data-concept="commit"]').click();
  await expect(pop.getByTestId('concept')).toContainText('BuildKit');
  await expect(pop.getByTestId('concept')).toContainText('classic builder');
  await pop.locator('[data-testid="concept-term"][data-concept="whiteout"]').click();
  await expect(pop.getByTestId('concept')).toContainText('snapshotter');
  await expect(pop.getByTestId('concept')).not.toContainText('tells the union mount');
  await pop.locator('[data-testid="concept-term"][data-concept="rootfs"]').click();
  await expect(pop.getByTestId('concept')).toContainText('union of all the image');
  await expect(pop.getByTestId('concept')).toContainText('rootfs.diff_ids');
});

test('playground: a binary is refused with the reason, / is the root, counts agree, the panel leaves the tree uncovered', async ({ page }) => {
  for (const [w, h] of [
    [1024, 700],
    [1440, 900],
    [1920, 1080],
  ] as const) {
    await page.setViewportSize({ width: w, height: h });
    await openExample(page);
    await page.getByTestId('pg-toggle').click();
    await page.getByTestId('pg-start').click();
    await expect(band(page, 5)).toBeVisible();
    // The panel floats over the details pane, never over the tree's toolbar or column header.
    const pg = (await page.getByTestId('playground').boundingBox())!;
    for (const sel of ['.ft-toolbar', '.ft-head']) {
      const b = (await page.locator(sel).boundingBox())!;
      expect(b.x + b.width, `${w}: ${sel} left of the panel`).toBeLessThanOrEqual(pg.x + 0.5);
    }
    // Counts: 5 image layers plus the container's, everywhere.
    await expect(page.getByTestId('load-summary')).toContainText('5 layers + the container’s read-write layer');
    await expect(page.getByTestId('integrity-status')).toHaveText('5/5 layers verified', { timeout: 30_000 });
    await expect(page.locator('.sd-total')).toContainText('5 layers');
  }
  await page.getByTestId('pg-path').fill('/');
  await expect(page.getByTestId('pg-path-state')).toHaveText(/^the root directory/);
  await page.getByTestId('pg-path').fill('/bin/busybox');
  await expect(page.getByTestId('pg-path-state')).toContainText('from layer 0');
  await page.getByTestId('pg-edit').click();
  await expect(page.getByTestId('playground').getByRole('alert')).toContainText('1.98 MB');
  await expect(page.getByTestId('pg-editor')).toHaveCount(0);
});

test('playground at 390 px: a bottom sheet, and the tree header can still be scrolled into view above it', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await openExample(page);
  await page.getByTestId('pg-toggle').click();
  await page.getByTestId('pg-start').click();
  const head = page.locator('.ft-head');
  await head.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  const pg = (await page.getByTestId('playground').boundingBox())!;
  const b = (await head.boundingBox())!;
  expect(b.y + b.height).toBeLessThanOrEqual(pg.y + 0.5);
});
