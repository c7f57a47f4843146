/**
 * The explorer on every screen: at 390, 768, 1024, 1440 and 1920 px the page
 * never scrolls sideways, a selected row's name keeps at least 120 px (size,
 * mode and layer columns give way first), bootfs shows without scrolling the
 * stack, the search placeholder is not clipped; on narrow screens choosing a
 * row brings its details into view; at 1440 a 16-column hex dump fits the
 * details pane; the panes resize by drag and keyboard and remember it.
 */
import { test, expect, type Page } from '@playwright/test';
import { join } from 'node:path';

const SIZES: Array<[number, number]> = [
  [390, 844],
  [768, 1024],
  [1024, 700],
  [1440, 900],
  [1920, 1080],
];

async function openExample(page: Page, w: number, h: number) {
  await page.setViewportSize({ width: w, height: h });
  await page.goto('./?example');
  await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await expect(page.getByTestId('tree-row').first()).toBeVisible();
}

const row = (page: Page, path: string) => page.locator(`[data-testid="tree-row"][data-path="${path}"]`);

async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/** The name element's box, and whether it is wholly inside its row and the window (not clipped). */
async function nameBox(page: Page, path: string) {
  return row(page, path)
    .getByTestId('tree-name')
    .evaluate((el) => {
      const r = el.getBoundingClientRect();
      const cell = el.closest('.ft-name-cell')!.getBoundingClientRect();
      return { width: r.width, inside: r.left >= cell.left - 0.5 && r.right <= cell.right + 0.5 && r.right <= window.innerWidth + 0.5 };
    });
}

for (const [w, h] of SIZES) {
  test(`${w}×${h}: no sideways scrolling, the selected name keeps 120 px, bootfs in view`, async ({ page }) => {
    await openExample(page, w, h);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);

    // The placeholder is not clipped.
    const search = page.getByTestId('search');
    const fits = await search.evaluate((el: HTMLInputElement) => {
      const c = document.createElement('canvas').getContext('2d')!;
      const cs = getComputedStyle(el);
      c.font = `${cs.fontSize} ${cs.fontFamily}`;
      const text = c.measureText(el.placeholder).width;
      return text <= el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    });
    expect(fits, 'search placeholder fits').toBe(true);

    // The stack header's total is whole ("5 layers · 2.79 MB", not "5 layers · …"), on the title's line or under it.
    await expect(page.locator('.sd-total')).toHaveText('5 layers · 2.79 MB', { timeout: 30_000 });
    const total = await page.locator('.sd-total').evaluate((el) => el.scrollWidth - el.clientWidth);
    expect(total, 'stack total not cut').toBeLessThanOrEqual(0);

    // bootfs is visible inside the stack without scrolling it.
    const scroller = await page.locator('.sd-scroll').boundingBox();
    const boot = await page.locator('[data-part="bootfs"]').boundingBox();
    expect(boot!.y).toBeGreaterThanOrEqual(scroller!.y - 0.5);
    expect(boot!.y + boot!.height).toBeLessThanOrEqual(scroller!.y + scroller!.height + 0.5);
    await expect(page.locator('[data-part="bootfs"]')).toBeInViewport();

    // The case: search motd, select /etc/motd (a row with a "hides" badge).
    await search.fill('motd');
    await row(page, '/etc/motd').click();
    await expect(row(page, '/etc/motd')).toHaveAttribute('aria-selected', 'true');
    const b = await nameBox(page, '/etc/motd');
    expect(b.width, 'tree-name width').toBeGreaterThanOrEqual(120);
    expect(b.inside, 'tree-name not clipped').toBe(true);
    await expect(row(page, '/etc/motd').getByTestId('tree-name')).toHaveAttribute('title', '/etc/motd');
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);

    // Stacked layout: choosing a row brings its details into view.
    if (w < 960) await expect(page.getByTestId('details-path')).toBeInViewport();

    // Expanding /bin: symlink rows keep their names whole ("sh", not "s…"), the target gives way.
    await search.fill('/bin/sh');
    await expect(row(page, '/bin/sh')).toBeVisible();
    const sh = row(page, '/bin/sh').getByTestId('tree-name');
    const whole = await sh.evaluate((el) => [...el.children].every((c) => c.scrollWidth <= c.clientWidth + 0.5));
    expect(whole, '"sh" is not ellipsized').toBe(true);
    await row(page, '/bin/sh').click();
    expect((await nameBox(page, '/bin/sh')).width).toBeGreaterThanOrEqual(120);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
  });
}

test('a long name is ellipsized in the middle: its end stays, the full path is on hover', async ({ page }) => {
  await page.setViewportSize({ width: 1024, height: 700 });
  await page.goto('./');
  await page.getByTestId('file-input').setInputFiles(join(process.cwd(), 'test/fixtures/images/containerd-alpine-gzip.tar'));
  await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await page.getByTestId('search').fill('alpine-devel');
  // Two keys whose names differ only before the extension: their ends tell them apart.
  const keys = page.locator('[data-testid="tree-row"][data-path^="/etc/apk/keys/alpine-devel@"]');
  await expect(keys.first()).toBeVisible();
  const tails = await keys.locator('.ft-name-tail').allTextContents();
  expect(tails.length).toBeGreaterThanOrEqual(2);
  expect(new Set(tails).size).toBe(tails.length);
  for (const t of tails) expect(t).toMatch(/[0-9a-f]{8}\.rsa\.pub$/);
  // The tail is wholly visible, the head is what gets the ellipsis.
  const first = keys.first();
  const [tailOk, headCut] = await first.evaluate((el) => {
    const head = el.querySelector('.ft-name-head') as HTMLElement;
    const tail = el.querySelector('.ft-name-tail') as HTMLElement;
    const cell = el.querySelector('.ft-name-cell')!.getBoundingClientRect();
    return [tail.getBoundingClientRect().right <= cell.right + 0.5 && tail.scrollWidth <= tail.clientWidth + 0.5, head.scrollWidth > head.clientWidth];
  });
  expect(tailOk).toBe(true);
  expect(headCut).toBe(true);
  const path = await first.getAttribute('data-path');
  await expect(first.getByTestId('tree-name')).toHaveAttribute('title', path!);
});

test('1440: a hex dump fits the details pane, ASCII column included', async ({ page }) => {
  await openExample(page, 1440, 900);
  await page.getByTestId('search').fill('busybox');
  await row(page, '/bin/busybox').click();
  const hex = page.getByTestId('preview-hex');
  await expect(hex).toBeVisible({ timeout: 30_000 });
  const [sw, cw] = await hex.evaluate((el) => [el.scrollWidth, el.clientWidth]);
  expect(sw).toBeLessThanOrEqual(cw);
  expect((await hex.textContent())!.split('\n')[0]).toMatch(/\|.{16}\|$/);
});

test('the details pane grows with the window', async ({ page }) => {
  const widths: number[] = [];
  for (const [w, h] of [
    [1024, 700],
    [1440, 900],
    [1920, 1080],
  ] as const) {
    await page.setViewportSize({ width: w, height: h });
    if (widths.length === 0) {
      await page.goto('./?example');
      await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
    }
    const measure = async () => (await page.locator('#pane-details').boundingBox())!.width;
    const previous = widths.at(-1);
    // The pane sizes follow the window's resize event through a React render, so the
    // width right after setViewportSize may still be the old one: wait for it to grow.
    if (previous !== undefined) await expect.poll(measure).toBeGreaterThan(previous);
    widths.push(await measure());
  }
  expect(widths[1]!).toBeGreaterThan(widths[0]!);
  expect(widths[2]!).toBeGreaterThan(widths[1]!);
  expect(widths[2]!).toBeGreaterThanOrEqual(600);
});

test('panes resize by drag and by keyboard, and the widths are remembered', async ({ page }) => {
  await openExample(page, 1440, 900);
  const details = page.locator('#pane-details');
  const layers = page.locator('#pane-layers');
  const width = async (l: typeof details) => Math.round((await l.boundingBox())!.width);

  // Keyboard on the layers pane's splitter: → widens it by 16 px, Shift+→ by 64.
  const l0 = await width(layers);
  await page.getByTestId('splitter-left').focus();
  await page.keyboard.press('ArrowRight');
  await expect.poll(() => width(layers)).toBe(l0 + 16);
  await page.keyboard.press('Shift+ArrowRight');
  await expect.poll(() => width(layers)).toBe(l0 + 80);
  await expect(page.getByTestId('splitter-left')).toHaveAttribute('aria-valuenow', String(l0 + 80));

  // Drag the details pane's splitter 100 px to the left: the pane is 100 px wider.
  const w0 = await width(details);
  const split = page.getByTestId('splitter-right');
  const s = (await split.boundingBox())!;
  await page.mouse.move(s.x + s.width / 2, s.y + 200);
  await page.mouse.down();
  await page.mouse.move(s.x + s.width / 2 - 100, s.y + 200, { steps: 6 });
  await page.mouse.up();
  await expect.poll(() => width(details)).toBe(w0 + 100);
  await expect(split).toHaveAttribute('aria-valuenow', String(w0 + 100));

  // Remembered across a reload.
  await page.reload();
  await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  expect(await width(details)).toBe(w0 + 100);
  expect(await width(layers)).toBe(l0 + 80);

  // Enter on a splitter goes back to the default width.
  await page.getByTestId('splitter-right').focus();
  await page.keyboard.press('Enter');
  await expect.poll(() => width(details)).toBe(w0);
  // The tree never goes below its minimum, however far a pane is pushed.
  await page.keyboard.press('End');
  await page.getByTestId('splitter-left').focus();
  await page.keyboard.press('End');
  expect((await page.locator('#pane-tree').boundingBox())!.width).toBeGreaterThanOrEqual(339);
  expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
});

test('an invalid regex says so without moving the layout', async ({ page }) => {
  await openExample(page, 1024, 700);
  await page.getByLabel('Search mode').selectOption('regex');
  const before = await Promise.all([
    page.getByTestId('search').boundingBox(),
    page.locator('.ft-head').boundingBox(),
    page.getByTestId('tree-row').first().boundingBox(),
  ]);
  await page.getByTestId('search').fill('([');
  await expect(page.getByTestId('search-error')).toBeVisible();
  await expect(page.getByTestId('search-error')).toContainText(/Unterminated|missing|Invalid|nothing/i);
  const after = await Promise.all([page.getByTestId('search').boundingBox(), page.locator('.ft-head').boundingBox()]);
  expect(after[0]).toEqual(before[0]);
  expect(after[1]).toEqual(before[1]);
  await page.getByTestId('search').fill('(a');
  await expect(page.getByTestId('search-error')).toBeVisible();
  expect(await page.getByTestId('search').boundingBox()).toEqual(before[0]);
});
