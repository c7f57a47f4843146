/**
 * The true 32 KiB window before points of a gzip layer's output, kept by the load's scan
 * (layerScan.ts) so that the first read of a file deep in the layer, before the digest check
 * has recorded checkpoints, can make a speculative decode exact (anchoredRead.ts): the scan
 * sees every output byte anyway, and the window is what a decode from the middle lacks.
 *
 * Cost on the scan's hot path: nothing per byte. Only the pieces that end within the last
 * WSIZE bytes before the next window point are copied (their last ≤ 32 KiB into one
 * buffer), so a layer copies ~WSIZE + one piece per SCAN_WINDOW_SPACING of output (~2% of
 * its bytes at most, a memcpy). References to earlier pieces would avoid even that copy,
 * but the scan's TypeScript inflater reuses its output buffer (InflaterOptions.reuseOutput),
 * so a piece is only valid during the call that hands it over.
 *
 * Memory: WSIZE per SCAN_WINDOW_SPACING of output, 1.56% of the layer's uncompressed size.
 * The page drops the windows the digest check's checkpoints cover (`dropCovered`), so the
 * two together stay under SCAN_WINDOW_SPACING's bound (WINDOW_MEMORY_SHARE).
 */
import type { SeekWindow } from '../types';
import { WSIZE } from './inflate/inflater';
import { SPECULATE_MIN_OFFSET } from './speculativeRead';

/**
 * Output bytes between the scan's windows: as the digest check's CHECKPOINT_SPACING (verify.ts),
 * so a file is at most this far past the window its read starts from (~7 ms of native decode),
 * and the windows cost the same share of the layer as checkpoints do (32 KiB / 2 MiB = 1.56%).
 */
export const SCAN_WINDOW_SPACING = 2 * 1024 * 1024;
/** The bound on checkpoint memory, windows and checkpoints together: 2% of the layer's uncompressed size (issue 13). */
export const WINDOW_MEMORY_SHARE = 0.02;

/** Keeps a window every SCAN_WINDOW_SPACING of a layer's output (module comment). */
export class ScanWindowRecorder {
  readonly windows: SeekWindow[] = [];
  private readonly tail = new Uint8Array(WSIZE);
  private tailLen = 0;
  /** The first window is just below the first output a speculative read is made for (speculativeRead.ts SPECULATE_MIN_OFFSET). */
  private next = Math.max(SCAN_WINDOW_SPACING, SPECULATE_MIN_OFFSET - SCAN_WINDOW_SPACING);

  /**
   * A piece of output ending at `outEnd` (the layer's output bytes so far), after `inSeen`
   * compressed bytes were fed to the decoder. The piece is read during this call only.
   */
  push(piece: Uint8Array, outEnd: number, inSeen: number): void {
    // pieces ending more than WSIZE before the next point cannot be in its window
    if (outEnd <= this.next - WSIZE) return;
    const n = piece.length;
    if (n >= WSIZE) {
      this.tail.set(piece.subarray(n - WSIZE));
      this.tailLen = WSIZE;
    } else {
      const keep = Math.min(this.tailLen, WSIZE - n);
      this.tail.copyWithin(0, this.tailLen - keep, this.tailLen);
      this.tail.set(piece, keep);
      this.tailLen = keep + n;
    }
    if (outEnd < this.next) return;
    // the window point is the end of the piece that reached `next`: all its bytes are in `tail`
    if (this.tailLen === WSIZE) this.windows.push({ in: inSeen, out: outEnd, window: this.tail.slice() });
    this.tailLen = 0;
    this.next = outEnd + SCAN_WINDOW_SPACING;
  }
}

/**
 * The windows the page still needs once resume points reach `coveredTo` (the `out` of the
 * last checkpoint recorded): a read before it has a checkpoint at most CHECKPOINT_SPACING
 * back and never uses a window, so those windows are dropped (a new array; the dropped
 * buffers are freed). The same array when nothing is dropped.
 */
export function dropCovered<T extends { out: number }>(windows: readonly T[], coveredTo: number): readonly T[] {
  let i = 0;
  while (i < windows.length && windows[i]!.out <= coveredTo) i++;
  return i === 0 ? windows : windows.slice(i);
}

/** The last window at or before output byte `at` (windows sorted by `out`), or null. */
export function windowBefore(windows: readonly SeekWindow[] | null | undefined, at: number): SeekWindow | null {
  if (!windows) return null;
  let lo = 0;
  let hi = windows.length - 1;
  let best: SeekWindow | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (windows[mid]!.out <= at) {
      best = windows[mid]!;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}
