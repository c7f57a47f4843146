/**
 * The status bar's per-layer strip: one segment per layer, or, for a long stack,
 * one per run of layers (issue 9, point 6: an image listing one layer 10,000
 * times drew 10,000 list items, each re-rendered on every progress update).
 * Pure: unit-tested in segments.test.ts.
 */
import type { LayerLoad } from '../../state/loadSlice';

/**
 * Segments drawn at most. The strip is at most 360 px wide (LoadProgress.css
 * .layer-states) and a segment at least 4 px plus a 2 px gap: beyond 60 the rest
 * was cut off unseen. A longer stack gets 60 segments, each a run of layers.
 */
export const MAX_LAYER_SEGMENTS = 60;

export interface LayerSegment {
  /** Layers [from, to) it stands for (to = from + 1: one layer). */
  from: number;
  to: number;
  state: LayerLoad['state'];
  /** Of its bytes, the part read (0..1). */
  read: number;
  /** Per state, how many of its layers are in it (a run's text). */
  counts: Record<LayerLoad['state'], number>;
  /** The first error among its layers. */
  error: string | null;
}

/**
 * A run's state: failed when one of its layers failed; indexed when all are;
 * waiting when none has started; otherwise decompressing (some read, some not).
 */
function runState(c: Record<LayerLoad['state'], number>, total: number): LayerLoad['state'] {
  if (c.failed > 0) return 'failed';
  if (c.indexed === total) return 'indexed';
  if (c.waiting === total) return 'waiting';
  return 'decompressing';
}

/** One segment per layer up to `max` layers, else `max` runs of (nearly) equal length, bottom layer first. */
export function layerSegments(loads: readonly LayerLoad[], max = MAX_LAYER_SEGMENTS): LayerSegment[] {
  const n = loads.length;
  const k = Math.min(n, max);
  const out: LayerSegment[] = [];
  for (let s = 0; s < k; s++) {
    const from = Math.floor((s * n) / k);
    const to = Math.floor(((s + 1) * n) / k);
    const counts = { waiting: 0, decompressing: 0, indexed: 0, failed: 0 };
    let read = 0;
    let total = 0;
    let error: string | null = null;
    for (let i = from; i < to; i++) {
      const l = loads[i]!;
      counts[l.state]++;
      read += Math.min(l.bytesRead, l.bytesTotal);
      total += l.bytesTotal;
      error ??= l.error;
    }
    out.push({ from, to, state: runState(counts, to - from), read: total > 0 ? read / total : 0, counts, error });
  }
  return out;
}
