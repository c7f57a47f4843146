/**
 * The merged file tree in real Chromium against the production build, checked
 * against GNU tar's view of the same fixtures (e2e/tarTruth.ts) and umoci's
 * merged listings (test/fixtures/expected/*.tsv): the tree at the top layer,
 * what every layer adds, rewrites and deletes (whiteouts and opaque
 * directories included), show-deleted, search (count and rows), keyboard use.
 */
import { test, expect, type Page } from '@playwright/test';
import { join } from 'node:path';
import { FIXTURES, changesAt, expectedPaths, mergedAt, truthOf } from './tarTruth';

interface Row {
  path: string;
  layer: number;
  change: string;
  status: string;
  match: boolean;
  text: string;
  level: number;
}

async function openFixture(page: Page, name: string) {
  await page.goto('./');
  await page.getByTestId('file-input').setInputFiles(join(FIXTURES, name));
  await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await expect(page.getByTestId('tree-row').first()).toBeVisible();
}

const frame = (page: Page) => page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));

async function selectLayer(page: Page, n: number) {
  const band = page.locator(`[data-testid="layer"][data-index="${n}"]`);
  await band.click();
  await expect(band).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('tree')).toHaveAttribute('aria-label', `Files as of layer ${n}`);
}

async function setCheck(page: Page, label: RegExp, on: boolean) {
  const box = page.locator('.ft-toolbar').getByLabel(label);
  if ((await box.isChecked()) !== on) await box.click();
  await expect(box).toBeChecked({ checked: on });
}

async function expandAll(page: Page) {
  await page.getByRole('button', { name: 'Expand all' }).click();
  await frame(page);
}

/** Every row of the virtualized list: scroll through it, collecting what is rendered. */
async function collectRows(page: Page): Promise<Map<string, Row>> {
  const rows = new Map<string, Row>();
  const scroller = page.locator('.ft-scroll');
  await scroller.evaluate((el) => (el.scrollTop = 0));
  await frame(page);
  for (let guard = 0; guard < 10_000; guard++) {
    const batch = await page.$$eval('[data-testid="tree-row"]', (els) =>
      els.map((e) => {
        const d = (e as HTMLElement).dataset;
        return {
          path: d.path!,
          layer: Number(d.layer),
          change: d.change!,
          status: d.status!,
          match: d.match === 'true',
          text: e.textContent ?? '',
          level: Number(e.getAttribute('aria-level')),
        };
      }),
    );
    for (const r of batch) rows.set(r.path, r);
    const moved = await scroller.evaluate((el) => {
      const before = el.scrollTop;
      el.scrollTop = before + el.clientHeight - 40;
      return el.scrollTop !== before;
    });
    if (!moved) break;
    await frame(page);
  }
  await scroller.evaluate((el) => (el.scrollTop = 0));
  return rows;
}

const pathsWhere = (rows: Map<string, Row>, f: (r: Row) => boolean) =>
  [...rows.values()]
    .filter(f)
    .map((r) => r.path)
    .sort();

test.describe('the tree shows what each layer changes, as GNU tar lists it', () => {
  for (const fixture of ['crane-gzip-whiteout-dir.tar', 'dive-legacy-14-layers.tar', 'skopeo-opaque-whiteout.tar', 'umoci-edge-cases.docker.tar']) {
    test(fixture, async ({ page }) => {
      test.setTimeout(180_000);
      const truth = truthOf(fixture);
      await openFixture(page, fixture);
      await setCheck(page, /only layer/i, true);
      for (let L = 0; L < truth.layers.length; L++) {
        await selectLayer(page, L);
        await expandAll(page);
        const rows = await collectRows(page);
        const ch = changesAt(truth, L);
        const msg = `${fixture} layer ${L}`;
        // added and deleted rows are exactly what tar says the layer adds and removes
        expect(
          pathsWhere(rows, (r) => r.change === 'added'),
          msg,
        ).toEqual([...ch.added].sort());
        expect(
          pathsWhere(rows, (r) => r.change === 'deleted'),
          msg,
        ).toEqual([...ch.removed].sort());
        // every file the layer writes again is modified; nothing else is
        const modified = pathsWhere(rows, (r) => r.change === 'modified');
        for (const p of ch.rewritten) expect(modified, `${msg}: ${p}`).toContain(p);
        for (const p of modified) expect(ch.own.has(p), `${msg}: ${p} modified but not in the layer`).toBe(true);
        for (const r of rows.values()) {
          // rows deleted by this layer are struck through and name it; the rest come from layers at or below it
          if (r.change === 'deleted') {
            expect(r.status, `${msg}: ${r.path}`).toBe('deleted');
            expect(r.layer, `${msg}: ${r.path}`).toBe(L);
            expect(r.text).toContain(`deleted in layer ${L}`);
          } else if (r.change !== 'unchanged') {
            expect(r.status).toBe('visible');
            expect(r.layer, `${msg}: ${r.path}`).toBe(L);
          }
          expect(r.layer).toBeLessThanOrEqual(L);
        }
      }
    });
  }
});

test.describe('the top layer equals the merged filesystem umoci unpacks', () => {
  for (const [fixture, expected] of <[string, string][]>[
    ['dive-legacy-14-layers.tar', 'dive-legacy-14-layers'],
    ['umoci-edge-cases.docker.tar', 'umoci-edge-cases.docker'],
    ['skopeo-opaque-whiteout.tar', 'skopeo-opaque-whiteout'],
  ]) {
    test(fixture, async ({ page }) => {
      await openFixture(page, fixture);
      await setCheck(page, /show deleted/i, false);
      await expandAll(page);
      const rows = await collectRows(page);
      expect([...rows.keys()].sort()).toEqual([...expectedPaths(expected).keys()].sort());
      expect([...rows.values()].every((r) => r.status === 'visible')).toBe(true);
    });
  }
});

test('a path deleted by a lower layer stays struck through above it, and hides without show-deleted', async ({ page }) => {
  // crane-gzip-whiteout-dir: layer 2 is `.wh.a` (deletes /a and /a/foo); layer 3 adds /a/baz again
  const truth = truthOf('crane-gzip-whiteout-dir.tar');
  expect(truth.layers[2]!.map((e) => e.path)).toEqual(['/.wh.a']);
  await openFixture(page, 'crane-gzip-whiteout-dir.tar');
  await selectLayer(page, 1);
  await expandAll(page);
  await expect(page.locator('[data-path="/a/foo"]')).toHaveAttribute('data-status', 'visible');
  await selectLayer(page, 2);
  await expandAll(page);
  await expect(page.locator('[data-path="/a"]')).toHaveAttribute('data-change', 'deleted');
  await expect(page.locator('[data-path="/a/foo"]')).toHaveAttribute('data-change', 'deleted');
  await selectLayer(page, 3);
  await expandAll(page);
  const foo = page.locator('[data-path="/a/foo"]');
  await expect(foo).toHaveAttribute('data-status', 'deleted');
  await expect(foo).toHaveAttribute('data-change', 'unchanged');
  await expect(foo).toHaveAttribute('data-layer', '2');
  await expect(foo).toContainText('deleted in layer 2');
  await expect(page.locator('[data-path="/a"]')).toHaveAttribute('data-change', 'added');
  await expect(page.locator('[data-path="/a/baz"]')).toHaveAttribute('data-change', 'added');
  await setCheck(page, /show deleted/i, false);
  await expect(foo).toHaveCount(0);
  await expect(page.locator('[data-path="/a/baz"]')).toHaveCount(1);
});

test('selecting a deleted path explains the whiteout and the bytes that still ship', async ({ page }) => {
  // dive-legacy layer 7 holds root/example/.wh.somefile3.txt
  const truth = truthOf('dive-legacy-14-layers.tar');
  expect(truth.layers[7]!.map((e) => e.path)).toContain('/root/example/.wh.somefile3.txt');
  await openFixture(page, 'dive-legacy-14-layers.tar');
  await selectLayer(page, 7);
  await page.getByTestId('search').fill('somefile3');
  const row = page.locator('[data-path="/root/example/somefile3.txt"]');
  await expect(row).toHaveAttribute('data-change', 'deleted');
  await row.click();
  const info = page.getByTestId('deletion-info');
  await expect(info).toContainText('/root/example/.wh.somefile3.txt');
  await expect(info).toContainText('still ship in layer 6');
  // the history lists the layer that added it and the one that deleted it
  await expect(page.locator('[data-testid="history-row"][data-layer="6"]')).toHaveAttribute('data-action', 'added');
  await expect(page.locator('[data-testid="history-row"][data-layer="7"]')).toHaveAttribute('data-action', 'deleted');
  // clicking a history row selects that layer
  await page.locator('[data-testid="history-row"][data-layer="6"] .dt-hbtn').click();
  await expect(page.locator('[data-testid="layer"][data-index="6"]')).toHaveAttribute('aria-selected', 'true');
  await expect(row).toHaveAttribute('data-change', 'added');
});

test("clicking through the layers shows each layer's merged filesystem", async ({ page }) => {
  test.setTimeout(180_000);
  const truth = truthOf('dive-legacy-14-layers.tar');
  await openFixture(page, 'dive-legacy-14-layers.tar');
  await setCheck(page, /show deleted/i, false);
  let previous = '';
  for (let L = 0; L < truth.layers.length; L++) {
    await selectLayer(page, L);
    await expandAll(page);
    const rows = await collectRows(page);
    const want = [...mergedAt(truth, L).keys()].sort();
    expect([...rows.keys()].sort(), `layer ${L}`).toEqual(want);
    for (const r of rows.values()) expect(r.layer).toBeLessThanOrEqual(L);
    // a layer that writes files changes what the tree shows (paths, or the layer owning them)
    const sig = [...rows.values()]
      .map((r) => `${r.path}@${r.layer}`)
      .sort()
      .join();
    if (L > 0 && truth.layers[L]!.some((e) => !e.dir)) expect(sig, `layer ${L} changes files`).not.toBe(previous);
    previous = sig;
  }
});

test.describe('search', () => {
  const expected = expectedPaths('dive-legacy-14-layers');
  const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);
  const cases: Array<{ mode: string; text: string; want: (p: string) => boolean }> = [
    { mode: 'substring', text: 'TXT', want: (p) => base(p).toLowerCase().includes('txt') },
    { mode: 'substring', text: 'bin/s', want: (p) => /bin\/s[^/]*$/i.test(p) },
    { mode: 'glob', text: '/bin/*', want: (p) => /^\/bin\/[^/]+$/.test(p) },
    { mode: 'glob', text: 'ch*', want: (p) => /^ch/i.test(base(p)) },
    { mode: 'glob', text: '/root/**/*.txt', want: (p) => /^\/root\/(.+\/)?[^/]*\.txt$/i.test(p) },
    { mode: 'regex', text: '^[a-c].*d$', want: (p) => /^[a-c].*d$/i.test(base(p)) },
  ];
  for (const c of cases) {
    test(`${c.mode} ${c.text}`, async ({ page }) => {
      const want = [...expected.keys()].filter(c.want).sort();
      expect(want.length).toBeGreaterThan(0);
      await openFixture(page, 'dive-legacy-14-layers.tar');
      await setCheck(page, /show deleted/i, false);
      await page.getByLabel('Search mode').selectOption(c.mode);
      await page.getByTestId('search').fill(c.text);
      await expect(page.getByTestId('search-count')).toHaveText(`${want.length} ${want.length === 1 ? 'match' : 'matches'}`);
      const rows = await collectRows(page);
      expect(pathsWhere(rows, (r) => r.match)).toEqual(want);
      // ancestors are shown (opened) so every match is reachable
      for (const p of want) for (let d = p.slice(0, p.lastIndexOf('/')); d; d = d.slice(0, d.lastIndexOf('/'))) expect(rows.has(d), d).toBe(true);
    });
  }

  test('a match on a directory shows what it holds; a path absent at the layer says where it exists', async ({ page }) => {
    await openFixture(page, 'dive-legacy-14-layers.tar');
    const treeRow = (p: string) => page.locator(`[data-testid="tree-row"][data-path="${p}"]`);
    await page.locator('[data-testid="layer"][data-index="5"]').click();
    await page.getByTestId('search').fill('example');
    await expect(page.getByTestId('search-count')).toHaveText('1 match');
    await expect(treeRow('/root/example')).toHaveAttribute('data-match', 'true');
    await expect(treeRow('/root/example')).toHaveAttribute('aria-expanded', 'true');
    // Its file is shown, as context (not counted as a match).
    await expect(treeRow('/root/example/somefile2.txt')).toBeVisible();
    await expect(treeRow('/root/example/somefile2.txt')).not.toHaveAttribute('data-match', 'true');
    // At layer 0 the file does not exist yet: the page says from which layer it does.
    await page.locator('[data-testid="layer"][data-index="0"]').click();
    await page.getByTestId('search').fill('somefile2');
    await expect(page.getByTestId('tree-empty')).toContainText('No path matches the search in layer 0.');
    await expect(page.getByTestId('exists-from-layer')).toContainText('A matching path exists from layer 5.');
    await page.getByTestId('exists-from-layer').getByRole('button', { name: 'Show layer 5' }).click();
    await expect(page.locator('[data-testid="layer"][data-index="5"]')).toHaveAttribute('aria-selected', 'true');
    await expect(treeRow('/root/example/somefile2.txt')).toHaveAttribute('data-match', 'true');
  });

  test('an invalid regex says so instead of searching', async ({ page }) => {
    await openFixture(page, 'dive-legacy-14-layers.tar');
    await page.getByLabel('Search mode').selectOption('regex');
    await page.getByTestId('search').fill('([');
    await expect(page.getByTestId('search')).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByTestId('search-count')).not.toHaveText(/match/);
  });
});

test('keyboard: arrows, Home/End, Enter, / and Escape', async ({ page }) => {
  await openFixture(page, 'dive-legacy-14-layers.tar');
  const tree = page.getByRole('tree');
  const selected = () => page.locator('[data-testid="tree-row"][aria-selected="true"]');
  await tree.focus();
  await page.keyboard.press('Home');
  await expect(selected()).toHaveAttribute('data-path', '/bin');
  await page.keyboard.press('ArrowDown');
  await expect(selected()).toHaveAttribute('data-path', '/dev');
  await page.keyboard.press('ArrowUp');
  await expect(selected()).toHaveAttribute('data-path', '/bin');
  // Right opens, Right again goes to the first child, Left goes back to the parent, Left closes
  await page.keyboard.press('ArrowRight');
  await expect(selected()).toHaveAttribute('aria-expanded', 'true');
  await page.keyboard.press('ArrowRight');
  await expect(selected()).toHaveAttribute('data-path', '/bin/[');
  await expect(selected()).toHaveAttribute('aria-level', '2');
  await page.keyboard.press('ArrowLeft');
  await expect(selected()).toHaveAttribute('data-path', '/bin');
  await page.keyboard.press('ArrowLeft');
  await expect(selected()).toHaveAttribute('aria-expanded', 'false');
  // Enter toggles a directory
  await page.keyboard.press('Enter');
  await expect(selected()).toHaveAttribute('aria-expanded', 'true');
  await page.keyboard.press('Enter');
  await expect(selected()).toHaveAttribute('aria-expanded', 'false');
  await page.keyboard.press('End');
  const last = [...expectedPaths('dive-legacy-14-layers').keys()]
    .filter((p) => p.lastIndexOf('/') === 0)
    .sort()
    .pop();
  await expect(selected()).toHaveAttribute('data-path', last!);
  // `/` focuses the search; Escape clears it, Escape again returns to the tree
  await page.keyboard.press('/');
  await expect(page.getByTestId('search')).toBeFocused();
  await page.keyboard.type('busybox');
  await expect(page.getByTestId('search-count')).toHaveText(/match/);
  await page.keyboard.press('Enter');
  await expect(tree).toBeFocused();
  await expect(selected()).toHaveAttribute('data-path', '/bin/busybox');
  // Enter on a file opens its details
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('details-path')).toHaveText('/bin/busybox');
  await expect(page.getByTestId('details')).toBeFocused();
  await page.getByTestId('search').focus();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('search')).toHaveValue('');
  await page.keyboard.press('Escape');
  await expect(tree).toBeFocused();
});
