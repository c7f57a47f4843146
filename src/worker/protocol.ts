/**
 * Messages between the page and the scan workers. Discriminated unions on
 * `type`; every request carries an `id` so replies and cancels match up.
 * Blobs/Files cross by structured clone (a reference to the same bytes, not a
 * copy); a LayerIndex comes back with its typed arrays transferred.
 */
import type { Compression, LayerIndex } from '../core/types';

export type ToWorker =
  | { type: 'scan'; id: number; blob: Blob; layer: number; hash: boolean }
  | { type: 'hash'; id: number; blob: Blob; compression: Compression }
  | { type: 'read'; id: number; blob: Blob; compression: Compression; dataOffset: number; size: number; maxBytes: number }
  | { type: 'cancel'; id: number };

export type FromWorker =
  | { type: 'progress'; id: number; bytesRead: number; bytesTotal: number }
  | { type: 'scanned'; id: number; index: LayerIndex }
  | { type: 'hashed'; id: number; digest: string; diffId: string }
  | { type: 'bytes'; id: number; data: Uint8Array }
  | { type: 'error'; id: number; code: string; message: string };

/** The buffers of a LayerIndex, handed over (not copied) when it is posted. */
export function layerIndexTransferables(idx: LayerIndex): ArrayBuffer[] {
  return [idx.kinds, idx.sizes, idx.modes, idx.uids, idx.gids, idx.mtimes, idx.dataOffsets, idx.linkIds].map(
    (a) => a.buffer as ArrayBuffer,
  );
}
