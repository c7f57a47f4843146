/**
 * One path's versions inside one image: every layer that changed it (dive #52,
 * "show what changed in a modified file"), each with the attributes it had as of
 * that layer and what differs from the version before — so the page can show the
 * same content diff between two versions of one path as between two images.
 */
import { pathHistory, type HistoryAction, type UnionModel } from '../model/union';
import type { LayerIndex } from '../types';
import { Diff } from './flags';
import { emptyVersion, fillVersion, typeClass, type CompareSide, type Version } from './side';
import { EntryKind } from '../types';

export interface PathVersion {
  layer: number;
  action: HistoryAction;
  /** The path as of the end of that layer (absent after a deletion). */
  version: Version;
  /** Diff bits against the previous item's version (Added for the first one present; Removed for a deletion). */
  flags: number;
}

/** A side over one image as of `layer`, for reading a path's version there (nothing unknown: one image is compared with itself). */
function sideAt(u: UnionModel, layers: readonly (LayerIndex | null)[], layer: number): CompareSide {
  const n = layers.length;
  return {
    id: 'history',
    union: u,
    layers,
    layer,
    verifiedDiffIds: new Array(n).fill(null),
    claimedDiffIds: new Array(n).fill(null),
    blobIds: new Array(n).fill(null),
    archive: null,
    failed: new Array(n).fill(false),
  };
}

/** What differs between two present versions of one path in one image (their bytes: the same entry, or not). */
function bitsBetween(p: Version, v: Version): number {
  let f = 0;
  if (typeClass(p) !== typeClass(v)) f |= Diff.Type;
  else if (typeClass(v) === EntryKind.File) {
    if (p.size !== v.size) f |= Diff.Size;
    else if (p.contentLayer !== v.contentLayer || p.contentEntry !== v.contentEntry) f |= p.size === 0 ? 0 : Diff.Pending;
  } else if (p.link !== v.link) f |= Diff.Link;
  if (p.devMajor !== v.devMajor || p.devMinor !== v.devMinor) f |= Diff.Device;
  if (p.mode !== v.mode) f |= Diff.Mode;
  if (p.uid !== v.uid) f |= Diff.Uid;
  if (p.gid !== v.gid) f |= Diff.Gid;
  if (!(p.mtime === v.mtime || (Number.isNaN(p.mtime) && Number.isNaN(v.mtime)))) f |= Diff.Mtime;
  return f;
}

/**
 * Every layer that touched `node`, bottom first, with the version as of that layer.
 * `Pending` in `flags` means: rewritten with the same size — whether the bytes
 * changed takes hashing both (the page's content diff reads them anyway).
 */
export function pathVersions(u: UnionModel, layers: readonly (LayerIndex | null)[], node: number): PathVersion[] {
  const out: PathVersion[] = [];
  let prev: Version | null = null;
  for (const h of pathHistory(u, layers, node)) {
    const v = emptyVersion();
    fillVersion(v, sideAt(u, layers, h.layer), node, -1);
    const flags = !v.present ? Diff.Removed : !prev?.present ? Diff.Added : bitsBetween(prev, v);
    out.push({ layer: h.layer, action: h.action, version: v, flags });
    prev = v;
  }
  return out;
}
