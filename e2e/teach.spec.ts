/**
 * Teaching features in real Chromium against the production build, on the
 * built-in example (public/example.tar): it opens from the landing page and
 * via ?example; every tour step outlines an element that exists; the container
 * playground shows copy-up, whiteouts and an opaque directory; a commit,
 * downloaded, reopens in the page with one more layer, its `layerscope ls`
 * listing is the original's plus exactly the playground's changes (as the page
 * showed them), and skopeo accepts it (verifying every digest).
 *
 * Ground truth for the listing comes from the command line (a separate build
 * of the engine reading the files) and from what the test itself wrote.
 */
import { test, expect, type Page } from '@playwright/test';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = process.cwd();
const EXAMPLE = join(ROOT, 'public', 'example.tar');
/** Layers of the example (public/example.PROVENANCE.md). */
const EXAMPLE_LAYERS = 5;

const bands = (page: Page) => page.locator('[data-testid="layer"]');
const row = (page: Page, path: string) => page.locator(`[data-testid="tree-row"][data-path="${path}"]`);

async function openExample(page: Page) {
  await page.goto('./?example');
  await expect(page.locator('[data-state]').first()).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await expect(bands(page)).toHaveCount(EXAMPLE_LAYERS);
}

/** `layerscope ls FILE` (the CLI built by `npm run build`), as TSV lines. */
function cliLs(file: string, extra: string[] = []): string[] {
  const out = execFileSync('node', [join(ROOT, 'bin', 'layerscope.mjs'), 'ls', ...extra, file], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean);
}
const cliBuilt = () => existsSync(join(ROOT, 'dist-cli', 'layerscope.mjs'));

test('the example opens with one click from a fresh page', async ({ page }) => {
  await page.goto('./');
  await expect(page.locator('[data-state]').first()).toHaveAttribute('data-state', 'empty');
  await page.getByTestId('open-example').click();
  await expect(page.locator('[data-state]').first()).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await expect(bands(page)).toHaveCount(EXAMPLE_LAYERS);
});

test('the example opens via ?example', async ({ page }) => {
  await openExample(page);
  await expect(page.getByTestId('tour-start')).toBeEnabled();
});

test('every tour step outlines an element that exists, and selects the real layer and path', async ({ page }) => {
  await openExample(page);
  await page.getByTestId('tour-start').click();
  const tour = page.getByTestId('tour');
  await expect(tour).toBeVisible();
  const seen: string[] = [];
  for (let i = 0; i < 20; i++) {
    const id = (await tour.getAttribute('data-step'))!;
    seen.push(id);
    const main = page.locator('[data-testid="tour-highlight"][data-main]');
    await expect(main, `step ${id}: main outline`).toHaveCount(1);
    const selector = (await main.getAttribute('data-selector'))!;
    const target = page.locator(selector).first();
    await expect(target, `step ${id}: ${selector}`).toBeVisible();
    // The ring surrounds the element (it is drawn 3 px outside it, clipped to scroll areas).
    const [ring, box] = [await main.boundingBox(), await target.boundingBox()];
    expect(ring && box, `step ${id}`).toBeTruthy();
    const overlapW = Math.min(ring!.x + ring!.width, box!.x + box!.width) - Math.max(ring!.x, box!.x);
    const overlapH = Math.min(ring!.y + ring!.height, box!.y + box!.height) - Math.max(ring!.y, box!.y);
    expect(overlapW > 0 && overlapH > 0, `step ${id}: ring over its element`).toBe(true);
    // Every outline drawn points at an element in the page.
    for (const sel of await page.locator('[data-testid="tour-highlight"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-selector')!))) {
      await expect(page.locator(sel).first(), `step ${id}: ${sel}`).toBeAttached();
    }

    // What the example contains (public/example.PROVENANCE.md), shown at the right place.
    if (id === 'overwrite') {
      await expect(bands(page).and(page.locator('[data-index="2"]'))).toHaveAttribute('aria-selected', 'true');
      await expect(row(page, '/etc/motd')).toHaveAttribute('data-change', 'modified');
      await expect(row(page, '/etc/motd')).toHaveAttribute('data-layer', '2');
      await expect(tour).toContainText('layer 0');
    }
    if (id === 'whiteout') {
      await expect(bands(page).and(page.locator('[data-index="3"]'))).toHaveAttribute('aria-selected', 'true');
      await expect(row(page, '/usr/share/doc/example/big.txt')).toHaveAttribute('data-change', 'deleted');
      await expect(tour).toContainText('.wh.big.txt');
      await expect(tour).toContainText('524 kB');
    }
    if (id === 'opaque') {
      await expect(bands(page).and(page.locator('[data-index="4"]'))).toHaveAttribute('aria-selected', 'true');
      await expect(row(page, '/app/config')).toBeVisible();
      await expect(row(page, '/app/config/default.conf')).toHaveAttribute('data-change', 'deleted');
      await expect(tour).toContainText('.wh..wh..opq');
    }
    if (id === 'metadata') await expect(tour).toHaveAttribute('data-present', 'true');
    if (id === 'sharing') {
      // One image in the archive: the tour says the concept does not occur here.
      await expect(tour).toHaveAttribute('data-present', 'false');
      await expect(page.getByTestId('tour-absent')).toBeVisible();
    }
    if (await page.getByTestId('tour-done').isVisible()) break;
    await page.getByTestId('tour-next').click();
    await expect(tour).not.toHaveAttribute('data-step', id);
  }
  expect(seen).toEqual(['stack', 'rootfs', 'metadata', 'overwrite', 'whiteout', 'opaque', 'sharing', 'container']);
  await page.getByTestId('tour-back').click();
  await expect(tour).toHaveAttribute('data-step', 'sharing');
  await page.keyboard.press('Escape');
  await expect(tour).toHaveCount(0);
  await expect(page.locator('[data-testid="tour-highlight"]')).toHaveCount(0);
});

test('concept explanations are one click away and point at the page', async ({ page }) => {
  await openExample(page);
  await page.getByTestId('concepts-toggle').click();
  const pop = page.getByTestId('concepts');
  await expect(pop).toBeVisible();
  for (const [id, text] of <[string, string][]>[
    ['bootfs', 'kernel'],
    ['whiteout', '.wh.'],
    ['opaque', '.wh..wh..opq'],
    ['cow', 'copies the whole file up'],
  ]) {
    await pop.locator(`[data-testid="concept-term"][data-concept="${id}"]`).click();
    await expect(pop.getByTestId('concept')).toHaveAttribute('data-concept', id);
    await expect(pop.getByTestId('concept')).toContainText(text);
  }
  await pop.locator('[data-testid="concept-term"][data-concept="bootfs"]').click();
  await pop.getByRole('button', { name: 'Show me in the page' }).click();
  await expect(page.locator('[data-testid="tour-highlight"][data-selector="[data-part=\\"bootfs\\"]"]')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(pop).toHaveCount(0);
});

test('playground: copy-up, whiteout, opaque directory; commit; download reopens with one more layer', async ({ page }) => {
  test.setTimeout(120_000);
  await openExample(page);
  const before = cliBuilt() ? cliLs(EXAMPLE) : null;

  await page.getByTestId('pg-toggle').click();
  await page.getByTestId('pg-start').click();
  const pg = page.getByTestId('playground');
  await expect(pg).toHaveAttribute('data-running', 'true');
  // The container's layer is a real band on top, selected.
  await expect(bands(page)).toHaveCount(EXAMPLE_LAYERS + 1);
  await expect(bands(page).and(page.locator(`[data-index="${EXAMPLE_LAYERS}"]`))).toHaveAttribute('aria-selected', 'true');
  const L = String(EXAMPLE_LAYERS);

  // Edit a file from layer 2: copy-up.
  await page.getByTestId('pg-path').fill('/etc/motd');
  await expect(page.getByTestId('pg-path-state')).toContainText('from layer 2');
  await page.getByTestId('pg-edit').click();
  const editor = page.getByTestId('pg-editor');
  await expect(editor).not.toHaveValue('');
  const motd = 'Hello from the container playground\n';
  await editor.fill(motd);
  await page.getByTestId('pg-save').click();
  await expect(row(page, '/etc/motd')).toHaveAttribute('data-layer', L);
  await expect(row(page, '/etc/motd')).toHaveAttribute('data-change', 'modified');
  await expect(pg.locator('[data-testid="pg-member"][data-member="etc/motd"]')).toHaveAttribute('data-kind', 'file');
  await expect(pg.locator('[data-testid="pg-member"][data-member="etc"]')).toHaveAttribute('data-kind', 'dir');
  await expect(pg.locator('[data-testid="pg-event"][data-tone="copyup"]')).toContainText('comes from layer 2');

  // Delete a file from layer 0: a whiteout; its bytes still ship.
  await page.getByTestId('pg-path').fill('/usr/share/doc/example/manual.txt');
  await page.getByTestId('pg-delete').click();
  await expect(pg.locator('[data-testid="pg-member"][data-member="usr/share/doc/example/.wh.manual.txt"]')).toHaveAttribute('data-kind', 'whiteout');
  await expect(row(page, '/usr/share/doc/example/manual.txt')).toHaveAttribute('data-change', 'deleted');
  await expect(pg.locator('[data-testid="pg-event"][data-tone="whiteout"]')).toContainText('still ship in layer 0');

  // Replace a directory: delete it, create it again → opaque.
  await page.getByTestId('pg-path').fill('/app/static');
  await page.getByTestId('pg-delete').click();
  await expect(pg.locator('[data-testid="pg-member"][data-member="app/.wh.static"]')).toHaveAttribute('data-kind', 'whiteout');
  await page.getByTestId('pg-path').fill('/app/static');
  await page.getByTestId('pg-new-dir').click();
  await expect(pg.locator('[data-testid="pg-member"][data-member="app/static/.wh..wh..opq"]')).toHaveAttribute('data-kind', 'opaque');
  await expect(pg.locator('[data-testid="pg-member"][data-member="app/.wh.static"]')).toHaveCount(0);
  await expect(row(page, '/app/static/logo.png')).toHaveAttribute('data-change', 'deleted');
  await page.getByTestId('pg-path').fill('/app/static/hello.txt');
  await page.getByTestId('pg-new-file').click();
  await page.getByTestId('pg-editor').fill('hi\n');
  await page.getByTestId('pg-save').click();
  await expect(row(page, '/app/static/hello.txt')).toHaveAttribute('data-change', 'added');
  await expect(row(page, '/app/static/hello.txt')).toHaveAttribute('data-layer', L);

  // What the page shows for the new layer, to compare with the CLI on the downloaded file.
  const members = await pg.locator('[data-testid="pg-member"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-member')!));
  expect(members).toEqual([
    'app',
    'app/static',
    'app/static/.wh..wh..opq',
    'app/static/hello.txt',
    'etc',
    'etc/motd',
    'usr',
    'usr/share',
    'usr/share/doc',
    'usr/share/doc/example',
    'usr/share/doc/example/.wh.manual.txt',
  ]);
  const shownRows = new Map<string, { layer: string; change: string }>();
  for (const p of ['/etc/motd', '/app/static/hello.txt', '/usr/share/doc/example/manual.txt', '/app/static/logo.png']) {
    const r = row(page, p);
    shownRows.set(p, { layer: (await r.getAttribute('data-layer'))!, change: (await r.getAttribute('data-change'))! });
  }

  // Commit: the read-write layer becomes image layer 5; the container is gone.
  await page.getByTestId('pg-message').fill('customise motd');
  await page.getByTestId('pg-commit').click();
  await expect(page.getByTestId('pg-committed')).toHaveCount(1);
  await expect(pg).toHaveAttribute('data-running', 'false');
  await expect(bands(page)).toHaveCount(EXAMPLE_LAYERS + 1);
  await expect(bands(page).and(page.locator(`[data-index="${L}"]`))).toContainText('docker commit');

  // Download the docker-archive.
  const dir = mkdtempSync(join(tmpdir(), 'teach-e2e-'));
  try {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('pg-download').click()]);
    const file = join(dir, download.suggestedFilename());
    await download.saveAs(file);
    expect(download.suggestedFilename()).toMatch(/\.tar$/);

    // Reopen it in the page: one more layer, the same rows.
    await page.getByTestId('file-input').setInputFiles(file);
    await expect(page.locator('[data-state]').first()).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
    await expect(bands(page)).toHaveCount(EXAMPLE_LAYERS + 1);
    await expect(page.getByTestId('playground')).toHaveAttribute('data-running', 'false');
    await expect(page.getByTestId('pg-committed')).toHaveCount(0); // a new image: the playground starts over
    await page.evaluate(() => (location.hash = '#layer=5&path=/app/static/hello.txt'));
    await expect(row(page, '/app/static/hello.txt')).toHaveAttribute('data-layer', L);
    for (const [p, want] of shownRows) {
      await page.evaluate((h) => (location.hash = h), `#layer=${L}&path=${p}`);
      await expect(row(page, p)).toHaveAttribute('data-layer', want.layer);
      await expect(row(page, p)).toHaveAttribute('data-change', want.change);
    }

    // The CLI's listing of the download = the example's + exactly the playground's changes.
    if (before) {
      const after = cliLs(file);
      const expected = before
        .filter((l) => {
          const p = l.split('\t')[0]!;
          return p !== '/usr/share/doc/example/manual.txt' && !p.startsWith('/app/static/');
        })
        .map((l) => (l.startsWith('/etc/motd\t') ? `/etc/motd\tfile\t${motd.length}\t0644\t0\t0\t\t${L}` : l))
        .map((l) => (l.startsWith('/app/static\t') ? `/app/static\tdir\t0\t0755\t0\t0\t\t${L}` : l))
        .map((l) => (/^\/(app|etc|usr|usr\/share|usr\/share\/doc|usr\/share\/doc\/example)\tdir\t/.test(l) ? l.replace(/\t\d+$/, `\t${L}`) : l));
      expected.push(`/app/static/hello.txt\tfile\t3\t0644\t0\t0\t\t${L}`);
      expected.sort((a, b) => Buffer.compare(Buffer.from(a.split('\t')[0]!), Buffer.from(b.split('\t')[0]!)));
      expect(after).toEqual(expected);
      // And the new layer's members, as GNU tar reads them from the archive, are those the page listed.
      const x = join(dir, 'x');
      execFileSync('mkdir', [x]);
      execFileSync('tar', ['-xf', file, '-C', x]);
      const manifest = JSON.parse(readFileSync(join(x, 'manifest.json'), 'utf8'));
      const top = execFileSync('tar', ['-tf', join(x, manifest[0].Layers[EXAMPLE_LAYERS])], { encoding: 'utf8' });
      expect(
        top
          .split('\n')
          .filter(Boolean)
          .map((m) => m.replace(/\/$/, '')),
      ).toEqual(members);
    } else {
      console.warn('dist-cli is not built (npm run build): skipping the layerscope ls comparison');
    }

    // skopeo verifies every digest (diff_ids, config) while copying.
    if (spawnSync('skopeo', ['--version']).error) {
      console.warn('skopeo is not installed: skipping the skopeo check');
    } else {
      const r = spawnSync('skopeo', ['copy', '--quiet', `docker-archive:${file}`, `oci:${join(dir, 'oci')}:committed`], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('playground: removing the container restores the image; errors are explained', async ({ page }) => {
  await openExample(page);
  await page.getByTestId('pg-toggle').click();
  await page.getByTestId('pg-start').click();
  await expect(bands(page)).toHaveCount(EXAMPLE_LAYERS + 1);
  // A file in a missing directory: refused, with a reason.
  await page.getByTestId('pg-path').fill('/nope/file.txt');
  await page.getByTestId('pg-new-file').click();
  await page.getByTestId('pg-editor').fill('x');
  await page.getByTestId('pg-save').click();
  await expect(page.getByTestId('playground').getByRole('alert')).toContainText('no such directory');
  // Deleting a file only the container made leaves no whiteout.
  await page.getByTestId('pg-path').fill('/tmp/scratch.txt');
  await page.getByTestId('pg-new-file').click();
  await page.getByTestId('pg-editor').fill('scratch');
  await page.getByTestId('pg-save').click();
  await expect(page.locator('[data-testid="pg-member"][data-member="tmp/scratch.txt"]')).toHaveCount(1);
  await page.getByTestId('pg-path').fill('/tmp/scratch.txt');
  await page.getByTestId('pg-delete').click();
  await expect(page.locator('[data-testid="pg-member"][data-member="tmp/scratch.txt"]')).toHaveCount(0);
  await expect(page.locator('[data-testid="pg-member"][data-kind="whiteout"]')).toHaveCount(0);
  await page.getByTestId('pg-stop').click();
  await expect(bands(page)).toHaveCount(EXAMPLE_LAYERS);
  await expect(page.getByTestId('playground')).toHaveAttribute('data-running', 'false');
});
