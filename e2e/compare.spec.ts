/**
 * Comparing (issue 11) in the page. Two versions of one path inside one image,
 * with the truth from GNU tar (tarTruth.ts): the bytes of each version as tar
 * extracts them from the layer that wrote it. Two images built here with the
 * engine's writers (a shared base layer, a top layer each): dropped together,
 * one after the other, through Compare…; a side with a layer that cannot be read;
 * a second file that is not an image.
 */
import { test, expect, type Page } from '@playwright/test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { writeDockerArchive } from '../src/core/write/dockerArchive';
import { layerTar, type FileSpec } from '../test/helpers/auditImage';
import { ociIndexArchive } from '../test/helpers/ociIndex';
import { fileBytes, truthOf } from './tarTruth';

const EXAMPLE = resolve(process.cwd(), 'public/example.tar');

async function openExample(page: Page) {
  await page.goto('./');
  await page.getByTestId('file-input').setInputFiles(EXAMPLE);
  await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
}

test.describe('two versions of one path inside one image', () => {
  const truth = truthOf(EXAMPLE);

  test('the path details diff the last version against the one before it', async ({ page }) => {
    const before = fileBytes(truth, 0, '/etc/motd').toString('utf8').trimEnd();
    const after = fileBytes(truth, 2, '/etc/motd').toString('utf8').trimEnd();
    await openExample(page);
    await page.getByTestId('search').fill('motd');
    await page.locator('[data-testid="tree-row"][data-path="/etc/motd"]').click();
    const vd = page.getByTestId('version-diff');
    await expect(vd).toBeVisible();
    const content = vd.getByTestId('compare-content');
    await expect(content).toHaveAttribute('data-kind', 'text');
    await expect(content).toContainText('1 line removed, 1 added');
    // unified: the old line, then the new one
    await expect(content.locator('.cmp-line--del .cmp-line__text')).toHaveText(`−${before}`);
    await expect(content.locator('.cmp-line--add .cmp-line__text')).toHaveText(`+${after}`);
    // side by side: one row with both
    await content.getByRole('radio', { name: 'Side by side' }).click();
    const row = content.locator('.cmp-line--change');
    await expect(row.locator('.cmp-line__text--del')).toHaveText(before);
    await expect(row.locator('.cmp-line__text--add')).toHaveText(after);
    // word-level highlights mark only part of the line
    expect(await row.locator('.cmp-line__text--add mark').count()).toBeGreaterThan(0);
    expect((await row.locator('.cmp-line__text--add mark').allTextContents()).join('').length).toBeLessThan(after.length);
  });
});

test.describe('the version diff reads only once it is in view (issue 13)', () => {
  test('scrolled away, it reads nothing; scrolled to, it reads both versions', async ({ page }) => {
    // every content read the page asks of its workers, by offset (the wrapper is the bench's recordReads)
    await page.addInitScript(() => {
      const W = window.Worker;
      const w = window as unknown as { __reads: number[] };
      w.__reads = [];
      window.Worker = class extends W {
        constructor(...a: ConstructorParameters<typeof Worker>) {
          super(...a);
          const post = this.postMessage.bind(this);
          this.postMessage = ((m: { type?: string; dataOffset?: number }, t?: Transferable[]) => {
            if (m?.type === 'read') w.__reads.push(m.dataOffset!);
            return post(m, t as Transferable[]);
          }) as Worker['postMessage'];
        }
      };
    });
    // short enough that the history and the section's place leave it below the details pane's fold
    await page.setViewportSize({ width: 1280, height: 360 });
    await openExample(page);
    await page.getByTestId('search').fill('motd');
    await page.locator('[data-testid="tree-row"][data-path="/etc/motd"]').click();
    await expect(page.getByTestId('preview-kind')).toHaveText(/^Text/);
    const vd = page.getByTestId('version-diff');
    await expect(vd).not.toBeInViewport();
    await expect(vd.getByTestId('version-diff-waiting')).toBeVisible();
    const reads = () => page.evaluate(() => (window as unknown as { __reads: number[] }).__reads.length);
    // the preview's own read only
    expect(await reads()).toBe(1);
    await vd.scrollIntoViewIfNeeded();
    await expect(vd.getByTestId('compare-content')).toContainText('1 line removed, 1 added');
    expect(await reads()).toBe(3);
  });
});

/* ------------------------------------------------------ two images (issue 11) */

const tmp = mkdtempSync(join(tmpdir(), 'layerscope-e2e-compare-'));
test.afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const BASE: FileSpec[] = [
  { path: 'etc/motd', data: 'Welcome to the base image\n' },
  { path: 'etc/app.conf', data: 'mode=fast\nlevel=3\n' },
  { path: 'usr/bin/tool', data: Uint8Array.from({ length: 4000 }, (_, i) => (i * 31) & 0xff), mode: 0o755 },
];
const BUILD_41: FileSpec[] = [
  { path: 'app/main.py', data: "import sys\nprint('build 41')\nsys.exit(0)\n" },
  { path: 'app/data.bin', data: new Uint8Array(1000) },
];
const BUILD_42: FileSpec[] = [
  // the same size as build 41's: only hashing can tell them apart
  { path: 'app/main.py', data: "import sys\nprint('build 42')\nsys.exit(0)\n" },
  { path: 'app/data.bin', data: new Uint8Array(2000) },
  { path: 'app/new.txt', data: 'new in 42\n' },
  { path: 'etc/.wh.motd' },
];

async function archive(name: string, layers: Uint8Array[], tag = `layerscope/compare-${name}:1`): Promise<string> {
  const bytes = await writeDockerArchive({
    layers: layers.map((tar) => ({ tar })),
    config: { architecture: 'amd64', os: 'linux', config: {} },
    history: layers.map((_, i) => ({ created_by: i === 0 ? '/bin/sh -c #(nop) ADD file:base in / ' : `/bin/sh -c build step ${i} of ${name}` })),
    repoTag: tag,
  });
  const f = join(tmp, `${name}.tar`);
  writeFileSync(f, bytes);
  return f;
}

const build41 = () => archive('build-41', [layerTar(BASE), layerTar(BUILD_41)]);
const build42 = () => archive('build-42', [layerTar(BASE), layerTar(BUILD_42)]);

/** Drop files on the page as a user drags them from a file manager. */
async function dropFiles(page: Page, files: string[]) {
  await page.evaluate(
    ({ files }) => {
      const dt = new DataTransfer();
      for (const [name, b64] of files) dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], name, { type: 'application/x-tar' }));
      for (const type of ['dragenter', 'dragover', 'drop'])
        document.body.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
    },
    { files: files.map((f): [string, string] => [basename(f), readFileSync(f).toString('base64')]) },
  );
}

const row = (page: Page, path: string) => page.locator(`[data-testid="compare-tree"] [role="treeitem"][data-path="${path}"]`);

async function openRow(page: Page, path: string) {
  const parts = path.split('/').filter(Boolean);
  for (let i = 1; i < parts.length; i++) {
    const dir = row(page, `/${parts.slice(0, i).join('/')}`);
    if ((await dir.getAttribute('aria-expanded')) === 'false') await dir.dblclick();
  }
  await row(page, path).click();
}

test.describe('two images', () => {
  // Two archives opened, a worker pool started and files hashed per test: more than the default on a shared 2-core machine.
  test.describe.configure({ timeout: 120_000 });
  test('drop two files: shared layers aligned, filter to changed, a changed text file’s diff; the hash keeps the view, never the files', async ({ page }) => {
    const [a, b] = [await build41(), await build42()];
    await page.goto('./');
    await dropFiles(page, [a, b]);
    const cmp = page.getByTestId('compare');
    await expect(cmp).toBeVisible({ timeout: 60_000 });
    await expect(cmp.getByTestId('compare-tree')).toHaveAttribute('data-status', 'ready');
    await expect(cmp.locator('.cmp-side--a')).toContainText('build-41.tar');
    await expect(cmp.locator('.cmp-side--b')).toContainText('build-42.tar');

    // the base is the same layer in both (the same diff_id), aligned on one row; the top differs
    const stacks = cmp.getByTestId('compare-stacks');
    await expect(stacks.locator('li[data-a="0"][data-b="0"]')).toHaveAttribute('data-shared', 'true');
    await expect(stacks.locator('li[data-a="1"][data-b="1"]')).toHaveAttribute('data-shared', 'false');
    await expect(stacks.locator('li[data-a="1"][data-b="1"]')).toContainText('first difference');
    await expect(stacks).toContainText('1 shared layer; the same base of 1, diverging at layer 1');
    // the "first difference" rule is a line of its own: it covers neither cell of its row, at any width
    for (const width of [390, 1024, 1440]) {
      await page.setViewportSize({ width, height: 900 });
      const divergent = stacks.locator('li[data-a="1"][data-b="1"]');
      await divergent.scrollIntoViewIfNeeded();
      const mark = await divergent.locator('.cmp-stacks__mark').boundingBox();
      expect(mark, `mark shown at ${width}px`).not.toBeNull();
      for (const cell of await divergent.locator('.cmp-stacks__side').all()) {
        const c = (await cell.boundingBox())!;
        const overlap =
          Math.min(mark!.x + mark!.width, c.x + c.width) - Math.max(mark!.x, c.x) > 0 &&
          Math.min(mark!.y + mark!.height, c.y + c.height) - Math.max(mark!.y, c.y) > 0;
        expect(overlap, `mark over a cell at ${width}px`).toBe(false);
      }
      if (process.env.LAYERSCOPE_SHOTS) writeFileSync(join(process.env.LAYERSCOPE_SHOTS, `compare-stacks-${width}.png`), await page.screenshot());
    }
    await page.setViewportSize({ width: 1280, height: 800 });

    // every category, as the engine computes it: added, removed, changed by size and by content
    await expect(row(page, '/app/new.txt')).toHaveAttribute('data-category', 'added');
    await expect(row(page, '/etc/motd')).toHaveAttribute('data-category', 'removed');
    await expect(row(page, '/app/data.bin')).toHaveAttribute('data-category', 'changed');
    await expect(row(page, '/app/main.py')).toHaveAttribute('data-category', 'changed');
    await expect(cmp.getByTestId('compare-totals')).toContainText('4 of');
    // both sides' digests checked behind the view: the shared base is then proven, not taken at its config's word
    await expect(cmp.getByTestId('compare-totals')).not.toContainText('not yet verified');

    // filter to changed only
    // (the chips are labels over visually hidden checkboxes: a user clicks the chip)
    for (const c of ['added', 'removed', 'metadata']) {
      await cmp.getByTestId(`compare-filter-${c}`).locator('..').click();
      await expect(cmp.getByTestId(`compare-filter-${c}`)).not.toBeChecked();
    }
    await expect(row(page, '/app/new.txt')).toHaveCount(0);
    await expect(row(page, '/etc/motd')).toHaveCount(0);
    await expect(row(page, '/app/main.py')).toBeVisible();
    // every file row left is a changed one (directories stay as the parents of what is shown)
    const files = await page
      .locator('[data-testid="compare-tree"] [role="treeitem"]:not([aria-expanded])')
      .evaluateAll((els) => els.map((e) => `${e.getAttribute('data-path')} ${e.getAttribute('data-category')}`));
    expect(files.sort()).toEqual(['/app/data.bin changed', '/app/main.py changed']);

    // the changed text file of equal size: proven different by sha256, then its line diff
    await openRow(page, '/app/main.py');
    const path = cmp.getByTestId('compare-path');
    await expect(path).toHaveAttribute('data-category', 'changed');
    const content = path.getByTestId('compare-content');
    await expect(content).toHaveAttribute('data-kind', 'text');
    await expect(content.locator('.cmp-line--change .cmp-line__text--del')).toHaveText("print('build 41')");
    await expect(content.locator('.cmp-line--change .cmp-line__text--add')).toHaveText("print('build 42')");
    await content.getByRole('radio', { name: 'Unified' }).click();
    await expect(content.locator('.cmp-line--del .cmp-line__text')).toHaveText("−print('build 41')");
    await expect(content.locator('.cmp-line--add .cmp-line__text')).toHaveText("+print('build 42')");

    // the URL keeps the comparison's view, never the files
    const url = decodeURIComponent(page.url());
    expect(url).toContain('cmp=files');
    expect(url).toContain('cpath=/app/main.py');
    expect(url).toContain('cshow=c');
    expect(url).not.toContain('build-41');

    // closing gives the explorer back, as it was
    await cmp.getByTestId('compare-close').click();
    await expect(page.getByTestId('compare')).toHaveCount(0);
    await expect(page.getByTestId('file-name')).toContainText('build-41.tar');
    expect(decodeURIComponent(page.url())).not.toContain('cmp=');
  });

  test('a file dropped while an image is open: compare with it, or open it instead', async ({ page }) => {
    const [a, b] = [await build41(), await build42()];
    await page.goto('./');
    await page.getByTestId('file-input').setInputFiles(a);
    await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
    await dropFiles(page, [b]);
    const choice = page.getByTestId('second-file-choice');
    await expect(choice).toBeVisible();
    await expect(choice).toContainText('build-41.tar is open');
    await choice.getByTestId('choice-compare').click();
    await expect(page.getByTestId('compare-tree')).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });
    await expect(row(page, '/app/new.txt')).toHaveAttribute('data-category', 'added');
    await page.getByTestId('compare-close').click();

    await dropFiles(page, [b]);
    await choice.getByTestId('choice-open').click();
    await expect(page.getByTestId('file-name')).toContainText('build-42.tar', { timeout: 60_000 });
    await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', 'ready');
    await expect(page.getByTestId('compare')).toHaveCount(0);
  });

  test('Compare…: another file through the picker, and two layers of the image shown', async ({ page }) => {
    const [a, b] = [await build41(), await build42()];
    await page.goto('./');
    await page.getByTestId('file-input').setInputFiles(b);
    await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
    await page.getByTestId('compare-open').click();
    await page.getByTestId('compare-layer-a').selectOption('0');
    await page.getByTestId('compare-layer-b').selectOption('1');
    await page.getByTestId('compare-layers-go').click();
    // what layer 1 changed
    await expect(page.getByTestId('compare-tree')).toHaveAttribute('data-status', 'ready');
    await expect(row(page, '/etc/motd')).toHaveAttribute('data-category', 'removed');
    await expect(row(page, '/app/main.py')).toHaveAttribute('data-category', 'added');
    expect(decodeURIComponent(page.url())).toContain('cmp=layers&la=0&lb=1');
    // a reload with the same file dropped again restores it
    await page.reload();
    await page.getByTestId('file-input').setInputFiles(b);
    await expect(page.getByTestId('compare-tree')).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });
    await expect(row(page, '/etc/motd')).toHaveAttribute('data-category', 'removed');
    await page.getByTestId('compare-close').click();

    await page.getByTestId('compare-open').click();
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByTestId('compare-pick-file').click()]);
    await chooser.setFiles(a);
    await expect(page.getByTestId('compare-tree')).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });
    // A is the image shown (42), B the one picked (41)
    await expect(row(page, '/app/new.txt')).toHaveAttribute('data-category', 'removed');
  });

  test('a side with a layer that cannot be read: that layer marked, the paths it may have changed unknown, never unchanged', async ({ page }) => {
    const good = await build41();
    const top = new Uint8Array(gzipSync(layerTar(BUILD_42)));
    const broken = await archive('broken-42', [layerTar(BASE), top.subarray(0, Math.floor(top.length / 2))]);
    await page.goto('./');
    await dropFiles(page, [good, broken]);
    const cmp = page.getByTestId('compare');
    await expect(cmp.getByTestId('compare-tree')).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });
    await expect(cmp.getByTestId('compare-unread')).toContainText('Layer 1 of B could not be read');
    await expect(cmp.getByTestId('compare-stacks').locator('li[data-b="1"] .cmp-layer--failed')).toContainText('could not be read');
    // build 41's own files may have been changed by the unread layer: unknown, not unchanged and not removed
    await expect(row(page, '/app/main.py')).toHaveAttribute('data-category', 'unknown');
    await expect(row(page, '/etc/motd')).toHaveAttribute('data-category', 'unknown');
  });

  test('two images of one archive (podman save -m, a shared first layer) through Compare…; the diff tree by keyboard', async ({ page }) => {
    await page.goto('./');
    await page.getByTestId('file-input').setInputFiles(resolve(process.cwd(), 'test/fixtures/images/podman-two-images-shared-layer.docker.tar'));
    await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
    await page.getByTestId('compare-open').click();
    const menu = page.getByTestId('compare-menu');
    await menu.getByRole('heading', { name: 'With another image of this archive' }).waitFor();
    await menu.locator('.cmp-dialog__list button').first().click();
    const cmp = page.getByTestId('compare');
    await expect(cmp.getByTestId('compare-tree')).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });
    await expect(cmp.getByTestId('compare-stacks').locator('li[data-a="0"][data-b="0"]')).toHaveAttribute('data-shared', 'true');
    // keyboard: the tree takes focus, ↓ moves the selection, → opens a directory, ← goes back to its parent
    const tree = cmp.locator('[role="tree"]');
    await tree.focus();
    const active = cmp.locator('[role="treeitem"][aria-selected="true"]');
    const first = await active.getAttribute('data-path');
    expect(first).toBeTruthy();
    await page.keyboard.press('End');
    const last = await active.getAttribute('data-path');
    await page.keyboard.press('Home');
    await expect(active).toHaveAttribute('data-path', first!);
    await page.keyboard.press('ArrowDown');
    if (last !== first) await expect(active).not.toHaveAttribute('data-path', first!);
    await expect(page.getByTestId('compare-path')).toBeVisible();
  });

  test('the diff tree by keyboard: ↑ ↓ ← → Home End PageUp PageDown Enter Space and type-ahead, as in the explorer’s tree', async ({ page }) => {
    // B adds a directory of 80 files: more rows than a page, so PageDown/PageUp differ from End/Home
    const many: FileSpec[] = Array.from({ length: 80 }, (_, i) => ({ path: `many/file-${String(i).padStart(2, '0')}`, data: `${i}\n` }));
    const a = await archive('keys-a', [layerTar(BASE)]);
    const b = await archive('keys-b', [
      layerTar(BASE),
      layerTar([{ path: 'etc/app.conf', data: 'mode=slow\nlevel=12\n' }, ...many, { path: 'zz.txt', data: 'last\n' }]),
    ]);
    await page.setViewportSize({ width: 1280, height: 700 });
    await page.goto('./');
    await dropFiles(page, [a, b]);
    const cmp = page.getByTestId('compare');
    await expect(cmp.getByTestId('compare-tree')).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });
    const tree = cmp.locator('[role="tree"]');
    const active = cmp.locator('[role="treeitem"][aria-selected="true"]');
    /** The active row's position among the rows shown (its id is cmp-row-N). */
    const at = async () => Number((await active.getAttribute('id'))!.replace('cmp-row-', ''));
    const key = async (k: string) => {
      await page.keyboard.press(k);
      await expect(tree).toBeFocused();
    };

    // focus selects the first row: /etc (a directory, shown open: it holds a change)
    await tree.focus();
    await expect(active).toHaveAttribute('data-path', '/etc');
    await expect(active).toHaveAttribute('aria-expanded', 'true');
    // ← closes an open directory, → opens it again, → on an open one goes to its first child, ← on a child back to its parent
    await key('ArrowLeft');
    await expect(active).toHaveAttribute('aria-expanded', 'false');
    await expect(row(page, '/etc/app.conf')).toHaveCount(0);
    await key('ArrowRight');
    await expect(active).toHaveAttribute('aria-expanded', 'true');
    await key('ArrowRight');
    await expect(active).toHaveAttribute('data-path', '/etc/app.conf');
    await expect(cmp.getByTestId('compare-path')).toContainText('app.conf');
    await key('ArrowLeft');
    await expect(active).toHaveAttribute('data-path', '/etc');
    // Enter and Space toggle a directory
    await key('Enter');
    await expect(active).toHaveAttribute('aria-expanded', 'false');
    await key(' ');
    await expect(active).toHaveAttribute('aria-expanded', 'true');
    // ↓ / ↑ one row
    await key('ArrowDown');
    await expect(active).toHaveAttribute('data-path', '/etc/app.conf');
    await key('ArrowUp');
    await expect(active).toHaveAttribute('data-path', '/etc');
    // /many opened (→), so the list is longer than the tree's height
    await key('ArrowDown');
    await key('ArrowDown');
    await expect(active).toHaveAttribute('data-path', '/many');
    if ((await active.getAttribute('aria-expanded')) === 'false') await key('ArrowRight');
    await expect(active).toHaveAttribute('aria-expanded', 'true');
    // Home / End: the first and the last row
    await key('End');
    await expect(active).toHaveAttribute('data-path', '/zz.txt');
    const last = await at();
    expect(last).toBe(1 + 1 + 1 + 80 + 1 - 1); // /etc, /etc/app.conf, /many, its 80 files, /zz.txt
    await key('Home');
    await expect(active).toHaveAttribute('data-path', '/etc');
    // PageDown: a screenful of rows less one (kept for context), the row scrolled into view; PageUp back
    const perPage = await tree.evaluate((el) => {
      const scroller = el.parentElement!;
      const rowHeight = (el.querySelector('[role="treeitem"]') as HTMLElement).getBoundingClientRect().height;
      return Math.max(1, Math.floor(scroller.clientHeight / rowHeight) - 1);
    });
    expect(perPage).toBeGreaterThan(1);
    expect(perPage).toBeLessThan(last);
    await key('PageDown');
    await expect.poll(at).toBe(perPage);
    await expect(active).toBeInViewport();
    await key('PageDown');
    await expect.poll(at).toBe(Math.min(last, 2 * perPage));
    await expect(active).toBeInViewport();
    await key('PageUp');
    await expect.poll(at).toBe(perPage);
    await key('PageUp');
    await expect.poll(at).toBe(0);
    // type-ahead: the next row whose name starts with what was typed
    await key('z');
    await expect(active).toHaveAttribute('data-path', '/zz.txt');
    await page.waitForTimeout(1100); // longer than the type-ahead's reset: a fresh search
    await page.keyboard.type('file-4');
    await expect(active).toHaveAttribute('data-path', '/many/file-40');
    await expect(active).toBeInViewport();
    // the selection is the comparison's: the details follow, the URL keeps it
    await expect(cmp.getByTestId('compare-path')).toContainText('file-40');
    expect(decodeURIComponent(page.url())).toContain('cpath=/many/file-40');
  });

  test('two platforms of one index (linux/amd64 against linux/arm64/v8) through Compare…: the base stored once is shared', async ({ page }) => {
    const base = layerTar(BASE);
    const bytes = ociIndexArchive([
      {
        os: 'linux',
        architecture: 'amd64',
        layers: [
          base,
          layerTar([
            { path: 'bin/tool', data: 'x86-64 code' },
            { path: 'etc/arch', data: 'amd64\n' },
          ]),
        ],
      },
      {
        os: 'linux',
        architecture: 'arm64',
        variant: 'v8',
        layers: [
          base,
          layerTar([
            { path: 'bin/tool', data: 'aarch64 code!' },
            { path: 'etc/arch', data: 'arm64\n' },
            { path: 'etc/arm-only', data: 'v8\n' },
          ]),
        ],
      },
    ]);
    const f = join(tmp, 'multi-platform.oci.tar');
    writeFileSync(f, bytes);
    await page.goto('./');
    await page.getByTestId('file-input').setInputFiles(f);
    await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
    await page.getByTestId('compare-open').click();
    const menu = page.getByTestId('compare-menu');
    await menu.getByRole('heading', { name: 'With another image of this archive' }).waitFor();
    // the platform shown (linux/amd64, the default) is not offered against itself
    await expect(menu.getByRole('button', { name: /linux\/amd64/ })).toHaveCount(0);
    await menu.getByRole('button', { name: /linux\/arm64\/v8/ }).click();
    const cmp = page.getByTestId('compare');
    await expect(cmp.getByTestId('compare-tree')).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });
    await expect(cmp.locator('.cmp-side--a')).toContainText('linux/amd64');
    await expect(cmp.locator('.cmp-side--b')).toContainText('linux/arm64/v8');
    // the base layer is the same stored blob of one archive: shared; the platforms' own layers differ from there
    const stacks = cmp.getByTestId('compare-stacks');
    await expect(stacks.locator('li[data-a="0"][data-b="0"]')).toHaveAttribute('data-shared', 'true');
    await expect(stacks.locator('li[data-a="1"][data-b="1"]')).toHaveAttribute('data-shared', 'false');
    await expect(stacks).toContainText('1 shared layer; the same base of 1, diverging at layer 1');
    // by size, by content (the same 6 bytes: hashed to tell), and a file of one platform only
    await expect(row(page, '/bin/tool')).toHaveAttribute('data-category', 'changed');
    await expect(row(page, '/etc/arch')).toHaveAttribute('data-category', 'changed');
    await expect(row(page, '/etc/arm-only')).toHaveAttribute('data-category', 'added');
    await expect(row(page, '/etc/motd')).toHaveCount(0); // unchanged: hidden by the default filter
    await expect(cmp.getByTestId('compare-totals')).toContainText('3 of');
    await openRow(page, '/etc/arch');
    const content = cmp.getByTestId('compare-path').getByTestId('compare-content');
    await expect(content.locator('.cmp-line--change .cmp-line__text--del')).toHaveText('amd64');
    await expect(content.locator('.cmp-line--change .cmp-line__text--add')).toHaveText('arm64');
    // the URL names B's platform (never the file)
    const url = decodeURIComponent(page.url());
    expect(url).toContain('cmp=files');
    expect(url).toContain('pb=linux/arm64/v8');
    expect(url).not.toContain('multi-platform');
    // closed: the explorer still shows linux/amd64
    await cmp.getByTestId('compare-close').click();
    await expect(page.getByTestId('compare')).toHaveCount(0);
    await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', 'ready');
  });

  test('a second file that is not an image: the error names side B and the explorer stays', async ({ page }) => {
    const a = await build41();
    const junk = join(tmp, 'notes.txt');
    writeFileSync(junk, 'just some notes\n');
    await page.goto('./');
    await dropFiles(page, [a, junk]);
    const err = page.getByTestId('compare-error');
    await expect(err).toContainText('B: “notes.txt” is not a tar archive', { timeout: 60_000 });
    await expect(page.getByTestId('compare')).toHaveCount(0);
    await expect(page.getByTestId('file-name')).toContainText('build-41.tar');
    await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', 'ready');
  });
});
