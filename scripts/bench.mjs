#!/usr/bin/env node
// `npm run bench -- ARCHIVE…`: how fast the engine indexes real images, in Node and in
// headless Chromium (the real page, through Playwright), against GNU tar listing the
// same layers (zcat/zstd for compressed ones) measured in the same run. Figures are
// printed as times, MB/s and ratios; nothing here asserts a target (a noisy machine
// must not fail a build), the README records the figures.
//
// Without arguments it uses bench-data/app-big.{docker,oci}.tar when present
// (make them with: bash ../shared/tools/make-real-image.sh bench-data big).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join, resolve, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openBrowser, measureFloors, measurePage, measureContents } from './bench-browser.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const skipBrowser = process.argv.includes('--no-browser');
const skipTree = process.argv.includes('--no-tree');
const skipContents = process.argv.includes('--no-contents');
// Only the page, its floors and contents (no GNU tar, no timed Node runs): for iterating on the page.
const browserOnly = process.argv.includes('--browser-only');
const skipCompare = process.argv.includes('--no-compare');
const skipAudit = process.argv.includes('--no-audit');
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
  let layers = [];
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
    layers = loaded.layers;
  }
  return { seconds: best, verified: bestVerified, peakHeap: peak, entries, stored, tarBytes, layers };
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

/** Byte ranges of the image's gzip layer blobs in `file` (the gunzip floor's input). */
async function gzipRanges(file) {
  const blob = await (await import('node:fs')).openAsBlob(file);
  const { info, outer } = await openArchive(blob);
  const image = selectImage(info, {});
  const out = [];
  for (const ref of image.layers) {
    const head = new Uint8Array(await blobOf(outer, ref.blob).slice(0, 8).arrayBuffer());
    if (sniffCompression(head) === 'gzip') out.push({ offset: ref.blob.offset, size: ref.blob.size });
  }
  return out;
}

/**
 * The page against the floors, alternating runs in one Chromium (best of RUNS each),
 * then content latency on one more load.
 */
async function timeBrowser(file, layers) {
  const b = await openBrowser(root);
  try {
    const ranges = await gzipRanges(file);
    let page = Infinity,
      stream = Infinity,
      gunzip = Infinity,
      largest = Infinity,
      peak = 0,
      longest = 0;
    for (let r = 0; r < RUNS; r++) {
      const f = await measureFloors(b, file, ranges);
      stream = Math.min(stream, f.stream);
      if (f.gunzip !== null) {
        gunzip = Math.min(gunzip, f.gunzip);
        largest = Math.min(largest, f.largest);
      }
      const p = await measurePage(b, file);
      page = Math.min(page, p.seconds);
      peak = Math.max(peak, p.peakHeap);
      longest = Math.max(longest, p.longestTask);
    }
    const contents = skipContents ? null : await measureContents(b, file, layers);
    return { seconds: page, stream, gunzip: Number.isFinite(gunzip) ? gunzip : null, largest, peakHeap: peak, longestTask: longest, contents };
  } finally {
    await b.close();
  }
}

function printBrowser(br, tarBytes, native) {
  const vsPipe = (t) => (native?.anyUncompressed ? `, vs piped tar ${(t / native.pipe).toFixed(2)}×` : '');
  const vsTar = (t) => (native ? `  ratio ${(t / native.seq).toFixed(2)}× GNU tar (vs parallel tar ${(t / native.par).toFixed(2)}×${vsPipe(t)})` : '');
  const ratio = (t, floor) => (floor ? `${(t / floor).toFixed(2)}×` : '—');
  console.log(
    `  Chromium floors (same run): one Blob.stream() over the file ${fmt(br.stream)}${br.gunzip !== null ? `; every gzip blob through DecompressionStream, ${cpus().length} workers ${fmt(br.gunzip)} (largest blob alone ${fmt(br.largest)})` : ''}`,
  );
  console.log(
    `  layerscope, Chromium: ${fmt(br.seconds)}  = ${br.gunzip !== null ? `${ratio(br.seconds, br.gunzip)} the gunzip floor, ` : ''}${ratio(br.seconds, br.stream)} the stream floor  ${(tarBytes / MB / br.seconds).toFixed(0)} MB/s of tar  page heap ${(br.peakHeap / MB).toFixed(0)} MB${vsTar(br.seconds)}`,
  );
  console.log(`  longest main-thread task while loading: ${br.longestTask.toFixed(0)} ms (worst of ${RUNS} runs)`);
  const c = br.contents;
  if (c) {
    const ms = (v) => `${v.toFixed(0)} ms`;
    console.log(
      `  contents: right after ready, last file of layer ${c.largest}: ${c.early === null ? '—' : ms(c.early)}; digest check done ${fmt(c.verifySeconds)} after ready`,
    );
    console.log(
      `  contents after the digest check, click → preview shown: 50 random files p50 ${ms(c.p50)}  p95 ${ms(c.p95)}  worst ${ms(c.worst)}; last 10 files of layer ${c.largest} worst ${ms(c.tailWorst)}  (slowest: ${c.worstFile.path} in layer ${c.worstFile.layer}, ${c.worstFile.size} bytes at ${c.worstFile.offset})`,
    );
    console.log(
      `  of which the read (page → worker → bytes back): p50 ${ms(c.read.p50)}  p95 ${ms(c.read.p95)}  worst ${ms(c.read.worst)}; last 10 of layer ${c.largest} worst ${ms(c.read.tailWorst)}`,
    );
  }
}

if (archives.length === 0) {
  console.log(
    'No archives given and none in bench-data/. Make them with:\n  bash ../shared/tools/make-real-image.sh bench-data big\nthen: npm run bench -- bench-data/app-big.docker.tar bench-data/app-big.oci.tar',
  );
} else {
  console.log(
    `machine: ${cpus().length} cores, node ${process.version}; best of ${RUNS} runs; load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}\n`,
  );
}
for (const file of archives) {
  const size = statSync(file).size;
  console.log(`== ${basename(file)}  (${(size / MB).toFixed(0)} MB)`);
  if (browserOnly) {
    const loaded = await openImage(await (await import('node:fs')).openAsBlob(file), {
      verify: false,
      scanner: inProcessScanner(DEFAULT_NODE_CONCURRENCY, nodeCodecs),
    });
    const br = await timeBrowser(file, loaded.layers);
    printBrowser(
      br,
      loaded.layers.reduce((n, l) => n + (l?.tarSize ?? 0), 0),
      null,
    );
    console.log('');
    continue;
  }
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
  if (!skipBrowser) printBrowser(await timeBrowser(file, node.layers), node.tarBytes, native);
  console.log('');
}
// The audit against the load of the same archives (issue 12, target ≤ 1.5×): scripts/bench-audit.mjs.
if (!skipAudit && !browserOnly && archives.length) {
  const { benchAuditNode, benchAuditPage } = await import(join(root, 'scripts/bench-audit.mjs'));
  await benchAuditNode(archives);
  if (!skipBrowser) await benchAuditPage(archives);
}
if (!skipTree && existsSync(join(root, 'scripts/bench-tree.mjs'))) {
  await import(join(root, 'scripts/bench-tree.mjs'));
}
// Comparing two images of this size (layerscope diff against opening both): scripts/bench-compare.mjs.
if (!skipCompare && !browserOnly && args.length === 0 && existsSync(join(root, 'scripts/bench-compare.mjs'))) {
  const { benchCompare } = await import(join(root, 'scripts/bench-compare.mjs'));
  await benchCompare();
}
