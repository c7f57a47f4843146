// The production build served for the Firefox smoke test (e2e/firefox/smoke.mjs) the way Playwright serves it
// for the Chromium suite (playwright.config.ts): `vite preview` of dist/ on a free port.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
/** Debian's Firefox ESR (`apt-get install -y firefox-esr`); LAYERSCOPE_FIREFOX points elsewhere. */
export const FIREFOX = process.env.LAYERSCOPE_FIREFOX ?? '/usr/bin/firefox-esr';

/** How long vite preview may take to answer its first request (it is fast; the machine may be busy). */
const SERVER_START_TIMEOUT_MS = 60_000;

/** A port the kernel says is free now (bound to 0, read back, released). */
export function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/** Start `vite preview` (one process: vite's own bin, not through npx) and wait until it serves. */
export async function startPreview() {
  const port = await freePort();
  const vite = resolve(ROOT, 'node_modules/vite/bin/vite.js');
  const child = spawn(process.execPath, [vite, 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + SERVER_START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`vite preview exited with ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`vite preview did not answer on ${url} within ${SERVER_START_TIMEOUT_MS} ms`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    stop: () =>
      new Promise((ok) => {
        if (child.exitCode !== null) return ok();
        child.once('exit', () => ok());
        child.kill();
      }),
  };
}
