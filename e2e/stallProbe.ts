/**
 * How long the page's main thread was unavailable: a 50 ms timer in the page records
 * the longest gap between its ticks beyond 50 ms. A task that holds the thread for
 * N ms shows as a gap of about N ms, whatever the task was.
 */
import type { Page } from '@playwright/test';

/** Runs in the page (serialized by Playwright: self-contained). */
function probe() {
  const w = window as unknown as { __maxStall: number };
  w.__maxStall = 0;
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    w.__maxStall = Math.max(w.__maxStall, now - last - 50);
    last = now;
  }, 50);
}

/** Start the probe in every page loaded from now on (before the app's own scripts). */
export async function probeNextPages(page: Page): Promise<void> {
  await page.addInitScript(probe);
}

/** Start the probe in the page as it is now. */
export const probeNow = (page: Page): Promise<void> => page.evaluate(probe);

/** The longest stall seen so far, in ms. */
export const maxStall = (page: Page): Promise<number> => page.evaluate(() => (window as unknown as { __maxStall: number }).__maxStall);
