/**
 * The container playground's chmod, touch and rename, in real Chromium on the
 * built-in example (public/example.tar, 5 layers; the container's read-write
 * layer is layer 5). What each must show is overlayfs's copy-on-write without
 * metacopy (Docker's overlay2 default):
 * - chmod / touch of a file from an image layer copies the whole file up into
 *   the read-write layer (a metadata change costs the file's size);
 * - rename of a file from an image layer = copy-up under the new name plus a
 *   whiteout `.wh.<old name>` hiding the lower version at the old name;
 * - rename of a directory from an image layer is refused (EXDEV);
 * - the same operations on something already in the read-write layer copy nothing.
 * Sizes and modes come from the example's layer tars (public/example.PROVENANCE.md).
 */
import { test, expect, type Page } from '@playwright/test';

const EXAMPLE_LAYERS = 5;
const RW = String(EXAMPLE_LAYERS);

const row = (page: Page, path: string) => page.locator(`[data-testid="tree-row"][data-path="${path}"]`);
const member = (page: Page, p: string) => page.locator(`[data-testid="pg-member"][data-member="${p}"]`);
const lastEvent = (page: Page) => page.getByTestId('pg-event').last();

async function startContainer(page: Page) {
  await page.goto('./?example');
  await expect(page.locator('[data-state]').first()).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await page.getByTestId('pg-toggle').click();
  await page.getByTestId('pg-start').click();
  await expect(page.getByTestId('playground')).toHaveAttribute('data-running', 'true');
  await expect(page.locator('[data-testid="layer"]')).toHaveCount(EXAMPLE_LAYERS + 1);
}

test('chmod of a file from an image layer copies all of it up; a second chmod copies nothing', async ({ page }) => {
  await startContainer(page);
  const path = '/usr/share/doc/example/manual.txt'; // 262,144 bytes, mode 0644, layer 0
  await page.getByTestId('pg-path').fill(path);
  await expect(page.getByTestId('pg-path-state')).toHaveText('file, from layer 0 (read-only) · mode 644');
  await page.getByTestId('pg-chmod').click();
  const form = page.getByTestId('pg-form');
  await expect(form).toHaveAttribute('data-op', 'chmod');
  await expect(page.getByTestId('pg-form-value')).toHaveValue('644');
  // Said before it is done: what the mode change will cost.
  await expect(page.getByTestId('pg-form-plan')).toContainText('copies the whole file (262 kB) up into layer 5 first');
  // Not a mode: refused with the reason, nothing changes.
  await page.getByTestId('pg-form-value').fill('rw-r');
  await page.getByTestId('pg-form-apply').click();
  await expect(page.getByTestId('playground').getByRole('alert')).toContainText('not an octal mode');
  await expect(page.getByTestId('pg-member')).toHaveCount(0);

  await page.getByTestId('pg-form-value').fill('600');
  await page.getByTestId('pg-form-value').press('Enter');
  await expect(form).toHaveCount(0);
  // The whole file is in the read-write layer now, with its parents.
  await expect(member(page, 'usr/share/doc/example/manual.txt')).toHaveAttribute('data-kind', 'file');
  await expect(member(page, 'usr/share/doc/example/manual.txt')).toContainText('copy-up of layer 0’s file · 262 kB');
  await expect(member(page, 'usr/share/doc/example')).toHaveAttribute('data-kind', 'dir');
  await expect(lastEvent(page)).toHaveAttribute('data-tone', 'copyup');
  await expect(lastEvent(page)).toContainText('Metadata-only change, whole copy-up');
  await expect(lastEvent(page)).toContainText('mode 0644 → 0600');
  await expect(lastEvent(page)).toContainText('all 262 kB');
  // The tree and details show the container's version.
  await expect(row(page, path)).toHaveAttribute('data-layer', RW);
  await expect(row(page, path)).toHaveAttribute('data-change', 'modified');
  await expect(page.getByTestId('details-path')).toContainText(path);
  await expect(page.getByTestId('details')).toContainText('-rw-------');
  await expect(page.getByTestId('pg-path-state')).toHaveText('file, in the read-write layer (copied up from layer 0) · mode 600');

  // Already copied up: only the mode changes.
  await page.getByTestId('pg-chmod').click();
  await expect(page.getByTestId('pg-form-value')).toHaveValue('600');
  await expect(page.getByTestId('pg-form-plan')).toContainText('Already in the read-write layer');
  await page.getByTestId('pg-form-value').fill('0640');
  await page.getByTestId('pg-form-apply').click();
  await expect(lastEvent(page)).toHaveAttribute('data-tone', 'info');
  await expect(lastEvent(page)).toContainText('mode 0600 → 0640, in the read-write layer already (no copy-up)');
  await expect(page.getByTestId('pg-member')).toHaveCount(5); // usr, usr/share, usr/share/doc, …/example, …/manual.txt

  // A directory from an image layer: its entry alone is copied up; its files still show through from below.
  await page.getByTestId('pg-path').fill('/app/static');
  await page.getByTestId('pg-chmod').click();
  await expect(page.getByTestId('pg-form-plan')).toContainText('the directory entry alone is copied up');
  await page.getByTestId('pg-form-value').fill('700');
  await page.getByTestId('pg-form-apply').click();
  await expect(member(page, 'app/static')).toHaveAttribute('data-kind', 'dir');
  await expect(member(page, 'app/static/logo.png')).toHaveCount(0);
  await expect(row(page, '/app/static/logo.png')).toHaveAttribute('data-layer', '1');
  // Escape closes the form without acting.
  await page.getByTestId('pg-chmod').click();
  await page.getByTestId('pg-form-value').press('Escape');
  await expect(page.getByTestId('pg-form')).toHaveCount(0);
});

test('touch of a file from an image layer copies it up; touch of a missing path creates an empty file', async ({ page }) => {
  await startContainer(page);
  await page.getByTestId('pg-path').fill('/etc/hostname'); // 8 bytes, layer 0
  await page.getByTestId('pg-touch').click();
  await expect(member(page, 'etc/hostname')).toHaveAttribute('data-kind', 'file');
  await expect(member(page, 'etc/hostname')).toContainText('copy-up of layer 0’s file · 8 B');
  await expect(lastEvent(page)).toHaveAttribute('data-tone', 'copyup');
  await expect(lastEvent(page)).toContainText('modification time set to now');
  await expect(lastEvent(page)).toContainText('copied all 8 B of it into the read-write layer');
  await expect(row(page, '/etc/hostname')).toHaveAttribute('data-layer', RW);
  await expect(row(page, '/etc/hostname')).toHaveAttribute('data-change', 'modified');

  await page.getByTestId('pg-path').fill('/tmp/stamp');
  await expect(page.getByTestId('pg-path-state')).toContainText('does not exist');
  await page.getByTestId('pg-touch').click();
  await expect(member(page, 'tmp/stamp')).toHaveAttribute('data-kind', 'file');
  await expect(member(page, 'tmp/stamp')).toContainText('new · 0 B');
  await expect(lastEvent(page)).toContainText('Created the empty file /tmp/stamp (touch).');
  await expect(row(page, '/tmp/stamp')).toHaveAttribute('data-change', 'added');
  await expect(row(page, '/tmp/stamp')).toHaveAttribute('data-layer', RW);
  // The parent came up with it, keeping its sticky mode (tmp is 1777 in layer 0).
  await page.getByTestId('pg-path').fill('/tmp');
  await expect(page.getByTestId('pg-path-state')).toHaveText('dir, in the read-write layer (copied up from layer 0) · mode 1777');
});

test('rename of a file from an image layer is a copy-up under the new name plus a whiteout at the old one', async ({ page }) => {
  await startContainer(page);
  await page.getByTestId('pg-path').fill('/app/server.sh'); // 227 bytes, mode 0755, uid 1000, layer 1
  await page.getByTestId('pg-rename').click();
  await expect(page.getByTestId('pg-form')).toHaveAttribute('data-op', 'rename');
  await expect(page.getByTestId('pg-form-value')).toHaveValue('/app/server.sh');
  await expect(page.getByTestId('pg-form-plan')).toContainText('whole file (227 B) is copied up under the new name and the old name gets a whiteout');
  await page.getByTestId('pg-form-value').fill('/app/start.sh');
  await page.getByTestId('pg-form-apply').click();

  await expect(member(page, 'app/start.sh')).toHaveAttribute('data-kind', 'file');
  await expect(member(page, 'app/start.sh')).toContainText('copy-up of layer 1’s /app/server.sh, renamed · 227 B');
  await expect(member(page, 'app/.wh.server.sh')).toHaveAttribute('data-kind', 'whiteout');
  await expect(member(page, 'app/.wh.server.sh')).toContainText('whiteout: hides the lower app/server.sh');
  await expect(lastEvent(page)).toHaveAttribute('data-tone', 'whiteout');
  await expect(lastEvent(page)).toContainText('copied up under its new name (227 B) and the old name whited out with /app/.wh.server.sh');
  // The tree: the new name from the container's layer, the old one deleted there (its bytes still in layer 1).
  await expect(row(page, '/app/start.sh')).toHaveAttribute('data-change', 'added');
  await expect(row(page, '/app/start.sh')).toHaveAttribute('data-layer', RW);
  await expect(row(page, '/app/server.sh')).toHaveAttribute('data-change', 'deleted');
  await expect(row(page, '/app/server.sh')).toHaveAttribute('data-layer', RW);
  // Mode and owner came along with the copy.
  await expect(page.getByTestId('pg-path')).toHaveValue('/app/start.sh');
  await expect(page.getByTestId('pg-path-state')).toHaveText('file, in the read-write layer · mode 755');
  await expect(page.getByTestId('details')).toContainText('-rwxr-xr-x');

  // Renamed again, inside the read-write layer: it just moves; the whiteout stays.
  await page.getByTestId('pg-rename').click();
  await page.getByTestId('pg-form-value').fill('/app/run.sh');
  await page.getByTestId('pg-form-value').press('Enter');
  await expect(lastEvent(page)).toContainText('inside the read-write layer (1 entry moved; nothing below to hide)');
  await expect(member(page, 'app/run.sh')).toHaveAttribute('data-kind', 'file');
  await expect(member(page, 'app/start.sh')).toHaveCount(0);
  await expect(member(page, 'app/.wh.server.sh')).toHaveAttribute('data-kind', 'whiteout');

  // A directory from an image layer: refused before anything is done, with overlayfs's reason.
  await page.getByTestId('pg-path').fill('/app/static');
  await page.getByTestId('pg-rename').click();
  await expect(page.getByTestId('pg-form-plan')).toContainText('overlayfs refuses to rename it (EXDEV');
  await expect(page.getByTestId('pg-form-apply')).toBeDisabled();
  // An existing target is refused with the reason.
  await page.getByTestId('pg-path').fill('/app/README.md');
  await page.getByTestId('pg-rename').click();
  await page.getByTestId('pg-form-value').fill('/app/run.sh');
  await page.getByTestId('pg-form-apply').click();
  await expect(page.getByTestId('playground').getByRole('alert')).toContainText('/app/run.sh already exists');
  await expect(member(page, 'app/README.md')).toHaveCount(0);
});
