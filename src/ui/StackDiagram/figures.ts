/**
 * Per-layer figures for the diagram from whatever is known so far: the image
 * statistics once the union is built, a layer's own index as soon as it is
 * scanned, and only the stored blob size before that.
 */
import { EntryKind, type LayerIndex, type LayerRef } from '../../core/types';
import type { ImageStats } from '../../core/model/stats';
import type { LayerFigures } from './stackModel';

const fileBytesCache = new WeakMap<LayerIndex, number>();

/** Sum of regular-file sizes in one layer (the same definition core/model/stats.ts uses for "bytes added"). */
export function fileBytes(idx: LayerIndex): number {
  let v = fileBytesCache.get(idx);
  if (v === undefined) {
    v = 0;
    for (let i = 0; i < idx.count; i++) if (idx.kinds[i] === EntryKind.File) v += idx.sizes[i]!;
    fileBytesCache.set(idx, v);
  }
  return v;
}

export function layerFigures(refs: readonly LayerRef[], indexes: readonly (LayerIndex | null | undefined)[], stats: ImageStats | null): LayerFigures[] {
  return refs.map((ref, i) => {
    const idx = indexes[i];
    // A layer without an index (not read yet, or unreadable) counts as empty in the
    // statistics; the diagram shows its stored size instead of a misleading 0 B.
    const s = idx ? stats?.layers[i] : undefined;
    if (s) {
      return {
        bytes: s.bytesAdded,
        estimated: false,
        hiddenBytes: s.hiddenBytes,
        added: s.added,
        modified: s.modified,
        deleted: s.deleted,
        metadataOnly: s.metadataOnly,
        entries: s.entries,
      };
    }
    if (idx) {
      return { bytes: fileBytes(idx), estimated: false, hiddenBytes: null, added: null, modified: null, deleted: null, metadataOnly: null, entries: idx.count };
    }
    return { bytes: ref.blob.size, estimated: true, hiddenBytes: null, added: null, modified: null, deleted: null, metadataOnly: null, entries: null };
  });
}
