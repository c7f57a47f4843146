/**
 * The built `layerscope` command as a child process, for bounds that only a
 * separate process can show: its peak resident memory (getrusage, reported by
 * report-rss.cjs on exit), how large its temporary directory grew (polled), its
 * wall time. Builds the bundle first when it is missing or older than its sources
 * (as cli.test.ts does), so `npm run test:unit` works from a fresh clone.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');
export const BIN = join(ROOT, 'bin/layerscope.mjs');
const BUNDLE = join(ROOT, 'dist-cli/layerscope.mjs');

function newestSource(): number {
  let newest = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ts$/.test(e.name) && !/\.test\.ts$/.test(e.name)) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  walk(join(ROOT, 'src/cli'));
  walk(join(ROOT, 'src/core'));
  return newest;
}

/** `npm run build:cli` when the bundle is missing or stale. */
export function ensureCliBuilt(): void {
  if (!existsSync(BUNDLE) || statSync(BUNDLE).mtimeMs < newestSource()) {
    execFileSync('npx', ['vite', 'build', '--config', 'vite.cli.config.ts'], { cwd: ROOT, stdio: 'ignore' });
  }
}

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Peak resident set size of the command, bytes. */
  peakRss: number;
  /** Largest total size of the files in its TMPDIR seen while it ran, bytes. */
  tmpPeak: number;
  /** Files left in its TMPDIR when it exited. */
  tmpLeft: number;
  seconds: number;
}

function dirBytes(dir: string): number {
  let n = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      try {
        if (e.isDirectory()) walk(p);
        else n += statSync(p).size;
      } catch {
        // removed meanwhile
      }
    }
  };
  try {
    walk(dir);
  } catch {
    // gone
  }
  return n;
}

function countFiles(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? 1 + countFiles(join(dir, e.name)) : 1;
  return n;
}

/** Run `layerscope ARGV` with a TMPDIR of its own; stdout/stderr kept up to 1 MB each. */
export async function runBuiltCli(argv: string[], opts: { timeoutMs?: number } = {}): Promise<CliRun> {
  const work = mkdtempSync(join(tmpdir(), 'layerscope-child-'));
  const tdir = join(work, 'tmp');
  execFileSync('mkdir', [tdir]);
  const rssFile = join(work, 'rss');
  const t0 = performance.now();
  const child = spawn(process.execPath, ['-r', join(__dirname, 'report-rss.cjs'), BIN, ...argv], {
    cwd: ROOT,
    env: { ...process.env, TMPDIR: tdir, LAYERSCOPE_TEST_RSS_FILE: rssFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    if (stdout.length < 1e6) stdout += d;
  });
  child.stderr.on('data', (d) => {
    if (stderr.length < 1e6) stderr += d;
  });
  let tmpPeak = 0;
  const poll = setInterval(() => {
    tmpPeak = Math.max(tmpPeak, dirBytes(tdir));
  }, 20);
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
  const status = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  clearInterval(poll);
  clearTimeout(timer);
  const seconds = (performance.now() - t0) / 1000;
  const tmpLeft = countFiles(tdir);
  const peakRss = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) : NaN;
  rmSync(work, { recursive: true, force: true });
  return { status, stdout, stderr, peakRss, tmpPeak, tmpLeft, seconds };
}
