#!/usr/bin/env node
// `node scripts/bench-profile.mjs ARCHIVE [--out trace.json]`: where the page's time goes
// while it opens ARCHIVE, from a Chromium trace (V8's sampling profiler in every
// thread, workers included, plus the task timeline), against the gunzip floor of the
// same run. Prints, per thread (main, each scan worker, the union worker): when it
// was busy, how long, and the functions that took the most self time, with a summary
// grouped by what the time is spent on (inflate, tar parsing, stream plumbing,
// messages, union/statistics, rendering); and the main thread's long tasks (> LONG_TASK_MS)
// during the load, each with its wall and CPU time, the trace events inside it and the
// functions with the most self and inclusive time (issue 13 keeps the longest ≤ 150 ms).
// `--after MS`: also watch MS after ready (the idle callbacks that run then, e.g. the
// tree's warm-up); those tasks are listed apart. The floor's threads are listed the same
// way, then what the page's workers spend that the floor's do not, by kind and by function
// (CPU time; `--top N` functions per thread, default 12). Build first (`npm run build`).
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { chooseFiles, measureFloors, openBrowser, previewLatency, recordReads, TRACE_CATEGORIES, waitVerified } from './bench-browser.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
const file = resolve(
  args.find((a, i) => !a.startsWith('--') && !['--out', '--contents', '--before', '--after', '--top'].includes(args[i - 1])) ?? 'bench-data/app-big.oci.tar',
);
const outAt = args.indexOf('--out');
const out = outAt >= 0 ? args[outAt + 1] : null;
// --unminified: profile a build without minification (readable function names), built into dist-profile/
// (--no-build: use the dist-profile/ already there)
const unminified = args.includes('--unminified');
// --contents N: after the load and the digest check, N previews (random files, as the
// bench's contents step picks them), each click → preview traced and analysed alone.
const contentsAt = args.indexOf('--contents');
const contents = contentsAt >= 0 ? Number(args[contentsAt + 1]) : 0;
// --before DIST: also trace a load by another build (a `vite build` of an earlier commit) in
// the same run, and compare the CPU of the two loads thread by thread.
const beforeAt = args.indexOf('--before');
const beforeDist = beforeAt >= 0 ? resolve(args[beforeAt + 1]) : null;
// --contents-only: skip the floors and the traced load (only the --contents N previews).
const contentsOnly = args.includes('--contents-only');
const afterAt = args.indexOf('--after');
const afterMs = afterAt >= 0 ? Number(args[afterAt + 1]) : 0;
// --top N: functions listed per thread (by self time), for the page's and the floor's threads alike.
const topAt = args.indexOf('--top');
const TOP_SELF = topAt >= 0 ? Number(args[topAt + 1]) : 12;
/** A main-thread task longer than this is listed (the Long Tasks API's threshold). */
const LONG_TASK_MS = 50;
/** Frames listed per long task. */
const TOP_FRAMES = 6;

const { openArchive, selectImage, blobOf, sniffCompression } = await import(resolve(root, 'dist-cli/layerscope.mjs'));

/** What a function's self time is spent on, by name and script (the groups the issue asks about). */
function group(fn, url) {
  if (fn === '(idle)') return 'idle';
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(program)') return 'native (outside JS: platform inflate, Blob reads, message copies)';
  if (
    /TarParser|onHeader|buildEntry|checksumOk|unsignedHeaderSum|parseNumeric|cfield|decodeName|latin1|normalizeTarPath|ownerName|startData|afterData|parsePax/.test(
      fn,
    )
  )
    return 'tar parsing';
  if (/LayerIndexBuilder|classifyWhiteout|^add$|grow|finish/.test(fn)) return 'layer index';
  if (/codes|blockHeader|buildTable|flushAndRewind|Inflater|crc32Update|stored/.test(fn) && /scan|worker/.test(url)) return 'TypeScript inflate';
  if (/buildUnion|union|Union|intern|computeStats|stats|Stats|dive|sortChildren|PathTrie|childNamed|mergedAt/.test(fn)) return 'union/statistics';
  if (/transform|pull|enqueue|read$|pipeThrough|onInput|source|getReader|flush/.test(fn)) return 'stream plumbing (JS)';
  if (/postMessage|onmessage|structuredClone|onMessage|post$/.test(fn)) return 'messages';
  if (/react|render|commit|Fiber|Hook|useState|useEffect|reconcile|dispatch/i.test(fn) || /react/.test(url)) return 'rendering (React)';
  return 'other JS';
}

/** A sampled frame as listed: function, script (file name only), line. */
const frameKey = (f) => `${f.functionName || '(anonymous)'} ${(f.url ?? '').replace(/^.*\//, '')}:${f.lineNumber ?? ''}`;

function analyse(trace, t0us, t1us) {
  const threads = new Map(); // "pid:tid" -> {name, tasks:[], samples: Map}
  const th = (pid, tid) => {
    const k = `${pid}:${tid}`;
    if (!threads.has(k))
      threads.set(k, {
        key: k,
        name: k,
        busy: 0,
        cpu: 0,
        first: Infinity,
        last: -Infinity,
        self: new Map(),
        incl: new Map(),
        groups: new Map(),
        sampled: 0,
        slices: new Float64Array(SLICES),
        cpuSlices: new Float64Array(SLICES),
      });
    return threads.get(k);
  };
  const profiles = new Map(); // id -> {thread, nodes: Map, lastTs}
  for (const e of trace.traceEvents) {
    if (e.ph === 'M' && e.name === 'thread_name') th(e.pid, e.tid).name = e.args.name;
  }
  // Tasks: 'RunTask' and 'ThreadControllerImpl::RunTask' nest inside each other on some
  // threads and not on others; only the outermost of each nest is counted (counting both
  // doubled the main thread's busy time).
  const tasks = trace.traceEvents
    .filter((e) => e.ph === 'X' && (e.name === 'ThreadControllerImpl::RunTask' || e.name === 'RunTask') && e.dur)
    .sort((x, y) => x.ts - y.ts || y.dur - x.dur);
  const outerEnd = new Map(); // "pid:tid" -> end of the outermost task running
  for (const e of tasks) {
    const k = `${e.pid}:${e.tid}`;
    if ((outerEnd.get(k) ?? -Infinity) >= e.ts + e.dur) continue;
    outerEnd.set(k, e.ts + e.dur);
    const a = Math.max(e.ts, t0us);
    const b = Math.min(e.ts + e.dur, t1us);
    if (b > a) {
      const t = th(e.pid, e.tid);
      t.busy += b - a;
      // CPU time (the trace's thread duration, scaled to the part inside the window): on a
      // loaded machine a thread is descheduled for much of its tasks' wall time, so busy
      // (wall) time says how long, CPU time says how much work.
      if (e.tdur) t.cpu += (e.tdur * (b - a)) / e.dur;
      // busy time per twentieth of the load, for the timeline (none for an open-ended window)
      const w = (t1us - t0us) / SLICES;
      if (Number.isFinite(w))
        for (let k = Math.floor((a - t0us) / w); k <= Math.min(SLICES - 1, Math.floor((b - t0us) / w)); k++) {
          const part = Math.max(0, Math.min(b, t0us + (k + 1) * w) - Math.max(a, t0us + k * w));
          t.slices[k] += part;
          if (e.tdur) t.cpuSlices[k] += (e.tdur * part) / e.dur;
        }
      t.first = Math.min(t.first, a);
      t.last = Math.max(t.last, b);
    }
  }
  for (const e of trace.traceEvents) {
    if (e.name === 'Profile' && e.args?.data) profiles.set(e.id, { thread: th(e.pid, e.tid), nodes: new Map(), ts: e.args.data.startTime ?? e.ts });
    if (e.name === 'ProfileChunk' && e.args?.data) {
      let p = profiles.get(e.id);
      if (!p) {
        p = { thread: th(e.pid, e.tid), nodes: new Map(), ts: e.ts };
        profiles.set(e.id, p);
      }
      const cp = e.args.data.cpuProfile ?? {};
      for (const n of cp.nodes ?? []) p.nodes.set(n.id, n);
      const samples = cp.samples ?? [];
      const deltas = e.args.data.timeDeltas ?? [];
      for (let i = 0; i < samples.length; i++) {
        const prev = p.ts;
        p.ts += deltas[i] ?? 0;
        const dt = p.ts - prev;
        if (p.ts < t0us || p.ts > t1us || dt <= 0 || dt > 100_000) continue;
        const node = p.nodes.get(samples[i]);
        const f = node?.callFrame ?? { functionName: '?' };
        const name = f.functionName || '(anonymous)';
        const key = frameKey(f);
        p.thread.self.set(key, (p.thread.self.get(key) ?? 0) + dt);
        const g = group(name, f.url ?? '');
        p.thread.groups.set(g, (p.thread.groups.get(g) ?? 0) + dt);
        if (g !== 'idle') p.thread.sampled += dt;
        // inclusive: every distinct frame on the sample's stack (nodes carry `parent`)
        const seen = new Set();
        for (let n = node; n; n = n.parent ? p.nodes.get(n.parent) : null) {
          const k = frameKey(n.callFrame);
          if (seen.has(k) || k.startsWith('(root)')) continue;
          seen.add(k);
          p.thread.incl.set(k, (p.thread.incl.get(k) ?? 0) + dt);
        }
      }
    }
  }
  return [...threads.values()].filter((t) => t.busy > 20_000 || t.sampled > 20_000).sort((a, b) => b.busy - a.busy);
}

/**
 * The main thread's tasks longer than LONG_TASK_MS between t0 and t1 (µs): wall and CPU
 * time, trace events inside by name, and the sampled frames with the most self and
 * inclusive time. `main` is "pid:tid" of the page's main thread.
 */
function longTasks(trace, main, t0us, t1us) {
  const ofMain = (e) => `${e.pid}:${e.tid}` === main;
  const isTask = (e) => e.name === 'ThreadControllerImpl::RunTask' || e.name === 'RunTask';
  const all = trace.traceEvents.filter((e) => e.ph === 'X' && e.dur && ofMain(e) && isTask(e)).sort((x, y) => x.ts - y.ts || y.dur - x.dur);
  const outer = [];
  for (const e of all) if (!outer.length || e.ts >= outer.at(-1).ts + outer.at(-1).dur) outer.push(e);
  const long = outer
    .filter((e) => e.ts >= t0us && e.ts <= t1us && e.dur > LONG_TASK_MS * 1000)
    .map((e) => ({ ts: e.ts, dur: e.dur, cpu: e.tdur ?? null, events: new Map(), self: new Map(), incl: new Map() }));
  if (long.length === 0) return long;
  const inside = (ts) => long.find((t) => ts >= t.ts && ts < t.ts + t.dur);
  for (const e of trace.traceEvents) {
    if (e.ph !== 'X' || !e.dur || !ofMain(e) || isTask(e)) continue;
    const t = inside(e.ts);
    if (t) t.events.set(e.name, (t.events.get(e.name) ?? 0) + e.dur);
  }
  // the main thread's samples, with their stacks (nodes carry `parent`)
  const ids = new Set(trace.traceEvents.filter((e) => e.name === 'Profile' && ofMain(e)).map((e) => e.id));
  const nodes = new Map();
  const clock = new Map();
  for (const e of trace.traceEvents) {
    if (e.name === 'Profile' && ids.has(e.id)) clock.set(e.id, e.args.data.startTime ?? e.ts);
    if (e.name !== 'ProfileChunk' || !ids.has(e.id)) continue;
    const cp = e.args.data.cpuProfile ?? {};
    for (const n of cp.nodes ?? []) nodes.set(n.id, n);
    const s = cp.samples ?? [];
    const d = e.args.data.timeDeltas ?? [];
    let ts = clock.get(e.id) ?? e.ts;
    for (let i = 0; i < s.length; i++) {
      const dt = d[i] ?? 0;
      ts += dt;
      const t = dt > 0 && dt < 100_000 ? inside(ts) : null;
      if (!t) continue;
      const label = (n) => `${n.callFrame.functionName || '(anonymous)'} ${(n.callFrame.url ?? '').replace(/^.*\//, '')}:${(n.callFrame.lineNumber ?? -1) + 1}`;
      let n = nodes.get(s[i]);
      if (!n) continue;
      t.self.set(label(n), (t.self.get(label(n)) ?? 0) + dt);
      const seen = new Set();
      for (; n; n = n.parent ? nodes.get(n.parent) : null) {
        const l = label(n);
        if (seen.has(l) || l.startsWith('(root)')) continue;
        seen.add(l);
        t.incl.set(l, (t.incl.get(l) ?? 0) + dt);
      }
    }
    clock.set(e.id, ts);
  }
  return long;
}

/** The long tasks, longest first: one line each, then its events and frames. */
function printLongTasks(title, long, t0) {
  const top = (m, n) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([l, v]) => `${ms(v)} ${l}`)
      .join('; ');
  const cpuMax = Math.max(0, ...long.map((t) => t.cpu ?? 0));
  console.log(
    `\n# ${title}: ${long.length} main-thread tasks over ${LONG_TASK_MS} ms; longest ${ms(Math.max(0, ...long.map((t) => t.dur)))} wall, largest CPU ${ms(cpuMax)}`,
  );
  for (const t of long.sort((a, b) => b.dur - a.dur)) {
    console.log(`## task at +${ms(t.ts - t0)}: ${ms(t.dur)} wall, ${t.cpu == null ? '?' : ms(t.cpu)} CPU`);
    console.log(`   events: ${top(t.events, TOP_FRAMES)}`);
    console.log(`   self:   ${top(t.self, TOP_FRAMES)}`);
    console.log(`   incl:   ${top(t.incl, TOP_FRAMES * 2)}`);
  }
}

/**
 * The main thread's work over the load, apart (issue 13: every CPU-millisecond it spends
 * is taken from the decoders): the trace events by self time (their duration and CPU less
 * their children's: layout, style, paint, script, message receipt…), each with its count;
 * and the sampled React components (capitalized functions of the page's script) with the
 * most inclusive time, scaled to CPU as printThreads does.
 */
function printMainBreakdown(trace, main, th, t0us, t1us) {
  const evs = trace.traceEvents
    .filter((e) => e.ph === 'X' && e.dur && `${e.pid}:${e.tid}` === main && e.ts >= t0us && e.ts <= t1us)
    .sort((x, y) => x.ts - y.ts || y.dur - x.dur);
  const by = new Map();
  const stack = [];
  const close = (upTo) => {
    while (stack.length && stack.at(-1).end <= upTo) {
      const f = stack.pop();
      const r = by.get(f.e.name) ?? { n: 0, self: 0, cpu: 0 };
      r.n++;
      r.self += Math.max(0, f.e.dur - f.kids);
      if (f.e.tdur != null) r.cpu += Math.max(0, f.e.tdur - f.kidsCpu);
      by.set(f.e.name, r);
    }
  };
  for (const e of evs) {
    close(e.ts);
    const parent = stack.at(-1);
    if (parent) {
      parent.kids += e.dur;
      parent.kidsCpu += e.tdur ?? 0;
    }
    stack.push({ e, end: e.ts + e.dur, kids: 0, kidsCpu: 0 });
  }
  close(Infinity);
  console.log(`\n# main thread over the load: trace events by self CPU (count, self wall, self CPU)`);
  for (const [name, r] of [...by].sort((a, b) => b[1].cpu - a[1].cpu).slice(0, TOP_SELF))
    console.log(`   ${ms(r.cpu).padStart(8)}  ${ms(r.self).padStart(8)}  ${String(r.n).padStart(6)}×  ${name}`);
  if (!th) return;
  const scale = cpuScale(th);
  const comps = [...th.incl]
    .filter(([k]) => /^[A-Z][A-Za-z0-9]*(\$\d+)? index-/.test(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP_SELF);
  console.log('   components by inclusive samples (≈CPU):');
  for (const [k, v] of comps) console.log(`   ${ms(v * scale).padStart(8)}  ${k}`);
}

const ms = (us) => `${(us / 1000).toFixed(0)} ms`;
/** The load is cut into this many slices for the per-thread timeline (each character: how busy the thread was). */
const SLICES = 40;
const shade = (f) => ' .:-=+*#%@'[Math.min(9, Math.round(f * 9))];

/** Per thread: busy and CPU time, a timeline, what the samples were spent on. */
function printThreads(threads, t0, t1) {
  for (const th of threads) {
    console.log(
      `\n## ${th.name}: busy ${ms(th.busy)} (CPU ${ms(th.cpu)}) from +${ms(th.first - t0)} to +${ms(th.last - t0)}; sampled (non-idle) ${ms(th.sampled)}`,
    );
    const groups = [...th.groups].filter(([g]) => g !== 'idle').sort((a, b) => b[1] - a[1]);
    const w = (t1 - t0) / SLICES;
    if (th.slices.some((v) => v > 0)) console.log(`   timeline |${[...th.slices].map((v) => shade(v / w)).join('')}|`);
    // the same slices as CPU milliseconds (what the thread took from the cores in each)
    if (th.cpuSlices?.some((v) => v > 0)) console.log(`   CPU per ${ms(w)} slice: ${[...th.cpuSlices].map((v) => (v / 1000).toFixed(0)).join(' ')}`);
    console.log(`   by kind: ${groups.map(([g, v]) => `${g} ${ms(v)}`).join('; ')}`);
    const top = [...th.self]
      .filter(([k]) => !k.startsWith('(idle)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP_SELF);
    // Samples are taken on a wall clock: a thread descheduled on a loaded machine keeps being
    // sampled in the frame it was in, so each function's samples are also given scaled to the
    // thread's CPU time (its share of the samples × CPU), which is what compares across runs.
    const scale = cpuScale(th);
    console.log(`   ${'samples'.padStart(8)}  ${'≈CPU'.padStart(8)}  function`);
    for (const [k, v] of top) console.log(`   ${ms(v).padStart(8)}  ${ms(v * scale).padStart(8)}  ${k}`);
    // inclusive (self and callees): which job of the thread the time belongs to
    const incl = [...th.incl]
      .filter(([k]) => !k.startsWith('(idle)') && !k.startsWith('(program)') && !k.startsWith('(garbage'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP_SELF);
    if (incl.length) console.log(`   ${'incl.'.padStart(8)}  ${'≈CPU'.padStart(8)}  function, with its callees`);
    for (const [k, v] of incl) console.log(`   ${ms(v).padStart(8)}  ${ms(v * scale).padStart(8)}  ${k}`);
  }
}

/** Sampled (wall-clock) time → CPU time for one thread: CPU over non-idle samples. */
const cpuScale = (th) => (th.sampled > 0 ? th.cpu / th.sampled : 0);

/**
 * What the page's workers spend that the floor's do not: per kind (group()) and per function
 * (name, script without its build hash, line), each side summed
 * over its DedicatedWorker threads, in CPU time (samples scaled per thread by cpuScale), page
 * minus floor, largest difference first.
 */
function printWorkerDiff(pageThreads, floorThreads) {
  const sum = (threads, keyOf) => {
    const m = new Map();
    for (const th of threads) {
      if (!/DedicatedWorker/.test(th.name)) continue;
      const scale = cpuScale(th);
      for (const [k, v] of keyOf(th)) if (!k.startsWith('(idle)') && k !== 'idle') m.set(k, (m.get(k) ?? 0) + v * scale);
    }
    return m;
  };
  const bare = (th) => {
    const m = new Map();
    for (const [k, v] of th.self) {
      const key = k.replace(/-[\w-]{8}\.js:/, '.js:');
      m.set(key, (m.get(key) ?? 0) + v);
    }
    return m;
  };
  const table = (title, a, b, n) => {
    const keys = [...new Set([...a.keys(), ...b.keys()])]
      .map((k) => [k, (a.get(k) ?? 0) - (b.get(k) ?? 0)])
      .sort((x, y) => Math.abs(y[1]) - Math.abs(x[1]))
      .slice(0, n);
    console.log(`\n# ${title}: workers' CPU, page − floor (page, floor)`);
    for (const [k, d] of keys) console.log(`   ${`${d >= 0 ? '+' : ''}${ms(d)}`.padStart(9)}  (${ms(a.get(k) ?? 0)}, ${ms(b.get(k) ?? 0)})  ${k}`);
  };
  table(
    'by kind',
    sum(pageThreads, (th) => th.groups),
    sum(floorThreads, (th) => th.groups),
    12,
  );
  table('by function (script hash dropped)', sum(pageThreads, bare), sum(floorThreads, bare), TOP_SELF * 2);
}

/** The gunzip floor (scripts/bench/floor.html) traced: its threads, as analyse() gives them. */
async function traceFloor(b, ranges) {
  if (ranges.length === 0) return [];
  const page = await b.context.newPage();
  try {
    await page.goto(new URL('__bench/floor.html', b.url).href);
    await page.setInputFiles('#file', file);
    await b.browser.startTracing(page, { categories: TRACE_CATEGORIES });
    await page.evaluate((r) => window.gunzipFloor(r), ranges);
    const trace = JSON.parse((await b.browser.stopTracing()).toString());
    return analyse(trace, 0, Infinity);
  } finally {
    await page.close();
  }
}

/** One load of the file in the page of `br`, traced: seconds to ready, the trace and the load's window in it. */
async function traceLoad(br, save) {
  const page = await br.context.newPage();
  await page.goto(br.url);
  await page.waitForSelector('[data-state="empty"]');
  await page.evaluate(() => {
    window.__t = {};
    document.addEventListener('change', () => (window.__t.change ??= performance.now() + performance.timeOrigin), { capture: true });
    const root = document.querySelector('[data-state]');
    new MutationObserver(() => {
      if (root.getAttribute('data-state') === 'ready') window.__t.ready ??= performance.now() + performance.timeOrigin;
    }).observe(root, { attributes: true, attributeFilter: ['data-state'] });
  });
  await br.browser.startTracing(page, { categories: TRACE_CATEGORIES });
  // a clock mark in the trace: trace timestamps are monotonic microseconds, the page's are epoch ms
  await page.evaluate(() => console.timeStamp('layerscope-start'));
  await page.getByTestId('file-input').setInputFiles(file);
  await page.waitForSelector('[data-state="ready"]', { timeout: 600_000 });
  const t = await page.evaluate(() => window.__t);
  if (afterMs > 0) await page.waitForTimeout(afterMs);
  const buf = await br.browser.stopTracing();
  await page.close();
  const trace = JSON.parse(buf.toString());
  if (save) writeFileSync(save, buf);
  // Map epoch ms to trace µs through the TimeStamp mark, taken just before the drop.
  const mark = trace.traceEvents.find((e) => e.name === 'TimeStamp' && e.args?.data?.message === 'layerscope-start');
  const seconds = (t.ready - t.change) / 1000;
  let t0 = 0;
  let t1 = Infinity;
  if (mark) {
    // the mark was taken before the change event; attribute from the mark to ready
    t0 = mark.ts;
    t1 = mark.ts + (t.ready - t.change) * 1000 + 50_000;
  }
  const main = mark ? `${mark.pid}:${mark.tid}` : null;
  // Long tasks while loading: those that start before ready (a task straddling ready was
  // part of getting there); with --after, those starting in the watch after it, apart.
  const readyUs = mark ? t1 - 50_000 : Infinity;
  const loading = main ? longTasks(trace, main, t0, readyUs) : [];
  const after = main && afterMs > 0 ? longTasks(trace, main, readyUs, readyUs + afterMs * 1000) : [];
  return { seconds, trace, t0, t1, loading, after, main };
}

if (unminified) {
  const { build } = await import('vite');
  if (!args.includes('--no-build')) await build({ root, logLevel: 'warn', build: { minify: false, outDir: 'dist-profile', emptyOutDir: true } });
}
const b = await openBrowser(root, unminified ? 'dist-profile' : undefined);
try {
  const blob = await (await import('node:fs')).openAsBlob(file);
  const { info, outer } = await openArchive(blob);
  const image = selectImage(info, {});
  const ranges = [];
  for (const ref of image.layers) {
    const head = new Uint8Array(await blobOf(outer, ref.blob).slice(0, 8).arrayBuffer());
    if (sniffCompression(head) === 'gzip') ranges.push({ offset: ref.blob.offset, size: ref.blob.size });
  }
  console.log(
    `load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  if (!contentsOnly) {
    const floor = await measureFloors(b, file, ranges);
    // The gunzip floor once more, traced: the CPU each of its threads used is what the
    // page's CPU is compared with (on a loaded machine wall times mostly measure the load).
    const floorThreads = await traceFloor(b, ranges);
    const { seconds, trace, t0, t1, loading, after, main } = await traceLoad(b, out);
    console.log(
      `page: ${seconds.toFixed(2)} s change→ready; gunzip floor ${floor.gunzip?.toFixed(2)} s (largest blob ${floor.largest?.toFixed(2)} s): ${(seconds / floor.gunzip).toFixed(2)}×`,
    );
    const pageThreads = analyse(trace, t0, t1);
    const cpuOf = (threads) => threads.reduce((n, th) => n + th.cpu, 0);
    const byName = (threads) =>
      [...threads.reduce((m, th) => m.set(th.name, (m.get(th.name) ?? 0) + th.cpu), new Map())]
        .sort((x, y) => y[1] - x[1])
        .map(([n, v]) => `${n} ${ms(v)}`)
        .join('; ');
    console.log(`CPU (thread time, all threads): page ${ms(cpuOf(pageThreads))}, floor ${ms(cpuOf(floorThreads))}`);
    console.log(`   page by thread: ${byName(pageThreads)}`);
    console.log(`   floor by thread: ${byName(floorThreads)}`);
    if (beforeDist) {
      const bb = await openBrowser(root, beforeDist);
      try {
        const before = await traceLoad(bb, null);
        const beforeThreads = analyse(before.trace, before.t0, before.t1);
        console.log(
          `before (${beforeDist}): ${before.seconds.toFixed(2)} s change→ready; CPU ${ms(cpuOf(beforeThreads))} (after/before ${(cpuOf(pageThreads) / cpuOf(beforeThreads)).toFixed(2)}×); load average ${loadavg()[0].toFixed(2)}`,
        );
        console.log(`   before by thread: ${byName(beforeThreads)}`);
        const worst = (l) => `${ms(Math.max(0, ...l.map((t) => t.dur)))} wall / ${ms(Math.max(0, ...l.map((t) => t.cpu ?? 0)))} CPU`;
        console.log(`   longest main-thread task while loading: after ${worst(loading)}, before ${worst(before.loading)}`);
        if (afterMs > 0) console.log(`   longest in the ${afterMs} ms after ready: after ${worst(after)}, before ${worst(before.after)}`);
        printLongTasks('before: while loading', before.loading, before.t0);
        if (afterMs > 0) printLongTasks(`before: ${afterMs} ms after ready`, before.after, before.t0);
      } finally {
        await bb.close();
      }
    }
    printThreads(pageThreads, t0, t1);
    console.log('\n# the gunzip floor (traced once)');
    printThreads(floorThreads, Math.min(...floorThreads.map((t) => t.first)), Math.max(...floorThreads.map((t) => t.last)));
    printWorkerDiff(pageThreads, floorThreads);
    if (main)
      printMainBreakdown(
        trace,
        main,
        pageThreads.find((t) => t.key === main),
        t0,
        t1,
      );
    printLongTasks('while loading', loading, t0);
    if (afterMs > 0) printLongTasks(`${afterMs} ms after ready`, after, t0);
  }
  if (contents > 0) {
    // The same file load again, kept open; then N previews, traced together, analysed
    // over the click → preview windows only (marks from bench-browser's previewLatency).
    const { openImage, FileHandleBlob, inProcessScanner, nodeCodecs } = await import(resolve(root, 'dist-cli/layerscope.mjs'));
    const h = FileHandleBlob.open(file);
    const loaded = await openImage(h, { verify: false, scanner: inProcessScanner(2, nodeCodecs) });
    h.close();
    const files = chooseFiles(loaded.layers, { random: contents, tail: 0 }).random;
    const cpage = await b.context.newPage();
    await cpage.addInitScript(recordReads);
    await cpage.goto(b.url);
    await cpage.waitForSelector('[data-state="empty"]');
    await cpage.evaluate(() => {
      window.__t = {};
      const root = document.querySelector('[data-state]');
      new MutationObserver(() => {
        if (root.getAttribute('data-state') === 'ready') window.__t.ready ??= performance.now();
      }).observe(root, { attributes: true, attributeFilter: ['data-state'] });
    });
    await cpage.getByTestId('file-input').setInputFiles(file);
    await cpage.waitForSelector('[data-state="ready"]', { timeout: 600_000 });
    await waitVerified(cpage);
    await b.browser.startTracing(cpage, { categories: TRACE_CATEGORIES });
    const took = [];
    // Per click: every worker read it caused (posted how long after the click, how long it
    // took, reply → preview shown), the data path apart from the rest.
    const phases = [];
    for (const f of files) {
      const t = await previewLatency(cpage, f.layer, f.path);
      took.push(t.ms);
      const reads = await cpage.evaluate(() =>
        window.__reads
          .filter((r) => r.at >= window.__clickAt)
          .map((r) => ({ posted: r.at - window.__clickAt, ms: r.ms, end: r.at + r.ms - window.__clickAt, ok: r.ok })),
      );
      phases.push({ f, ms: t.ms, reads });
    }
    const ctrace = JSON.parse((await b.browser.stopTracing()).toString());
    await cpage.close();
    const marks = ctrace.traceEvents.filter((e) => e.name === 'TimeStamp' && /^preview-(click|shown)$/.test(e.args?.data?.message)).sort((x, y) => x.ts - y.ts);
    const windows = [];
    for (let k = 0; k + 1 < marks.length; k++)
      if (marks[k].args.data.message === 'preview-click' && marks[k + 1].args.data.message === 'preview-shown') windows.push([marks[k].ts, marks[k + 1].ts]);
    // Sum each thread's figures over the windows.
    const sum = new Map();
    for (const [a, z] of windows) {
      for (const th of analyse(ctrace, a, z)) {
        const acc = sum.get(th.name) ?? {
          ...th,
          busy: 0,
          cpu: 0,
          sampled: 0,
          first: 0,
          last: 0,
          self: new Map(),
          incl: new Map(),
          groups: new Map(),
          slices: new Float64Array(SLICES),
        };
        acc.busy += th.busy;
        acc.cpu += th.cpu;
        acc.sampled += th.sampled;
        for (const [k, v] of th.self) acc.self.set(k, (acc.self.get(k) ?? 0) + v);
        for (const [k, v] of th.incl) acc.incl.set(k, (acc.incl.get(k) ?? 0) + v);
        for (const [k, v] of th.groups) acc.groups.set(k, (acc.groups.get(k) ?? 0) + v);
        sum.set(th.name, acc);
      }
    }
    const sorted = took.slice().sort((x, y) => x - y);
    const total = windows.reduce((n, [a, z]) => n + (z - a), 0);
    console.log(
      `\n# contents: ${windows.length} click → preview windows, ${ms(total)} in all; p50 ${sorted[sorted.length >> 1]?.toFixed(0)} ms, worst ${sorted.at(-1)?.toFixed(0)} ms; load average ${loadavg()[0].toFixed(2)}`,
    );
    for (const { f, ms: t, reads } of phases) {
      const what = reads.map((r) => `+${r.posted.toFixed(0)}→+${r.end.toFixed(0)} (${r.ms.toFixed(0)} ms${r.ok ? '' : ', failed'})`).join(', ');
      console.log(`   ${t.toFixed(0).padStart(5)} ms  layer ${f.layer} @${(f.offset / 2 ** 20).toFixed(1)} MiB ${f.size} B ${f.path}: reads ${what || 'none'}`);
    }
    const n = phases.length || 1;
    const postedFirst = phases.map((p) => p.reads[0]?.posted ?? NaN).filter(Number.isFinite);
    const readMs = phases.map((p) => p.reads.at(-1)?.ms ?? NaN).filter(Number.isFinite);
    const afterLast = phases.map((p) => p.ms - Math.max(0, ...p.reads.map((r) => r.end))).filter(Number.isFinite);
    const mean = (a) => (a.length ? a.reduce((x, y) => x + y, 0) / a.length : NaN).toFixed(1);
    console.log(
      `   per click (mean): click → first read posted ${mean(postedFirst)} ms; reads per click ${(phases.reduce((k, p) => k + p.reads.length, 0) / n).toFixed(2)}; last read ${mean(readMs)} ms; last reply → shown ${mean(afterLast)} ms`,
    );
    printThreads(
      [...sum.values()].sort((x, y) => y.busy - x.busy),
      0,
      total,
    );
  }
} finally {
  await b.close();
}
