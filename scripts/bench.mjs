#!/usr/bin/env node
// `npm run bench -- ARCHIVE…`: how fast the engine indexes real images, in Node and in
// headless Chromium (the real page, through Playwright), against GNU tar listing the
// same layers (zcat/zstd for compressed ones) measured in the same run. Figures are
// printed as times, MB/s and ratios; nothing here asserts a target (a noisy machine
// must not fail a build), the README records the figures.
//
// Without arguments it uses bench-data/app-big.{docker,oci}.tar when present
// (make them with: bash ../shared/tools/make-real-image.sh bench-data big).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, resolve, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { chromiumLaunchOptions } from './browser.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const skipBrowser = process.argv.includes('--no-browser');
const skipTree = process.argv.includes('--no-tree');
const defaults = ['bench-data/app-big.docker.tar', 'bench-data/app-big.oci.tar', '../bench-data/app-big.docker.tar', '../bench-data/app-big.oci.tar']
  .map((p) => resolve(root, p))
  .filter(existsSync);
const archives = args.length ? args.map((a) => resolve(a)) : defaults.slice(0, 2);

const { openImage, verifyImage, openArchive, selectImage, blobOf, sniffCompression, FileHandleBlob, nodeCodecs, inProcessScanner, DEFAULT_NODE_CONCURRENCY } =
  await import(join(root, 'dist-cli/layerscope.mjs'));
const MB = 1e6;
const fmt = (s) => `${s.toFixed(2)} s`;

/** Best of N runs: the minimum is the least noisy estimate of what the code costs. */
const RUNS = Number(process.env.BENCH_RUNS ?? 2);

/**
 * The engine as `layerscope ls` runs it (src/cli/nodeIo.ts: pread file source,
 * node:zlib, node:crypto), to a full index; then, separately, with the integrity
 * pass too (what `layerscope inspect` does: every layer's sha256 and diff_id).
 */
async function timeNode(file) {
  let best = Infinity;
  let bestVerified = Infinity;
  let peak = 0;
  // the image's size figures (the same every run)
  let entries = 0;
  let stored = 0;
  let tarBytes = 0;
  for (let r = 0; r < RUNS; r++) {
    globalThis.gc?.();
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }, 20);
    const scanner = inProcessScanner(DEFAULT_NODE_CONCURRENCY, nodeCodecs);
    let t0 = performance.now();
    let blob = FileHandleBlob.open(file);
    const loaded = await openImage(blob, { verify: false, scanner });
    const t = (performance.now() - t0) / 1000;
    blob.close();
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    best = Math.min(best, t);
    t0 = performance.now();
    blob = FileHandleBlob.open(file);
    await verifyImage(await openImage(blob, { verify: true, scanner }), { scanner });
    bestVerified = Math.min(bestVerified, (performance.now() - t0) / 1000);
    blob.close();
    entries = loaded.layers.reduce((n, l) => n + (l?.count ?? 0), 0);
    stored = loaded.image.layers.reduce((n, l) => n + l.blob.size, 0);
    tarBytes = loaded.layers.reduce((n, l) => n + (l?.tarSize ?? 0), 0);
  }
  return { seconds: best, verified: bestVerified, peakHeap: peak, entries, stored, tarBytes };
}

/** GNU tar listing the same layer blobs: `tar -tf` (seeks over data), or `zcat|tar -t`, `zstd -dc|tar -t`. */
async function timeNative(file) {
  const dir = mkdtempSync(join(tmpdir(), 'ls-bench-'));
  try {
    const blob = await (await import('node:fs')).openAsBlob(file);
    const { info, outer } = await openArchive(blob);
    const image = selectImage(info, {});
    const layers = [];
    for (const ref of image.layers) {
      const b = blobOf(outer, ref.blob);
      const p = join(dir, `layer${layers.length}`);
      writeFileSync(p, new Uint8Array(await b.arrayBuffer()));
      const head = new Uint8Array(await b.slice(0, 8).arrayBuffer());
      layers.push({ path: p, compression: sniffCompression(head) });
    }
    const cmd = (l) =>
      l.compression === 'gzip'
        ? `zcat ${l.path} | tar -tf - >/dev/null`
        : l.compression === 'zstd'
          ? `zstd -dcq ${l.path} | tar -tf - >/dev/null`
          : `tar -tf ${l.path} >/dev/null`;
    // The same listing read as a stream (what `zcat | tar -t` does for a compressed
    // layer): tar cannot seek over file data in a pipe.
    const piped = (l) => (l.compression === 'none' ? `cat ${l.path} | tar -tf - >/dev/null` : cmd(l));
    const run = (script) => {
      const t0 = performance.now();
      execFileSync('bash', ['-c', script]);
      return (performance.now() - t0) / 1000;
    };
    let seq = Infinity,
      par = Infinity,
      pipe = Infinity;
    for (let r = 0; r < RUNS; r++) {
      seq = Math.min(seq, run(layers.map(cmd).join('\n')));
      pipe = Math.min(pipe, run(layers.map(piped).join('\n')));
      // the same listings, as many at once as there are cores (what the workers do)
      par = Math.min(
        par,
        run(`printf '%s\\n' ${layers.map((l) => `'${cmd(l).replace(/'/g, `'\\''`)}'`).join(' ')} | xargs -P ${cpus().length} -I{} bash -c {}`),
      );
    }
    return { seq, par, pipe, anyUncompressed: layers.some((l) => l.compression === 'none') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function timeBrowser(file) {
  const server = spawnSync('true');
  void server;
  const { preview } = await import('vite');
  const srv = await preview({ root, preview: { port: 0, host: '127.0.0.1' }, logLevel: 'silent' });
  const url = srv.resolvedUrls.local[0];
  const browser = await chromium.launch({ ...chromiumLaunchOptions(), args: [...chromiumLaunchOptions().args, '--enable-precise-memory-info'] });
  try {
    let best = Infinity,
      peak = 0,
      longest = 0;
    for (let r = 0; r < RUNS; r++) {
      const page = await browser.newPage();
      await page.goto(url);
      await page.waitForSelector('[data-state="empty"]');
      // Long tasks (> 50 ms on the main thread): how long the page stops answering at worst while loading.
      await page.evaluate(() => {
        window.__longTasks = [];
        new PerformanceObserver((l) => {
          for (const e of l.getEntries()) window.__longTasks.push(e.duration);
        }).observe({ type: 'longtask', buffered: true });
      });
      const t0 = performance.now();
      await page.getByTestId('file-input').setInputFiles(file);
      const sampler = setInterval(async () => {
        try {
          peak = Math.max(peak, await page.evaluate(() => performance.memory?.usedJSHeapSize ?? 0));
        } catch {}
      }, 100);
      await page.waitForSelector('[data-state="ready"], [data-state="error"]', { timeout: 600_000 });
      const t = (performance.now() - t0) / 1000;
      clearInterval(sampler);
      const state = await page.getAttribute('[data-state]', 'data-state');
      if (state !== 'ready') throw new Error(`page ended in state ${state}`);
      best = Math.min(best, t);
      longest = Math.max(longest, await page.evaluate(() => Math.max(0, ...window.__longTasks)));
      await page.close();
    }
    return { seconds: best, peakHeap: peak, longestTask: longest };
  } finally {
    await browser.close();
    await new Promise((r) => srv.httpServer.close(r));
  }
}

if (archives.length === 0) {
  console.log(
    'No archives given and none in bench-data/. Make them with:\n  bash ../shared/tools/make-real-image.sh bench-data big\nthen: npm run bench -- bench-data/app-big.docker.tar bench-data/app-big.oci.tar',
  );
} else {
  console.log(`machine: ${cpus().length} cores, node ${process.version}; best of ${RUNS} runs\n`);
}
for (const file of archives) {
  const size = statSync(file).size;
  console.log(`== ${basename(file)}  (${(size / MB).toFixed(0)} MB)`);
  const native = await timeNative(file);
  const node = await timeNode(file);
  console.log(`  layers: ${(node.stored / MB).toFixed(0)} MB stored, ${(node.tarBytes / MB).toFixed(0)} MB of tar, ${node.entries} entries`);
  console.log(`  GNU tar listing, one layer after another:  ${fmt(native.seq)}`);
  console.log(`  GNU tar listing, ${cpus().length} layers at a time:    ${fmt(native.par)}`);
  if (native.anyUncompressed) console.log(`  GNU tar listing from a pipe (reads every byte): ${fmt(native.pipe)}`);
  const vsPipe = (t) => (native.anyUncompressed ? `, vs piped tar ${(t / native.pipe).toFixed(2)}×` : '');
  console.log(
    `  layerscope, Node:     ${fmt(node.seconds)}  ${(node.tarBytes / MB / node.seconds).toFixed(0)} MB/s of tar  peak heap ${(node.peakHeap / MB).toFixed(0)} MB  ratio ${(node.seconds / native.seq).toFixed(2)}× (vs parallel tar ${(node.seconds / native.par).toFixed(2)}×${vsPipe(node.seconds)})`,
  );
  console.log(`  layerscope, Node, index + sha256 of every layer and diff_id: ${fmt(node.verified)}  ratio ${(node.verified / native.seq).toFixed(2)}×`);
  if (!skipBrowser) {
    const br = await timeBrowser(file);
    console.log(
      `  layerscope, Chromium: ${fmt(br.seconds)}  ${(node.tarBytes / MB / br.seconds).toFixed(0)} MB/s of tar  page heap ${(br.peakHeap / MB).toFixed(0)} MB  ratio ${(br.seconds / native.seq).toFixed(2)}× (vs parallel tar ${(br.seconds / native.par).toFixed(2)}×${vsPipe(br.seconds)})`,
    );
    console.log(`  longest main-thread task while loading: ${br.longestTask.toFixed(0)} ms (worst of ${RUNS} runs)`);
  }
  console.log('');
}
if (!skipTree && existsSync(join(root, 'scripts/bench-tree.mjs'))) {
  await import(join(root, 'scripts/bench-tree.mjs'));
}
