/**
 * The first read of a file deep in a gzip layer right after `ready`, made exact by the
 * scan's windows (scanWindows.ts) and finished at native speed:
 *
 * 1. From the plan's window W — the true 32 KiB of output before output byte `out`, seen
 *    after `in` compressed bytes — a deflate block start is searched a little before `in`
 *    (HINT_INPUT_SLACK: the decoder had taken input ahead of its output when the scan noted
 *    `in`), and MarkerDecoder decodes from there with the window before it unknown.
 * 2. Anchor: the decode's output is matched against W. Short probes of W found among the
 *    decoded known bytes give candidate positions of `out` in the decode; a candidate holds
 *    when every known byte of the 32 KiB before it equals W's byte there, at least
 *    ANCHOR_MIN_KNOWN of them, and every unknown byte is given one consistent value by W
 *    (MarkerDecoder.checkWindow). Probes are tried nearest the point first; of the first
 *    probe that has candidates holding, exactly one must hold. A probe that is one byte
 *    repeated or found in more than MAX_PROBE_HITS places is not used, so a window that
 *    fits in several places (runs of zeros, repeated text) is refused, as is one that fits
 *    nowhere.
 * 3. At the anchor the decoder's window is replaced by W (MarkerDecoder.setWindow): every
 *    byte after it is exact, wherever in its block the anchor falls.
 * 4. Every block boundary the decode reached after the anchor is a genuine checkpoint (bit,
 *    output offset, the 32 KiB before it): the range is read from the last one before it
 *    through the platform's decoder (resume.ts readFromCheckpoint, fed first from the input
 *    already read), as after the digest check. The checkpoint is returned too, so the page
 *    keeps it and a second read near this one starts there.
 *
 * Nothing is shown that was not proven: the file's own ustar header, right before its data,
 * must decode with a valid checksum, its name (or PAX/GNU long name) and size equal to the
 * index's (speculativeRead.ts headerMatches). A wrong anchor would put other bytes there.
 * Anything else returns null, and contents.ts falls back to the unanchored speculative read
 * and today's read, which it races.
 */
import { throwIfAborted } from '../errors';
import { taskYielder } from '../pause';
import type { Checkpoint } from './inflate/inflater';
import { WSIZE } from './inflate/inflater';
import { readFromCheckpoint } from './inflate/resume';
import { findBlockStart } from './inflate/blockFinder';
import { MarkerDecoder } from './inflate/speculative';
import {
  BIT_READ_AHEAD,
  DECODE_STEP,
  headerMatches,
  LONG_NAME_LOOKBACK,
  MAX_BLOCKS_OF_FALSE_START,
  plainView,
  SEARCH_SPAN_BYTES,
  SPECULATIVE_MAX_OUT,
  type SeekPlan,
} from './speculativeRead';
import { windowBefore } from './scanWindows';
import { BLOCK_SIZE } from './tar/parser';
import type { SeekWindow } from '../types';

/**
 * How far a window's `in` may run ahead of the compressed position of its `out`: the scan
 * notes `in` when a piece of output arrives, and by then the decoder has been given more
 * input than that piece came from. Measured on the 501 MB benchmark layer in Node (Blob from
 * openAsBlob, 64 KiB input slices into DecompressionStream, as in a browser), from `in` back
 * to the start of the block holding `out`: 66–131 KB (p50 98 KB, 236 windows). The page keeps
 * at most two 64 KiB slices queued (compression.ts), so 256 KiB covers a browser's too.
 */
export const HINT_INPUT_SLACK = 256 * 1024;
/**
 * The slack tried first: above what the Node measurement saw (≤ 131 KB), half the bytes to
 * decode of HINT_INPUT_SLACK. A read whose point lies further back (the anchor is then not
 * found) tries again with HINT_INPUT_SLACK.
 */
export const TYPICAL_INPUT_SLACK = 128 * 1024;
/**
 * Compressed bytes decoded before the earliest place `out` can be, so that the decode's
 * output already holds known bytes in the 32 KiB before `out` to anchor on (markers, bytes
 * that depend on the unknown window, thin out as the decode goes on).
 */
export const ANCHOR_LEAD_BYTES = 64 * 1024;
/** Compressed bytes read past `in`: the block after the anchor ends well within this (zlib's blocks hold ≤ 16 K symbols, ≤ ~64 KiB compressed). */
const READ_PAST_BYTES = 512 * 1024;
/**
 * Known bytes of the decode that must equal the window at the anchor: 1 KiB of agreement
 * at one offset and none elsewhere is not chance (a window that also fits at another offset
 * is refused as ambiguous).
 */
export const ANCHOR_MIN_KNOWN = 1024;
/** Length of a probe of the window searched for in the decoded output. */
export const PROBE_BYTES = 32;
/** Where probes are taken, in bytes before the window's end: several, since any one may fall on unknown bytes of the decode. */
const PROBE_BACKS = [PROBE_BYTES, 4096, 12 * 1024, 20 * 1024, 28 * 1024];
/** A probe found more often than this is not distinctive (a run, repeated text) and is not used. */
export const MAX_PROBE_HITS = 64;

export type AnchoredFailure =
  /** No window before the file (layers scanned before windows existed, Node's in-memory blobs). */
  | 'no-window'
  /** No candidate start decoded up to the window's point. */
  | 'no-start'
  /** The window fits the decode nowhere. */
  | 'no-anchor'
  /** The window fits the decode in more than one place. */
  | 'ambiguous'
  /** The stream stopped before the range (another gzip member, the input read). */
  | 'short'
  /** The file's own header did not check out: something was wrong, nothing is shown. */
  | 'header';

export interface AnchoredResult {
  bytes: Uint8Array;
  /** The checkpoint found after the anchor, for the page to keep (a genuine one: a block boundary, its bit and window). */
  checkpoint: Checkpoint;
}

export interface AnchoredOptions {
  signal?: AbortSignal;
  onFail?(reason: AnchoredFailure): void;
  /** Passed to readFromCheckpoint (false: the TypeScript inflater, for tests). */
  native?: boolean;
}

/** The plan with the window at or before the file's header (and its long-name lookback) attached, for readAnchored. */
export function withAnchor(plan: SeekPlan | null, windows: readonly SeekWindow[] | null | undefined): SeekPlan | null {
  if (!plan || !windows?.length) return plan;
  const anchor = windowBefore(windows, plan.dataOffset - BLOCK_SIZE - LONG_NAME_LOOKBACK);
  return anchor ? { ...plan, anchor } : plan;
}

/**
 * `want` bytes from uncompressed `offset` (within the plan's entry), read through an
 * anchored checkpoint (module comment), or null when that cannot be proven. Throws only
 * CANCELLED (and what the checkpoint read throws for a truncated layer).
 */
export async function readAnchored(blob: Blob, plan: SeekPlan, offset: number, want: number, opts: AnchoredOptions = {}): Promise<AnchoredResult | null> {
  const r = await anchored(blob, plan, offset, want, opts);
  if (typeof r === 'string') {
    opts.onFail?.(r);
    return null;
  }
  return r;
}

async function anchored(blob: Blob, plan: SeekPlan, offset: number, want: number, opts: AnchoredOptions): Promise<AnchoredResult | AnchoredFailure> {
  const w = plan.anchor;
  if (!w || w.window.length !== WSIZE) return 'no-window';
  const signal = opts.signal;
  const from = Math.max(0, w.in - HINT_INPUT_SLACK - ANCHOR_LEAD_BYTES);
  // through the block after the anchor, and through the range in case that block holds it all (a long run of one byte)
  const to = Math.min(blob.size, from + SPECULATIVE_MAX_OUT, Math.max(w.in + READ_PAST_BYTES, plan.to === null ? blob.size : plan.to + BIT_READ_AHEAD));
  const input = new Uint8Array(await blob.slice(from, to).arrayBuffer());
  throwIfAborted(signal);
  const turn = taskYielder();
  let why: AnchoredFailure = 'no-start';
  for (const slack of [TYPICAL_INPUT_SLACK, HINT_INPUT_SLACK]) {
    const r = await attempt(blob, plan, offset, want, input, from, slack, turn, signal, opts.native);
    if (typeof r !== 'string') return r;
    why = r;
    // only a start further back can help: the point was before this decode's start, or no start was found after it
    if (r !== 'no-anchor' && r !== 'no-start') break;
  }
  return why;
}

/** One decode from the first block start at least `slack` + ANCHOR_LEAD_BYTES before the window's `in` (`input` is the blob from byte `from`). */
async function attempt(
  blob: Blob,
  plan: SeekPlan,
  offset: number,
  want: number,
  input: Uint8Array,
  from: number,
  slack: number,
  turn: () => Promise<void> | null,
  signal: AbortSignal | undefined,
  native: boolean | undefined,
): Promise<AnchoredResult | AnchoredFailure> {
  const w = plan.anchor!;
  const inBit = (w.in - from) * 8;
  const earliestBit = Math.max(0, w.in - slack - from) * 8;
  const searchFrom = Math.max(0, earliestBit - ANCHOR_LEAD_BYTES * 8);
  // a start past `earliestBit` may still come before `out` (the slack is an upper bound): the anchor tells
  const searchEnd = Math.min(inBit, searchFrom + SEARCH_SPAN_BYTES * 8, input.length * 8);
  for (let bit = searchFrom; bit < searchEnd; bit++) {
    // the next candidate (blockFinder.ts)
    bit = findBlockStart(input, bit, searchEnd);
    if (bit < 0) break;
    // no first-block distrust: the anchor checks every known byte of the window (setWindow's comment)
    const dec = new MarkerDecoder(input, bit, { maxOut: SPECULATIVE_MAX_OUT, distrustFirstBlock: false });
    let status = 'limit';
    // up to the first block header at or past `in` (anchorOf's upper bound), not a DECODE_STEP past it
    while (dec.bitPosition < inBit && status === 'limit') {
      await turn();
      throwIfAborted(signal);
      status = dec.decode(dec.produced + DECODE_STEP, inBit);
    }
    if (dec.bitPosition < inBit) {
      // a false start fails within a few blocks; a real one that stops early is a stream that ends here
      if (status === 'error' && dec.blocks.length <= 2 * MAX_BLOCKS_OF_FALSE_START) continue;
      return status === 'error' ? 'no-start' : 'short';
    }
    const k = anchorOf(dec, w, earliestBit, inBit);
    if (typeof k === 'string') return k;
    if (dec.setWindow(k, w.window) < 0) return 'no-anchor';
    return finish(blob, plan, offset, want, dec, k, w, input, from, signal, native, turn);
  }
  return 'no-start';
}

/**
 * Where in `dec`'s output the window's point `out` is: output between the last block header
 * before `earliestBit` and the first at or past `inBit` (all output up to `out` came from
 * input before `in`), found by probes and checked whole (module comment, step 2).
 */
function anchorOf(dec: MarkerDecoder, w: SeekWindow, earliestBit: number, inBit: number): number | AnchoredFailure {
  let lo = 0;
  let hi = dec.produced;
  for (let i = 0; i < dec.blocks.length; i += 2) {
    if (dec.blocks[i]! <= earliestBit) lo = dec.blocks[i + 1]!;
    if (dec.blocks[i]! >= inBit) {
      hi = dec.blocks[i + 1]!;
      break;
    }
  }
  const win = w.window;
  const counts = byteCounts(win);
  // probes nearest the point first: the decode's bytes there are the most likely known
  for (const back of PROBE_BACKS) {
    const p = WSIZE - back;
    const hits = probeHits(dec.out, Math.max(0, lo - back), Math.min(hi - back, dec.produced - PROBE_BYTES), win, p, counts);
    if (!hits) continue;
    let found = -1;
    for (const q of hits) {
      if (dec.checkWindow(q + back, win) < ANCHOR_MIN_KNOWN) continue;
      if (found >= 0) return 'ambiguous';
      found = q + back;
    }
    if (found >= 0) return found;
  }
  return 'no-anchor';
}

/** How often each byte value occurs in `b`. */
export function byteCounts(b: Uint8Array): Uint32Array {
  const c = new Uint32Array(256);
  for (let i = 0; i < b.length; i++) c[b[i]!]!++;
  return c;
}

/**
 * Output positions q in [from, to] where the decode's cells equal win[p, p + PROBE_BYTES),
 * or null when the probe is not distinctive (one byte repeated, or more than MAX_PROBE_HITS
 * places): such a window would fit in many places, and is refused unless another probe of it
 * is distinctive.
 *
 * The cells are searched (indexOf, the engine's own loop) for the probe's byte that is rarest
 * in the window (`counts`, byteCounts of `win`: the data around the point, so likely rare in
 * the decode as well), and each place found is compared whole. A JavaScript loop over every
 * cell (~0.9 M in a read of the benchmark's layer) ran unoptimized in a worker's first read:
 * 5–15 ms in Chromium, where this is a few hundred indexOf calls.
 */
export function probeHits(o: Uint16Array, from: number, to: number, win: Uint8Array, p: number, counts: Uint32Array = byteCounts(win)): number[] | null {
  let flat = true;
  for (let j = 1; j < PROBE_BYTES && flat; j++) flat = win[p + j] === win[p];
  if (flat) return null;
  let r = 0;
  for (let j = 1; j < PROBE_BYTES; j++) if (counts[win[p + j]!]! < counts[win[p + r]!]!) r = j;
  const rare = win[p + r]!;
  const hits: number[] = [];
  const end = WSIZE + to;
  for (let i = o.indexOf(rare, WSIZE + Math.max(0, from) + r); i >= 0 && i - r <= end; i = o.indexOf(rare, i + 1)) {
    const q = i - r;
    let j = 0;
    while (j < PROBE_BYTES && o[q + j] === win[p + j]) j++;
    if (j < PROBE_BYTES) continue;
    if (hits.length === MAX_PROBE_HITS) return null;
    hits.push(q - WSIZE);
  }
  return hits;
}

/**
 * After the anchor at output `k` of `dec` (= the window's `out`): the checkpoint at the last
 * block boundary decoded before the range (or the next one after `k`), the range, the
 * header's proof. `input` is the blob from byte `from`, as decoded.
 */
async function finish(
  blob: Blob,
  plan: SeekPlan,
  offset: number,
  want: number,
  dec: MarkerDecoder,
  k: number,
  w: SeekWindow,
  input: Uint8Array,
  from: number,
  signal: AbortSignal | undefined,
  native: boolean | undefined,
  turn: () => Promise<void> | null,
): Promise<AnchoredResult | AnchoredFailure> {
  /** Absolute output offset → decoder output position. */
  const at = (abs: number) => abs - w.out + k;
  const headerAbs = plan.dataOffset - BLOCK_SIZE;
  let b = -1;
  for (;;) {
    for (let i = 0; i < dec.blocks.length; i += 2) {
      if (dec.blocks[i + 1]! >= k) {
        b = i;
        break;
      }
    }
    if (b >= 0) break;
    await turn();
    throwIfAborted(signal);
    const st = dec.decode(dec.produced + DECODE_STEP);
    if (st !== 'limit') {
      // the stream ended or the input read ran out before another block began
      if (!dec.blocks.length || dec.blocks.at(-1)! < k) return 'short';
    }
  }
  // The last block boundary decoded before the range (all output from k − WSIZE on is exact):
  // the native read starts there, not at the first one after the anchor, which is up to the
  // slack's worth of output back (~0.7 MB in the benchmark's reads) that was decoded already.
  // Of boundaries at the same output (an empty stored block, pigz's flush), the first: the one
  // the digest check's inflater records as a checkpoint.
  const lookFrom = Math.max(headerAbs - LONG_NAME_LOOKBACK, w.out - WSIZE);
  for (let i = b + 2; i < dec.blocks.length && dec.blocks[i + 1]! <= at(lookFrom); i += 2) if (dec.blocks[i + 1]! > dec.blocks[b + 1]!) b = i;
  const kb = dec.blocks[b + 1]!;
  const checkpoint: Checkpoint = {
    bit: from * 8 + dec.blocks[b]!,
    out: w.out + (kb - k),
    window: dec.bytes(kb - WSIZE, kb),
    member: false,
  };
  const end = offset + want;
  let view: Uint8Array;
  if (checkpoint.out <= lookFrom) {
    view = await readFromCheckpoint(blob, checkpoint, lookFrom, end - lookFrom, {
      signal,
      inputEnd: plan.to === null ? null : plan.to + BIT_READ_AHEAD,
      native,
      inHand: { at: from, bytes: input },
    });
  } else {
    // the range begins before the next block: straight from the (now exact) decoder
    while (dec.produced < at(end)) {
      await turn();
      throwIfAborted(signal);
      const st = dec.decode(Math.min(at(end), dec.produced + DECODE_STEP));
      if (st !== 'limit' && dec.produced < at(end)) return 'short';
    }
    if (!dec.known(at(lookFrom), at(end))) return 'short';
    view = dec.bytes(at(lookFrom), at(end));
  }
  if (!headerMatches(plainView(view), headerAbs - lookFrom, plan)) return 'header';
  // a copy: the reply hands its buffer over, and the lookback before the range stays here
  return { bytes: view.slice(offset - lookFrom), checkpoint };
}
