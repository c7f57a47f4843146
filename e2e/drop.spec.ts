/**
 * Dropping several files at once: the first two are opened and compared (issue
 * 11, e2e/compare.spec.ts), and the page names the ones it did not use.
 */
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

test('three files dropped: the first is opened and compared with the second, the page says the third was not used', async ({ page }) => {
  const names = ['skopeo-busybox.tar', 'docker25-hello-world.tar', 'legacy-overwritten-file.tar'];
  await page.goto('./');
  await page.evaluate(
    ({ files }) => {
      const dt = new DataTransfer();
      for (const [name, b64] of files) dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], name, { type: 'application/x-tar' }));
      document.body.dispatchEvent(new DragEvent('dragenter', { bubbles: true, cancelable: true, dataTransfer: dt }));
      document.body.dispatchEvent(new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: dt }));
      document.body.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: dt }));
    },
    { files: names.map((n): [string, string] => [n, readFileSync(join(process.cwd(), 'test/fixtures/images', n)).toString('base64')]) },
  );
  const note = page.getByTestId('drop-notice');
  await expect(note).toContainText('3 files were dropped: only the first two, “skopeo-busybox.tar” and “docker25-hello-world.tar”, were opened and compared');
  await expect(note).toContainText('“legacy-overwritten-file.tar” was not');
  await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await expect(page.getByTestId('file-name')).toContainText('skopeo-busybox.tar');
  await expect(page.getByTestId('compare')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('compare').locator('.cmp-side--b')).toContainText('docker25-hello-world.tar');
  await note.getByRole('button', { name: 'Dismiss' }).click();
  await expect(note).toHaveCount(0);
});
