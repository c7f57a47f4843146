#!/usr/bin/env node
// The audit (issue 12: packages, secrets, waste) against opening the same image,
// measured in the same run, as a ratio: the target is an audit within 1.5× the
// image's load time. In Node: `openImage` as `layerscope ls` runs it (the load),
// then `auditImage` over the loaded image with the in-process host (what
// `layerscope audit` adds). Best of BENCH_RUNS (default 2) for each.
//
// In the page (Chromium, the production build): from `ready` (the image shown) to
// <html data-audit="done">, against the load (file chosen → ready) of the same run,
// and the longest main-thread task in between (target ≤ 100 ms).
//
// The longest task is attributed from the Long Animation Frames API: the scripts of the
// longest frame after `ready` (their invoker — a worker's onmessage, a timer, a React
// render — and function), for a first look; scripts/bench-audit-trace.mjs says which
// functions in detail. BENCH_DIST=DIR measures another build of the page (a before/after
// comparison in one sitting: build the other commit into DIR).
//
// `node scripts/bench-audit.mjs [ARCHIVE…] [--no-node] [--no-browser]` runs it alone (default
// bench-data/app-big.{docker,oci}.tar); `npm run bench` runs it after the others
// (skip with --no-audit). Nothing here asserts a target.
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const RUNS = Number(process.env.BENCH_RUNS ?? 2);
const MB = 1e6;

export async function benchAuditNode(files) {
  const { openImage, FileHandleBlob, nodeCodecs, inProcessScanner, DEFAULT_NODE_CONCURRENCY, auditImage, inProcessAuditHost } = await import(
    join(root, 'dist-cli/layerscope.mjs')
  );
  console.log('== audit (packages, secrets, waste) vs load, Node');
  for (const file of files) {
    let load = Infinity;
    let audit = Infinity;
    let report = null;
    for (let r = 0; r < RUNS; r++) {
      const blob = FileHandleBlob.open(file);
      try {
        let t0 = performance.now();
        const img = await openImage(blob, { verify: false, scanner: inProcessScanner(DEFAULT_NODE_CONCURRENCY, nodeCodecs), gunzip: nodeCodecs.gunzip });
        load = Math.min(load, (performance.now() - t0) / 1000);
        t0 = performance.now();
        report = await auditImage(img, { host: inProcessAuditHost(DEFAULT_NODE_CONCURRENCY, { gunzip: nodeCodecs.gunzip }) });
        audit = Math.min(audit, (performance.now() - t0) / 1000);
      } finally {
        blob.close();
      }
    }
    const s = report.stats;
    console.log(
      `  ${basename(file)}: load ${load.toFixed(2)} s, audit ${audit.toFixed(2)} s — audit/load ${(audit / load).toFixed(2)}× (target ≤ 1.5×); ` +
        `${s.candidates} candidate files, ${(s.bytesRead / MB).toFixed(1)} MB read, ${report.packages.length} packages, ${report.secrets.length} secrets, ${report.waste.length} waste items`,
    );
  }
  console.log('');
}

/**
 * In the page: long tasks into window.__auditTasks, and window.__longestFrame(since): the
 * longest animation frame after `since` with its scripts (invoker, function, ms) — the
 * Long Animation Frames API, Chromium ≥ 123.
 */
function observeLongTasks() {
  window.__auditTasks = [];
  window.__frames = [];
  // Observed after `ready` with `buffered`: the load's entries arrive at once, in one callback
  // inside the measured time, so the callbacks keep only later entries, as they are (formatted
  // when asked): the harness must not make the long task it measures.
  const since = window.__t?.ready ?? 0;
  new PerformanceObserver((l) => {
    for (const e of l.getEntries()) if (e.startTime >= since) window.__auditTasks.push([e.startTime, e.duration]);
  }).observe({ type: 'longtask', buffered: true });
  try {
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) if (e.startTime >= since) window.__frames.push(e);
    }).observe({ type: 'long-animation-frame', buffered: true });
  } catch {}
  window.__longestFrame = (from) => {
    const f = window.__frames.filter((x) => x.startTime >= from).sort((a, b) => b.duration - a.duration)[0];
    if (!f) return 'none over 50 ms';
    const scripts = f.scripts.map((x) => `${x.invoker}${x.sourceFunctionName ? ` ${x.sourceFunctionName}` : ''} ${Math.round(x.duration)} ms`);
    return `${Math.round(f.duration)} ms (blocking ${Math.round(f.blockingDuration)} ms): ${scripts.join('; ') || 'no script over 5 ms (style, layout, GC)'}`;
  };
}

/** The page: load, then the audit that starts by itself once the image is shown. */
export async function benchAuditPage(files) {
  const { openBrowser, measurePage } = await import('./bench-browser.mjs');
  console.log('== audit vs load, Chromium (the page)');
  const b = await openBrowser(root, process.env.BENCH_DIST || undefined);
  try {
    for (const file of files) {
      let best = null;
      for (let r = 0; r < RUNS; r++) {
        const m = await measurePage(b, file, { keep: true });
        const page = m.page;
        try {
          await page.evaluate(observeLongTasks);
          await page.waitForFunction(() => ['done', 'error'].includes(document.documentElement.dataset.audit ?? ''), null, { timeout: 600_000, polling: 20 });
          const res = await page.evaluate(() => {
            const ready = window.__t.ready;
            const done = performance.now();
            const tasks = window.__auditTasks.filter(([start]) => start >= ready);
            return {
              audit: (done - ready) / 1000,
              longest: Math.max(0, ...tasks.map(([, d]) => d)),
              state: document.documentElement.dataset.audit,
              frame: window.__longestFrame(ready),
            };
          });
          const run = { load: m.seconds, ...res };
          if (!best || run.audit / run.load < best.audit / best.load) best = run;
        } finally {
          await page.close();
        }
      }
      // Baseline: the same load with the audit off, the long tasks over as long a time after ready.
      let baseline = 0;
      let baselineFrame = '';
      {
        const m = await measurePage(b, file, { keep: true, query: '?audit=off' });
        const page = m.page;
        try {
          await page.evaluate(observeLongTasks);
          await page.waitForTimeout(best.audit * 1000);
          [baseline, baselineFrame] = await page.evaluate(() => [
            Math.max(0, ...window.__auditTasks.filter(([s]) => s >= window.__t.ready).map(([, d]) => d)),
            window.__longestFrame(window.__t.ready),
          ]);
        } finally {
          await page.close();
        }
      }
      console.log(
        `  ${basename(file)}: load ${best.load.toFixed(2)} s, audit ${best.audit.toFixed(2)} s after ready: audit/load ${(best.audit / best.load).toFixed(2)}x (target <= 1.5x); longest main-thread task during the audit ${best.longest.toFixed(0)} ms (target <= 100 ms; ${baseline.toFixed(0)} ms over as long with the audit off)${best.state === 'error' ? ' (THE AUDIT FAILED)' : ''}; load average ${loadavg()[0].toFixed(2)}`,
      );
      console.log(`    longest frame with the audit: ${best.frame}`);
      console.log(`    longest frame without it:     ${baselineFrame}`);
    }
  } finally {
    await b.close();
  }
  console.log('');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const files = args.length
    ? args.map((a) => resolve(a))
    : ['bench-data/app-big.docker.tar', 'bench-data/app-big.oci.tar'].map((p) => resolve(root, p)).filter(existsSync);
  if (!process.argv.includes('--no-node')) await benchAuditNode(files);
  if (!process.argv.includes('--no-browser')) await benchAuditPage(files);
}
