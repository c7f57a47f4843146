/**
 * Issue 13 keeps the longest main-thread task ≤ 150 ms while loading. The page's
 * first renders (the drop, the image's structure, ready) build most of the page's
 * DOM at once; a read of a size or position in the same task forces the style and
 * layout of all of it inside that task, on top of React's own work (the benchmark
 * image's drop and structure tasks spent 33–62 ms each on that). These tests pin
 * that the page measures itself only where the browser lays out anyway: in
 * ResizeObserver callbacks and animation frames.
 */
import { test, expect } from '@playwright/test';
import { join } from 'node:path';
import { layoutReads, recordLayoutReads } from './layoutReads';

const FIXTURES = join(process.cwd(), 'test', 'fixtures', 'images');

test('loading an image reads no layout in a task: the tree and the stack measure in observers', async ({ page }) => {
  await recordLayoutReads(page);
  await page.goto('/');
  await page.waitForSelector('[data-state="empty"]');
  await page.evaluate(() => {
    const w = window as unknown as { __changeAt: number; __readyAt: number };
    document.addEventListener('change', () => (w.__changeAt ??= performance.now()), { capture: true });
    const root = document.querySelector('[data-state]')!;
    new MutationObserver(() => {
      if (root.getAttribute('data-state') === 'ready') w.__readyAt ??= performance.now();
    }).observe(root, { attributes: true });
  });
  await page.getByTestId('file-input').setInputFiles(join(FIXTURES, 'dive-legacy-14-layers.tar'));
  await page.waitForSelector('[data-state="ready"]');
  await expect(page.getByTestId('tree-row').first()).toBeVisible();
  await expect(page.getByTestId('layer')).toHaveCount(14);
  const { changeAt, readyAt } = await page.evaluate(() => {
    const w = window as unknown as { __changeAt: number; __readyAt: number };
    return { changeAt: w.__changeAt, readyAt: w.__readyAt };
  });
  const reads = (await layoutReads(page)).filter((r) => r.at >= changeAt && r.at <= readyAt);
  // The page does measure itself while loading (the tree's viewport, the stack's room and its fixed
  // part, the selected band scrolled into view) ...
  expect(reads.map((r) => r.cls)).toEqual(expect.arrayContaining(['ft-scroll', 'sd-scroll', 'sd-stack']));
  // ... but never in a task: before the fix, tanstack's getRect and scrollTo (ft-scroll) at the drop, and the
  // stack's measure (sd-stack, sd-scroll) and scrollIntoView (sd-band) once the structure was known.
  const inTask = reads.filter((r) => r.where === 'task').map((r) => `${r.api} of .${r.cls.split(' ')[0]} at +${Math.round(r.at - changeAt)} ms`);
  expect(inTask).toEqual([]);
});

test('at ready the tree and the details render in a commit after the rest of the page', async ({ page }) => {
  await page.goto('/');
  await page.waitForSelector('[data-state="empty"]');
  // Per mutation batch (one per task's microtask checkpoint): is the page ready, how many tree rows were added.
  await page.evaluate(() => {
    const w = window as unknown as { __batches: Array<{ ready: boolean; rows: number }> };
    w.__batches = [];
    const root = document.querySelector('[data-state]')!;
    new MutationObserver((recs) => {
      let rows = 0;
      for (const r of recs)
        for (const n of r.addedNodes)
          if (n instanceof Element) rows += (n.matches('[data-testid="tree-row"]') ? 1 : 0) + n.querySelectorAll('[data-testid="tree-row"]').length;
      w.__batches.push({ ready: root.getAttribute('data-state') === 'ready', rows });
    }).observe(root, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-state'] });
  });
  await page.getByTestId('file-input').setInputFiles(join(FIXTURES, 'skopeo-busybox.tar'));
  await page.waitForSelector('[data-state="ready"]');
  await expect(page.getByTestId('tree-row').first()).toBeVisible();
  const batches = await page.evaluate(() => (window as unknown as { __batches: Array<{ ready: boolean; rows: number }> }).__batches);
  const first = batches.findIndex((b) => b.ready);
  expect(first).toBeGreaterThanOrEqual(0);
  // The commit that makes the page ready adds no row (before the fix it added all of them) ...
  expect(batches[first]!.rows).toBe(0);
  // ... a later one does.
  expect(batches.slice(first + 1).some((b) => b.rows > 0)).toBe(true);
});
