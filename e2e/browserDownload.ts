/**
 * Downloads go through showSaveFilePicker where the browser has one (Chromium),
 * which Playwright cannot drive headless. Specs that check a downloaded file
 * take the other path every browser has — the anchor download Playwright sees —
 * by hiding the picker before the page's scripts run (src/ui/Download/save.ts).
 */
import type { Page } from '@playwright/test';

export async function withoutSavePicker(page: Page): Promise<void> {
  await page.addInitScript(() => Object.defineProperty(window, 'showSaveFilePicker', { value: undefined, configurable: true }));
}
