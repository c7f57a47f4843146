#!/usr/bin/env node
// `node scripts/bench-click.mjs --before DIST [--after DIST] [--runs N] [ARCHIVE LAYER PATH [RESET]]`:
// the main thread's time for selecting one file, two builds alternating in one run
// (issue 13: the per-click cost of the preview path). Each build is served by vite
// preview in its own Chromium; the archive is opened in both, then RUNS times per build,
// alternating: select RESET (a directory, default PATH's parent), let the page settle,
// select PATH through the URL hash (the same selection a click on its row makes),
// wait for its preview, two frames and SETTLE_MS more, and read Chromium's own
// counters (CDP Performance.getMetrics: TaskDuration, ScriptDuration, LayoutDuration,
// RecalcStyleDuration, cumulative main-thread seconds) and the longest task
// (PerformanceObserver 'longtask', ≥ 50 ms) of that window. Prints medians and the
// after ÷ before ratio, with the load average. Default: /bin/busybox of
// test/fixtures/images/skopeo-busybox.tar (a binary: its first 64 KiB as a hex dump).
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { openBrowser } from './bench-browser.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const before = opt('--before', null);
if (!before) throw new Error('usage: bench-click.mjs --before DIST [--after DIST] [--runs N] [ARCHIVE LAYER PATH [RESET]]');
const after = resolve(opt('--after', resolve(root, 'dist')));
const runs = Number(opt('--runs', '10'));
// --profile: also sample the after build's selections with V8's CPU profiler (CDP) and
// print the functions with the most self time over all of them (build the after DIST
// unminified for readable names: `npx vite build --minify false --outDir DIST`).
const profile = args.includes('--profile');
/** Functions listed by --profile. */
const TOP_FUNCTIONS = 25;
/** --profile's sampling interval: fine enough for a window of ~100 ms. */
const SAMPLE_US = 100;
const selfMs = new Map();
const flags = new Set(['--before', '--after', '--runs']);
const pos = args.filter((a, i) => !a.startsWith('--') && !flags.has(args[i - 1]));
const archive = resolve(pos[0] ?? resolve(root, 'test/fixtures/images/skopeo-busybox.tar'));
const layer = Number(pos[1] ?? '0');
const path = pos[2] ?? '/bin/busybox';
const reset = pos[3] ?? (path.slice(0, path.lastIndexOf('/')) || '/');
/** Quiet time after the preview's second frame: the work a selection schedules (effects, idle callbacks) lands in the window. */
const SETTLE_MS = 400;
const METRICS = ['TaskDuration', 'ScriptDuration', 'LayoutDuration', 'RecalcStyleDuration'];

async function setUp(dist) {
  const b = await openBrowser(root, dist);
  const page = await b.context.newPage();
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(b.url);
  await page.getByTestId('file-input').setInputFiles(archive);
  await page.locator('.app[data-state="ready"]').waitFor({ timeout: 120_000 });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  await page.evaluate(() => {
    // entries arrive after their task, maybe after the next window began: kept by start time
    window.__tasks = [];
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) window.__tasks.push([e.startTime, e.duration]);
    }).observe({ type: 'longtask' });
  });
  return { b, page, cdp, dist, rows: [] };
}

const select = (page, p) =>
  page.evaluate(
    ({ layer, p }) => {
      location.hash = `#layer=${layer}&path=${encodeURIComponent(p).replace(/%2F/g, '/')}`;
    },
    { layer, p },
  );

async function metrics(cdp) {
  const { metrics: m } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(m.filter((x) => METRICS.includes(x.name)).map((x) => [x.name, x.value]));
}

async function once(s) {
  const { page, cdp } = s;
  await select(page, reset);
  await page.waitForFunction((r) => document.querySelector('[data-testid="details-path"]')?.textContent === r, reset);
  await page.waitForTimeout(SETTLE_MS);
  const t0 = await page.evaluate(() => performance.now());
  const m0 = await metrics(cdp);
  const sampled = profile && s.dist === after;
  if (sampled) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: SAMPLE_US });
    await cdp.send('Profiler.start');
  }
  await select(page, path);
  await page.waitForFunction(
    (p) =>
      document.querySelector('[data-testid="details-path"]')?.textContent === p &&
      document.querySelector('[data-testid="preview-kind"]')?.textContent !== 'Reading…' &&
      document.querySelector('[data-testid="preview"] pre, [data-testid="preview"] img, [data-testid="preview"] canvas, [data-testid="preview"] .pv-note'),
    path,
  );
  await page.evaluate((ms) => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, ms)))), SETTLE_MS);
  const m1 = await metrics(cdp);
  if (sampled) {
    const { profile: p } = await cdp.send('Profiler.stop');
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    p.samples.forEach((id, i) => {
      const f = byId.get(id).callFrame;
      if (f.functionName === '(idle)' || f.functionName === '(program)') return;
      const k = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\//, '')}:${f.lineNumber + 1}`;
      selfMs.set(k, (selfMs.get(k) ?? 0) + (p.timeDeltas[i + 1] ?? SAMPLE_US) / 1000);
    });
  }
  const row = Object.fromEntries(METRICS.map((k) => [k, (m1[k] - m0[k]) * 1000]));
  const t1 = await page.evaluate(() => performance.now());
  row.longest = await page.evaluate(([t0, t1]) => Math.max(0, ...window.__tasks.filter(([s]) => s >= t0 && s < t1).map(([, d]) => d)), [t0, t1]);
  s.rows.push(row);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const load0 = loadavg()[0];
const sides = [await setUp(resolve(before)), await setUp(after)];
try {
  for (let i = 0; i < runs; i++) for (const s of i % 2 ? [...sides].reverse() : sides) await once(s);
} finally {
  for (const s of sides) await s.b.close();
}
const load1 = loadavg()[0];
console.log(`${archive} · layer ${layer} · ${path} · ${runs} selections per build, alternating · load ${load0.toFixed(2)} → ${load1.toFixed(2)}`);
console.log(`median main-thread ms per selection   ${METRICS.join('  ')}  longest-task`);
const med = sides.map((s) => [...METRICS, 'longest'].map((k) => median(s.rows.map((r) => r[k]))));
for (const [i, s] of sides.entries()) console.log(`${i ? 'after ' : 'before'} ${s.dist}\n       ${med[i].map((v) => v.toFixed(1).padStart(10)).join('  ')}`);
console.log(`after ÷ before ${med[1].map((v, k) => (med[0][k] ? (v / med[0][k]).toFixed(2) : '–').padStart(10)).join('  ')}`);
if (profile) {
  console.log(`\nafter: self time over ${runs} selections (ms; (program) and (idle) left out)`);
  for (const [k, v] of [...selfMs].sort((a, b) => b[1] - a[1]).slice(0, TOP_FUNCTIONS)) console.log(`${v.toFixed(1).padStart(9)}  ${k}`);
}
