import { test, expect } from '@playwright/test';

test('the empty page offers a drop zone and a file input', async ({ page }) => {
  await page.goto('./');
  const root = page.locator('[data-state]').first();
  await expect(root).toHaveAttribute('data-state', 'empty');
  await expect(page.getByTestId('dropzone')).toBeVisible();
  await expect(page.getByTestId('file-input')).toHaveCount(1);
  await expect(page.getByText('never leaves your machine')).toBeVisible();
});
