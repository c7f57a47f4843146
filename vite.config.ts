import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

/**
 * Content-Security-Policy for the production build. Nothing from inside an image
 * may run as script in the page: only our own bundle runs (no inline scripts, no
 * eval), images only from blob:/data: URLs we create, no connections but our own
 * origin (the file never leaves the machine). Added at build time only, because
 * the dev server injects an inline React Refresh preamble.
 */
export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' blob: data:",
  "media-src 'self' blob:",
  "connect-src 'self' blob: data:",
  "object-src 'none'",
  "frame-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

function cspPlugin(): Plugin {
  return {
    name: 'layerscope-csp',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP }, injectTo: 'head-prepend' }],
  };
}

/**
 * The audit's secret rules (secretlint's preset, run in the scan workers) import
 * `node:path` for `basename`; in a browser build Vite would replace it with an
 * empty stub. Workers get a small shim instead (src/worker/nodePathShim.ts). Only
 * the worker bundle is affected: Node (CLI, tests) keeps the real module.
 */
function nodePathForWorkers(): Plugin {
  const shim = fileURLToPath(new URL('./src/worker/nodePathShim.ts', import.meta.url));
  return {
    name: 'layerscope-node-path-shim',
    enforce: 'pre',
    resolveId: (id) => (id === 'node:path' || id === 'path' ? shim : null),
  };
}

/** Files of the build a service worker does not cache: source maps are for developers' tools, fetched only by them. */
const NOT_PRECACHED = /\.map$/;

/**
 * dist/sw.js, the service worker that keeps the app shell for offline use
 * (src/sw/sw.template.js): the template with the list of every emitted file (the
 * bundle, the worker, the wasm, index.html, and public/ — the example image too, so
 * it opens offline) and a version hashed from all their bytes, so any change to the
 * build changes sw.js and the browser installs the new one. Production build only
 * (not the dev server, not `--mode bench`: the benchmarks time the network path).
 * Hand-written rather than vite-plugin-pwa: that pulls in workbox-build (37 direct
 * dependencies: babel, rollup, terser…) for what is ~60 lines here.
 */
function serviceWorkerPlugin(): Plugin {
  let publicDir = '';
  let mode = '';
  return {
    name: 'layerscope-service-worker',
    apply: 'build',
    enforce: 'post',
    configResolved(c) {
      publicDir = c.publicDir;
      mode = c.mode;
    },
    generateBundle(_options, bundle) {
      if (mode !== 'production') return;
      const files = new Map<string, Uint8Array | string>();
      for (const [name, out] of Object.entries(bundle)) if (!NOT_PRECACHED.test(name)) files.set(name, out.type === 'chunk' ? out.code : out.source);
      const walk = (dir: string) => {
        for (const e of readdirSync(dir, { withFileTypes: true })) {
          const p = join(dir, e.name);
          if (e.isDirectory()) walk(p);
          else if (!NOT_PRECACHED.test(e.name)) files.set(relative(publicDir, p).split('\\').join('/'), readFileSync(p));
        }
      };
      if (publicDir) walk(publicDir);
      if (!files.has('index.html')) this.error('service worker: index.html is not in the bundle');
      const names = [...files.keys()].sort();
      const h = createHash('sha256');
      for (const n of names) h.update(`${n}\0`).update(files.get(n)!).update('\0');
      const template = readFileSync(fileURLToPath(new URL('./src/sw/sw.template.js', import.meta.url)), 'utf8');
      const source = template.replace('__LAYERSCOPE_SW_VERSION__', h.digest('hex').slice(0, 16)).replace('__LAYERSCOPE_SW_FILES__', JSON.stringify(names));
      this.emitFile({ type: 'asset', fileName: 'sw.js', source });
    },
  };
}

export default defineConfig({
  plugins: [react(), cspPlugin(), serviceWorkerPlugin()],
  // Relative URLs everywhere (the bundle, new URL(..., import.meta.url) for the worker and
  // the wasm, ./example.tar, ./__layerscope/ of `layerscope view`): dist/ works under any
  // base path, e.g. a project-pages subfolder (e2e/basePath.spec.ts serves it under /sub/).
  base: './',
  worker: { format: 'es', plugins: () => [nodePathForWorkers()] },
  build: { target: 'es2022', sourcemap: true },
  preview: { port: 4173, strictPort: false },
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'scripts/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
  },
});
