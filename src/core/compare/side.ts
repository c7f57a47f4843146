/**
 * One side of a comparison and the attributes of a path's version on it.
 *
 * A side is a merged tree: an image's union model seen as of one layer (the top
 * for "image A against image B", layer N for "the tree as of layer N against
 * layer M" of one image). Versions are read from the union's event arrays
 * (union.ts) without building a per-node view, so comparing two million-entry
 * images adds no per-node arrays to the two models.
 *
 * What a path "is" on a side follows what an extracted root filesystem shows
 * (listing.ts, the `ls` columns): a symlink's permission bits are irrelevant
 * (symlink(7)); a hardlink is the inode of its target as it stood when the link
 * was extracted, so it has the target's size, mode, owner and bytes.
 */
import { EntryKind, type LayerIndex } from '../types';
import { IMPLICIT_DIR_MODE, UnionEvent, type UnionModel } from '../model/union';
import { SYMLINK_MODE, traceHardlink } from '../model/listing';

export interface CompareSide {
  /** Distinguishes the sides in digest-cache keys and messages ('a', 'b', or an image's identity). */
  id: string;
  union: UnionModel;
  layers: readonly (LayerIndex | null)[];
  /** The merged tree as of this layer (0-based, inclusive). */
  layer: number;
  /**
   * Per layer: the sha256 of its uncompressed tar as COMPUTED from its bytes (LayerIndex
   * diffIdComputed), or null when not (yet) computed. Two layers whose computed
   * digests are equal hold the same bytes: the proof that their entries are identical.
   */
  verifiedDiffIds: readonly (string | null)[];
  /** Per layer: the diff_id the image's config claims (OCI config.md rootfs.diff_ids); used for the proof only when DiffOptions.trustClaimedDiffIds. */
  claimedDiffIds: readonly (string | null)[];
  /**
   * Per layer: where its bytes are in the archive (entry name, offset, size), and the
   * archive itself (any object, compared by identity). Two sides read from the same
   * archive whose layers are the same stored bytes need no digest to be the same layer.
   */
  blobIds: readonly (string | null)[];
  archive: object | null;
  /** Per layer: it could not be read to its end (no index, or an index that stops at an error). */
  failed: readonly boolean[];
}

/** The highest layer ≤ side.layer that could not be read, or -1. Versions from it or below are uncertain. */
export function highestFailed(side: CompareSide): number {
  for (let L = Math.min(side.layer, side.failed.length - 1); L >= 0; L--) if (side.failed[L]) return L;
  return -1;
}

/** A layer's content identity on this side for the proof, or null. */
export function layerIdentity(side: CompareSide, layer: number, trustClaimed: boolean): string | null {
  return side.verifiedDiffIds[layer] ?? (trustClaimed ? side.claimedDiffIds[layer] : null) ?? null;
}

/** Whether layer La of side a and Lb of side b are proven to hold the same bytes. */
export function sameLayerBytes(a: CompareSide, La: number, b: CompareSide, Lb: number, trustClaimed: boolean): boolean {
  if (a.archive !== null && a.archive === b.archive) {
    const x = a.blobIds[La];
    if (x != null && x === b.blobIds[Lb]) return true;
  }
  const ka = layerIdentity(a, La, trustClaimed);
  return ka !== null && ka === layerIdentity(b, Lb, trustClaimed);
}

/** A path's version on one side: filled in place (one scratch object per side, no object per path). */
export interface Version {
  present: boolean;
  /** False when a layer that could not be read may have changed this path (see `fillVersion`). */
  certain: boolean;
  /** Providing layer (-1 when absent). */
  layer: number;
  /** Providing entry in that layer; -1 for an implied parent directory (and when absent). */
  entry: number;
  /** EntryKind of the entry (implied directories: Dir). A hardlink stays Hardlink here; see `typeClass`. */
  kind: EntryKind;
  /** Regular-file bytes: a file's size, a resolved hardlink's target size; 0 otherwise. */
  size: number;
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch; NaN for an implied directory (it has no header). */
  mtime: number;
  /** Symlink target (raw), or a hardlink's target as '/abs/path'. */
  link: string;
  devMajor: number;
  devMinor: number;
  xattrs: Record<string, Uint8Array> | null;
  /** Where this version's bytes are: the file's own entry, or a hardlink's resolved target; -1 when it has none. */
  contentLayer: number;
  contentEntry: number;
  /** The hardlink cannot be resolved (`tar -x` would fail on it): no bytes to compare. */
  brokenLink: boolean;
}

export function emptyVersion(): Version {
  return {
    present: false,
    certain: true,
    layer: -1,
    entry: -1,
    kind: EntryKind.Dir,
    size: 0,
    mode: 0,
    uid: 0,
    gid: 0,
    mtime: Number.NaN,
    link: '',
    devMajor: 0,
    devMinor: 0,
    xattrs: null,
    contentLayer: -1,
    contentEntry: -1,
    brokenLink: false,
  };
}

/** Index of the node's last event at or below `layer`, or -1 (the event arrays are in layer order). */
export function lastEventAt(u: UnionModel, node: number, layer: number): number {
  const s = u.evStart[node]!;
  let j = u.evStart[node + 1]! - 1;
  while (j >= s && u.evLayer[j]! > layer) j--;
  return j >= s ? j : -1;
}

/** Whether the node is visible in the side's merged tree (the root always is). */
export function isVisible(side: CompareSide, node: number): boolean {
  if (node === 0) return true;
  const j = lastEventAt(side.union, node, side.layer);
  if (j < 0) return false;
  const k = side.union.evKind[j];
  return k === UnionEvent.Set || k === UnionEvent.Implicit;
}

/**
 * Fill `v` with the node's version on the side. `failedAbove` is highestFailed(side):
 * a layer that could not be read to its end may hold, in the part not read, any
 * entry — a file, a whiteout, an opaque marker — for any path. So a version is
 * certain only when a layer above every failed one provides it with an entry (an
 * entry replaces whatever was below it, OCI layer.md "Applying Changesets"); an
 * implied directory above a failed layer may really be a directory that layer made
 * with other attributes, and an absence may be a file that layer added.
 */
export function fillVersion(v: Version, side: CompareSide, node: number, failedAbove: number): void {
  const u = side.union;
  const j = node < 0 ? -1 : lastEventAt(u, node, side.layer);
  const k = j >= 0 ? u.evKind[j] : -1;
  v.xattrs = null;
  v.link = '';
  v.devMajor = 0;
  v.devMinor = 0;
  v.contentLayer = -1;
  v.contentEntry = -1;
  v.brokenLink = false;
  v.size = 0;
  if (node === 0 && (j < 0 || k === UnionEvent.Implicit)) {
    // the root exists whatever the layers say; without an entry of its own it has the implied attributes
    setImplicit(v, j >= 0 ? u.evLayer[j]! : -1, failedAbove < 0);
    return;
  }
  if (k !== UnionEvent.Set && k !== UnionEvent.Implicit) {
    v.present = false;
    v.certain = failedAbove < 0;
    v.layer = -1;
    v.entry = -1;
    v.kind = EntryKind.Dir;
    v.mode = 0;
    v.uid = 0;
    v.gid = 0;
    v.mtime = Number.NaN;
    return;
  }
  const L = u.evLayer[j]!;
  if (k === UnionEvent.Implicit) {
    setImplicit(v, L, failedAbove < 0);
    return;
  }
  const e = u.evEntry[j]!;
  const li = side.layers[L]!;
  const kind = li.kinds[e] as EntryKind;
  v.present = true;
  v.certain = L > failedAbove;
  v.layer = L;
  v.entry = e;
  v.kind = kind;
  v.mode = kind === EntryKind.Symlink ? SYMLINK_MODE : li.modes[e]! & 0o7777;
  v.uid = li.uids[e]!;
  v.gid = li.gids[e]!;
  v.mtime = li.mtimes[e]!;
  v.xattrs = li.xattrs.get(e) ?? null;
  const id = li.linkIds[e]!;
  if (kind === EntryKind.File) {
    v.size = li.sizes[e]!;
    v.contentLayer = L;
    v.contentEntry = e;
  } else if (kind === EntryKind.Symlink) {
    v.link = id >= 0 ? (li.links[id] ?? '') : '';
  } else if (kind === EntryKind.Char || kind === EntryKind.Block) {
    const d = li.devs.get(e);
    if (d) {
      v.devMajor = d[0];
      v.devMinor = d[1];
    }
  } else if (kind === EntryKind.Hardlink) {
    v.link = id >= 0 ? '/' + li.links[id] : '';
    const r = traceHardlink(u, side.layers, L, e);
    if ('target' in r) {
      const [tl, te] = r.target;
      const t = side.layers[tl]!;
      // the same inode as the target: its attributes and bytes (what `stat` shows after extraction)
      v.mode = t.modes[te]! & 0o7777;
      v.uid = t.uids[te]!;
      v.gid = t.gids[te]!;
      v.mtime = t.mtimes[te]!;
      v.xattrs = t.xattrs.get(te) ?? null;
      if (t.kinds[te] === EntryKind.File) {
        v.size = t.sizes[te]!;
        v.contentLayer = tl;
        v.contentEntry = te;
      }
      // a hardlink into a layer that could not be read is only as certain as that layer
      if (tl <= failedAbove) v.certain = false;
    } else {
      v.brokenLink = true;
    }
  }
}

function setImplicit(v: Version, layer: number, certain: boolean): void {
  v.present = true;
  v.certain = certain;
  v.layer = layer;
  v.entry = -1;
  v.kind = EntryKind.Dir;
  v.mode = IMPLICIT_DIR_MODE;
  v.uid = 0;
  v.gid = 0;
  v.mtime = Number.NaN;
}

/**
 * What a version is, for "did its type change": a resolved hardlink is a regular
 * file (the extracted filesystem has a file there; which of two names tar stored
 * first as the file and which as the link changes from build to build). A hardlink
 * that cannot be resolved stays a hardlink.
 */
export function typeClass(v: Version): EntryKind {
  if (v.kind === EntryKind.Hardlink && !v.brokenLink) return EntryKind.File;
  return v.kind;
}

export const isDirVersion = (v: Version): boolean => v.present && v.kind === EntryKind.Dir;

/** The bytes the version adds to a tree, for size deltas: a regular file's size. A hardlink shares its target's inode and adds nothing. */
export function ownBytes(v: Version): number {
  return v.present && v.kind === EntryKind.File ? v.size : 0;
}

/** Equal xattrs: the same names with the same bytes (security.capability is binary). */
export function sameXattrs(a: Record<string, Uint8Array> | null, b: Record<string, Uint8Array> | null): boolean {
  if (a === b) return true;
  const ka = a ? Object.keys(a) : [];
  const kb = b ? Object.keys(b) : [];
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    const x = a![k]!;
    const y = b?.[k];
    if (!y || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  }
  return true;
}
