/**
 * The first read of a file deep in a gzip layer, before the digest check has recorded
 * any checkpoint near it (read/inflate/resume.ts): instead of decoding the layer from
 * its first byte (seconds for the end of a 500 MB layer), decode speculatively from a
 * block boundary a little before the file, with the window before it unknown
 * (read/inflate/blockFinder.ts and speculative.ts, rapidgzip's approach).
 *
 * Where to start comes from the load's scan: every SEEK_HINT_SPACING bytes of output it
 * notes how many compressed bytes it had fed the decoder (`LayerIndex.seekHints`). All
 * output up to `out` came from input before `in`, so `in` bounds from above where `out`
 * lies in the compressed stream: a start at the `in` of a hint SPECULATIVE_LEADS before the
 * file lands before the file, unless the decoder had buffered an unusual amount.
 *
 * Nothing is shown that was not proven: the result is accepted only if the file's own
 * 512-byte ustar header decodes, free of unknown bytes, with a valid checksum, its name
 * (or the PAX/GNU long name record right before it) equal to the index's path and its
 * size equal to the index's, and if every byte of the range asked for is known. The
 * header anchors the decoded output to the tar stream (the header's position relative to
 * the file's data is fixed by the format, POSIX ustar: data starts at the next 512-byte
 * block). Anything else — no candidate start decodes, the header is not found, a byte of
 * the range depends on the unknown window — returns null and the caller reads the way it
 * did before (contents.ts races the two, so a failed guess costs only its CPU time).
 */
import { throwIfAborted } from '../errors';
import { taskYielder } from '../pause';
import { findBlockStart } from './inflate/blockFinder';
import { MarkerDecoder } from './inflate/speculative';
import { WSIZE } from './inflate/inflater';
import type { SeekWindow } from '../types';
import { BLOCK_SIZE, checksumOk, decodeName, normalizeTarPath, parseNumeric } from './tar/parser';

/**
 * Output bytes between the scan's seek hints. 1 MiB: ~500 hints (8 KB) for the 501 MB
 * benchmark layer, and a start at most that much further back than it needs to be.
 */
export const SEEK_HINT_SPACING = 1024 * 1024;
/**
 * How far before the file's header speculative decodes start, nearest first. Decoded bytes
 * that depend on the unknown window are useless, and how far those dependencies reach
 * depends on the data; the lead also absorbs the decoder's input buffering that makes a
 * hint's `in` run ahead of its `out`. Measured on the benchmark's 501 MB layer (issue 13,
 * Stop 20; 50 files, 256 KiB previews, Node): from 2 MiB before, 27 of 50 reads were
 * free of unknown bytes (p50 106 ms); 4 MiB, 31; 8 MiB, all 50 (p50 491 ms). So a read
 * tries 2 MiB and, if the range depends on the window or the header was not reached,
 * 8 MiB.
 */
export const SPECULATIVE_LEADS = [2 * 1024 * 1024, 8 * 1024 * 1024] as const;
/**
 * Files whose data starts before this in the layer are read from the start as before:
 * the native decoder gets there in well under the 150 ms goal (~200 MB/s), and the
 * speculative path would only add work.
 */
export const SPECULATE_MIN_OFFSET = 8 * 1024 * 1024;
/**
 * Most bytes a speculative decode may produce: its 16-bit output costs twice this in
 * memory (32 MiB), and a range needing more (a large file, a hint far from it) is read
 * the old way.
 */
export const SPECULATIVE_MAX_OUT = 16 * 1024 * 1024;
/**
 * Compressed bytes searched for a block start. A deflate block from zlib holds at most
 * 16 K symbols (lit_bufsize at the default memLevel) and pigz cuts every 128 KiB of
 * input, so a real boundary lies well within 512 KiB of any point of such a stream.
 */
export const SEARCH_SPAN_BYTES = 512 * 1024;
/** Output decoded between checks for the file's header (and for a cancel). */
export const DECODE_STEP = 256 * 1024;
/** Bytes before the header searched for a PAX `path=` or GNU 'L' record naming the file (a long name). */
export const LONG_NAME_LOOKBACK = 8 * 1024;
/**
 * Wall time a speculative read may take before it gives up, so a guess that keeps
 * failing does not hold the worker's thread (which the platform decoder it races shares)
 * for long: one 8 MiB lead decodes in ~0.5 s on this machine (Node, warm).
 */
export const SPECULATIVE_BUDGET_MS = 1500;

/**
 * A start whose decode errors after this many blocks was not a false boundary (random bits
 * rarely pass two block headers, let alone more), so the read gives up instead of searching on.
 */
export const MAX_BLOCKS_OF_FALSE_START = 3;

/** What a speculative read needs, computed on the page from the index (seekPlan). */
export interface SeekPlan {
  /**
   * Where to search for a block start, nearest the file first (one per SPECULATIVE_LEADS):
   * `from`, a compressed byte of the layer blob; `out`, the hint's output offset there (the
   * decode from `from` starts at or after it).
   */
  starts: { from: number; out: number }[];
  /** Compressed byte by which the wanted range has been fed to the decoder (a hint past it), or null: the blob's end. */
  to: number | null;
  /** The entry's path as the index has it (normalized), and its data start and size. */
  path: string;
  /**
   * The scan's true window at or before the file's header (scanWindows.ts), for the anchored
   * read that is tried first (anchoredRead.ts); absent: layers scanned without windows.
   */
  anchor?: SeekWindow | null;
  dataOffset: number;
  size: number;
}

/**
 * The plan for reading [offset, offset + want) of the entry whose data starts at
 * `entryOffset`, or null when speculation is not worth it or not possible: no hints, the
 * file near the layer's start, or a range too long for one speculative decode.
 * `hints`: (in, out) pairs in order of `out` (LayerIndex.seekHints).
 */
export function seekPlan(
  hints: Float64Array | null | undefined,
  path: string,
  entryOffset: number,
  size: number,
  offset: number,
  want: number,
  leads: readonly number[] = SPECULATIVE_LEADS,
): SeekPlan | null {
  if (!hints || hints.length < 2 || entryOffset < SPECULATE_MIN_OFFSET) return null;
  const headerAt = entryOffset - BLOCK_SIZE - LONG_NAME_LOOKBACK;
  const end = offset + want;
  let to: number | null = null;
  for (let i = 0; i < hints.length; i += 2) {
    if (hints[i + 1]! >= end) {
      to = hints[i]!;
      break;
    }
  }
  const starts: SeekPlan['starts'] = [];
  for (const lead of leads) {
    if (end - headerAt + lead + SEEK_HINT_SPACING > SPECULATIVE_MAX_OUT) break;
    let at = -1;
    for (let i = 0; i < hints.length && hints[i + 1]! <= headerAt - lead; i += 2) at = i;
    if (at < 0) break;
    if (starts.length && starts.at(-1)!.from === hints[at]) continue;
    starts.push({ from: hints[at]!, out: hints[at + 1]! });
  }
  return starts.length ? { starts, to, path, dataOffset: entryOffset, size } : null;
}

const USTAR = [0x75, 0x73, 0x74, 0x61, 0x72]; // "ustar" at byte 257 of a header (POSIX ustar, GNU)
const utf8 = new TextEncoder();

/** Decoded output as headerMatches reads it: a MarkerDecoder's, or plain bytes (`plainView`). */
export interface DecodedView {
  readonly produced: number;
  known(from: number, to: number): boolean;
  bytes(from: number, to: number): Uint8Array;
  /** The byte, or -1 when unknown. */
  byteAt(k: number): number;
}

/** Plain bytes (all known) as a DecodedView. */
export function plainView(b: Uint8Array): DecodedView {
  return {
    produced: b.length,
    known: () => true,
    bytes: (from, to) => b.slice(from, to),
    byteAt: (k) => (k >= 0 && k < b.length ? b[k]! : -1),
  };
}

/** Does output byte k of `dec` start the header of `plan`'s file (see the module comment)? */
export function headerMatches(dec: DecodedView, k: number, plan: Pick<SeekPlan, 'path' | 'size'>): boolean {
  if (k < 0 || k + BLOCK_SIZE > dec.produced || !dec.known(k, k + BLOCK_SIZE)) return false;
  const h = dec.bytes(k, k + BLOCK_SIZE);
  if (!checksumOk(h)) return false;
  const type = h[156];
  // regular file ('0', pre-POSIX '\0', contiguous '7'): the only entries previews read
  if (type !== 0x30 && type !== 0 && type !== 0x37) return false;
  const cstr = (off: number, len: number) => {
    let e = off;
    while (e < off + len && h[e] !== 0) e++;
    return h.subarray(off, e);
  };
  const name = cstr(0, 100);
  // POSIX ustar ("ustar\0"): a prefix field at 345; GNU ("ustar  \0") uses that area for times
  const posix = h[262] === 0 && h[263] === 0x30 && h[264] === 0x30;
  const prefix = posix ? cstr(345, 155) : new Uint8Array(0);
  const full = prefix.length ? `${decodeName(prefix)}/${decodeName(name)}` : decodeName(name);
  if (normalizeTarPath(full).path === plan.path && parseNumeric(h, 124, 12) === plan.size) return true;
  // a long name (and maybe size) lives in a PAX 'x' or GNU 'L' record just before this header
  return longNameBefore(dec, k, plan.path);
}

/** Is `path` (UTF-8, maybe after "./" or "/") a record value ending in '\n' (PAX) or NUL (GNU 'L') in the known bytes just before output byte k? */
function longNameBefore(dec: DecodedView, k: number, path: string): boolean {
  const p = utf8.encode(path);
  const lo = Math.max(0, k - LONG_NAME_LOOKBACK);
  for (let e = k - 1; e - p.length >= lo; e--) {
    const t = dec.byteAt(e);
    if (t !== 0x0a && t !== 0) continue;
    let i = 0;
    while (i < p.length && dec.byteAt(e - p.length + i) === p[i]) i++;
    if (i < p.length) continue;
    const before = dec.byteAt(e - p.length - 1);
    // "path=" + path, or "./" / "/" before it, or the start of a GNU long-name block (k-aligned)
    if (before === 0x3d || before === 0x2f || (e - p.length) % BLOCK_SIZE === k % BLOCK_SIZE) return true;
  }
  return false;
}

/** Output positions in [from, to) where a header's "ustar" magic would put its start. */
function magicCandidates(dec: MarkerDecoder, from: number, to: number): number[] {
  const o = dec.out;
  const found: number[] = [];
  const last = Math.min(to, dec.produced - BLOCK_SIZE);
  for (let k = Math.max(0, from); k <= last; k++) {
    const i = WSIZE + k + 257;
    if (o[i] === USTAR[0] && o[i + 1] === USTAR[1] && o[i + 2] === USTAR[2] && o[i + 3] === USTAR[3] && o[i + 4] === USTAR[4]) found.push(k);
  }
  return found;
}

export interface SpeculativeResult {
  bytes: Uint8Array;
  /** Bit in the blob where the accepted decode started, and bytes decoded, for the figures. */
  startBit: number;
  decoded: number;
}

export type SpeculativeFailure =
  /** The compressed range was too long for one speculative decode. */
  | 'too-long'
  /** The time budget ran out. */
  | 'budget'
  /** No candidate start in the search span decoded far enough. */
  | 'no-start'
  /** A start decoded, but the file's header did not appear. */
  | 'no-header'
  /** The header was found, but the stream stopped before the range's end. */
  | 'short'
  /** The range holds bytes that depend on the unknown window. */
  | 'markers';

export interface SpeculativeOptions {
  signal?: AbortSignal;
  /** Override SPECULATIVE_BUDGET_MS (tests). */
  budgetMs?: number;
  /** Why the read returned null (tests, the bench's figures). */
  onFail?(reason: SpeculativeFailure): void;
}

const now = () => globalThis.performance?.now() ?? Date.now();

/**
 * `want` bytes from uncompressed `offset` (within the plan's entry) decoded speculatively,
 * or null when that cannot be proven right (module comment). Throws only CANCELLED.
 */
export async function readSpeculatively(
  blob: Blob,
  plan: SeekPlan,
  offset: number,
  want: number,
  opts: SpeculativeOptions = {},
): Promise<SpeculativeResult | null> {
  const started = now();
  const budget = opts.budgetMs ?? SPECULATIVE_BUDGET_MS;
  let why: SpeculativeFailure = 'no-start';
  for (const start of plan.starts) {
    const r = await attempt(blob, plan, start, offset, want, () => now() - started > budget, opts.signal);
    if (typeof r !== 'string') return r;
    why = r;
    // only a start further back can help: the range depended on the window, or the header came before the start
    if (r !== 'markers' && r !== 'no-header') break;
  }
  opts.onFail?.(why);
  return null;
}

/** One speculative decode from `start`: the result, or why not. */
async function attempt(
  blob: Blob,
  plan: SeekPlan,
  start: SeekPlan['starts'][number],
  offset: number,
  want: number,
  overBudget: () => boolean,
  signal?: AbortSignal,
): Promise<SpeculativeResult | SpeculativeFailure> {
  const toByte = Math.min(blob.size, plan.to === null ? blob.size : plan.to + BIT_READ_AHEAD);
  if (toByte - start.from > SPECULATIVE_MAX_OUT) return 'too-long';
  const input = new Uint8Array(await blob.slice(start.from, toByte).arrayBuffer());
  throwIfAborted(signal);
  const turn = taskYielder();
  const searchEnd = Math.min(input.length, SEARCH_SPAN_BYTES) * 8;
  // the header is at dataOffset − 512; the range [offset, offset + want) is `offset − dataOffset` after its end
  const rel = offset - plan.dataOffset + BLOCK_SIZE;
  // the decode starts at or after `start.out`, so the header is at most this far into its output
  const headerBy = plan.dataOffset - BLOCK_SIZE - start.out;
  for (let bit = 0; bit < searchEnd; bit++) {
    if (overBudget()) return 'budget';
    // the next candidate: a search through all of SEARCH_SPAN_BYTES takes a few ms (blockFinder.ts)
    bit = findBlockStart(input, bit, searchEnd);
    if (bit < 0) break;
    const dec = new MarkerDecoder(input, bit, { maxOut: SPECULATIVE_MAX_OUT });
    let scanned = 0;
    let header = -1;
    let status: string = 'limit';
    while (header < 0 && scanned <= headerBy) {
      await turn();
      throwIfAborted(signal);
      if (overBudget()) return 'budget';
      status = dec.decode(Math.min(dec.produced + DECODE_STEP, headerBy + BLOCK_SIZE));
      for (const k of magicCandidates(dec, scanned, Math.min(dec.produced, headerBy + 1))) {
        if (headerMatches(dec, k, plan)) {
          header = k;
          break;
        }
      }
      scanned = Math.max(0, dec.produced - BLOCK_SIZE + 1);
      if (status !== 'limit') break;
    }
    if (header < 0) {
      // a real start decodes on through several blocks; one that fails early was a false boundary
      if (status === 'error' && dec.blocks.length <= 2 * MAX_BLOCKS_OF_FALSE_START) continue;
      return status === 'error' ? 'no-start' : 'no-header';
    }
    const need = header + rel + want;
    while (dec.produced < need) {
      await turn();
      throwIfAborted(signal);
      const st = dec.decode(Math.min(need, dec.produced + DECODE_STEP));
      if (st !== 'limit' && dec.produced < need) return 'short';
    }
    if (!dec.known(header + rel, need)) return 'markers';
    return { bytes: dec.bytes(header + rel, need), startBit: start.from * 8 + bit, decoded: dec.produced };
  }
  return 'no-start';
}

/** Compressed bytes read past a hint's `in`: the decoder's bit accumulator looks a few bytes ahead of the symbol it decodes. */
export const BIT_READ_AHEAD = 16;
