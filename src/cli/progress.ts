/**
 * Progress on stderr, only when stderr is a terminal (never into the output, never
 * into a CI log): one line redrawn in place with carriage return + erase-line.
 */
import type { LayerState } from '../core/session';
import type { Io } from './io';
import { formatBytes } from '../core/formatBytes';

/** Redraws at most this often: a terminal needs no more, and each write is a syscall. */
export const PROGRESS_REDRAW_MS = 100;

const ERASE_LINE = '\r\x1b[K';

/** One status line, redrawn in place. */
export class TtyLine {
  private last = 0;
  private drawn = false;
  constructor(private io: Io) {}
  /** `text` is ours (figures and fixed words); callers escape any name from an image. */
  draw(text: string, force = false) {
    const now = Date.now();
    if (!force && now - this.last < PROGRESS_REDRAW_MS) return;
    this.last = now;
    this.drawn = true;
    this.io.err(`${ERASE_LINE}${text}`);
  }
  clear() {
    if (this.drawn) this.io.err(ERASE_LINE);
    this.drawn = false;
  }
}

/** Layers indexed so far and bytes read, while an image is opened. */
export class LayerProgress {
  private states: LayerState[] = [];
  private read: number[] = [];
  private total: number[] = [];
  private line: TtyLine;
  constructor(io: Io) {
    this.line = new TtyLine(io);
  }
  start(n: number) {
    this.states = new Array(n).fill('waiting');
    this.read = new Array(n).fill(0);
    this.total = new Array(n).fill(0);
  }
  state(i: number, s: LayerState) {
    this.states[i] = s;
    this.draw();
  }
  progress(i: number, r: number, t: number) {
    this.read[i] = r;
    this.total[i] = t;
    this.draw();
  }
  private draw() {
    const done = this.states.filter((s) => s === 'indexed' || s === 'failed').length;
    const r = this.read.reduce((a, b) => a + b, 0);
    const t = this.total.reduce((a, b) => a + b, 0);
    this.line.draw(`indexing layers ${done}/${this.states.length}  ${formatBytes(r)}${t ? ` / ${formatBytes(t)}` : ''}`);
  }
  done() {
    this.line.clear();
  }
}
