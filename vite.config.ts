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

export default defineConfig({
  plugins: [react(), cspPlugin()],
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
