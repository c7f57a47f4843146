/**
 * The build works under any base path (issue 15, "The page as a static site"): dist/
 * served under /sub/ by a plain static server, as a project-pages site is. Every URL
 * the page makes — its bundle, the scan worker, the WebAssembly (zstd, sql.js), the
 * example image, the service worker — is relative to the page, so nothing is
 * requested outside /sub/.
 */
import { test, expect } from '@playwright/test';
import { resolve } from 'node:path';
import { serveStatic, type StaticServer } from './staticServer';

const DIST = resolve('dist');
const BASE = '/sub/';
let server: StaticServer;

test.beforeAll(async () => {
  server = await serveStatic(DIST, BASE);
});
test.afterAll(async () => {
  await server.close();
});

const root = (page: import('@playwright/test').Page) => page.locator('.app[data-state]');

test('under /sub/: the example opens to ready, and a zstd archive (worker + wasm) too; nothing is fetched outside /sub/', async ({ page }) => {
  const failed: string[] = [];
  page.on('response', (r) => {
    if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
  });
  page.on('pageerror', (e) => failed.push(`page error: ${e.message}`));
  // Without the trailing slash a static host redirects to the folder (relative URLs need it).
  await page.goto(`${server.origin}sub`);
  await expect(page).toHaveURL(`${server.origin}sub/`);
  await expect(root(page)).toHaveAttribute('data-state', 'empty');
  await page.getByTestId('open-example').click();
  await expect(root(page)).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await expect(page.getByTestId('layer')).toHaveCount(5);
  // The example via ?example, then a zstd OCI archive: the scan worker (with libzstd's wasm inside) from /sub/assets/.
  await page.goto(`${server.origin}sub/?example`);
  await expect(root(page)).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await page.getByTestId('file-input').setInputFiles(resolve('test/fixtures/images/umoci-edge-cases-zstd.oci.tar'));
  await expect(page.getByTestId('file-name')).toContainText('umoci-edge-cases-zstd.oci.tar');
  await expect(root(page)).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await expect(page.locator('[data-layer-state="failed"]')).toHaveCount(0);
  expect(failed).toEqual([]);
  const outside = server.requests.filter((p) => !p.startsWith(BASE) && p !== '/sub');
  expect(outside).toEqual([]);
  expect(server.requests).toContain('/sub/example.tar');
  expect(server.requests.some((p) => /^\/sub\/assets\/scan\.worker-[\w-]+\.js$/.test(p))).toBe(true);
});
