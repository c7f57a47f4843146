/**
 * The merged-tree diff: two sides (side.ts) walked together, directory by
 * directory, keeping only the paths that differ.
 *
 * Both union models keep each directory's children sorted bytewise by name
 * (union.ts), so a directory pair is a merge join of two sorted lists; a path
 * present on one side only is added or removed with everything below it; a
 * directory on both sides is descended into. Whiteouts and opaque directories
 * need no rule of their own here: each side's union already applied them (OCI
 * image-spec layer.md), and a deleted path is simply not visible on that side.
 *
 * Memory: the walk reads the models in place; what it keeps is one record per
 * differing path (plus the directory stack), so it is bounded by the two indexes
 * plus what is proportional to the changes.
 *
 * Content is never assumed equal (issue 11): equal-size files are identical when
 * they come from the same layer bytes (the same computed diff_id, or the same
 * stored blob of one archive) and the same entry, or when both are empty, or when
 * their sha256 is known (DigestCache); otherwise they are recorded `Pending` and
 * proof.ts hashes exactly those files.
 */
import { EntryKind, type LayerIndex } from '../types';
import { compareBytewise } from '../model/pathTrie';
import type { UnionModel } from '../model/union';
import { LayerscopeError } from '../errors';
import { Diff } from './flags';
import type { DigestCache } from './digests';
import {
  emptyVersion,
  fillVersion,
  highestFailed,
  isDirVersion,
  isVisible,
  ownBytes,
  sameLayerBytes,
  sameXattrs,
  typeClass,
  type CompareSide,
  type Version,
} from './side';

export interface DiffOptions {
  /** Count modification times as a metadata change (dive ignores them; default false). */
  mtime?: boolean;
  /**
   * Take the diff_ids the configs claim as proof that two layers are the same bytes,
   * before the layers were hashed. The page does this to show a comparison at once
   * and re-runs the diff when the digest check behind it has finished; the result
   * says it is provisional (TreeDiff.provisional). Default false.
   */
  trustClaimedDiffIds?: boolean;
}

/** How the content of an equal-size pair of files is known. */
export const Proof = {
  /** Not two regular files of equal size (or sizes differ: no need). */
  None: 0,
  /** Both empty. */
  Empty: 1,
  /** The same entry of the same layer bytes. */
  SameLayer: 2,
  /** sha256 of both is known (hashed, or cached from an earlier comparison). */
  Digest: 3,
  /** Not known yet: to be hashed (proof.ts). */
  Pending: 4,
} as const;
export type Proof = (typeof Proof)[keyof typeof Proof];

/** Marks an absent side in `kindA`/`kindB`. */
export const ABSENT_KIND = 255;

/** One record per differing path, column-wise, sorted bytewise by path (the `ls` order). */
export interface TreeDiff {
  options: Required<DiffOptions>;
  count: number;
  /** Absolute paths ('/a/b'). */
  paths: string[];
  /** Union nodes on each side, -1 where absent. */
  nodeA: Int32Array;
  nodeB: Int32Array;
  /** Providing layer on each side, -1 where absent (an implied directory: the layer that implied it). */
  layerA: Int32Array;
  layerB: Int32Array;
  /** Providing entry, -1 for implied directories and where absent. */
  entryA: Int32Array;
  entryB: Int32Array;
  /** EntryKind of each version, ABSENT_KIND where absent. */
  kindA: Uint8Array;
  kindB: Uint8Array;
  /** `ls` sizes: a file's size, a resolved hardlink's target size, 0 otherwise. */
  sizeA: Float64Array;
  sizeB: Float64Array;
  /** Bytes the path adds to the tree (regular files only; a hardlink shares its target's): what size deltas sum. */
  bytesA: Float64Array;
  bytesB: Float64Array;
  /** Diff bits (flags.ts). */
  flags: Uint32Array;
  /** Proof values (how equal-size contents are known). */
  proof: Uint8Array;
  /** Where each version's bytes are (a hardlink's target), -1 when none: what proof.ts hashes. */
  contentLayerA: Int32Array;
  contentEntryA: Int32Array;
  contentLayerB: Int32Array;
  contentEntryB: Int32Array;
  /** Paths visible on either side (the root excluded), differing or not. */
  compared: number;
  /** The highest layer of each side that could not be read (-1: none); versions at or below it are 'unknown'. */
  failedA: number;
  failedB: number;
  /** Some layer identity came from a claimed (unverified) diff_id: the result must be re-derived once the layers are hashed. */
  provisional: boolean;
}

/** Column arrays start this big and double. */
const INITIAL_RECORDS = 256;

class Records {
  count = 0;
  paths: string[] = [];
  nodeA = new Int32Array(INITIAL_RECORDS);
  nodeB = new Int32Array(INITIAL_RECORDS);
  layerA = new Int32Array(INITIAL_RECORDS);
  layerB = new Int32Array(INITIAL_RECORDS);
  entryA = new Int32Array(INITIAL_RECORDS);
  entryB = new Int32Array(INITIAL_RECORDS);
  kindA = new Uint8Array(INITIAL_RECORDS);
  kindB = new Uint8Array(INITIAL_RECORDS);
  sizeA = new Float64Array(INITIAL_RECORDS);
  sizeB = new Float64Array(INITIAL_RECORDS);
  bytesA = new Float64Array(INITIAL_RECORDS);
  bytesB = new Float64Array(INITIAL_RECORDS);
  flags = new Uint32Array(INITIAL_RECORDS);
  proof = new Uint8Array(INITIAL_RECORDS);
  contentLayerA = new Int32Array(INITIAL_RECORDS);
  contentEntryA = new Int32Array(INITIAL_RECORDS);
  contentLayerB = new Int32Array(INITIAL_RECORDS);
  contentEntryB = new Int32Array(INITIAL_RECORDS);

  private static readonly COLUMNS = [
    'nodeA',
    'nodeB',
    'layerA',
    'layerB',
    'entryA',
    'entryB',
    'kindA',
    'kindB',
    'sizeA',
    'sizeB',
    'bytesA',
    'bytesB',
    'flags',
    'proof',
    'contentLayerA',
    'contentEntryA',
    'contentLayerB',
    'contentEntryB',
  ] as const;

  add(path: string, na: number, nb: number, va: Version, vb: Version, flags: number, proof: number): void {
    const i = this.count++;
    if (i >= this.nodeA.length) {
      for (const c of Records.COLUMNS) {
        const a = this[c];
        const b = new (a.constructor as new (n: number) => typeof a)(a.length * 2);
        b.set(a as never);
        (this as Record<string, unknown>)[c] = b;
      }
    }
    this.paths.push(path);
    this.nodeA[i] = va.present ? na : -1;
    this.nodeB[i] = vb.present ? nb : -1;
    this.layerA[i] = va.present ? va.layer : -1;
    this.layerB[i] = vb.present ? vb.layer : -1;
    this.entryA[i] = va.present ? va.entry : -1;
    this.entryB[i] = vb.present ? vb.entry : -1;
    this.kindA[i] = va.present ? va.kind : ABSENT_KIND;
    this.kindB[i] = vb.present ? vb.kind : ABSENT_KIND;
    this.sizeA[i] = va.present ? va.size : 0;
    this.sizeB[i] = vb.present ? vb.size : 0;
    this.bytesA[i] = ownBytes(va);
    this.bytesB[i] = ownBytes(vb);
    this.flags[i] = flags;
    this.proof[i] = proof;
    this.contentLayerA[i] = va.present ? va.contentLayer : -1;
    this.contentEntryA[i] = va.present ? va.contentEntry : -1;
    this.contentLayerB[i] = vb.present ? vb.contentLayer : -1;
    this.contentEntryB[i] = vb.present ? vb.contentEntry : -1;
  }

  /** The records sorted bytewise by path, in exact-length arrays. */
  finish(): Omit<TreeDiff, 'options' | 'compared' | 'failedA' | 'failedB' | 'provisional'> {
    const n = this.count;
    const order = Array.from({ length: n }, (_, i) => i);
    const paths = this.paths;
    order.sort((x, y) => compareBytewise(paths[x]!, paths[y]!));
    const out: Record<string, unknown> = { count: n, paths: order.map((i) => paths[i]) };
    for (const c of Records.COLUMNS) {
      const a = this[c];
      const b = new (a.constructor as new (n: number) => typeof a)(n);
      for (let k = 0; k < n; k++) b[k] = a[order[k]!]!;
      out[c] = b;
    }
    return out as unknown as ReturnType<Records['finish']>;
  }
}

/**
 * Compare two present versions: the Diff bits, and how equal-size contents are
 * known (returned through `proofOut`, to keep the hot loop free of objects).
 */
let proofOut: Proof = Proof.None;

function versionBits(va: Version, vb: Version, a: CompareSide, b: CompareSide, opts: Required<DiffOptions>, cache: DigestCache | null): number {
  proofOut = Proof.None;
  let f = 0;
  const ta = typeClass(va);
  const tb = typeClass(vb);
  if (ta !== tb) return Diff.Type | attrBits(va, vb, opts);
  if (ta === EntryKind.File) {
    if (va.size !== vb.size) f |= Diff.Size;
    else f |= contentBits(va, vb, a, b, opts, cache);
    const ha = va.kind === EntryKind.Hardlink;
    const hb = vb.kind === EntryKind.Hardlink;
    if (ha !== hb || (ha && va.link !== vb.link)) f |= Diff.Hardlink;
  } else if (ta === EntryKind.Symlink) {
    if (va.link !== vb.link) f |= Diff.Link;
  } else if (ta === EntryKind.Char || ta === EntryKind.Block) {
    if (va.devMajor !== vb.devMajor || va.devMinor !== vb.devMinor) f |= Diff.Device;
  } else if (ta === EntryKind.Hardlink) {
    // hardlinks that cannot be resolved: all there is to compare is what they name
    if (va.link !== vb.link) f |= Diff.Link;
  }
  return f | attrBits(va, vb, opts);
}

function attrBits(va: Version, vb: Version, opts: Required<DiffOptions>): number {
  let f = 0;
  if (va.mode !== vb.mode) f |= Diff.Mode;
  if (va.uid !== vb.uid) f |= Diff.Uid;
  if (va.gid !== vb.gid) f |= Diff.Gid;
  if (opts.mtime && !(va.mtime === vb.mtime || (Number.isNaN(va.mtime) && Number.isNaN(vb.mtime)))) f |= Diff.Mtime;
  if (!sameXattrs(va.xattrs, vb.xattrs)) f |= Diff.Xattrs;
  return f;
}

function contentBits(va: Version, vb: Version, a: CompareSide, b: CompareSide, opts: Required<DiffOptions>, cache: DigestCache | null): number {
  if (va.size === 0) {
    proofOut = Proof.Empty;
    return 0;
  }
  if (va.contentLayer < 0 || vb.contentLayer < 0) return Diff.Unreadable;
  if (va.contentEntry === vb.contentEntry && sameLayerBytes(a, va.contentLayer, b, vb.contentLayer, opts.trustClaimedDiffIds)) {
    proofOut = Proof.SameLayer;
    return 0;
  }
  const da = cache?.get(a, va.contentLayer, va.contentEntry);
  const db = da !== undefined ? cache?.get(b, vb.contentLayer, vb.contentEntry) : undefined;
  if (da !== undefined && db !== undefined) {
    proofOut = Proof.Digest;
    return da === db ? 0 : Diff.Content;
  }
  proofOut = Proof.Pending;
  return Diff.Pending;
}

/** Children of a node, or none for -1. */
function kids(u: UnionModel, node: number): Uint32Array {
  return node < 0 ? EMPTY : u.children.subarray(u.childStart[node], u.childStart[node + 1]);
}
const EMPTY = new Uint32Array(0);

/** Longest path walked (in segments); deeper paths would only come from a hostile image (PATH_MAX is 4096 bytes). */
export const MAX_DIFF_DEPTH = 4096;

/** Diff the merged trees of two sides. `cache`: digests known from earlier comparisons. */
export function diffTrees(a: CompareSide, b: CompareSide, options: DiffOptions = {}, cache: DigestCache | null = null): TreeDiff {
  const opts: Required<DiffOptions> = { mtime: options.mtime ?? false, trustClaimedDiffIds: options.trustClaimedDiffIds ?? false };
  const ua = a.union;
  const ub = b.union;
  const failedA = highestFailed(a);
  const failedB = highestFailed(b);
  const recs = new Records();
  const va = emptyVersion();
  const vb = emptyVersion();
  let compared = 0;
  let provisional = false;

  const unknownBits = (): number => (va.certain ? 0 : Diff.UnknownA) | (vb.certain ? 0 : Diff.UnknownB);

  // Directory pairs to descend into: (nodeA, nodeB, path); -1 on one side = a subtree only the other side has.
  const stackA: number[] = [0];
  const stackB: number[] = [0];
  const stackPath: string[] = [''];
  const stackDepth: number[] = [0];

  /** One path: na / nb are its nodes on each side, -1 where the name is not in that directory. */
  const visit = (na: number, nb: number, path: string, depth: number): void => {
    const inA = na >= 0 && isVisible(a, na);
    const inB = nb >= 0 && isVisible(b, nb);
    if (!inA && !inB) return;
    compared++;
    fillVersion(va, a, inA ? na : -1, failedA);
    fillVersion(vb, b, inB ? nb : -1, failedB);
    let flags = unknownBits();
    let proof: number = Proof.None;
    if (inA && inB) {
      flags |= versionBits(va, vb, a, b, opts, cache);
      proof = proofOut;
      if (proof === Proof.SameLayer && opts.trustClaimedDiffIds && !sameLayerBytes(a, va.contentLayer, b, vb.contentLayer, false)) provisional = true;
    } else {
      flags |= inA ? Diff.Removed : Diff.Added;
    }
    if (flags !== 0) recs.add(path, na, nb, va, vb, flags, proof);
    const dirA = inA && isDirVersion(va);
    const dirB = inB && isDirVersion(vb);
    if (dirA || dirB) {
      if (depth >= MAX_DIFF_DEPTH) throw new LayerscopeError('LIMIT', `paths deeper than ${MAX_DIFF_DEPTH} levels`);
      stackA.push(dirA ? na : -1);
      stackB.push(dirB ? nb : -1);
      stackPath.push(path);
      stackDepth.push(depth + 1);
    }
  };

  while (stackA.length > 0) {
    const pa = stackA.pop()!;
    const pb = stackB.pop()!;
    const dir = stackPath.pop()!;
    const depth = stackDepth.pop()!;
    const ca = kids(ua, pa);
    const cb = kids(ub, pb);
    let i = 0;
    let j = 0;
    while (i < ca.length || j < cb.length) {
      let x = -1;
      let y = -1;
      let name: string;
      if (j >= cb.length) {
        x = ca[i++]!;
        name = ua.names[ua.nameId[x]!]!;
      } else if (i >= ca.length) {
        y = cb[j++]!;
        name = ub.names[ub.nameId[y]!]!;
      } else {
        const nx = ua.names[ua.nameId[ca[i]!]!]!;
        const ny = ub.names[ub.nameId[cb[j]!]!]!;
        const c = nx === ny ? 0 : compareBytewise(nx, ny);
        if (c <= 0) x = ca[i++]!;
        if (c >= 0) y = cb[j++]!;
        name = c <= 0 ? nx : ny;
      }
      visit(x, y, `${dir}/${name}`, depth);
    }
  }

  return { ...recs.finish(), options: opts, compared, failedA, failedB, provisional };
}

/** The side for one loaded image at `layer` (default: the top). Kept here so the page, the CLI and tests build sides alike. */
export interface SideSource {
  union: UnionModel;
  layers: readonly (LayerIndex | null)[];
  refs: readonly { diffId: string | null; blob: { entryName: string; offset: number; size: number } }[];
  layerErrors: readonly (string | null)[];
  archive: object | null;
}

export function sideOf(id: string, src: SideSource, layer = src.refs.length - 1): CompareSide {
  const n = src.refs.length;
  return {
    id,
    union: src.union,
    layers: src.layers,
    layer,
    verifiedDiffIds: Array.from({ length: n }, (_, i) => src.layers[i]?.diffIdComputed ?? null),
    claimedDiffIds: src.refs.map((r) => r.diffId),
    blobIds: src.refs.map((r) => `${r.blob.entryName}@${r.blob.offset}+${r.blob.size}`),
    archive: src.archive,
    failed: Array.from({ length: n }, (_, i) => src.layers[i] === null || src.layers[i]?.error != null || src.layerErrors[i] != null),
  };
}
