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
