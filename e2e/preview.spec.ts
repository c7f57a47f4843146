/**
 * Details and previews on the built-in example image (public/example.tar),
 * checked against the bytes GNU tar extracts from the same layers: text of
 * each version, the PNG logo, a hex dump of a binary, downloads, a whiteout's
 * last version, symlinks.
 */
import { test, expect, type Page } from '@playwright/test';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileBytes, truthOf } from './tarTruth';
import { withoutSavePicker } from './browserDownload';

// the downloads checked here are the browser's own (the picker path: download.spec.ts)
test.beforeEach(({ page }) => withoutSavePicker(page));

const EXAMPLE = resolve(process.cwd(), 'public/example.tar');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function openExample(page: Page) {
  await page.goto('./');
  await page.getByTestId('file-input').setInputFiles(EXAMPLE);
  await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
}

/**
 * Which content-visibility: auto blocks the browser renders: each block's
 * contentvisibilityautostatechange (captured on the document: it does not bubble)
 * says whether it is skipped; window.__rendered holds the rendered ones.
 */
function trackRenderedBlocks(page: Page) {
  return page.addInitScript(() => {
    const w = window as unknown as { __rendered: Set<Element> };
    w.__rendered = new Set();
    document.addEventListener(
      'contentvisibilityautostatechange',
      (e) => {
        const ev = e as Event & { skipped: boolean };
        if (ev.skipped) w.__rendered.delete(ev.target as Element);
        else w.__rendered.add(ev.target as Element);
      },
      true,
    );
  });
}

async function selectLayer(page: Page, n: number) {
  const band = page.locator(`[data-testid="layer"][data-index="${n}"]`);
  await band.click();
  await expect(band).toHaveAttribute('aria-selected', 'true');
}

/** Find a path with the search (its ancestors open) and click its row. */
async function selectPath(page: Page, path: string) {
  await page.getByTestId('search').fill(path.slice(path.lastIndexOf('/') + 1));
  const row = page.locator(`[data-testid="tree-row"][data-path="${path}"]`);
  await row.click();
  await expect(row).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('details-path')).toHaveText(path);
}

test.describe('preview', () => {
  const truth = truthOf(EXAMPLE);

  test('text of every version of an overwritten file, and its download', async ({ page }) => {
    const motd2 = fileBytes(truth, 2, '/etc/motd');
    const motd0 = fileBytes(truth, 0, '/etc/motd');
    expect(motd2.equals(motd0)).toBe(false);
    await openExample(page);
    await selectPath(page, '/etc/motd');
    await expect(page.getByTestId('preview-kind')).toHaveText('Text · UTF-8');
    await expect(page.getByTestId('preview-text')).toHaveText(motd2.toString('utf8'));
    // the version in layer 0 still ships: view it from the history
    await page.locator('[data-testid="history-row"][data-layer="0"] [data-testid="preview-version"]').click();
    await expect(page.getByTestId('preview-text')).toHaveText(motd0.toString('utf8'));
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
    expect(download.suggestedFilename()).toBe('motd');
    expect(readFileSync(await download.path())).toEqual(motd0);
  });

  test('a PNG shows as an image', async ({ page }) => {
    const png = fileBytes(truth, 1, '/app/static/logo.png');
    // IHDR width and height (PNG spec §11.2.2), big-endian at offsets 16 and 20
    const width = png.readUInt32BE(16);
    const height = png.readUInt32BE(20);
    await openExample(page);
    await selectPath(page, '/app/static/logo.png');
    await expect(page.getByTestId('preview-kind')).toHaveText('PNG image');
    const img = page.getByTestId('preview-image');
    await expect(img).toHaveAttribute('src', /^blob:/);
    await expect.poll(() => img.evaluate((e: HTMLImageElement) => [e.naturalWidth, e.naturalHeight])).toEqual([width, height]);
    await expect(page.locator('.pv-image figcaption')).toHaveText(`${width} × ${height} px`);
  });

  test('a binary shows as a hex dump, and downloads whole', async ({ page }) => {
    test.setTimeout(90_000);
    const bin = fileBytes(truth, 0, '/bin/busybox');
    const first = [...bin.subarray(0, 16)].map((x) => x.toString(16).padStart(2, '0'));
    const ascii = [...bin.subarray(0, 16)].map((x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : '.')).join('');
    const line0 = `00000000  ${first.slice(0, 8).join(' ')}  ${first.slice(8).join(' ')}  |${ascii}|`;
    await openExample(page);
    await selectPath(page, '/bin/busybox');
    await expect(page.getByTestId('preview-kind')).toHaveText('Binary · hex');
    const hex = await page.getByTestId('preview-hex').textContent();
    expect(hex!.split('\n')[0]).toBe(line0);
    expect(hex!.split('\n')).toHaveLength(65536 / 16);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
    expect(download.suggestedFilename()).toBe('busybox');
    expect(sha(readFileSync(await download.path()))).toBe(sha(bin));
  });

  test('a hex dump lays out only the lines near view, and still finds, selects and scrolls them all', async ({ page }) => {
    // Issue 13: the 4,096 lines of a 64 KiB dump were laid out at once (78 ms of the
    // click's layout in bench-click). Blocks of lines with content-visibility: auto.
    await trackRenderedBlocks(page);
    const bin = fileBytes(truth, 0, '/bin/busybox');
    const want = (off: number) => {
      const b = [...bin.subarray(off, off + 16)];
      const h = b.map((x) => x.toString(16).padStart(2, '0'));
      const a = b.map((x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : '.')).join('');
      return `${off.toString(16).padStart(8, '0')}  ${h.slice(0, 8).join(' ')}  ${h.slice(8).join(' ')}  |${a}|`;
    };
    await openExample(page);
    await selectPath(page, '/bin/busybox');
    const hex = page.getByTestId('preview-hex');
    await expect(hex).toBeVisible();
    const blocks = hex.locator('.pv-hex-block');
    await expect(blocks).toHaveCount(4096 / 128);
    const rendered = () =>
      page.evaluate(() => [...(window as unknown as { __rendered: Set<Element> }).__rendered].map((e) => [...e.parentElement!.children].indexOf(e)));
    // a few blocks in view are laid out, the rest wait (without the blocks: none exist)
    await expect.poll(async () => (await rendered()).length).toBeGreaterThan(0);
    expect((await rendered()).length).toBeLessThanOrEqual(4);
    expect(await rendered()).toContain(0);
    // every line is in the DOM, as one text: hexDump's, lines joined by "\n"
    const text = (await hex.textContent())!;
    expect(text.split('\n')).toHaveLength(4096);
    expect(text.split('\n')[4095]).toBe(want(65520));
    // a skipped block keeps the height of its lines: the dump scrolls as far as before
    const { scrollHeight, lineHeight } = await hex.evaluate((e) => ({
      scrollHeight: e.scrollHeight,
      lineHeight: Number.parseFloat(getComputedStyle(e).lineHeight),
    }));
    expect(Math.abs(scrollHeight - 4096 * lineHeight)).toBeLessThan(4 * lineHeight);
    // find-in-page reaches a line far below (window.find: the engine's own find) and shows it
    const far = want(0xf000);
    expect(await page.evaluate((s) => (window as unknown as { find(s: string): boolean }).find(s), far)).toBe(true);
    expect(await page.evaluate(() => String(getSelection()))).toBe(far);
    await expect.poll(rendered).toContain(0xf000 / 16 / 128);
    // selecting the whole dump copies every line, as the single <pre> did
    const sel = await hex.evaluate((e) => {
      const r = document.createRange();
      r.selectNodeContents(e);
      getSelection()!.removeAllRanges();
      getSelection()!.addRange(r);
      return String(getSelection());
    });
    expect(sel).toBe(text);
    await page.evaluate(() => getSelection()!.removeAllRanges());
    // the keyboard scrolls the focused region to its last line, which is then drawn
    await hex.evaluate((e) => {
      e.scrollTop = 0;
    });
    await hex.focus();
    await page.keyboard.press('End');
    await expect.poll(() => hex.evaluate((e) => e.scrollTop + e.clientHeight >= e.scrollHeight - 1)).toBe(true);
    await expect.poll(rendered).toContain(31);
    // and it stays a labelled region for assistive technology, lines included
    await expect(page.getByRole('region', { name: 'Hex dump' })).toContainText(want(65520));
  });

  test('a long text lays out only the lines near view, and its text, find and selection are whole', async ({ page }) => {
    // Issue 13: the first 256 KiB of a text file were laid out at once on each click
    // (TextBlocks.tsx). Which blocks render: trackRenderedBlocks.
    await trackRenderedBlocks(page);
    const shown = fileBytes(truth, 0, '/usr/share/doc/example/big.txt')
      .subarray(0, 256 * 1024)
      .toString('utf8');
    await openExample(page);
    await selectLayer(page, 0);
    await selectPath(page, '/usr/share/doc/example/big.txt');
    const pre = page.getByTestId('preview-text');
    await expect(pre).toBeVisible();
    const lines = shown.split('\n').length;
    // a block per 128 line feeds, and one for what follows the last cut
    const feeds = lines - 1;
    await expect(pre.locator('.pv-text-block')).toHaveCount(shown.endsWith('\n') ? Math.ceil(feeds / 128) : Math.floor(feeds / 128) + 1);
    const rendered = () => page.evaluate(() => (window as unknown as { __rendered: Set<Element> }).__rendered.size);
    await expect.poll(rendered).toBeGreaterThan(0);
    expect(await rendered()).toBeLessThanOrEqual(4);
    expect(await pre.textContent()).toBe(shown);
    const far = shown.split('\n')[lines - 2]!;
    expect(await page.evaluate((s) => (window as unknown as { find(s: string): boolean }).find(s), far)).toBe(true);
    expect(await page.evaluate(() => String(getSelection()))).toBe(far);
    const sel = await pre.evaluate((e) => {
      const r = document.createRange();
      r.selectNodeContents(e);
      getSelection()!.removeAllRanges();
      getSelection()!.addRange(r);
      return String(getSelection());
    });
    // (Chromium's serialization of a selection leaves out a line feed that ends the <pre>)
    expect(sel).toBe(shown.replace(/\n$/, ''));
  });

  test('a deleted file: what the whiteout hides, and its last version', async ({ page }) => {
    const big = fileBytes(truth, 0, '/usr/share/doc/example/big.txt');
    await openExample(page);
    await selectLayer(page, 3);
    await selectPath(page, '/usr/share/doc/example/big.txt');
    const info = page.getByTestId('deletion-info');
    await expect(info).toContainText('/usr/share/doc/example/.wh.big.txt');
    await expect(info).toContainText('still ship in layer 0');
    // the preview is the version the whiteout hides, capped at 256 KiB
    const text = await page.getByTestId('preview-text').textContent();
    expect(text).toBe(big.subarray(0, 256 * 1024).toString('utf8'));
    await expect(page.getByTestId('preview')).toContainText('are shown');
  });

  test('an opaque directory hides the lower versions', async ({ page }) => {
    await openExample(page);
    await selectLayer(page, 4);
    await selectPath(page, '/app/config/default.conf');
    await expect(page.getByTestId('deletion-info')).toContainText('/app/config/.wh..wh..opq');
    await expect(page.locator('[data-testid="history-row"][data-layer="4"]')).toHaveAttribute('data-action', 'opaque-hidden');
    // both hidden versions can be viewed
    const v1 = fileBytes(truth, 1, '/app/config/default.conf').toString('utf8');
    const v2 = fileBytes(truth, 2, '/app/config/default.conf').toString('utf8');
    await expect(page.getByTestId('preview-text')).toHaveText(v2);
    await page.locator('[data-testid="history-row"][data-layer="1"] [data-testid="preview-version"]').click();
    await expect(page.getByTestId('preview-text')).toHaveText(v1);
    // the directory itself says it was made opaque, and by which marker
    await selectPath(page, '/app/config');
    await expect(page.getByTestId('details')).toContainText('opaque in layer 4');
    await expect(page.getByTestId('details')).toContainText('/app/config/.wh..wh..opq');
  });

  test('a symlink names its target and leads to it', async ({ page }) => {
    await openExample(page);
    await selectPath(page, '/bin/sh');
    await expect(page.getByTestId('details')).toContainText('symbolic link');
    await page.getByRole('button', { name: 'Go to /bin/busybox' }).click();
    await expect(page.getByTestId('details-path')).toHaveText('/bin/busybox');
  });
});
