/**
 * A crafted search link must not freeze the page (issue 9, point 7):
 * `#q=(.%2B)%2B%23&mode=regex` is `(.+)+#`, which a backtracking engine (V8's
 * RegExp) takes 2^n steps to reject on each n-character name without '#'; the
 * page used to stop answering for minutes on any archive. The archive is written
 * by the test: a few hundred 60-character names, and one that matches.
 */
import { test, expect } from '@playwright/test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as H from '../test/helpers/hostile.mjs';
import { maxStall, probeNextPages } from './stallProbe';

const tmp = mkdtempSync(join(tmpdir(), 'layerscope-e2e-search-'));
test.afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The longest the main thread may be busy at once: generous for a loaded 2-core machine; the bug was minutes. */
const MAX_STALL_MS = 5000;

test('the link #q=(.%2B)%2B%23&mode=regex, then an archive: the page stays responsive and the search ends', async ({ page }) => {
  const entries: H.HostileEntry[] = [{ name: 'names/', type: '5', mode: 0o755 }];
  for (let i = 0; i < 300; i++) entries.push({ name: `names/${'a'.repeat(56)}${String(i).padStart(4, '0')}`, data: 'x' });
  entries.push({ name: 'names/found#', data: 'y' });
  const layer = H.tarOf(entries);
  const file = join(tmp, 'long-names.tar');
  writeFileSync(file, H.dockerSave({ layers: [{ name: 'l/layer.tar', data: layer }] }));

  // The longest gap between timer ticks: how long the main thread was unavailable.
  await probeNextPages(page);
  await page.goto('./#q=(.%2B)%2B%23&mode=regex');
  await page.getByTestId('file-input').setInputFiles(file);
  await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  const search = page.getByRole('searchbox');
  await expect(search).toHaveValue('(.+)+#');
  await expect(page.getByTestId('search-count')).toHaveText('1 match', { timeout: 30_000 });
  await expect(page.locator('[data-testid="tree-row"][data-match="true"]')).toHaveAttribute('data-path', '/names/found#');

  // Still answering: a new query takes effect.
  await search.fill('a0299');
  await expect(page.getByTestId('search-count')).toHaveText('1 match');
  const stall = await maxStall(page);
  console.log(`longest main-thread stall: ${stall.toFixed(0)} ms`);
  expect(stall).toBeLessThan(MAX_STALL_MS);
});
