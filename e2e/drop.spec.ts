/**
 * Dropping two files at once: the first opens, and the page says so and names
 * the other (until the comparison flow of #11 offers to compare them).
 */
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

test('two files dropped: the first is opened, the page says the second was not', async ({ page }) => {
  const a = join(process.cwd(), 'test/fixtures/images/skopeo-busybox.tar');
  const b = join(process.cwd(), 'test/fixtures/images/docker25-hello-world.tar');
  await page.goto('./');
  await page.evaluate(
    ({ files }) => {
      const dt = new DataTransfer();
      for (const [name, b64] of files) dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], name, { type: 'application/x-tar' }));
      document.body.dispatchEvent(new DragEvent('dragenter', { bubbles: true, cancelable: true, dataTransfer: dt }));
      document.body.dispatchEvent(new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: dt }));
      document.body.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: dt }));
    },
    { files: [a, b].map((f): [string, string] => [f.split('/').pop()!, readFileSync(f).toString('base64')]) },
  );
  await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await expect(page.getByTestId('file-name')).toContainText('skopeo-busybox.tar');
  const note = page.getByTestId('drop-notice');
  await expect(note).toContainText('2 files were dropped: only the first, “skopeo-busybox.tar”, was opened');
  await expect(note).toContainText('“docker25-hello-world.tar” was not');
  await note.getByRole('button', { name: 'Dismiss' }).click();
  await expect(note).toHaveCount(0);
});
