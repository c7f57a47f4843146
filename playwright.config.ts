import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from './scripts/browser.mjs';

// A port of its own per run: the config is evaluated first in the runner, which then
// starts the workers with this environment, so they all agree on it. A fixed port made
// two runs on one machine (or a leftover server) collide.
process.env.LAYERSCOPE_E2E_PORT ??= String(20000 + Math.floor(Math.random() * 20000));
const PORT = Number(process.env.LAYERSCOPE_E2E_PORT);

// End-to-end tests run against the production build (vite preview of dist/),
// in real Chromium: Debian's /usr/bin/chromium when present, else Playwright's own.
export default defineConfig({
  testDir: 'e2e',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}/`,
    launchOptions: chromiumLaunchOptions(),
    viewport: { width: 1280, height: 800 },
    // The page's service worker (offline shell) would answer requests before page.route()
    // sees them and cache across a test's reloads: only e2e/offline.spec.ts allows it.
    serviceWorkers: 'block',
  },
  webServer: {
    command: `npx vite preview --host 127.0.0.1 --port ${PORT} --strictPort`,
    url: `http://127.0.0.1:${PORT}/`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
