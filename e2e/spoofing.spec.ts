/**
 * Names that spoof themselves (issue 9, point 9): `invoice\u202Egnp.exe` renders
 * as "invoiceexe.png" unless its RIGHT-TO-LEFT OVERRIDE is shown. The archive is
 * written here; every place the page shows the name, a link target, a tag or a
 * build step must show the hidden characters as visible tokens (⟨U+202E⟩), and
 * the suggested download name must carry them too.
 */
import { test, expect, type Page } from '@playwright/test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTar } from '../src/core/write/tarWriter';
import { dockerArchive, tdir, tfile, tlink } from '../test/helpers/imageArchive';
import { withoutSavePicker } from './browserDownload';

// the downloads checked here are the browser's own (the picker path: download.spec.ts)
test.beforeEach(({ page }) => withoutSavePicker(page));

const tmp = mkdtempSync(join(tmpdir(), 'layerscope-e2e-spoof-'));
test.afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SPOOF = 'invoice\u202egnp.exe';
const HIDDEN = /[\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/;

function archive(): string {
  const layer = writeTar([
    tdir('docs'),
    tfile(`docs/${SPOOF}`, 'let isAdmin = false; /*\u202e } \u2066if (isAdmin)\u2069 \u2066 begin admins only */\n'),
    tlink('symlink', 'docs/latest', `/docs/${SPOOF}`),
    tfile('docs/zero\u200bwidth', 'x'),
  ]);
  const f = join(tmp, 'spoof.tar');
  writeFileSync(
    f,
    dockerArchive([layer], {
      tags: ['app:v1\u200b'],
      createdBy: [`/bin/sh -c touch ${SPOOF}`],
    }),
  );
  return f;
}

async function open(page: Page, path: string) {
  await page.goto('./');
  await page.getByTestId('file-input').setInputFiles(path);
  await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
}

test('bidi and zero-width characters in names, link targets, tags and history are shown as tokens', async ({ page }) => {
  await open(page, archive());
  await page.getByTestId('search').fill('invoice');
  const row = page.locator('[data-testid="tree-row"]').filter({ hasText: 'invoice' });
  await expect(row).toHaveCount(1);
  // The tree row: the name with its override made visible, nothing hidden left in it.
  const name = row.locator('.ft-name');
  await expect(name).toContainText('invoice⟨U+202E⟩gnp.exe');
  expect(await name.textContent()).not.toMatch(HIDDEN);
  expect(await row.getAttribute('aria-label')).toContain('⟨U+202E⟩');
  await expect(row.locator('.safe-token')).toHaveText('⟨U+202E⟩');

  // The details title and path.
  await row.click();
  await expect(page.locator('.dt-name')).toHaveText('invoice⟨U+202E⟩gnp.exe');
  await expect(page.getByTestId('details-path')).toHaveText('/docs/invoice⟨U+202E⟩gnp.exe');
  expect(await page.locator('.dt-head').textContent()).not.toMatch(HIDDEN);

  // The preview: the file's own bidi characters (a "Trojan Source" comment) shown and announced.
  await expect(page.getByTestId('preview-hidden-chars')).toBeVisible();
  const text = await page.getByTestId('preview-text').textContent();
  expect(text).toContain('⟨U+202E⟩');
  expect(text).toContain('⟨U+2066⟩');
  expect(text).not.toMatch(HIDDEN);

  // The suggested download name cannot pose as a .png either.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
  expect(download.suggestedFilename()).toBe('invoice⟨U+202E⟩gnp.exe');

  // A symlink's target, in the tree and in the details.
  await page.getByTestId('search').fill('latest');
  const link = page.locator('[data-testid="tree-row"][data-path="/docs/latest"]');
  await expect(link.locator('.ft-link')).toContainText('⟨U+202E⟩');
  await link.click();
  const details = await page.getByTestId('details').textContent();
  expect(details).toContain('/docs/invoice⟨U+202E⟩gnp.exe');
  expect(details).not.toMatch(HIDDEN);

  // A zero-width space cannot make two names look alike.
  await page.getByTestId('search').fill('zero');
  await expect(page.locator('[data-testid="tree-row"] .ft-name').filter({ hasText: 'zero' })).toHaveText('zero⟨U+200B⟩width');

  // The stack diagram's build step and the image panel's tag.
  const band = page.locator('[data-testid="layer"][data-index="0"]');
  await expect(band).toContainText('⟨U+202E⟩');
  expect(await band.getAttribute('aria-label')).not.toMatch(HIDDEN);
  expect(await band.getAttribute('title')).not.toMatch(HIDDEN);
  const whole = await page.locator('body').textContent();
  expect(whole).not.toMatch(HIDDEN);
});
