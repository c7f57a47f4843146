/**
 * Content diffs of two versions of a file, as rows the page renders: a line diff
 * (unified or side by side) with word-level highlights inside changed lines, and
 * for binary files a side-by-side hex dump marking the bytes that differ.
 *
 * The line and word diffs are jsdiff's (`diff` on npm: Myers' O(ND) algorithm,
 * the same as GNU diff's default, well kept and typed) rather than hand-written.
 * Two texts that share little make O(ND) expensive, so the diff has a time bound
 * (jsdiff `timeout`), after which it says "too different to diff line by line".
 * It is synchronous: the page runs it in a worker (src/worker/diff.worker.ts), so
 * even that bound never blocks the page. (jsdiff's asynchronous mode yields with
 * a timer per edit step, which browsers clamp to 4 ms: seconds for a few hundred
 * changed lines, measured.)
 */
import { diffArrays, diffWordsWithSpace } from 'diff';

/** Lines of context around each change (GNU diff -u's default). */
export const DIFF_CONTEXT_LINES = 3;
/** jsdiff gives up after this long (ms); the page then shows both versions without a line diff. */
export const LINE_DIFF_TIMEOUT_MS = 5000;
/** Word-level highlights only within changed lines up to this length (longer ones are highlighted whole): a word diff is O(ND) too. */
export const WORD_DIFF_MAX_LINE = 2000;
/** Word highlights whose changed share is above this are dropped (the line is simply different; highlighting every word is noise). */
export const WORD_DIFF_MAX_CHANGED = 0.6;

export interface Span {
  text: string;
  /** Part of what differs between the two lines. */
  changed: boolean;
}

export interface LineRef {
  /** 1-based line number in its version. */
  no: number;
  text: string;
  /** Word-level highlights, for a line paired with one of the other version; null otherwise. */
  spans: Span[] | null;
}

/** A row of the side-by-side view; the unified view lists a run's `a` lines, then its `b` lines. */
export interface DiffRow {
  type: 'context' | 'change' | 'del' | 'add';
  a: LineRef | null;
  b: LineRef | null;
}

export interface Hunk {
  /** First line of the hunk in each version (1-based) and how many lines of each it covers (as a unified diff header says). */
  aStart: number;
  aLines: number;
  bStart: number;
  bLines: number;
  rows: DiffRow[];
}

export interface TextDiff {
  hunks: Hunk[];
  /** Lines only in A / only in B. */
  removed: number;
  added: number;
  /** The line diff gave up (LINE_DIFF_TIMEOUT_MS): no hunks. */
  tooComplex: boolean;
  /** One version has no newline after its last line (diff's "\ No newline at end of file"). */
  noNewlineA: boolean;
  noNewlineB: boolean;
}

/** Lines of a text, without their terminators; a final newline ends the last line rather than starting an empty one. */
export function splitLines(s: string): string[] {
  if (s === '') return [];
  const lines = s.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Word-level spans of two paired lines (null when the lines are too long or too different to be worth it). */
export function wordSpans(a: string, b: string): { a: Span[]; b: Span[] } | null {
  if (a.length > WORD_DIFF_MAX_LINE || b.length > WORD_DIFF_MAX_LINE) return null;
  const parts = diffWordsWithSpace(a, b);
  const sa: Span[] = [];
  const sb: Span[] = [];
  let changed = 0;
  for (const p of parts) {
    if (p.added) {
      sb.push({ text: p.value, changed: true });
      changed += p.value.length;
    } else if (p.removed) {
      sa.push({ text: p.value, changed: true });
      changed += p.value.length;
    } else {
      sa.push({ text: p.value, changed: false });
      sb.push({ text: p.value, changed: false });
    }
  }
  if (changed > WORD_DIFF_MAX_CHANGED * (a.length + b.length)) return null;
  return { a: sa, b: sb };
}

type Op = { t: ' ' | '-' | '+'; text: string };

/** The line diff of two texts, in hunks with DIFF_CONTEXT_LINES of context, changed lines paired and word-highlighted. */
export function textDiff(a: string, b: string, context = DIFF_CONTEXT_LINES): TextDiff {
  const noNewlineA = a !== '' && !a.endsWith('\n');
  const noNewlineB = b !== '' && !b.endsWith('\n');
  const la = splitLines(a);
  const lb = splitLines(b);
  // Lines as integer ids, diffed with jsdiff's diffArrays: the same Myers diff as its
  // diffLines, ~7× faster here (no re-tokenising, integer equality).
  const ids = new Map<string, number>();
  const intern = (line: string) => {
    let id = ids.get(line);
    if (id === undefined) {
      id = ids.size;
      ids.set(line, id);
    }
    return id;
  };
  const changes = diffArrays(la.map(intern), lb.map(intern), { timeout: LINE_DIFF_TIMEOUT_MS });
  if (!changes) return { hunks: [], removed: 0, added: 0, tooComplex: true, noNewlineA, noNewlineB };
  const ops: Op[] = [];
  let added = 0;
  let removed = 0;
  let ia = 0;
  let ib = 0;
  for (const c of changes) {
    const n = c.value.length;
    if (c.added) {
      for (let k = 0; k < n; k++) ops.push({ t: '+', text: lb[ib++]! });
      added += n;
    } else if (c.removed) {
      for (let k = 0; k < n; k++) ops.push({ t: '-', text: la[ia++]! });
      removed += n;
    } else {
      for (let k = 0; k < n; k++) ops.push({ t: ' ', text: lb[ib++]! });
      ia += n;
    }
  }
  return { hunks: toHunks(ops, context), removed, added, tooComplex: false, noNewlineA, noNewlineB };
}

function toHunks(ops: Op[], context: number): Hunk[] {
  // line numbers of each op in both versions
  const noA = new Int32Array(ops.length);
  const noB = new Int32Array(ops.length);
  let la = 0;
  let lb = 0;
  for (let i = 0; i < ops.length; i++) {
    const t = ops[i]!.t;
    if (t !== '+') la++;
    if (t !== '-') lb++;
    noA[i] = la;
    noB[i] = lb;
  }
  const hunks: Hunk[] = [];
  let i = 0;
  while (i < ops.length) {
    while (i < ops.length && ops[i]!.t === ' ') i++;
    if (i >= ops.length) break;
    // a hunk: from `context` lines before this change to `context` lines after the last change closer than 2×context
    const start = Math.max(0, i - context);
    let end = i;
    for (;;) {
      while (end < ops.length && ops[end]!.t !== ' ') end++;
      let k = end;
      while (k < ops.length && ops[k]!.t === ' ' && k - end < 2 * context) k++;
      if (k < ops.length && ops[k]!.t !== ' ' && k - end <= 2 * context) end = k;
      else break;
    }
    const stop = Math.min(ops.length, end + context);
    hunks.push(hunkOf(ops, start, stop, noA, noB));
    i = stop;
  }
  return hunks;
}

function hunkOf(ops: Op[], start: number, stop: number, noA: Int32Array, noB: Int32Array): Hunk {
  const rows: DiffRow[] = [];
  let aLines = 0;
  let bLines = 0;
  let k = start;
  while (k < stop) {
    const op = ops[k]!;
    if (op.t === ' ') {
      rows.push({ type: 'context', a: { no: noA[k]!, text: op.text, spans: null }, b: { no: noB[k]!, text: op.text, spans: null } });
      aLines++;
      bLines++;
      k++;
      continue;
    }
    // a run of removals then additions: pair them line by line
    const dels: LineRef[] = [];
    const adds: LineRef[] = [];
    while (k < stop && ops[k]!.t === '-') {
      dels.push({ no: noA[k]!, text: ops[k]!.text, spans: null });
      k++;
    }
    while (k < stop && ops[k]!.t === '+') {
      adds.push({ no: noB[k]!, text: ops[k]!.text, spans: null });
      k++;
    }
    aLines += dels.length;
    bLines += adds.length;
    const n = Math.max(dels.length, adds.length);
    for (let j = 0; j < n; j++) {
      const x = dels[j] ?? null;
      const y = adds[j] ?? null;
      if (x && y) {
        const w = wordSpans(x.text, y.text);
        if (w) {
          x.spans = w.a;
          y.spans = w.b;
        }
      }
      rows.push({ type: x && y ? 'change' : x ? 'del' : 'add', a: x, b: y });
    }
  }
  // unified diff convention: a hunk starts at its first line of that version, or, covering none of its
  // lines, at the line before (the number of that version's lines before the hunk)
  let aStart = -1;
  let bStart = -1;
  for (let j = start; j < stop && (aStart < 0 || bStart < 0); j++) {
    if (aStart < 0 && ops[j]!.t !== '+') aStart = noA[j]!;
    if (bStart < 0 && ops[j]!.t !== '-') bStart = noB[j]!;
  }
  if (aStart < 0) aStart = noA[start]!;
  if (bStart < 0) bStart = noB[start]!;
  return { aStart, aLines, bStart, bLines, rows };
}

/** The hunks as a unified diff (`diff -u` body, without file headers): for tests and "copy as patch". */
export function unifiedText(d: TextDiff): string {
  const out: string[] = [];
  for (const h of d.hunks) {
    out.push(`@@ -${h.aStart},${h.aLines} +${h.bStart},${h.bLines} @@`);
    let k = 0;
    while (k < h.rows.length) {
      const r = h.rows[k]!;
      if (r.type === 'context') {
        out.push(` ${r.a!.text}`);
        k++;
        continue;
      }
      let e = k;
      while (e < h.rows.length && h.rows[e]!.type !== 'context') e++;
      for (let j = k; j < e; j++) if (h.rows[j]!.a) out.push(`-${h.rows[j]!.a!.text}`);
      for (let j = k; j < e; j++) if (h.rows[j]!.b) out.push(`+${h.rows[j]!.b!.text}`);
      k = e;
    }
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

/* ------------------------------------------------------------------ binary */

/** Bytes per hex-dump row (what `xxd` and `hexdump -C` print). */
export const HEX_ROW_BYTES = 16;

export interface HexRow {
  offset: number;
  /** The row's bytes of each version (shorter or empty past its end). */
  a: Uint8Array;
  b: Uint8Array;
  /** Bit i set: byte i of the row differs (or exists in one version only). */
  differs: number;
}

/** Offset of the first byte that differs between the two (the shorter one's length when one is a prefix of the other), -1 when equal. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/** Hex-dump rows of both versions from `from` (rounded down to a row), `rows` of them. */
export function hexRows(a: Uint8Array, b: Uint8Array, from: number, rows: number): HexRow[] {
  const out: HexRow[] = [];
  const start = Math.floor(Math.max(0, from) / HEX_ROW_BYTES) * HEX_ROW_BYTES;
  const end = Math.max(a.length, b.length);
  for (let off = start; off < end && out.length < rows; off += HEX_ROW_BYTES) {
    const ra = a.subarray(Math.min(off, a.length), Math.min(off + HEX_ROW_BYTES, a.length));
    const rb = b.subarray(Math.min(off, b.length), Math.min(off + HEX_ROW_BYTES, b.length));
    let differs = 0;
    for (let i = 0; i < HEX_ROW_BYTES; i++) {
      const inA = i < ra.length;
      const inB = i < rb.length;
      if ((inA || inB) && (inA !== inB || ra[i] !== rb[i])) differs |= 1 << i;
    }
    out.push({ offset: off, a: ra, b: rb, differs });
  }
  return out;
}
