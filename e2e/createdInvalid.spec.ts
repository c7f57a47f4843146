/**
 * A `created` that is not a date (issue 9, point 12): Date.parse turns "1" into
 * 2001-01-01, which the page used to show. The image's and a step's `created` are
 * shown exactly as given and marked invalid. The archive is written here.
 */
import { test, expect } from '@playwright/test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTar } from '../src/core/write/tarWriter';
import { dockerArchive, tfile } from '../test/helpers/imageArchive';

const tmp = mkdtempSync(join(tmpdir(), 'layerscope-e2e-created-'));
test.afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test('a created of "1" is shown as 1, marked invalid, in the image panel and the layer details', async ({ page }) => {
  test.setTimeout(120_000);
  const f = join(tmp, 'created.tar');
  writeFileSync(f, dockerArchive([writeTar([tfile('a', 'x')])], { config: { created: '1', history: [{ created_by: 'step 0', created: '2020' }] } }));
  await page.goto('./');
  await page.getByTestId('file-input').setInputFiles(f);
  await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });

  await page.getByTestId('tab-image').click();
  const img = page.getByTestId('created-invalid').first();
  await expect(img).toHaveText('1 not a valid date');
  await expect(page.locator('body')).not.toContainText('2001-01-01');

  await page.getByTestId('tab-layer').click();
  await expect(page.getByTestId('layer-created')).toHaveText('Created 2020 not a valid date');
  await expect(page.locator('body')).not.toContainText('2020-01-01');
});
