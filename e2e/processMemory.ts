/**
 * Memory of the browser this test runs, read from /proc (Linux): the RSS of its
 * renderer processes (the page and its workers live there) and of the browser
 * process (Chromium keeps Blob data there). Sampled while a test drives the page,
 * so a bound "at every moment" can be checked. Only processes started by this
 * test worker are counted (other engineers' browsers are not).
 */
import { readdirSync, readFileSync } from 'node:fs';

function ppidOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return -1;
  }
}

function rss(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
};

/** Descendants of this process that are Chromium renderers, and the browser processes. */
function browserProcesses(): { renderers: number[]; browsers: number[] } {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const pid = Number(d);
    const pp = ppidOf(pid);
    if (pp < 0) continue;
    const list = children.get(pp) ?? [];
    list.push(pid);
    children.set(pp, list);
  }
  const renderers: number[] = [];
  const browsers: number[] = [];
  const todo = [process.pid];
  while (todo.length) {
    const p = todo.pop()!;
    for (const c of children.get(p) ?? []) {
      const cmd = cmdline(c);
      if (cmd.includes('--type=renderer')) renderers.push(c);
      else if (/chrom/i.test(cmd) && !cmd.includes('--type=')) browsers.push(c);
      todo.push(c);
    }
  }
  return { renderers, browsers };
}

export const canSampleMemory = process.platform === 'linux';

export interface MemoryPeaks {
  /** Largest sum of the renderers' RSS seen (bytes). */
  renderer: number;
  /** Largest RSS of the browser process seen (bytes). */
  browser: number;
}

/** Sample every `ms` until stop() is called; stop() returns the peaks. */
export function sampleMemory(ms = 100): { stop(): MemoryPeaks; peaks: MemoryPeaks } {
  const peaks: MemoryPeaks = { renderer: 0, browser: 0 };
  const tick = () => {
    const { renderers, browsers } = browserProcesses();
    peaks.renderer = Math.max(
      peaks.renderer,
      renderers.reduce((n, p) => n + rss(p), 0),
    );
    peaks.browser = Math.max(peaks.browser, ...browsers.map(rss), 0);
  };
  tick();
  const t = setInterval(tick, ms);
  return {
    peaks,
    stop() {
      clearInterval(t);
      tick();
      return peaks;
    },
  };
}
