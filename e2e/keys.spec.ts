/**
 * dive's keys in the page: Ctrl+A/R/M/U toggle the change filters, Ctrl+Space
 * collapses (and expands) everything, Ctrl+B the attributes columns, Ctrl+L
 * "this layer's changes only"; Tab moves between the panes; type-ahead in the
 * tree; `?` lists every key; directories get dive's aggregated marker; arrow
 * keys on a focused band act on that band. None of the Ctrl keys reaches the
 * browser (the page is not reloaded, no text gets selected).
 */
import { test, expect, type Page } from '@playwright/test';

async function openExample(page: Page) {
  await page.goto('./?example');
  await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await expect(page.getByTestId('tree-row').first()).toBeVisible();
}
const row = (page: Page, path: string) => page.locator(`[data-testid="tree-row"][data-path="${path}"]`);
const filter = (page: Page, name: string) => page.locator('.ft-filters').getByRole('button', { name });

test("dive's Ctrl keys toggle the filters, the attributes and this layer's changes", async ({ page }) => {
  await page.setViewportSize({ width: 1920, height: 1080 }); // wide enough for the mode and uid:gid columns
  await openExample(page);
  // A marker that a reload (Ctrl+R's browser meaning) would wipe.
  await page.evaluate(() => ((window as unknown as { __stay: number }).__stay = 1));
  await row(page, '/etc').click();

  for (const [key, name] of [
    ['Control+a', 'Added'],
    ['Control+r', 'Deleted'],
    ['Control+m', 'Modified'],
    ['Control+u', 'Unchanged'],
  ] as const) {
    await expect(filter(page, name)).toHaveAttribute('aria-pressed', 'true');
    await page.keyboard.press(key);
    await expect(filter(page, name), key).toHaveAttribute('aria-pressed', 'false');
    await page.keyboard.press(key);
    await expect(filter(page, name), key).toHaveAttribute('aria-pressed', 'true');
  }
  // Unchanged off at the top layer: only what layer 4 changed (and its directories) is left.
  await page.keyboard.press('Control+u');
  await expect(row(page, '/bin')).toHaveCount(0);
  await expect(row(page, '/app')).toBeVisible();
  await page.keyboard.press('Control+u');
  await expect(row(page, '/bin')).toBeVisible();

  const only = page.locator('.ft-toolbar').getByLabel(/Only layer 4 changes/);
  await page.keyboard.press('Control+l');
  await expect(only).toBeChecked();
  await page.keyboard.press('Control+l');
  await expect(only).not.toBeChecked();

  const tree = page.locator('.file-tree');
  await expect(tree).toHaveAttribute('data-attrs', 'on');
  await expect(row(page, '/etc').locator('.ft-mode')).toBeVisible();
  await expect(row(page, '/etc').locator('.ft-owner')).toHaveText('0:0');
  await page.keyboard.press('Control+b');
  await expect(tree).toHaveAttribute('data-attrs', 'off');
  await expect(row(page, '/etc').locator('.ft-mode')).toBeHidden();
  await expect(row(page, '/etc').locator('.ft-owner')).toBeHidden();
  await page.keyboard.press('Control+b');
  await expect(row(page, '/etc').locator('.ft-mode')).toBeVisible();

  // Ctrl+Space: everything collapses to the top level; again: everything opens.
  const deep = page.locator('[data-testid="tree-row"][aria-level="2"]');
  await page.getByRole('button', { name: 'Expand all' }).click();
  await expect(deep.first()).toBeVisible();
  await page.keyboard.press('Control+Space');
  await expect(deep).toHaveCount(0);
  await expect(row(page, '/usr')).toHaveAttribute('aria-expanded', 'false');
  await page.keyboard.press('Control+Space');
  await expect(deep.first()).toBeVisible();

  // In a text field the keys are the field's: Ctrl+A selects the search text, the filter stays.
  await page.getByTestId('search').fill('motd');
  await page.getByTestId('search').press('Control+a');
  await expect(filter(page, 'Added')).toHaveAttribute('aria-pressed', 'true');
  expect(await page.getByTestId('search').evaluate((e: HTMLInputElement) => [e.selectionStart, e.selectionEnd])).toEqual([0, 4]);

  expect(await page.evaluate(() => (window as unknown as { __stay?: number }).__stay)).toBe(1);
});

test('Tab moves between the layers, the tree and the details; type-ahead in the tree', async ({ page }) => {
  await openExample(page);
  await page.locator('[data-testid="layer"][data-index="2"]').click();
  await expect(page.locator('[data-testid="layer"][data-index="2"]')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('tree')).toBeFocused();
  // Focusing the tree selected its first row; type-ahead goes to the next name starting so.
  await page.keyboard.type('us');
  await expect(row(page, '/usr')).toHaveAttribute('aria-selected', 'true');
  await page.waitForTimeout(800); // a new prefix after a pause
  await page.keyboard.type('e');
  await expect(row(page, '/etc')).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Tab');
  await expect(page.locator('#pane-details [data-pane-focus]')).toBeFocused();
  await page.keyboard.press('Shift+Tab');
  await expect(page.getByRole('tree')).toBeFocused();
  await page.keyboard.press('Shift+Tab');
  await expect(page.locator('[data-testid="layer"][data-index="2"]')).toBeFocused();
  // From a pane's inner controls Tab is the browser's: the search field goes on to its mode select.
  await page.getByTestId('search').focus();
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Search mode')).toBeFocused();
});

test('? lists every key, Escape closes the list', async ({ page }) => {
  await openExample(page);
  await row(page, '/etc').click();
  await page.keyboard.press('?');
  const help = page.getByTestId('key-help');
  await expect(help).toBeVisible();
  for (const k of ['Ctrl+A', 'Ctrl+R', 'Ctrl+M', 'Ctrl+U', 'Ctrl+Space', 'Ctrl+B', 'Ctrl+L', 'Tab', '?']) await expect(help).toContainText(k);
  // While the list is open, dive's keys do nothing underneath.
  await page.keyboard.press('Control+a');
  await expect(filter(page, 'Added')).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('Escape');
  await expect(help).toBeHidden();
  // The status line's button opens it too.
  await page.getByTestId('keys-button').click();
  await expect(help).toBeVisible();
  await page.keyboard.press('Escape');
});

test("directories get dive's aggregated marker when something below them changed", async ({ page }) => {
  await openExample(page);
  // Layer 3 deletes /usr/share/doc/example/big.txt: /usr, /usr/share… are marked; /etc is not.
  await page.locator('[data-testid="layer"][data-index="3"]').click();
  await expect(row(page, '/usr')).toHaveAttribute('data-below-changed', 'true');
  await expect(row(page, '/usr').locator('.ft-marker')).toHaveText('~');
  await expect(row(page, '/usr')).toHaveAttribute('data-change', 'unchanged');
  await expect(row(page, '/etc')).not.toHaveAttribute('data-below-changed', 'true');
  await expect(row(page, '/bin')).not.toHaveAttribute('data-below-changed', 'true');
});

test('arrow keys on a focused band act on that band', async ({ page }) => {
  await openExample(page);
  const band = (i: number) => page.locator(`[data-testid="layer"][data-index="${i}"]`);
  await band(2).click();
  await expect(band(2)).toBeFocused();
  // The selection moves elsewhere (a history row in the details) while band 2 keeps focus.
  await page.evaluate(() => (document.querySelector('[data-testid="layer"][data-index="2"]') as HTMLElement).focus());
  await page.getByTestId('search').fill('motd');
  await row(page, '/etc/motd').click();
  await page.locator('[data-testid="history-row"][data-layer="0"] .dt-hbtn').click();
  await expect(band(0)).toHaveAttribute('aria-selected', 'true');
  await band(2).focus();
  await page.keyboard.press('ArrowUp');
  await expect(band(3)).toHaveAttribute('aria-selected', 'true');
  await expect(band(3)).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(band(2)).toHaveAttribute('aria-selected', 'true');
});
