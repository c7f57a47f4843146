#!/usr/bin/env node
// `node scripts/bench-scan-cpu.mjs [ARCHIVE] [--rounds N] [--ops floor,scan,…] [--beside] [--largest] [--warm] [--sampled]`: what
// the page's layer scan costs in CPU against the gunzip floor, without the rest of the page.
// One worker in Chromium reads the archive's gzip layers except the largest (what the page's
// second scan worker reads while the first decodes the largest) with each op of
// scripts/bench/scanCpu.worker.ts in turn, rounds alternating; the worker thread's CPU time
// (the trace's thread durations of its tasks) is the figure, min and median per op. A traced
// page load (bench-profile.mjs) runs main thread, union worker and both scan workers at once,
// so its per-worker CPU mixes the scan's own cost with what sharing 2 cores costs each thread;
// this isolates the first. --beside: another worker decodes the largest layer at the same time
// (the floor's way), as in a load. --largest: the largest layer alone instead (the load's
// critical path), nothing beside it. --warm: each op first reads the layers once untraced in the
// same worker, so the figure is of warm code (a load's workers are new: cold). The worker is bundled from src/ into a temporary directory.
import { mkdtempSync, openAsBlob, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openBrowser } from './bench-browser.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
const file = resolve(argv.find((a, i) => !a.startsWith('--') && !['--rounds', '--ops'].includes(argv[i - 1])) ?? 'bench-data/app-big.oci.tar');
const rounds = Number(opt('--rounds', 4));
const ops = opt('--ops', 'floor,plumbing,parser,windows,scan,scanPosted').split(',');
const beside = argv.includes('--beside');
/** Trace categories that record every task of every thread with its CPU time (no sampling profiler: it would cost CPU itself). */
// --sampled: with V8's sampling profiler on as well, as bench-profile.mjs traces (to see what it adds to each op).
const CATEGORIES = [
  'toplevel',
  'v8',
  'blink',
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  ...(argv.includes('--sampled') ? ['v8.execute', 'disabled-by-default-v8.cpu_profiler'] : []),
];
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

const out = mkdtempSync(join(tmpdir(), 'scan-cpu-'));
const { build } = await import('rolldown');
await build({ input: join(root, 'scripts/bench/scanCpu.worker.ts'), output: { file: join(out, 'worker.js'), format: 'esm' }, logLevel: 'silent' });

const { openArchive, selectImage, blobOf, sniffCompression } = await import(resolve(root, 'dist-cli/layerscope.mjs'));
const { info, outer } = await openArchive(await openAsBlob(file));
const ranges = [];
for (const ref of selectImage(info, {}).layers) {
  const head = new Uint8Array(await blobOf(outer, ref.blob).slice(0, 8).arrayBuffer());
  if (sniffCompression(head) === 'gzip') ranges.push({ offset: ref.blob.offset, size: ref.blob.size });
}
ranges.sort((a, b) => b.size - a.size);
if (ranges.length < 2) throw new Error('needs an archive with at least two gzip layers');
const largestOnly = argv.includes('--largest');
const [largest, ...others] = ranges;
const rest = largestOnly ? [largest] : others;

const b = await openBrowser(root);
try {
  const page = await b.context.newPage();
  const html = '<!doctype html><meta charset="utf-8"><input type="file" id="file">';
  await b.context.route('**/__scan-cpu/**', (route) =>
    route.request().url().endsWith('/worker.js')
      ? route.fulfill({ status: 200, body: readFileSync(join(out, 'worker.js')), contentType: 'text/javascript' })
      : route.fulfill({ status: 200, body: html, contentType: 'text/html' }),
  );
  await page.goto(new URL('__scan-cpu/index.html', b.url).href);
  await page.setInputFiles('#file', file);
  console.log(
    `${file}: ${rest.length} gzip layer(s) of ${(rest.reduce((n, r) => n + r.size, 0) / 1e6).toFixed(0)} MB read by one worker` +
      `${beside && !largestOnly ? `, the largest (${(largest.size / 1e6).toFixed(0)} MB) decoded beside it` : ''}; load average ${load()}`,
  );
  const cpu = new Map(ops.map((o) => [o, []]));
  for (let r = 0; r < rounds; r++) {
    for (const op of ops) {
      // the workers are started (and, with --warm, have read the layers once) before the trace
      await page.evaluate(
        async ([op, rest, largest, warm]) => {
          const f = document.getElementById('file').files[0];
          const spawn = () =>
            new Promise((ok) => {
              const w = new Worker('./worker.js', { type: 'module' });
              w.onmessage = () => ok(w);
              w.postMessage({ op: 'ping' });
            });
          const run = (w, op, rs) =>
            new Promise((ok, fail) => {
              w.onmessage = (e) => (e.data.done ? (e.data.error ? fail(new Error(e.data.error)) : ok(e.data)) : undefined);
              w.postMessage({ op, blobs: rs.map((x) => f.slice(x.offset, x.offset + x.size)) });
            });
          const w = await spawn();
          const other = largest ? await spawn() : null;
          if (warm) await run(w, op, rest);
          window.__go = async () => {
            const t0 = performance.now();
            const [got] = await Promise.all([run(w, op, rest), other ? run(other, 'floor', [largest]) : null]);
            const ms = performance.now() - t0;
            w.terminate();
            other?.terminate();
            return { ms, bytes: got.bytes };
          };
        },
        [op, rest, beside && !largestOnly ? largest : null, argv.includes('--warm')],
      );
      await b.browser.startTracing(page, { categories: CATEGORIES });
      const res = await page.evaluate(() => window.__go());
      const trace = JSON.parse((await b.browser.stopTracing()).toString());
      // CPU per worker thread: the outermost tasks' thread durations
      const names = new Map();
      for (const e of trace.traceEvents) if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, e.args.name);
      const tasks = trace.traceEvents
        .filter((e) => e.ph === 'X' && e.dur && (e.name === 'ThreadControllerImpl::RunTask' || e.name === 'RunTask'))
        .sort((x, y) => x.ts - y.ts || y.dur - x.dur);
      const end = new Map();
      const per = new Map();
      for (const e of tasks) {
        const k = `${e.pid}:${e.tid}`;
        if (!/DedicatedWorker/.test(names.get(k) ?? '') || (end.get(k) ?? -1) >= e.ts + e.dur) continue;
        end.set(k, e.ts + e.dur);
        per.set(k, (per.get(k) ?? 0) + (e.tdur ?? 0));
      }
      // beside: the measured worker is the one with less CPU (the other decodes the largest layer)
      const threads = [...per.values()].sort((x, y) => x - y);
      const ms = (beside && !largestOnly ? threads[0] : threads.reduce((x, y) => x + y, 0)) / 1000;
      cpu.get(op).push(ms);
      console.log(
        `  round ${r + 1} ${op.padEnd(10)} CPU ${ms.toFixed(0).padStart(5)} ms, wall ${res.ms.toFixed(0)} ms, ${(res.bytes / 1e6).toFixed(0)} MB out; load ${load()}`,
      );
    }
  }
  const floor = cpu.get('floor');
  const med = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];
  for (const [op, a] of cpu) {
    const vs = floor?.length ? ` (${(med(a) / med(floor)).toFixed(2)}× the floor's median)` : '';
    console.log(`${op.padEnd(10)} min ${Math.min(...a).toFixed(0)} ms, median ${med(a).toFixed(0)} ms${vs}`);
  }
} finally {
  await b.close();
  rmSync(out, { recursive: true, force: true });
}
