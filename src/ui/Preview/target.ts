/**
 * Which version of a path the details pane previews, and starting that preview's read
 * at the selection. The tree's select handler and the details pane both use these, so
 * the read the click starts (startPreviewRead) is the one the Preview asks for and
 * takes over (state/loadSlice.ts), not a second one.
 */
import { resolveHardlink } from '../../core/model/listing';
import { NodeStatus, pathOf, stateAt, type MergedView, type UnionModel } from '../../core/model/union';
import { EntryKind } from '../../core/types';
import type { Layers } from '../../state/hooks';
import { useStore } from '../../state/store';
import { PREVIEW_TEXT_MAX, type PreviewTarget } from './Preview';

/** The version whose attributes are shown: the visible one, or for a deleted path the last one before the deletion. */
export function shownVersion(u: UnionModel, merged: MergedView, node: number): { layer: number; entry: number } | null {
  const st = merged.status[node];
  if (st === NodeStatus.Visible) return { layer: merged.provider[node]!, entry: merged.entry[node]! };
  if (st === NodeStatus.Deleted && merged.provider[node]! > 0) {
    const b = stateAt(u, node, merged.provider[node]! - 1);
    if (b.status === 'visible') return { layer: b.layer, entry: b.entry };
  }
  return null;
}

/** A version to preview: regular files, and hard links through to the file they share an inode with. */
export function previewTargetOf(u: UnionModel, layers: Layers, v: { layer: number; entry: number } | null, name: string): PreviewTarget | null {
  if (!v || v.entry < 0) return null;
  const li = layers[v.layer];
  if (!li) return null;
  let L = v.layer;
  let e = v.entry;
  if (li.kinds[e] === EntryKind.Hardlink) {
    const t = resolveHardlink(u, layers, L, e);
    if (!t) return null;
    [L, e] = t;
  }
  const tl = layers[L];
  if (!tl || tl.kinds[e] !== EntryKind.File) return null;
  return { layer: L, entry: e, name, size: tl.sizes[e]! };
}

/** The file name a node's preview downloads as (the root is '/'). */
export function nodeName(u: UnionModel, node: number): string {
  return node === 0 ? '/' : u.names[u.nameId[node]!]!;
}

/**
 * Select a tree node's path and start the first read its preview will ask for, so the
 * worker decodes while React renders the selection (issue 13: the read used to wait for
 * the Preview's effect, 44-134 ms after the click). Only when the details pane is shown:
 * the image or audit panel mounts no Preview to take the read.
 */
export function selectWithPreview(u: UnionModel, layers: Layers, merged: MergedView, node: number): void {
  const s = useStore.getState();
  const t = s.rightPane === 'details' ? previewTargetOf(u, layers, shownVersion(u, merged, node), nodeName(u, node)) : null;
  // the read first: the selection's subscribers (the URL hash, the store's listeners) run inside selectPath
  s.startPreviewRead(t && { layer: t.layer, entry: t.entry, maxBytes: Math.min(t.size, PREVIEW_TEXT_MAX) });
  s.selectPath(pathOf(u, node));
}
