#!/usr/bin/env node
// Comparing two images of the benchmark's size (issue 11): `layerscope diff` against
// opening both images, measured in the same run, as ratios, time and peak RSS, each
// in a child process of its own (so one run's heap cannot flatter the next).
//
// Pairs, all from bench-data/app-big.*.tar (the ~900 MB Debian image):
//  - docker vs OCI: the same image as an uncompressed docker-archive and a gzip OCI
//    archive; every layer shared, proven by hashing the docker layers (the gzip ones
//    are hashed while indexed);
//  - next build: a copy with one more layer on top that rewrites 40 files with other
//    bytes of the same size, chmods 40, deletes a directory and adds 10 MB;
//  - rebuilt layer: a copy whose 501 MB layer 4 was re-tarred with other mtimes (the
//    same files, another diff_id): every file in it is an equal-size candidate, so
//    the proof hashes all of that layer on both sides — the worst case.
// The copies are written under the system temp folder and removed at the end.
//
// Baselines: "open" = both images indexed as `layerscope ls` does; "open+verify" = as
// `layerscope inspect` does (every layer's sha256 checked), the product's default
// notion of an opened image (the page also checks digests, behind the shown image).
//
// The page (Chromium, the production build in dist/): the same comparison as a user
// makes it — A opened and its digests checked, then B chosen through Compare…'s file
// picker, until the comparison has settled (B loaded into slot b and digest-checked,
// the shared layers proven, the candidates hashed) — against opening A and B each in a
// fresh page until their digest checks are done, in the same run. Pair: the docker
// archive against a second copy of itself (another file: the page hashes both sides),
// the largest pair the page opens in minutes on the shared machine; with
// BENCH_COMPARE_PAGE=all also docker vs OCI (the gzip side decodes twice in a browser).
//
// `node scripts/bench-compare.mjs` runs it alone (build dist/ first for the page half:
// `npm run build`); `npm run bench` runs it after the others (skip with --no-compare;
// --no-browser skips the page half, --page-only runs it alone). BENCH_COMPARE_PAIRS=identical measures only the
// docker vs OCI pair in Node (the other two need ~2 GB of copies made first). Nothing
// here asserts a target.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os, { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
// A child times this bundle, or the one BENCH_BUNDLE names (the before build of a before/after).
const bundle = process.env.BENCH_BUNDLE ?? join(root, 'dist-cli/layerscope.mjs');
const RUNS = Number(process.env.BENCH_RUNS ?? 2);
/** Page runs: each opens ~1.8 GB three times in Chromium (minutes on the shared machine). */
const PAGE_RUNS = Number(process.env.BENCH_PAGE_RUNS ?? 2);
const MB = 1e6;

// ------------------------------------------------------------------ child mode
if (process.argv[2] === '--child') {
  const [, , , mode, a, b] = process.argv;
  const { main, openImage, verifyImage, FileHandleBlob, nodeCodecs, inProcessScanner, DEFAULT_NODE_CONCURRENCY } = await import(bundle);
  const t0 = performance.now();
  let out = '';
  let code = 0;
  if (mode === 'diff' || mode === 'diff-trusted') {
    const io = {
      out: (s) => {
        out += s;
      },
      err: (s) => {
        out += s;
      },
      isTTY: false,
    };
    code = await main(['diff', a, b, '--summary', ...(mode === 'diff-trusted' ? ['--no-verify'] : [])], io);
  } else {
    // both images held at once, as the comparison holds them
    const held = [];
    for (const f of [a, b]) {
      const scanner = inProcessScanner(DEFAULT_NODE_CONCURRENCY, nodeCodecs);
      const blob = FileHandleBlob.open(f);
      let img = await openImage(blob, { verify: mode === 'open-verified', scanner });
      if (mode === 'open-verified') img = await verifyImage(img, { scanner });
      blob.close();
      held.push(img);
    }
    out = `${held.map((i) => i.layers.length).join(' ')}`;
  }
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(`${JSON.stringify({ seconds, maxRssKb: process.resourceUsage().maxRSS, code, out })}\n`);
  process.exit(0);
}

// ------------------------------------------------------------------ making the pairs
const sha = (b) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * MB, ...opts });

/** The docker archive extracted under `dir` (manifest, config, layer tars), to derive copies from. */
function extract(archive, dir) {
  mkdirSync(dir, { recursive: true });
  sh('tar', ['-xf', archive, '-C', dir]);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  return { manifest, config: JSON.parse(readFileSync(join(dir, manifest[0].Config), 'utf8')) };
}

/** Write the extracted tree back as an archive, with the config and manifest given. */
function pack(dir, config, layers, out, tag) {
  const bytes = Buffer.from(JSON.stringify(config));
  const name = `${sha(bytes).slice(7)}.json`;
  writeFileSync(join(dir, name), bytes);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify([{ Config: name, RepoTags: [tag], Layers: layers }]));
  const members = ['manifest.json', name, ...layers];
  sh('tar', ['-cf', out, '-C', dir, '--numeric-owner', ...members]);
  rmSync(join(dir, name));
}

/** A layer tar for the "next build": bytes of the same size, chmods, a deleted directory, new files. */
function nextBuildLayer(base, work) {
  const src = join(work, 'l4');
  mkdirSync(src, { recursive: true });
  // the files to touch: regular files of the big layer, listed by GNU tar
  const lines = sh('tar', ['-tvf', join(base, 'layer4.tar'), '--numeric-owner'])
    .toString()
    .split('\n');
  const files = lines
    .filter((l) => l.startsWith('-') && /^\S+\s+0\/0\s+(\d+)/.exec(l) && Number(/^\S+\s+0\/0\s+(\d+)/.exec(l)[1]) > 1000)
    .map((l) => l.split(/\s+/).slice(5).join(' '));
  const rewrite = files.slice(0, 40);
  const chmod = files.slice(40, 80);
  sh('tar', ['-xf', join(base, 'layer4.tar'), '-C', src, ...rewrite, ...chmod]);
  for (const f of rewrite) {
    const p = join(src, f);
    const b = readFileSync(p);
    for (let i = 0; i < b.length; i += 97) b[i] ^= 0x5a; // other bytes, the same size
    writeFileSync(p, b);
  }
  for (const f of chmod) sh('chmod', ['0600', join(src, f)]);
  mkdirSync(join(src, 'opt/new'), { recursive: true });
  writeFileSync(join(src, 'opt/new/blob.bin'), Buffer.alloc(10 * MB, 7));
  // a whiteout deleting a directory of the lower layers
  mkdirSync(join(src, 'usr/share'), { recursive: true });
  writeFileSync(join(src, 'usr/share/.wh.man'), '');
  const out = join(work, 'next.tar');
  sh('tar', ['-cf', out, '-C', src, '--numeric-owner', '--sort=name', '.']);
  rmSync(src, { recursive: true, force: true });
  return out;
}

function makePairs(docker, work) {
  const ex = join(work, 'x');
  const { manifest, config } = extract(docker, ex);
  const layers = manifest[0].Layers;
  // the big layer's tar, for both copies
  const big = join(work, 'layer4.tar');
  sh('cp', ['--reflink=auto', join(ex, layers[4]), big]);

  // next build: one more layer
  const next = nextBuildLayer(work, work);
  const nextDir = join(ex, 'next');
  mkdirSync(nextDir, { recursive: true });
  sh('mv', [next, join(nextDir, 'layer.tar')]);
  const nextCfg = {
    ...config,
    rootfs: { type: 'layers', diff_ids: [...config.rootfs.diff_ids, sha(readFileSync(join(nextDir, 'layer.tar')))] },
    history: [...config.history, { created_by: 'RUN next build', created: '2026-12-02T00:00:00Z' }],
  };
  const nextArchive = join(work, 'app-big.next.tar');
  pack(ex, nextCfg, [...layers, 'next/layer.tar'], nextArchive, 'example/app-big:next');

  // rebuilt layer 4: the same files, other mtimes
  const l4 = join(work, 'l4x');
  mkdirSync(l4, { recursive: true });
  sh('tar', ['-xpf', big, '-C', l4, '--same-owner', '--numeric-owner']);
  const rebuilt = join(ex, layers[4]);
  sh('tar', ['-cf', rebuilt, '-C', l4, '--numeric-owner', '--sort=name', '--mtime=@1800000000', '.']);
  rmSync(l4, { recursive: true, force: true });
  const ids = [...config.rootfs.diff_ids];
  ids[4] = sha(readFileSync(rebuilt));
  const rebuiltArchive = join(work, 'app-big.rebuilt.tar');
  pack(ex, { ...config, rootfs: { type: 'layers', diff_ids: ids } }, layers, rebuiltArchive, 'example/app-big:rebuilt');
  rmSync(ex, { recursive: true, force: true });
  rmSync(big, { force: true });
  return { nextArchive, rebuiltArchive };
}

// ------------------------------------------------------------------ timing
function child(mode, a, b, env = process.env) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', mode, a, b], { encoding: 'utf8', maxBuffer: 64 * MB, env });
  if (r.status !== 0) throw new Error(`bench child ${mode} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function best(mode, a, b, env = process.env) {
  let t = Infinity;
  let rss = Infinity;
  let last = null;
  for (let i = 0; i < RUNS; i++) {
    last = child(mode, a, b, env);
    t = Math.min(t, last.seconds);
    rss = Math.min(rss, last.maxRssKb);
  }
  return { seconds: t, rssMb: (rss * 1024) / MB, last };
}

export async function benchCompare() {
  const data = ['bench-data', '../bench-data'].map((d) => resolve(root, d)).find((d) => existsSync(join(d, 'app-big.docker.tar')));
  if (!data) {
    console.log('compare: no bench-data/app-big.docker.tar; skipped');
    return;
  }
  const docker = join(data, 'app-big.docker.tar');
  const oci = join(data, 'app-big.oci.tar');
  const work = mkdtempSync(join(tmpdir(), 'layerscope-bench-compare-'));
  const onlyIdentical = process.env.BENCH_COMPARE_PAIRS === 'identical';
  try {
    console.log(`== comparing two images (layerscope diff), each figure the best of ${RUNS} runs in a child process; load average ${loadavg()}`);
    const pairs = [['docker vs OCI (same image)', docker, oci]];
    if (!onlyIdentical) {
      const t0 = performance.now();
      const { nextArchive, rebuiltArchive } = makePairs(docker, work);
      console.log(`  (made the copies in ${((performance.now() - t0) / 1000).toFixed(0)} s)`);
      pairs.push(['docker vs next build (+1 layer)', docker, nextArchive], ['docker vs rebuilt 501 MB layer', docker, rebuiltArchive]);
    }
    for (const [name, a, b] of pairs) {
      const open = best('open', a, b);
      const verified = best('open-verified', a, b);
      const diff = best('diff', a, b);
      const trusted = best('diff-trusted', a, b);
      // BENCH_COMPARE_BEFORE_CLI=FILE: an older build's dist-cli/layerscope.mjs, its diff timed in the same run
      const beforeCli = process.env.BENCH_COMPARE_BEFORE_CLI;
      const before = beforeCli ? best('diff', a, b, { ...process.env, BENCH_BUNDLE: resolve(beforeCli) }) : null;
      const summary = diff.last.out;
      const paths = /^paths: (.*)$/m.exec(summary)?.[1] ?? '?';
      const proof = /^content proof: (.*)$/m.exec(summary)?.[1] ?? '?';
      console.log(`  ${name}: ${paths}`);
      console.log(`    ${proof}`);
      const fig = (r) => `${r.seconds.toFixed(2)} s, ${r.rssMb.toFixed(0)} MB RSS`;
      console.log(`    open both ${fig(open)}; open+verify both ${fig(verified)}; diff ${fig(diff)}; diff --no-verify ${fig(trusted)}`);
      console.log(
        `    diff: ${(diff.seconds / verified.seconds).toFixed(2)}× open+verify in time, ${(diff.rssMb / verified.rssMb).toFixed(2)}× in peak RSS (${(diff.seconds / open.seconds).toFixed(2)}× / ${(diff.rssMb / open.rssMb).toFixed(2)}× open without digests)`,
      );
      console.log(
        `    diff --no-verify: ${(trusted.seconds / open.seconds).toFixed(2)}× open in time, ${(trusted.rssMb / open.rssMb).toFixed(2)}× in peak RSS`,
      );
      if (before) {
        console.log(
          `    diff of ${beforeCli}: ${fig(before)}: ${(before.seconds / verified.seconds).toFixed(2)}× open+verify, ${(before.seconds / open.seconds).toFixed(2)}× open without digests`,
        );
      }
    }
    console.log(`  (load average ${loadavg()} at the end)`);
    console.log('');
    if (!process.argv.includes('--no-browser')) await benchComparePage(docker, oci, work);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const loadavg = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

// ------------------------------------------------------------------ the page
/** Seconds from B's file chosen in Compare… to the comparison settled, A already open and checked. */
async function comparePage(b, fileA, fileB) {
  const { measurePage, waitVerified } = await import(pathToFileURL(join(root, 'scripts/bench-browser.mjs')).href);
  const a = await measurePage(b, fileA, { keep: true });
  const page = a.page;
  try {
    const verifyA = await waitVerified(page);
    await page.evaluate(() => {
      const input = document.querySelector('[data-testid="compare-file-input"]');
      input.addEventListener('change', () => (window.__t.compare ??= performance.now()), { capture: true });
    });
    await page.getByTestId('compare-file-input').setInputFiles(fileB);
    // settled: B loaded and digest-checked (the shared layers proven, not taken at the configs'
    // word: no "not yet verified"), every candidate hashed (the tree's status 'ready')
    const handle = await page.waitForFunction(
      () => {
        const tree = document.querySelector('[data-testid="compare-tree"]');
        if (tree?.getAttribute('data-status') !== 'ready' || tree.querySelector('.cmp-tree__provisional')) return false;
        return (performance.now() - window.__t.compare) / 1000;
      },
      null,
      { timeout: 1_200_000, polling: 100 },
    );
    const seconds = await handle.jsonValue();
    const totals = await page.getByTestId('compare-totals').textContent();
    return { openA: a.seconds + verifyA, compare: seconds, totals };
  } finally {
    await page.close();
  }
}

/** Seconds to open one file in a fresh page until its digest check is done. */
async function openPage(b, file) {
  const { measurePage, waitVerified } = await import(pathToFileURL(join(root, 'scripts/bench-browser.mjs')).href);
  const r = await measurePage(b, file, { keep: true });
  try {
    return r.seconds + (await waitVerified(r.page));
  } finally {
    await r.page.close();
  }
}

/**
 * The page's comparison against opening both in it. Runs alternate (open A, open B,
 * compare) so a change of the machine's load hits all three alike; each figure is the
 * best of PAGE_RUNS.
 */
export async function benchComparePage(docker, oci, work) {
  if (!existsSync(join(root, 'dist/index.html'))) {
    console.log('compare (page): no dist/ build; run `npm run build` first. Skipped.');
    return;
  }
  const { openBrowser } = await import(pathToFileURL(join(root, 'scripts/bench-browser.mjs')).href);
  // B is another file with the same bytes (a reflink or copy): the page cannot tell it is the same.
  const copy = join(work, 'app-big.copy.docker.tar');
  sh('cp', ['--reflink=auto', docker, copy]);
  const pairs = [['docker vs a copy of it (identical, every layer hashed on both sides)', docker, copy]];
  if (process.env.BENCH_COMPARE_PAGE === 'all') pairs.push(['docker vs OCI (same image)', docker, oci]);
  const b = await openBrowser(root);
  // BENCH_COMPARE_BEFORE=DIR: another build of the page (an older commit's `vite build --outDir DIR`),
  // its comparison timed in the same runs, interleaved, for a before/after in one run.
  const beforeDir = process.env.BENCH_COMPARE_BEFORE;
  const before = beforeDir ? await openBrowser(root, resolve(beforeDir)) : null;
  try {
    console.log(`== comparing two images in the page (Chromium), each figure the best of ${PAGE_RUNS} runs; load average ${loadavg()}`);
    for (const [name, fa, fb] of pairs) {
      let openA = Infinity;
      let openB = Infinity;
      let cmpA = Infinity;
      let cmp = Infinity;
      let beforeA = Infinity;
      let beforeCmp = Infinity;
      let totals = '';
      for (let i = 0; i < PAGE_RUNS; i++) {
        openA = Math.min(openA, await openPage(b, fa));
        openB = Math.min(openB, await openPage(b, fb));
        const r = await comparePage(b, fa, fb);
        cmpA = Math.min(cmpA, r.openA);
        cmp = Math.min(cmp, r.compare);
        totals = r.totals ?? '';
        if (before) {
          const o = await comparePage(before, fa, fb);
          beforeA = Math.min(beforeA, o.openA);
          beforeCmp = Math.min(beforeCmp, o.compare);
        }
      }
      console.log(`  ${name}: ${totals.trim()}`);
      console.log(
        `    open A ${openA.toFixed(1)} s, open B ${openB.toFixed(1)} s (each until its digests are checked); A in the comparison's page ${cmpA.toFixed(1)} s`,
      );
      console.log(`    comparison, from B chosen to settled: ${cmp.toFixed(1)} s = ${(cmp / openB).toFixed(2)}× opening B`);
      console.log(
        `    A open + comparison: ${((cmpA + cmp) / (openA + openB)).toFixed(2)}× opening both (${(cmpA + cmp).toFixed(1)} s against ${(openA + openB).toFixed(1)} s)`,
      );
      if (before) {
        console.log(
          `    the build in ${beforeDir}: comparison ${beforeCmp.toFixed(1)} s = ${(beforeCmp / openB).toFixed(2)}× opening B; A open + comparison ${((beforeA + beforeCmp) / (openA + openB)).toFixed(2)}× opening both`,
        );
      }
    }
    console.log(`  (load average ${loadavg()} at the end)`);
    console.log('');
  } finally {
    await b.close();
    await before?.close();
    rmSync(copy, { force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // --page-only: the page half alone (the Node pairs take minutes of their own)
  if (process.argv.includes('--page-only')) {
    const data = ['bench-data', '../bench-data'].map((d) => resolve(root, d)).find((d) => existsSync(join(d, 'app-big.docker.tar')));
    const work = mkdtempSync(join(tmpdir(), 'layerscope-bench-compare-'));
    try {
      if (data) await benchComparePage(join(data, 'app-big.docker.tar'), join(data, 'app-big.oci.tar'), work);
      else console.log('compare (page): no bench-data/app-big.docker.tar; skipped');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  } else await benchCompare();
}
