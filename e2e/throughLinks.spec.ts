/**
 * A file planted in /etc through a symlinked directory (issue 9, point 13): layer 0
 * holds `etc/` and `etc2 -> /etc`, layer 1 adds `etc2/evil`. The page must show it
 * where extraction puts it (/etc/evil, as umoci and containerd apply the layer),
 * keep /etc2 a symlink, mark the file "via /etc2" in the tree and "written through
 * /etc2 → /etc" in the details, and list the warning. The archive is written here.
 */
import { test, expect } from '@playwright/test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTar } from '../src/core/write/tarWriter';
import { dockerArchive, tdir, tfile, tlink } from '../test/helpers/imageArchive';

const tmp = mkdtempSync(join(tmpdir(), 'layerscope-e2e-through-'));
test.afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test('a file written through /etc2 -> /etc is shown in /etc, marked, and warned about', async ({ page }) => {
  test.setTimeout(120_000);
  const f = join(tmp, 'through.tar');
  writeFileSync(
    f,
    dockerArchive([
      writeTar([tdir('etc'), tfile('etc/passwd', 'root:x:0:0\n'), tlink('symlink', 'etc2', '/etc')]),
      writeTar([tfile('etc2/evil', 'planted\n')]),
    ]),
  );
  await page.goto('./');
  await page.getByTestId('file-input').setInputFiles(f);
  await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });

  await page.getByTestId('search').fill('evil');
  const row = page.locator('[data-testid="tree-row"][data-path="/etc/evil"]');
  await expect(row).toHaveCount(1);
  await expect(row.getByTestId('tree-through')).toHaveText('via /etc2');
  await expect(page.locator('[data-testid="tree-row"][data-path="/etc2/evil"]')).toHaveCount(0);

  await row.click();
  await expect(page.getByTestId('details-path')).toHaveText('/etc/evil');
  await expect(page.getByTestId('details-through')).toHaveText('written through /etc2 → /etc');
  await expect(page.getByTestId('details')).toContainText('the tar entry is /etc2/evil');
  await page.getByTestId('search').fill('evil');
  if (process.env.LAYERSCOPE_SHOTS) writeFileSync(join(process.env.LAYERSCOPE_SHOTS, 'through-tree.png'), await page.screenshot());

  await page.getByTestId('search').fill('etc2');
  const link = page.locator('[data-testid="tree-row"][data-path="/etc2"]');
  await expect(link.locator('.ft-link')).toHaveText('→ /etc');

  await page.getByTestId('warnings-button').click();
  await expect(page.locator('#load-warnings')).toContainText('/etc2/evil is written through the symlink /etc2 → /etc: it lands at /etc/evil');
  if (process.env.LAYERSCOPE_SHOTS) {
    for (const w of [390, 1280]) {
      await page.setViewportSize({ width: w, height: 800 });
      writeFileSync(join(process.env.LAYERSCOPE_SHOTS, `through-${w}.png`), await page.screenshot());
    }
  }
});
