/**
 * Comparing (issue 11) in the page. Truth from GNU tar (tarTruth.ts): the bytes of
 * each version as tar extracts them from the layer that wrote it.
 */
import { test, expect, type Page } from '@playwright/test';
import { resolve } from 'node:path';
import { fileBytes, truthOf } from './tarTruth';

const EXAMPLE = resolve(process.cwd(), 'public/example.tar');

async function openExample(page: Page) {
  await page.goto('./');
  await page.getByTestId('file-input').setInputFiles(EXAMPLE);
  await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
}

test.describe('two versions of one path inside one image', () => {
  const truth = truthOf(EXAMPLE);

  test('the path details diff the last version against the one before it', async ({ page }) => {
    const before = fileBytes(truth, 0, '/etc/motd').toString('utf8').trimEnd();
    const after = fileBytes(truth, 2, '/etc/motd').toString('utf8').trimEnd();
    await openExample(page);
    await page.getByTestId('search').fill('motd');
    await page.locator('[data-testid="tree-row"][data-path="/etc/motd"]').click();
    const vd = page.getByTestId('version-diff');
    await expect(vd).toBeVisible();
    const content = vd.getByTestId('compare-content');
    await expect(content).toHaveAttribute('data-kind', 'text');
    await expect(content).toContainText('1 line removed, 1 added');
    // unified: the old line, then the new one
    await expect(content.locator('.cmp-line--del .cmp-line__text')).toHaveText(`−${before}`);
    await expect(content.locator('.cmp-line--add .cmp-line__text')).toHaveText(`+${after}`);
    // side by side: one row with both
    await content.getByRole('radio', { name: 'Side by side' }).click();
    const row = content.locator('.cmp-line--change');
    await expect(row.locator('.cmp-line__text--del')).toHaveText(before);
    await expect(row.locator('.cmp-line__text--add')).toHaveText(after);
    // word-level highlights mark only part of the line
    expect(await row.locator('.cmp-line__text--add mark').count()).toBeGreaterThan(0);
    expect((await row.locator('.cmp-line__text--add mark').allTextContents()).join('').length).toBeLessThan(after.length);
  });
});
