/**
 * An SVG preview hands out no URL to active content (issue 9 point 10). The
 * blob: URL of an SVG opened as a top-level page (the image's "open in new tab",
 * an address pasted) runs its script in the app's origin, outside the CSP. So:
 * the SVG is rasterized (decoded by a detached <img>, drawn on a canvas, its URL
 * revoked at once); no element of the page refers to a blob: URL of an active
 * type; every blob: URL the page makes for a preview is revoked when the preview
 * goes; downloads of SVG/HTML/XML are application/octet-stream. The archive is
 * written by the test; its SVG carries a script, an onload and a javascript: link.
 */
import { test, expect, type Page } from '@playwright/test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTar } from '../src/core/write/tarWriter';
import { dockerArchive, tdir, tfile } from '../test/helpers/imageArchive';
import { withoutSavePicker } from './browserDownload';

const EVIL_SVG = `<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="120" height="80" onload="top.__pwned = 'onload'">
  <script>top.__pwned = 'script'; try { top.localStorage.setItem('pwned', '1') } catch (e) {}</script>
  <a xlink:href="javascript:top.__pwned='link'"><rect x="0" y="0" width="120" height="80" fill="#ff0000"/></a>
</svg>
`;
const PNG_1PX = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const ACTIVE = /svg|html|xml|javascript/i;

const tmp = mkdtempSync(join(tmpdir(), 'layerscope-e2e-svg-'));
test.afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let file: string;
test.beforeAll(() => {
  const layer = writeTar([
    tdir('img'),
    tfile('img/evil.svg', EVIL_SVG),
    tfile('img/dot.png', PNG_1PX),
    tfile('img/page.html', '<!doctype html><script>top.__pwned = "html"</script><h1>hi</h1>\n'),
    tfile('img/feed.xml', '<?xml version="1.0"?><x:html xmlns:x="http://www.w3.org/1999/xhtml"><x:script>top.__pwned="xml"</x:script></x:html>\n'),
  ]);
  file = join(tmp, 'svg.tar');
  writeFileSync(file, dockerArchive([layer], { tags: ['svg:1'] }));
});

/** Records every object URL the page makes (with its Blob's type) and revokes. */
async function recordObjectUrls(page: Page) {
  await page.addInitScript(() => {
    const made: { url: string; type: string }[] = [];
    const revoked: string[] = [];
    (window as unknown as { __urls: unknown }).__urls = { made, revoked };
    const create = URL.createObjectURL.bind(URL);
    const revoke = URL.revokeObjectURL.bind(URL);
    URL.createObjectURL = (o: Blob | MediaSource) => {
      const url = create(o);
      made.push({ url, type: o instanceof Blob ? o.type : 'mediasource' });
      return url;
    };
    URL.revokeObjectURL = (url: string) => {
      revoked.push(url);
      revoke(url);
    };
  });
}
const urls = (page: Page) => page.evaluate(() => (window as unknown as { __urls: { made: { url: string; type: string }[]; revoked: string[] } }).__urls);

/** Every blob: URL any element refers to, with the element, the attribute and the type fetched from it. */
function exposedBlobUrls(page: Page) {
  return page.evaluate(async () => {
    const out: { tag: string; attr: string; url: string; type: string | null }[] = [];
    for (const el of document.querySelectorAll('*')) {
      for (const a of el.getAttributeNames()) {
        const v = (el.getAttribute(a) ?? '').trim();
        if (!v.startsWith('blob:')) continue; // a URL (the CSP meta mentions blob: as a source: not one)
        let type: string | null = null;
        try {
          type = (await (await fetch(v)).blob()).type;
        } catch {
          type = null; // revoked
        }
        out.push({ tag: el.tagName.toLowerCase(), attr: a, url: v, type });
      }
    }
    return out;
  });
}

async function open(page: Page) {
  await recordObjectUrls(page);
  await page.goto('./');
  await page.getByTestId('file-input').setInputFiles(file);
  await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
}
async function select(page: Page, path: string) {
  await page.getByTestId('search').fill(path.slice(path.lastIndexOf('/') + 1));
  await page.locator(`[data-testid="tree-row"][data-path="${path}"]`).click();
  await expect(page.getByTestId('details-path')).toHaveText(path);
}

test('an SVG with script is shown as pixels; no element refers to an active blob; its URL is gone at once', async ({ page, context }) => {
  await open(page);
  await select(page, '/img/evil.svg');
  await expect(page.getByTestId('preview-kind')).toHaveText('SVG image');
  const canvas = page.getByTestId('preview-svg');
  await expect(canvas).toBeVisible();
  await expect(page.locator('.pv-image figcaption')).toContainText('120 × 80 px');
  // It was drawn: the rect's red is on the canvas.
  const px = await canvas.evaluate((c: HTMLCanvasElement) => [
    ...c.getContext('2d')!.getImageData(Math.floor(c.width / 2), Math.floor(c.height / 2), 1, 1).data,
  ]);
  expect(px).toEqual([255, 0, 0, 255]);
  // No element of the page refers to a blob: URL (the canvas has none); none of an active type anywhere.
  const exposed = await exposedBlobUrls(page);
  expect(exposed.filter((e) => e.type !== null && ACTIVE.test(e.type))).toEqual([]);
  expect(exposed.filter((e) => e.tag !== 'img')).toEqual([]);
  // The SVG's own URL existed only for the decode: revoked already, so opening it top-level finds nothing.
  const rec = await urls(page);
  const svgUrls = rec.made.filter((m) => m.type === 'image/svg+xml').map((m) => m.url);
  expect(svgUrls.length).toBeGreaterThan(0);
  for (const u of svgUrls) expect(rec.revoked).toContain(u);
  const revokedNow = await page.evaluate(async (u) => {
    try {
      await fetch(u);
      return false;
    } catch {
      return true;
    }
  }, svgUrls[0]!);
  expect(revokedNow).toBe(true);
  const top = await context.newPage();
  await top.goto(svgUrls[0]!).catch(() => {}); // a revoked URL: the browser's error page
  await top.waitForLoadState('load').catch(() => {});
  await top.waitForTimeout(300);
  const state = async () =>
    top
      .evaluate(() => ({ tag: document.documentElement.tagName.toLowerCase(), pwned: (window as unknown as { __pwned?: string }).__pwned ?? null }))
      .catch(() => ({ tag: 'error page', pwned: null }));
  const st = await state();
  expect(st.tag).not.toBe('svg');
  expect(st.pwned).toBeNull();
  await top.close();
  expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned ?? null)).toBeNull();
  expect(await page.evaluate(() => localStorage.getItem('pwned'))).toBeNull();
});

test('a raster preview URL is an image type inside an <img>, and is revoked when the preview goes', async ({ page }) => {
  await open(page);
  await select(page, '/img/dot.png');
  await expect(page.getByTestId('preview-image')).toBeVisible();
  const exposed = await exposedBlobUrls(page);
  expect(exposed.length).toBe(1);
  expect(exposed[0]).toMatchObject({ tag: 'img', attr: 'src', type: 'image/png' });
  // Away from the preview: every URL made for it is revoked (fetching it fails).
  await select(page, '/img/page.html');
  await expect(page.getByTestId('preview-text')).toBeVisible();
  const rec = await urls(page);
  for (const m of rec.made) expect(rec.revoked, `${m.type} ${m.url}`).toContain(m.url);
  const stillThere = await page.evaluate(async (u) => {
    try {
      await fetch(u);
      return true;
    } catch {
      return false;
    }
  }, exposed[0]!.url);
  expect(stillThere).toBe(false);
  expect(await exposedBlobUrls(page)).toEqual([]);
});

test('downloads of SVG, HTML and XML files are application/octet-stream', async ({ page }) => {
  await withoutSavePicker(page);
  await open(page);
  for (const path of ['/img/evil.svg', '/img/page.html', '/img/feed.xml']) {
    await select(page, path);
    const before = (await urls(page)).made.length;
    const [d] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
    expect(d.suggestedFilename()).toBe(path.slice(path.lastIndexOf('/') + 1));
    const made = (await urls(page)).made.slice(before);
    expect(made.length).toBe(1);
    expect(made[0]!.type, path).toBe('application/octet-stream');
  }
  expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned ?? null)).toBeNull();
});
