#!/usr/bin/env node
// `node scripts/bench-start.mjs [--before DIST] [--runs N] [ARCHIVE…]`: the start of a load, step by step
// (issue 13: the largest layer's scan began ~351 ms after the file was chosen, while the gunzip floor
// starts decoding at once). For each archive and build (DIST, a `vite build` of another commit, then
// this checkout's dist/), N loads alternating, each timed inside the page from the file input's
// `change` event (the capture listener the bench uses) to:
//   - handler: the page's change handler has returned (a bubbling listener on window, after React's);
//   - render: the root's data-state turned `loading` (the loading page committed), and the first
//     main-thread long task after `change` (its end);
//   - every Blob read the page makes (slice().arrayBuffer(): when asked, when answered, the offset in
//     the file and its size, named by the outer tar's entry it lies in) and every Blob.stream() it starts;
//   - every scan posted to a worker (layer, blob size), each worker's construction, and the first
//     'progress' back from a scan (the worker has fed its first 1 MiB of the blob into the decoder:
//     layerScan.ts PROGRESS_EVERY_BYTES), and when each scan answered;
//   - every union the union worker is asked for (partial ones while loading, then the final one with
//     the statistics) and when it answered: with --verbose, the tail from the last scan to `ready`.
// Nothing in the app is changed: the page's Blob and Worker are wrapped by an init script.
// `--build NAME=DIST` adds more builds to the alternation. Prints, per archive and build, the median of each step over the runs (and each run's own list with
// --verbose). Build first (`npm run build`).
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { openAsBlob } from 'node:fs';
import { openBrowser } from './bench-browser.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const argv = process.argv.slice(2);
const opt = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const runs = Number(opt('--runs') ?? 3);
const beforeDist = opt('--before') ? resolve(opt('--before')) : null;
// --build NAME=DIST (repeatable): more builds to alternate with, after --before and before this checkout's dist/
const extra = argv.flatMap((a, i) => (argv[i - 1] === '--build' ? [a.split('=')] : []));
const verbose = argv.includes('--verbose');
// --settle MS: wait MS between the empty page being shown and choosing the file (a person takes
// seconds; the bench's loads choose it at once)
const settle = Number(opt('--settle') ?? 0);
const files = argv.filter((a, i) => !a.startsWith('--') && !['--runs', '--before', '--build', '--settle'].includes(argv[i - 1]));
if (files.length === 0) files.push('bench-data/app-big.oci.tar', 'bench-data/app-big.docker.tar');
const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

const { openArchive } = await import(resolve(root, 'dist-cli/layerscope.mjs'));

/** In the page, before the app: log reads, streams, worker traffic and the load's first steps. */
function instrument() {
  const T = { reads: [], streams: [], spawns: [], posts: [], unions: [], firstProgress: {}, answered: {}, longTasks: [] };
  window.__tl = T;
  const now = () => performance.now();
  const range = new WeakMap();
  const slice = Blob.prototype.slice;
  Blob.prototype.slice = function (s, e, ct) {
    const b = slice.call(this, s, e, ct);
    const base = range.get(this) ?? 0;
    const n = this.size;
    const clamp = (x, d) => (x === undefined ? d : x < 0 ? Math.max(n + x, 0) : Math.min(x, n));
    range.set(b, base + clamp(s, 0));
    return b;
  };
  const arrayBuffer = Blob.prototype.arrayBuffer;
  Blob.prototype.arrayBuffer = function () {
    const r = { asked: now(), answered: null, start: range.get(this) ?? 0, size: this.size };
    T.reads.push(r);
    return arrayBuffer.call(this).then((b) => {
      r.answered = now();
      return b;
    });
  };
  const stream = Blob.prototype.stream;
  Blob.prototype.stream = function () {
    T.streams.push({ at: now(), start: range.get(this) ?? 0, size: this.size });
    return stream.call(this);
  };
  const W = window.Worker;
  window.Worker = class extends W {
    constructor(...a) {
      super(...a);
      T.spawns.push({ at: now(), name: a[1]?.name ?? '' });
      this.addEventListener('message', (e) => {
        const m = e.data;
        if (!m || typeof m.id !== 'number') return;
        if (m.type === 'progress') T.firstProgress[m.id] ??= now();
        else if (m.type === 'scanned' || m.type === 'error') T.answered[m.id] ??= now();
        if (m.type === 'unioned' || m.type === 'error') for (const u of T.unions) if (u.id === m.id) u.answered ??= now();
      });
      const post = this.postMessage.bind(this);
      this.postMessage = (m, t) => {
        if (m && m.type === 'scan') T.posts.push({ at: now(), id: m.id, layer: m.layer, size: m.blob.size, start: range.get(m.blob) ?? 0 });
        // the union worker's jobs: partial unions while loading, then the final union (with statistics)
        if (m && (m.type === 'union' || m.type === 'runUnion'))
          T.unions.push({ at: now(), id: m.id, layers: m.layers.filter((x) => x).length, stats: m.stats });
        return post(m, t);
      };
    }
  };
  document.addEventListener('change', () => (T.change ??= now()), { capture: true });
  window.addEventListener('change', () => (T.handler ??= now()));
  new PerformanceObserver((l) => {
    for (const e of l.getEntries()) T.longTasks.push({ start: e.startTime, end: e.startTime + e.duration });
  }).observe({ type: 'longtask', buffered: true });
  const watch = () => {
    const el = document.querySelector('[data-state]');
    if (!el) return void requestAnimationFrame(watch);
    new MutationObserver(() => {
      const s = el.getAttribute('data-state');
      if (s === 'loading') T.loading ??= now();
      if (s === 'ready' || s === 'error') T[s] ??= now();
    }).observe(el, { attributes: true, attributeFilter: ['data-state'] });
  };
  document.addEventListener('DOMContentLoaded', watch);
}

async function oneLoad(b, file) {
  const page = await b.context.newPage();
  try {
    await page.addInitScript(instrument);
    await page.goto(b.url);
    await page.waitForSelector('[data-state="empty"]');
    if (settle > 0) await page.waitForTimeout(settle);
    await page.getByTestId('file-input').setInputFiles(file);
    await page.waitForSelector('[data-state="ready"], [data-state="error"]', { timeout: 600_000 });
    await page.evaluate(() => new Promise((r) => setTimeout(r, 50)));
    return await page.evaluate(() => window.__tl);
  } finally {
    await page.close();
  }
}

/** The steps of one load, in ms after `change`. */
function steps(t, entries) {
  const rel = (x) => (x === undefined || x === null ? null : x - t.change);
  const named = (start) => {
    for (const e of entries) if (start >= e.offset - 512 && start < e.offset + Math.max(e.size, 1)) return e.name;
    return '?';
  };
  const reads = t.reads.filter((r) => r.asked >= t.change).map((r) => ({ ...r, name: named(r.start) }));
  const streams = t.streams.filter((s) => s.at >= t.change);
  const firstTask = t.longTasks.find((x) => x.end >= t.change);
  const largest = [...t.posts].sort((a, b) => b.size - a.size)[0];
  const docRead = (re) => reads.find((r) => re.test(r.name) && r.size < 1 << 20 && r.start >= 0);
  // the outer tar's index: its reads are those before the first read of a document (index.json / manifest.json)
  const firstDoc = reads.findIndex((r) => /^(index|manifest)\.json$/.test(r.name) && r.start === entries.find((e) => e.name === r.name)?.offset);
  const indexReads = firstDoc >= 0 ? reads.slice(0, firstDoc) : reads;
  const indexStreams = firstDoc >= 0 ? streams.filter((s) => s.at <= reads[firstDoc].asked) : streams;
  const layerPosts = [...t.posts].sort((a, b) => a.at - b.at);
  return {
    handler: rel(t.handler),
    loading: rel(t.loading),
    firstLongTaskEnd: firstTask ? rel(firstTask.end) : null,
    firstRead: rel(reads[0]?.answered),
    indexDone: rel(indexReads.at(-1)?.answered),
    indexReads: indexReads.length,
    indexStreams: indexStreams.length,
    indexJson: rel(docRead(/^index\.json$/)?.answered),
    manifestJson: rel(docRead(/^manifest\.json$/)?.answered),
    largestPosted: rel(largest?.at),
    largestProgress: rel(largest ? t.firstProgress[largest.id] : null),
    largestDone: rel(largest ? t.answered[largest.id] : null),
    firstSpawn: rel(t.spawns.find((s) => s.at >= t.change)?.at),
    spawns: t.spawns.filter((s) => s.at >= t.change).length,
    ready: rel(t.ready),
    reads,
    streams,
    unions: t.unions.filter((u) => u.at >= t.change).map((u) => ({ layers: u.layers, stats: u.stats, posted: rel(u.at), done: rel(u.answered) })),
    posts: layerPosts.map((p) => ({ layer: p.layer, size: p.size, posted: rel(p.at), progress: rel(t.firstProgress[p.id]), done: rel(t.answered[p.id]) })),
    t0: t.change,
  };
}

const median = (xs) => {
  const v = xs.filter((x) => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  return v.length ? v[Math.floor((v.length - 1) / 2)] : null;
};
const ms = (x) => (x === null ? '—' : `${x.toFixed(0)}`);

const builds = { ...(beforeDist ? { before: await openBrowser(root, beforeDist) } : {}) };
for (const [name, dist] of extra) builds[name] = await openBrowser(root, resolve(dist));
builds.after = await openBrowser(root);
try {
  for (const f of files) {
    const path = resolve(f);
    const { outer } = await openArchive(await openAsBlob(path));
    const entries = [...outer.entries.values()].sort((a, b) => a.offset - b.offset);
    console.log(`${path}: ${runs} loads per build, alternating; load average at start ${load()}`);
    const all = Object.fromEntries(Object.keys(builds).map((k) => [k, []]));
    for (let r = 0; r < runs; r++) {
      for (const k of Object.keys(builds)) {
        const s = steps(await oneLoad(builds[k], path), entries);
        all[k].push(s);
        console.log(
          `  ${k} run ${r + 1}: handler ${ms(s.handler)}, loading committed ${ms(s.loading)}, first long task ends ${ms(s.firstLongTaskEnd)}, ` +
            `first read answered ${ms(s.firstRead)}, outer index done ${ms(s.indexDone)} (${s.indexReads} reads, ${s.indexStreams} streams), ` +
            `index.json ${ms(s.indexJson)}, manifest.json ${ms(s.manifestJson)}, largest scan posted ${ms(s.largestPosted)}, ` +
            `its first progress ${ms(s.largestProgress)}, done ${ms(s.largestDone)}, ready ${ms(s.ready)} ms; load ${load()}`,
        );
        if (verbose) {
          for (const x of s.reads)
            console.log(
              `      read ${x.name} @${x.start} ${x.size} B: asked ${ms(x.asked - s.t0)}, answered ${ms(x.answered === null ? null : x.answered - s.t0)}`,
            );
          for (const x of s.streams) console.log(`      stream @${x.start} ${x.size} B at ${ms(x.at - s.t0)}`);
          for (const p of s.posts)
            console.log(`      scan layer ${p.layer} (${p.size} B): posted ${ms(p.posted)}, first progress ${ms(p.progress)}, done ${ms(p.done)}`);
          for (const u of s.unions)
            console.log(`      union of ${u.layers} layers${u.stats ? ' with statistics' : ''}: posted ${ms(u.posted)}, answered ${ms(u.done)}`);
        }
      }
    }
    for (const k of Object.keys(builds)) {
      const m = (key) => ms(median(all[k].map((s) => s[key])));
      console.log(
        `  ${k}, median of ${runs}: handler ${m('handler')}, loading committed ${m('loading')}, first long task ends ${m('firstLongTaskEnd')}, ` +
          `first read ${m('firstRead')}, outer index ${m('indexDone')} (${m('indexReads')} reads), index.json ${m('indexJson')}, ` +
          `manifest.json ${m('manifestJson')}, largest scan posted ${m('largestPosted')}, first progress ${m('largestProgress')}, ` +
          `done ${m('largestDone')}, ready ${m('ready')} ms`,
      );
    }
  }
} finally {
  for (const b of Object.values(builds)) await b.close();
}
