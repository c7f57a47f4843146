/**
 * Firefox smoke test (issue 15): the production build in Debian's firefox-esr,
 * driven over WebDriver BiDi by puppeteer-core. Playwright's Firefox is a patched
 * build it must download (impossible here, and not what users run); puppeteer-core
 * drives the browser that is installed, through the W3C protocol Firefox ships.
 *
 * Not the whole Chromium suite again — the things that differ between engines:
 * module workers with wasm (zstd, sha256), DecompressionStream for gzip and raw
 * deflate, file input, blob downloads, the tour's overlay. Every fixture reaches
 * `ready` with no layer failed, a whiteout shows as deleted in its own layer, a text
 * preview matches GNU tar's bytes and downloads as the same bytes, the example's
 * tour walks all its steps.
 *
 * Run: `npm run test:firefox` (after `npm run build`): `node --test e2e/firefox/smoke.mjs`. Named
 * without .spec/.test so that Playwright (testDir e2e/) leaves it alone.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import puppeteer from 'puppeteer-core';
import { FIREFOX, ROOT, startPreview } from './server.mjs';

/** One archive's load: the largest fixture takes ~2 s; room for a busy shared machine. */
const READY_TIMEOUT_MS = 60_000;
/** A download reaching the download folder (a few kB here). */
const DOWNLOAD_TIMEOUT_MS = 20_000;

const FIXTURES = join(ROOT, 'test/fixtures/images');
const EXAMPLE = join(ROOT, 'public/example.tar');
const fixtureNames = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.tar'))
  .sort();

if (!existsSync(FIREFOX)) {
  // Fail, never skip: a missing browser must not turn the smoke test green.
  throw new Error(`No Firefox at ${FIREFOX}: apt-get install -y firefox-esr (or set LAYERSCOPE_FIREFOX).`);
}
if (!existsSync(join(ROOT, 'dist/index.html'))) throw new Error('dist/ is not built: run `npm run build` first.');

/** The bytes of PATH in layer N of a docker-archive, as GNU tar extracts them. */
function tarBytes(archive, layer, path) {
  const manifest = JSON.parse(execFileSync('tar', ['-xOf', archive, 'manifest.json'], { encoding: 'utf8' }));
  const layerTar = execFileSync('tar', ['-xOf', archive, manifest[0].Layers[layer]], { maxBuffer: 64 << 20 });
  const rel = path.replace(/^\//, '');
  const names = execFileSync('tar', ['-tf', '-'], { input: layerTar, encoding: 'utf8' }).split('\n');
  const member = names.find((n) => n.replace(/^\.\//, '') === rel);
  assert.ok(member, `${path} in layer ${layer} of ${archive}`);
  return execFileSync('tar', ['-xOf', '-', member], { input: layerTar, maxBuffer: 64 << 20 });
}

let server;
let browser;
let page;
let downloads;
/** Uncaught errors and console errors of the page (a CSP violation is one): there must be none. */
const pageErrors = [];

before(async () => {
  server = await startPreview();
  downloads = mkdtempSync(join(tmpdir(), 'layerscope-ff-dl-'));
  browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    protocol: 'webDriverBiDi',
    extraPrefsFirefox: {
      // Downloads go straight to a folder of ours, with no dialog.
      'browser.download.folderList': 2,
      'browser.download.dir': downloads,
      'browser.download.useDownloadDir': true,
      'browser.download.always_ask_before_handling_new_types': false,
      'browser.download.start_downloads_in_tmp_dir': false,
      'browser.helperApps.neverAsk.saveToDisk': 'application/octet-stream,text/plain',
    },
  });
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`);
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (downloads) rmSync(downloads, { recursive: true, force: true });
});

/** Wait until the page has finished loading (ready or error) and return the state it ended in. */
async function settledState() {
  const h = await page.waitForFunction(
    () => {
      const s = document.querySelector('.app[data-state]')?.getAttribute('data-state');
      return s === 'ready' || s === 'error' ? s : false;
    },
    { timeout: READY_TIMEOUT_MS, polling: 100 },
  );
  return h.jsonValue();
}

async function openFile(path) {
  await page.goto(server.url);
  await page.waitForSelector('.app[data-state="empty"]');
  const input = await page.waitForSelector('[data-testid="file-input"]');
  await input.uploadFile(path);
  const state = await settledState();
  const alert = await page.$eval('body', () => document.querySelector('[role="alert"]')?.textContent ?? '');
  assert.equal(state, 'ready', `${path}: ${alert}`);
}

const attr = (sel, name) => page.$eval(sel, (e, name) => e.getAttribute(name), name);

async function selectLayer(n) {
  const sel = `[data-testid="layer"][data-index="${n}"]`;
  await page.locator(sel).click();
  await page.waitForSelector(`${sel}[aria-selected="true"]`);
}

/** Find a path with the search (its ancestors open) and click its row. */
async function selectPath(path) {
  await page.locator('[data-testid="search"]').fill(path.slice(path.lastIndexOf('/') + 1));
  const row = `[data-testid="tree-row"][data-path="${path}"]`;
  await page.locator(row).click();
  await page.waitForSelector(`${row}[aria-selected="true"]`);
  await page.waitForFunction((p) => document.querySelector('[data-testid="details-path"]')?.textContent === p, {}, path);
}

describe('Firefox: every fixture reaches ready', () => {
  for (const name of fixtureNames) {
    test(name, async () => {
      await openFile(join(FIXTURES, name));
      assert.equal(await page.$$eval('[data-layer-state="failed"]', (e) => e.length), 0, 'no layer failed');
      assert.ok((await page.$$eval('[data-testid="layer"]', (e) => e.length)) > 0, 'layers shown');
      await page.waitForSelector('[data-testid="tree-row"]', { visible: true });
    });
  }
});

describe('Firefox: the explorer', () => {
  test('a whiteout shows as deleted in its layer (crane: layer 2 is .wh.a)', async () => {
    await openFile(join(FIXTURES, 'crane-gzip-whiteout-dir.tar'));
    await selectLayer(2);
    const a = '[data-testid="tree-row"][data-path="/a"]';
    await page.waitForSelector(a);
    assert.equal(await attr(a, 'data-change'), 'deleted');
    assert.equal(await attr(a, 'data-status'), 'deleted');
    assert.match(await page.$eval(a, (e) => e.textContent), /deleted in layer 2/);
  });

  test('a text preview shows the file GNU tar extracts, and its download is the same bytes', async () => {
    const motd = tarBytes(EXAMPLE, 2, '/etc/motd');
    await openFile(EXAMPLE);
    await selectPath('/etc/motd');
    await page.waitForFunction(() => document.querySelector('[data-testid="preview-kind"]')?.textContent === 'Text · UTF-8');
    assert.equal(await page.$eval('[data-testid="preview-text"]', (e) => e.textContent), motd.toString('utf8'));
    await page.locator('[data-testid="download"]').click();
    const file = join(downloads, 'motd');
    const deadline = Date.now() + DOWNLOAD_TIMEOUT_MS;
    // Firefox writes NAME.part first and renames it when done.
    while (!(existsSync(file) && !readdirSync(downloads).some((f) => f.endsWith('.part')))) {
      assert.ok(Date.now() < deadline, `no download in ${downloads}: ${readdirSync(downloads).join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(readFileSync(file), motd);
  });

  test('the example opens via ?example and its tour walks every step', async () => {
    await page.goto(`${server.url}?example`);
    assert.equal(await settledState(), 'ready');
    assert.equal(await page.$$eval('[data-testid="layer"]', (e) => e.length), 5);
    await page.locator('[data-testid="tour-start"]').click();
    await page.waitForSelector('[data-testid="tour"]', { visible: true });
    const seen = [];
    for (let i = 0; i < 20; i++) {
      const id = await attr('[data-testid="tour"]', 'data-step');
      seen.push(id);
      // the step outlines an element that exists
      await page.waitForSelector('[data-testid="tour-highlight"][data-main]', { visible: true });
      if (id === 'whiteout') {
        // the step selects the layer that deletes big.txt: its row shows as deleted
        const big = '[data-testid="tree-row"][data-path="/usr/share/doc/example/big.txt"]';
        await page.waitForSelector(big);
        assert.equal(await attr(big, 'data-change'), 'deleted');
      }
      if (await page.$('[data-testid="tour-done"]')) break;
      await page.locator('[data-testid="tour-next"]').click();
      await page.waitForFunction((id) => document.querySelector('[data-testid="tour"]')?.getAttribute('data-step') !== id, {}, id);
    }
    assert.deepEqual(seen, ['stack', 'rootfs', 'metadata', 'overwrite', 'whiteout', 'opaque', 'sharing', 'container']);
  });

  test('no page errors and no console errors along the way', () => {
    assert.deepEqual(pageErrors, []);
  });
});
