#!/usr/bin/env node
// `node scripts/bench-ab.mjs BEFORE_DIST [ARCHIVE] [--runs N] [--early]`: two builds of
// the page in one run — BEFORE_DIST (a `vite build` of another commit, e.g. made in a
// detached worktree) against this checkout's dist/ — with the gunzip and stream floors,
// alternating before / after / floors N times (best of each), so a before/after ratio
// is measured under the same load. --early: also, for each build, one preview of the
// last file of the largest layer right after `ready`, while the digest check runs
// (bench-browser.mjs measureContents' first read); --early-only: that alone, --runs times per
// build (alternating), with the medians.
// --contents: for each build, the bench's contents step (bench-browser.mjs measureContents:
// that early read, the digest check, 50 random files and the last 10 of the largest layer),
// before and after alternating --runs times.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { measureFloors, measurePage, measureContents, openBrowser, chooseFiles, previewLatency } from './bench-browser.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const runsAt = argv.indexOf('--runs');
const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 2;
const positional = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--runs');
const before = resolve(positional[0]);
const file = resolve(positional[1] ?? 'bench-data/app-big.oci.tar');
const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

const { openArchive, selectImage, blobOf, sniffCompression, FileHandleBlob, openImage, nodeCodecs, inProcessScanner } = await import(
  resolve(root, 'dist-cli/layerscope.mjs')
);
const blob = await (await import('node:fs')).openAsBlob(file);
const { info, outer } = await openArchive(blob);
const ranges = [];
for (const ref of selectImage(info, {}).layers) {
  const head = new Uint8Array(await blobOf(outer, ref.blob).slice(0, 8).arrayBuffer());
  if (sniffCompression(head) === 'gzip') ranges.push({ offset: ref.blob.offset, size: ref.blob.size });
}

const builds = { before: await openBrowser(root, before), after: await openBrowser(root) };
const best = { before: Infinity, after: Infinity, gunzip: Infinity, stream: Infinity };
try {
  console.log(`${file}, ${runs} rounds; load average at start ${load()}`);
  if (flag('--contents')) {
    const scanner = inProcessScanner(2, nodeCodecs);
    const h = FileHandleBlob.open(file);
    const loaded = await openImage(h, { verify: false, scanner });
    h.close();
    const ms = (x) => `${x.toFixed(0)} ms`;
    for (let r = 0; r < runs; r++) {
      for (const k of ['before', 'after']) {
        const c = await measureContents(builds[k], file, loaded.layers);
        console.log(
          `  contents ${k} (round ${r + 1}): right after ready ${c.early === null ? '—' : ms(c.early)}; after the check p50 ${ms(c.p50)} p95 ${ms(c.p95)} worst ${ms(c.worst)}, ` +
            `last 10 of layer ${c.largest} worst ${ms(c.tailWorst)}; reads alone p50 ${ms(c.read.p50)} p95 ${ms(c.read.p95)} tail worst ${ms(c.read.tailWorst)}; ` +
            `slowest ${c.worstFile.path} (${c.worstFile.size} B at ${c.worstFile.offset}); load ${load()}`,
        );
      }
    }
  }
  for (let r = 0; r < runs && !flag('--early-only') && !flag('--contents'); r++) {
    const f = await measureFloors(builds.after, file, ranges);
    best.stream = Math.min(best.stream, f.stream);
    if (f.gunzip) best.gunzip = Math.min(best.gunzip, f.gunzip);
    for (const k of ['before', 'after']) {
      const m = await measurePage(builds[k], file);
      best[k] = Math.min(best[k], m.seconds);
      console.log(`  round ${r + 1} ${k}: ${m.seconds.toFixed(2)} s (longest task ${m.longestTask.toFixed(0)} ms); load ${load()}`);
    }
    console.log(`  round ${r + 1} floors: gunzip ${f.gunzip?.toFixed(2)} s, stream ${f.stream.toFixed(2)} s`);
  }
  const floor = Number.isFinite(best.gunzip) ? best.gunzip : best.stream;
  const floorName = Number.isFinite(best.gunzip) ? 'gunzip' : 'stream';
  if (!flag('--early-only') && !flag('--contents'))
    console.log(
      `best: before ${best.before.toFixed(2)} s, after ${best.after.toFixed(2)} s (after/before ${(best.after / best.before).toFixed(2)}×); ` +
        `${floorName} floor ${floor.toFixed(2)} s: before ${(best.before / floor).toFixed(2)}×, after ${(best.after / floor).toFixed(2)}×; stream floor ${best.stream.toFixed(2)} s`,
    );
  if (flag('--early') || flag('--early-only')) {
    const scanner = inProcessScanner(2, nodeCodecs);
    const h = FileHandleBlob.open(file);
    const loaded = await openImage(h, { verify: false, scanner });
    h.close();
    const last = chooseFiles(loaded.layers).tail.at(-1);
    // one click per build per round, builds alternating, so both see the same load; --runs rounds
    const early = { before: [], after: [] };
    for (let r = 0; r < (flag('--early-only') ? runs : 1); r++)
      for (const k of ['before', 'after']) {
        const { page } = await measurePage(builds[k], file, { keep: true });
        try {
          const t = await previewLatency(page, last.layer, last.path);
          // every read the click caused: when it was posted to a worker after the click, and how long it took
          const reads = await page.evaluate(() =>
            window.__reads.filter((r) => r.at >= window.__clickAt).map((r) => ({ ...r, after: r.at - window.__clickAt })),
          );
          const what = reads
            .map(
              (r) =>
                `posted +${r.after.toFixed(0)} ms, took ${r.ms.toFixed(0)} ms${r.ok ? '' : ' (failed)'}${r.window ? ', window sent' : ''}${r.checkpoint ? ', checkpoint back' : ''}`,
            )
            .join('; ');
          early[k].push(t.ms);
          console.log(
            `early read (${last.path}, layer ${last.layer}, right after ready) ${k}: ${t.ms.toFixed(0)} ms click → preview; reads: ${what}; load ${load()}`,
          );
        } finally {
          await page.close();
        }
      }
    const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
    if (early.after.length > 1)
      console.log(
        `early reads, ${early.after.length} per build: before median ${med(early.before).toFixed(0)} ms (best ${Math.min(...early.before).toFixed(0)}), ` +
          `after median ${med(early.after).toFixed(0)} ms (best ${Math.min(...early.after).toFixed(0)}), after/before ${(med(early.after) / med(early.before)).toFixed(2)}× (medians); load ${load()}`,
      );
  }
} finally {
  await builds.before.close();
  await builds.after.close();
}
