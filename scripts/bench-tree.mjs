#!/usr/bin/env node
// Tree interaction benchmark (issue 4: "answering within 100 ms on a million rows").
//
// Opens the bench build (dist-bench/: the production build plus the hook, `npm run
// build:bench`, via vite preview) in headless Chromium with `?bench`, which installs a
// test hook (src/ui/FileTree/benchHook.ts; not in the production bundle). The hook
// generates an image of a million files in memory (LayerIndex values: no archive
// to read, so only the tree is measured), shows it, and times interactions from
// the store change to the next paint: expanding, a million expanded rows, layer
// switches, searches, filters, sort; plus the model steps alone. Garbage is
// collected between measurements (gc() via --expose-gc). Every figure is
// also given as a ratio to a baseline measured in the same page and run: one
// plain JS loop over the same number of nodes (reading two typed-array columns).
// Nothing here asserts a target (a noisy machine must not fail a build).
//
// Run: npm run build:bench && node scripts/bench-tree.mjs   (npm run bench runs it too)
// Options: --dirs=N --files=N --layers=N (default 1000 x 1000 files, 6 layers)
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { chromiumLaunchOptions } from './browser.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const arg = (name, def) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : def;
};
const spec = { dirs: arg('dirs', 1000), filesPerDir: arg('files', 1000), layers: arg('layers', 6) };

// LAYERSCOPE_DIST: benchmark another build directory than dist-bench/ (a build made with --mode bench)
const outDir = resolve(root, process.env.LAYERSCOPE_DIST ?? 'dist-bench');
if (!existsSync(resolve(outDir, 'index.html'))) {
  console.error(`bench-tree: no bench build in ${outDir}; run \`npm run build:bench\` first.`);
  process.exit(1);
}

const { preview } = await import('vite');
const srv = await preview({ root, build: { outDir }, preview: { port: 0, host: '127.0.0.1' }, logLevel: 'silent' });
const url = srv.resolvedUrls.local[0];
// --expose-gc: the page collects garbage between measurements (see settle() in benchHook.ts)
const browser = await chromium.launch({
  ...chromiumLaunchOptions(),
  args: [...chromiumLaunchOptions().args, '--enable-precise-memory-info', '--js-flags=--expose-gc'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${url}?bench`);
  await page.waitForFunction(() => !!window.__layerscopeBench, null, { timeout: 30_000 });
  const r = await page.evaluate((s) => window.__layerscopeBench.runBench(s), spec);
  const heap = await page.evaluate(() => performance.memory?.usedJSHeapSize ?? 0);

  const pad = (s, n) => String(s).padEnd(n);
  const ms = (x) => `${x.toFixed(1).padStart(8)} ms`;
  const ratio = (x) => `${(x / r.baselineMs).toFixed(0).padStart(6)}×`;
  console.log(`== tree interactions, Chromium (${browser.version()}), generated image`);
  console.log(
    `   ${spec.dirs} dirs × ${spec.filesPerDir} files, ${spec.layers} layers: ${r.load.entries.toLocaleString('en-US')} entries, ${r.load.nodes.toLocaleString('en-US')} nodes; page heap ${(heap / 1e6).toFixed(0)} MB`,
  );
  console.log(`   baseline (one JS loop over ${r.load.nodes.toLocaleString('en-US')} nodes): ${r.baselineMs.toFixed(2)} ms; ratios below are against it`);
  console.log(
    `   setup: generate ${r.load.ms.generate.toFixed(0)} ms, buildUnion ${r.load.ms.buildUnion.toFixed(0)} ms, computeStats ${r.load.ms.computeStats.toFixed(0)} ms, first paint ${r.load.ms.firstPaint.toFixed(0)} ms`,
  );
  console.log('  interaction: main-thread work (store change, React render + commit, style + layout) | until the next frame is painted');
  for (const [k, v] of Object.entries(r.ui)) console.log(`    ${pad(k, 48)}${ms(v.work)} ${ratio(v.work)}  | ${ms(v.paint)}`);
  console.log('  model alone (best of 3, no React)');
  for (const [k, v] of Object.entries(r.model)) console.log(`    ${pad(k, 48)}${ms(v)} ${ratio(v)}`);
  for (const [k, v] of Object.entries(r.notes)) console.log(`    ${pad(k + ':', 48)}${v}`);
  console.log('');
} finally {
  await browser.close();
  await new Promise((res) => srv.httpServer.close(res));
}
