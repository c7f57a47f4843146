/**
 * Offline after the first visit, and the update prompt (issue 15): the production
 * build's service worker (dist/sw.js from src/sw/sw.template.js) caches the app shell;
 * with the network gone a reload still shows the page, and the example and an archive
 * from disk still open (the worker, its wasm and example.tar come from the cache). A
 * changed sw.js on the server (what a new build is) brings the "new version" prompt,
 * and Reload switches to it. Served under /app/ by a plain static server, so the worker's
 * scope is a base path too.
 */
import { test, expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { serveStatic, type StaticServer } from './staticServer';

test.use({ serviceWorkers: 'allow' });
// Several reloads and two image loads each: room for a busy shared machine.
test.describe.configure({ timeout: 150_000 });

const DIST = resolve('dist');
const BASE = '/app/';
let server: StaticServer;

test.beforeAll(async () => {
  server = await serveStatic(DIST, BASE);
});
test.afterAll(async () => {
  await server.close();
});

const root = (page: Page) => page.locator('.app[data-state]');
const site = () => `${server.origin}app/`;

/** The first visit: the worker installed (every shell file cached) and controlling the page. */
async function firstVisit(page: Page) {
  await page.goto(site());
  await expect(root(page)).toHaveAttribute('data-state', 'empty');
  await page.evaluate(() => navigator.serviceWorker.ready);
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
}

test('offline after one visit: a reload shows the page, and the example and a zstd archive open', async ({ page, context }) => {
  await firstVisit(page);
  const scope = await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.scope);
  expect(scope).toBe(site());
  await context.setOffline(true);
  try {
    // The network really is gone for the page.
    expect(
      await page.evaluate(() =>
        fetch('./nothing-cached-here').then(
          () => 'online',
          () => 'offline',
        ),
      ),
    ).toBe('offline');
    await page.reload();
    await expect(root(page)).toHaveAttribute('data-state', 'empty');
    await page.getByTestId('open-example').click();
    await expect(root(page)).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
    await expect(page.getByTestId('layer')).toHaveCount(5);
    // ?example is the same cached page
    await page.goto(`${site()}?example`);
    await expect(root(page)).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
    await page.getByTestId('file-input').setInputFiles(resolve('test/fixtures/images/umoci-edge-cases-zstd.oci.tar'));
    await expect(page.getByTestId('file-name')).toContainText('umoci-edge-cases-zstd.oci.tar');
    await expect(root(page)).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
    await expect(page.locator('[data-layer-state="failed"]')).toHaveCount(0);
  } finally {
    await context.setOffline(false);
  }
});

test('a changed sw.js (a new build) brings the update prompt; Reload switches to it', async ({ page }) => {
  await firstVisit(page);
  await expect(page.getByTestId('update-prompt')).toHaveCount(0);
  // An unchanged sw.js on the next visit is no update.
  await page.reload();
  await expect(root(page)).toHaveAttribute('data-state', 'empty');
  await expect(page.getByTestId('update-prompt')).toHaveCount(0);

  const original = readFileSync(resolve(DIST, 'sw.js'), 'utf8');
  server.override.set('sw.js', { body: `${original}\n// a new build\n` });
  try {
    // The browser checks sw.js on navigation: the new worker installs and waits.
    await page.reload();
    const prompt = page.getByTestId('update-prompt');
    await expect(prompt).toBeVisible({ timeout: 30_000 });
    await expect(prompt).toContainText('new version');
    // Later: closed until the next version.
    await page.getByTestId('update-later').click();
    await expect(prompt).toHaveCount(0);
    // A new visit offers it again (the worker still waits); Reload activates it and reloads.
    await page.reload();
    await expect(prompt).toBeVisible({ timeout: 30_000 });
    await Promise.all([page.waitForEvent('load'), page.getByTestId('update-reload').click()]);
    await expect(root(page)).toHaveAttribute('data-state', 'empty');
    await expect(prompt).toHaveCount(0);
    expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting ?? null)).toBeNull();
    // and the page it serves works
    await page.getByTestId('open-example').click();
    await expect(root(page)).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  } finally {
    server.override.delete('sw.js');
  }
});

test('the worker answers only the page itself: another navigation in its scope gets the server’s answer', async ({ page, context }) => {
  await firstVisit(page);
  // A file served beside the app: the server's, not the cached shell.
  server.override.set('notes.html', { body: '<!doctype html><title>beside the app</title><p id="beside">not the app</p>', type: 'text/html' });
  try {
    await page.goto(`${site()}notes.html`);
    await expect(page.locator('#beside')).toHaveText('not the app');
    await expect(root(page)).toHaveCount(0);
  } finally {
    server.override.delete('notes.html');
  }
  // A path that is not there: the server's 404, not the app at a wrong URL.
  // (Chromium shows an empty 404 body as its own error page: net::ERR_HTTP_RESPONSE_CODE_FAILURE.)
  const asked = server.requests.length;
  const missing = await page.goto(`${site()}no/such/page`).then(
    (r) => String(r?.status()),
    (e: Error) => (/ERR_HTTP_RESPONSE_CODE_FAILURE/.test(e.message) ? '404' : e.message),
  );
  expect(missing).toBe('404');
  expect(server.requests.slice(asked)).toContain('/app/no/such/page');
  await expect(root(page)).toHaveCount(0);
  // The page itself, as the scope's root and as index.html with a query, still comes from the cache offline.
  await context.setOffline(true);
  try {
    for (const url of [site(), `${site()}index.html?example`]) {
      await page.goto(url);
      await expect(root(page)).toHaveAttribute('data-state', /^(empty|loading|ready)$/);
    }
    await expect(root(page)).toHaveAttribute('data-state', 'ready', { timeout: 30_000 }); // ?example opened from the cache
    // Anything else in the scope is not answered from the cache: offline, it fails.
    const offline = await page.goto(`${site()}no/such/page`).then(
      () => 'answered',
      () => 'network error',
    );
    expect(offline).toBe('network error');
  } finally {
    await context.setOffline(false);
  }
});
