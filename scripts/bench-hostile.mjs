#!/usr/bin/env node
// Hostile images (issue 9, points 1-7): memory and time of the command line (a
// child process, peak RSS from /proc) and of the page (headless Chromium:
// peak RSS of the renderer processes, which hold the page and its workers, and of
// the browser process, which holds Blob storage), on archives made by
// test/helpers/hostile.mjs. Nothing asserts: it prints figures (the unit tests
// hold the bounds). Linux only (/proc).
//
//   node scripts/bench-hostile.mjs [--dist DIR] [--cases 1,2,3,4,5,6,7] [--scale small|full] [--no-page] [--no-cli]
//
// --dist: a directory holding a build (dist/, dist-cli/, bin/), e.g. a copy of
// an older build, to measure "before" figures with the same inputs. Times are
// printed with a same-run baseline (GNU tar, zcat, zstd on the same bytes) so
// they can be compared as ratios on a busy machine.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { chromiumLaunchOptions } from './browser.mjs';
import * as H from '../test/helpers/hostile.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const dist = resolve(opt('dist', root));
const cases = new Set((opt('cases', '1,2,3,4,5,6,7') ?? '').split(',').map(Number));
const full = opt('scale', 'small') === 'full';
/** --gib N: the size of the zero-filled inputs of cases 1–3 (overrides the scale). */
const gibOpt = opt('gib', null);
const sizes = (small, big) => (gibOpt ? [Number(gibOpt)] : full ? big : small);
const noPage = argv.includes('--no-page');
const noCli = argv.includes('--no-cli');
/** Stop a measurement that runs away (the "before" builds can take minutes or all memory). */
const CAP_SECONDS = Number(opt('cap', '120'));
/** Kill a child whose RSS passes this (the machine is shared). */
const CAP_RSS = Number(opt('cap-rss-gb', '8')) * 1e9;

const tmp = mkdtempSync(join(tmpdir(), 'ls-hostile-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const MB = 1e6;
const fmtMB = (b) => `${(b / MB).toFixed(0)} MB`;

function rssOf(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+) kB/.exec(s);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
function hwmOf(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
function childrenOf(pid) {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(d));
    } catch {}
  }
  return out;
}
function descendants(pid) {
  const all = [];
  const todo = [pid];
  while (todo.length) {
    const p = todo.pop();
    for (const c of childrenOf(p)) {
      all.push(c);
      todo.push(c);
    }
  }
  return all;
}
const cmdline = (pid) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
};
function dirBytes(dir) {
  let n = 0;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      try {
        if (e.isDirectory()) walk(p);
        else n += statSync(p).size;
      } catch {}
    }
  };
  try {
    walk(dir);
  } catch {}
  return n;
}

/** The CLI of `dist` as a child: seconds, peak RSS, exit code, the largest size its TMPDIR reached. */
async function runCli(args) {
  const tdir = mkdtempSync(join(tmp, 'cli-tmp-'));
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(dist, 'bin/layerscope.mjs'), ...args], {
    env: { ...process.env, TMPDIR: tdir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => {
    if (out.length < 4096) out += d;
  });
  child.stderr.on('data', (d) => {
    if (err.length < 4096) err += d;
  });
  let peak = 0;
  let tmpPeak = 0;
  let killed = '';
  const timer = setInterval(() => {
    peak = Math.max(peak, hwmOf(child.pid));
    tmpPeak = Math.max(tmpPeak, dirBytes(tdir));
    const s = (performance.now() - t0) / 1000;
    if (peak > CAP_RSS && !killed) {
      killed = `killed at ${fmtMB(peak)} RSS`;
      child.kill('SIGKILL');
    } else if (s > CAP_SECONDS && !killed) {
      killed = `killed after ${CAP_SECONDS} s`;
      child.kill('SIGKILL');
    }
  }, 50);
  const code = await new Promise((r) => child.on('exit', (c) => r(c)));
  clearInterval(timer);
  return { seconds: (performance.now() - t0) / 1000, peakRss: peak, code, killed, tmpPeak, err: err.trim().split('\n').pop() ?? '' };
}

/** Wall time of a shell pipeline (the same-run baseline). */
function timeShell(cmd) {
  const t0 = performance.now();
  spawnSync('bash', ['-c', cmd], { stdio: 'ignore' });
  return (performance.now() - t0) / 1000;
}

let browser = null;
let server = null;
async function page() {
  if (!browser) {
    const { preview } = await import('vite');
    server = await preview({ root, build: { outDir: join(dist, 'dist') }, preview: { port: 0, host: '127.0.0.1' }, logLevel: 'silent' });
    browser = await chromium.launch({ ...chromiumLaunchOptions(), args: [...chromiumLaunchOptions().args, '--enable-precise-memory-info'] });
  }
  const p = await browser.newPage();
  // Downloads go through showSaveFilePicker where Chromium has it, which cannot be driven
  // headless: case 4 measures the browser's own download (the path of browsers without it).
  await p.addInitScript(() => Object.defineProperty(window, 'showSaveFilePicker', { value: undefined, configurable: true }));
  return p;
}
const browserPid = () => childrenOf(process.pid).find((p) => cmdline(p).includes('chromium')) ?? -1;

/**
 * Open `file` in the page and wait for ready or error (or `until`), sampling the
 * RSS of the renderers (page + workers) and of the browser process (Blob
 * storage), and how late a 50 ms timer in the page fires (responsiveness).
 */
async function runPage(file, { until, after } = {}) {
  const p = await page();
  await p.goto(server.resolvedUrls.local[0]);
  await p.waitForSelector('[data-state="empty"]');
  const bpid = browserPid();
  await p.evaluate(() => {
    window.__lag = 0;
    let last = performance.now();
    setInterval(() => {
      const now = performance.now();
      window.__lag = Math.max(window.__lag, now - last - 50);
      last = now;
    }, 50);
  });
  let rendererPeak = 0;
  let browserPeak = 0;
  const sample = () => {
    const ds = descendants(bpid);
    const renderers = ds.filter((d) => cmdline(d).includes('--type=renderer'));
    rendererPeak = Math.max(
      rendererPeak,
      renderers.reduce((n, d) => n + rssOf(d), 0),
    );
    browserPeak = Math.max(browserPeak, rssOf(bpid));
    return rendererPeak;
  };
  const t0 = performance.now();
  let killed = '';
  const timer = setInterval(() => {
    if ((sample() > CAP_RSS || browserPeak > CAP_RSS) && !killed) {
      killed = `killed at ${fmtMB(rendererPeak)} renderer / ${fmtMB(browserPeak)} browser RSS`;
      // the renderers of the browser this script started (the machine is shared)
      for (const d of descendants(bpid)) if (cmdline(d).includes('--type=renderer')) process.kill(d, 'SIGKILL');
    }
  }, 100);
  await p.getByTestId('file-input').setInputFiles(file);
  let state = 'timeout';
  const deadline = t0 + CAP_SECONDS * 1000;
  while (performance.now() < deadline && !killed) {
    try {
      state = await p.evaluate(() => document.querySelector('[data-state]')?.getAttribute('data-state') ?? '', undefined);
    } catch {
      state = 'crashed';
      break;
    }
    if (state === 'ready' || state === 'error') break;
    if (until && (await until(p))) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const seconds = (performance.now() - t0) / 1000;
  let extra = null;
  if (after && state === 'ready' && !killed) {
    const t1 = performance.now();
    extra = await after(p, sample);
    extra.seconds = (performance.now() - t1) / 1000;
  }
  clearInterval(timer);
  let lag = NaN;
  let message = '';
  try {
    lag = await Promise.race([p.evaluate(() => window.__lag), new Promise((r) => setTimeout(() => r(NaN), 5000))]);
    message = await Promise.race([
      p.evaluate(() => document.querySelector('[role="alert"]')?.textContent ?? ''),
      new Promise((r) => setTimeout(() => r(''), 2000)),
    ]);
  } catch {}
  await p.close().catch(() => {});
  if (killed) state = killed;
  else if (state !== 'ready' && state !== 'error' && seconds >= CAP_SECONDS) state = `not done after ${CAP_SECONDS} s`;
  return { seconds, state, rendererPeak, browserPeak, lag, message: message.slice(0, 200), extra };
}

function report(name, r) {
  const parts = Object.entries(r)
    .filter(([, v]) => v !== '' && v !== null && v !== undefined)
    .map(
      ([k, v]) =>
        `${k}=${typeof v === 'number' ? (k.toLowerCase().includes('rss') || k.includes('Peak') ? fmtMB(v) : v.toFixed(2)) : typeof v === 'object' ? JSON.stringify(v) : v}`,
    );
  console.log(`  ${name}: ${parts.join('  ')}`);
}

console.log(`build: ${dist}  scale: ${full ? 'full' : 'small'}  cap: ${CAP_SECONDS} s, ${fmtMB(CAP_RSS)}\n`);

if (cases.has(1)) {
  console.log('1. zstd layer of zeros (RLE blocks), docker save; `inspect --no-verify` / page');
  for (const gib of sizes([1, 4], [4, 32])) {
    const f = join(tmp, `zstd-${gib}g.tar`);
    const layer = H.zstdZeroTar(gib * H.GiB);
    writeFileSync(f, H.dockerSave({ layers: [{ name: 'l/layer.tar', data: layer, diffId: 'sha256:' + '0'.repeat(64) }] }));
    const zf = join(tmp, 'l.zst');
    writeFileSync(zf, layer);
    const base = timeShell(`zstd -dc ${zf} | tar -t >/dev/null`);
    console.log(`  ${gib} GiB of zeros in ${fmtMB(statSync(f).size)}; baseline zstd -dc | tar -t: ${base.toFixed(2)} s`);
    if (!noCli) report('cli', { ...(await runCli(['inspect', '--no-verify', f])), ratio: NaN });
    if (!noPage) report('page', await runPage(f));
  }
  const wf = join(tmp, 'zstd-window.tar');
  writeFileSync(wf, H.dockerSave({ layers: [{ name: 'l/layer.tar', data: H.zstdZeroTar(H.MiB, { windowLog: 31 }), diffId: 'sha256:' + '0'.repeat(64) }] }));
  if (!noCli) report('cli, window 2^31 declared', await runCli(['inspect', '--no-verify', wf]));
}

if (cases.has(2)) {
  console.log('2. gzipped archive (.tar.gz) whose one entry is zeros');
  for (const gib of sizes([2], [10])) {
    const f = join(tmp, `bomb-${gib}g.tar.gz`);
    H.writeGzippedArchiveWithZeroEntry(f, gib * H.GiB);
    const base = timeShell(`zcat ${f} | tar -t >/dev/null`);
    console.log(`  ${gib} GiB in ${fmtMB(statSync(f).size)}; baseline zcat | tar -t: ${base.toFixed(2)} s`);
    if (!noCli) report('cli', await runCli(['ls', f]));
    if (!noPage) report('page', await runPage(f));
  }
}

if (cases.has(3)) {
  console.log('3. gzip layer holding one file of zeros; `ls` / page');
  for (const gib of sizes([2], [10])) {
    const f = join(tmp, `gzlayer-${gib}g.tar`);
    const layer = H.gzipZeroTar(gib * H.GiB);
    writeFileSync(f, H.dockerSave({ layers: [{ name: 'l/layer.tar', data: layer, diffId: 'sha256:' + '0'.repeat(64) }] }));
    const lf = join(tmp, 'l.gz');
    writeFileSync(lf, layer);
    const base = timeShell(`zcat ${lf} | tar -t >/dev/null`);
    console.log(`  ${gib} GiB of zeros in ${fmtMB(statSync(f).size)}; baseline zcat | tar -t: ${base.toFixed(2)} s`);
    let cli = null;
    if (!noCli) {
      cli = await runCli(['ls', f]);
      report('cli', cli);
    }
    if (!noPage) {
      const pg = await runPage(f);
      report('page', { ...pg, vsCli: cli ? pg.seconds / cli.seconds : NaN });
    }
  }
}

if (cases.has(4) && !noPage) {
  console.log('4. download of a large file from the page');
  for (const gib of full ? [2] : [0.5]) {
    const f = join(tmp, `bigfile-${gib}g.tar`);
    const bytes = Math.round(gib * H.GiB);
    H.writeSparseArchiveWithBigFile(f, bytes);
    const r = await runPage(f, {
      after: async (p, sample) => {
        await p.getByTestId('search').fill('model.bin');
        await p.locator('[data-testid="tree-row"][data-path="/model.bin"]').click();
        const t0 = performance.now();
        try {
          const [dl] = await Promise.all([p.waitForEvent('download', { timeout: CAP_SECONDS * 1000 }), p.getByTestId('download').click()]);
          const path = await dl.path();
          sample();
          return { ok: true, downloadedBytes: statSync(path).size, downloadSeconds: (performance.now() - t0) / 1000 };
        } catch (e) {
          return { ok: false, error: String(e).slice(0, 120) };
        }
      },
    });
    report(`page, ${gib} GiB file`, r);
  }
}

if (cases.has(5)) {
  console.log('5. one manifest listing many images sharing a layer');
  for (const n of full ? [20000] : [5000, 20000]) {
    const f = join(tmp, `many-${n}.tar`);
    writeFileSync(f, H.manyImages(n));
    console.log(`  ${n} images in ${fmtMB(statSync(f).size)}`);
    if (!noCli) report('cli', await runCli(['inspect', '--no-verify', f]));
    if (!noPage) report('page', await runPage(f));
  }
}

if (cases.has(6)) {
  console.log('6. one layer listed many times');
  for (const n of full ? [10000] : [2000, 10000]) {
    const f = join(tmp, `repeat-${n}.tar`);
    writeFileSync(f, H.oneLayerManyTimes(n));
    console.log(`  ${n} mentions, ${fmtMB(statSync(f).size)}`);
    if (!noCli) report('cli', await runCli(['inspect', '--no-verify', f]));
    if (!noPage) report('page', await runPage(f));
  }
}

if (cases.has(7) && !noPage) {
  console.log('7. a crafted regex search in the URL: #q=(.%2B)%2B%23&mode=regex');
  const f = join(tmp, 'names.tar');
  // names long enough for catastrophic backtracking: 40 'a's, no '#'
  writeFileSync(
    f,
    H.dockerSave({ layers: [{ name: 'l/layer.tar', data: H.tarOf(Array.from({ length: 50 }, (_, i) => ({ name: `${'a'.repeat(30 + (i % 10))}${i}` }))) }] }),
  );
  const p = await page();
  await p.goto(`${server.resolvedUrls.local[0]}#q=(.%2B)%2B%23&mode=regex`);
  await p.waitForSelector('[data-state="empty"]');
  const t0 = performance.now();
  await p.getByTestId('file-input').setInputFiles(f);
  // the page is responsive when an evaluate comes back
  let answered = false;
  const probe = async () => {
    while (performance.now() - t0 < CAP_SECONDS * 1000) {
      const ok = await Promise.race([
        p.evaluate(() => document.querySelector('[data-state]')?.getAttribute('data-state')),
        new Promise((r) => setTimeout(() => r(null), 1000)),
      ]);
      if (ok === 'ready') {
        answered = true;
        return;
      }
    }
  };
  await probe();
  const seconds = (performance.now() - t0) / 1000;
  let note = '';
  try {
    note = await Promise.race([
      p.evaluate(() => document.querySelector('[data-testid="search-status"], .ft-search-note, [data-testid="search-error"]')?.textContent ?? ''),
      new Promise((r) => setTimeout(() => r(''), 2000)),
    ]);
  } catch {}
  report('page', { seconds, answered: String(answered), note });
  await p.close().catch(() => {});
}

if (browser) await browser.close();
if (server) await new Promise((r) => server.httpServer.close(r));
