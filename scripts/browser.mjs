// Which Chromium the end-to-end tests and benchmarks drive.
// Browser downloads (`npx playwright install`) are impossible on this network, so
// Debian's Chromium comes first; Playwright's own build is the fallback (a laptop).
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

export const SYSTEM_CHROMIUM = '/usr/bin/chromium';

/** Flags for a root, sandbox-less, offline machine (see DEVELOPERS.md). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function findChromium() {
  if (process.env.LAYERSCOPE_CHROMIUM && existsSync(process.env.LAYERSCOPE_CHROMIUM)) return process.env.LAYERSCOPE_CHROMIUM;
  if (existsSync(SYSTEM_CHROMIUM)) return SYSTEM_CHROMIUM;
  let bundled = null;
  try {
    bundled = chromium.executablePath();
  } catch {
    bundled = null;
  }
  return bundled && existsSync(bundled) ? bundled : null;
}

export function chromiumLaunchOptions() {
  const executablePath = findChromium() ?? undefined;
  return { executablePath, args: CHROMIUM_ARGS };
}
