/**
 * An archive of several images where some cannot be opened (a config absent,
 * a config that is not JSON): the page opens the others and its warnings say
 * which image fails with "that image cannot be opened (the archive's other
 * images can)" — never "this image", which would name the one shown. An
 * archive whose only image fails is an error that does not promise others.
 * The archives are written by the test (test/helpers/hostile.mjs tarOf).
 */
import { test, expect, type Page } from '@playwright/test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as H from '../test/helpers/hostile.mjs';

const tmp = mkdtempSync(join(tmpdir(), 'layerscope-e2e-broken-'));
test.afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const THAT = "that image cannot be opened (the archive's other images can)";

/** A `docker save` whose manifest.json lists `entries` (tag, config member); config.json is valid, bad.json is cut short. */
function archive(name: string, entries: [tag: string, config: string][]): string {
  const layer = H.tarOf([{ name: 'hello.txt', data: 'hello\n' }]);
  const cfg = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [H.sha256(layer)] } });
  const man = JSON.stringify(entries.map(([tag, config]) => ({ Config: config, RepoTags: [tag], Layers: ['l/layer.tar'] })));
  const file = join(tmp, name);
  writeFileSync(
    file,
    H.tarOf([
      { name: 'manifest.json', data: man },
      { name: 'config.json', data: cfg },
      { name: 'bad.json', data: '{"rootfs": [' },
      { name: 'l/layer.tar', data: layer },
    ]),
  );
  return file;
}

async function open(page: Page, file: string, state: 'ready' | 'error') {
  await page.goto('./');
  await page.getByTestId('file-input').setInputFiles(file);
  await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', state, { timeout: 60_000 });
}

test('the images that open are shown; the warnings name each one that cannot, as "that image"', async ({ page }) => {
  const file = archive('two-broken.tar', [
    ['good:1', 'config.json'],
    ['broken:1', 'absent.json'],
    ['garbled:1', 'bad.json'],
    ['good:2', 'config.json'],
  ]);
  await open(page, file, 'ready');
  // The chooser lists the two that open.
  await page.getByTestId('image-chooser').click();
  await expect(page.getByTestId('image-option')).toHaveCount(2);
  await expect(page.getByTestId('image-option').locator('.chooser-option__name')).toHaveText(['good:1', 'good:2']);
  await page.keyboard.press('Escape');

  await page.getByTestId('warnings-button').click();
  const panel = page.locator('#load-warnings');
  const items = panel.locator('li');
  await expect(items).toHaveCount(2);
  await expect(items.nth(0)).toHaveText(`Image broken:1 (manifest.json entry 1): its config "absent.json" is not in the archive; ${THAT}`);
  // A parse error names only the file: the image is named in front of it.
  await expect(items.nth(1)).toHaveText(
    new RegExp(`^Image garbled:1 \\(manifest.json entry 2\\): "bad.json" is not valid JSON \\(.+\\); ${THAT.replace(/[()]/g, '\\$&')}$`),
  );
  await expect(panel).not.toContainText('this image');
  // Without a layer chip the sentence itself comes first: no space in front of it.
  expect(await items.allTextContents()).toEqual([expect.stringMatching(/^Image broken:1 /), expect.stringMatching(/^Image garbled:1 /)]);

  // Another image shown: the same sentences, still right.
  await page.getByTestId('image-chooser').click();
  await page.locator('[data-testid="image-option"][data-index="1"]').click();
  await expect(page.getByTestId('image-chooser')).toHaveText('good:2');
  await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', 'ready');
  if (!(await panel.isVisible())) await page.getByTestId('warnings-button').click();
  await expect(panel.locator('li')).toHaveCount(2);
  await expect(panel).toContainText(`Image broken:1 (manifest.json entry 1): its config "absent.json" is not in the archive; ${THAT}`);
  await expect(panel).not.toContainText('this image');
});

test('an archive whose only image cannot be opened is an error that names it and promises no other image', async ({ page }) => {
  const file = archive('only-broken.tar', [['broken:1', 'absent.json']]);
  await open(page, file, 'error');
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('Image broken:1 (manifest.json entry 0): its config "absent.json" is not in the archive');
  await expect(alert).not.toContainText('other images');
  await expect(alert).not.toContainText('that image');
});
