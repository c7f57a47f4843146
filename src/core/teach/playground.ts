/**
 * The container playground's read-write layer, modelled the way overlayfs and
 * Docker's overlay2 driver record a running container's changes:
 *
 * - Starting a container puts one empty, writable "upper" directory on top of
 *   the image's read-only layers (overlayfs.rst, "Upper and Lower").
 * - Writing to a file that lives in a lower layer first copies it up into the
 *   upper layer, with the lower version's owner and mode; the lower bytes stay
 *   where they are (overlayfs.rst, "Non-directories": "copy_up").
 * - Deleting something that exists below cannot touch the read-only layer, so
 *   a whiteout is recorded instead; in an image layer that is an empty file
 *   named `.wh.<name>` (OCI image-spec layer.md, "Whiteouts").
 * - A directory created where a whiteout stood is opaque: nothing of the lower
 *   directory shows through it (overlayfs.rst, "whiteouts and opaque
 *   directories"); in a layer that is a `.wh..wh..opq` entry inside it
 *   (layer.md, "Opaque Whiteout").
 * - Creating or changing an entry copies up its parent directories too, so the
 *   changeset carries them, as `docker diff`/`docker commit` do.
 *
 * The layer is then serialized as a real tar (writeTar) and indexed into a
 * LayerIndex whose data offsets point into that tar, so it can be appended to
 * the image's layers and the union model, tree, statistics and content reads
 * treat it like any other layer. Everything here is pure and synchronous:
 * operations take a Container and return a new one (the old one is untouched).
 */
import { EntryKind, type LayerIndex } from '../types';
import { emptyLayerIndex } from '../read/layerScan';
import { compareBytewise } from '../model/pathTrie';
import { lookup, type MergedView, type UnionModel } from '../model/union';
import { writeTar, type TarWriteEntry } from '../write/tarWriter';
import { TarParser } from '../read/tar/parser';
import { LayerscopeError } from '../errors';
import { opaquePath, whiteoutPath, WHITEOUT_PREFIX } from '../model/whiteout';

/** Mode of files and directories created in the container: what a root shell with umask 022 gives. */
export const NEW_FILE_MODE = 0o644;
export const NEW_DIR_MODE = 0o755;
/** Whiteout files carry no meaning in their mode; Docker writes them with mode 0. */
export const WHITEOUT_MODE = 0;
/** Implied parent directories (no entry in any layer) exist as 0755 root:root (see model/union.ts). */
const IMPLICIT_DIR_MODE = 0o755;

/**
 * Longest path (in UTF-8 bytes) accepted from the user: Linux PATH_MAX is 4096,
 * and tar stores longer names only through pax records; beyond that it is a typo.
 */
export const MAX_PATH_BYTES = 4096;
/** Longest single name: NAME_MAX on Linux filesystems (ext4, overlayfs). */
export const MAX_NAME_BYTES = 255;

export type RwKind = 'file' | 'dir' | 'symlink' | 'whiteout' | 'opaque';

/** One entry of the read-write layer, keyed by its tar member path. */
export interface RwEntry {
  /** Normalized member path (no leading '/'); whiteouts carry their own path, e.g. `etc/.wh.motd`. */
  path: string;
  kind: RwKind;
  /** File contents ('file' only). */
  data: Uint8Array | null;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  /** Symlink target (raw). */
  linkname: string;
  /**
   * Where a copy-up took this entry from (set by chmod/touch/rename, kept when it
   * is renamed again): a renamed copy has no lower version at its own path, yet
   * its bytes are a lower layer's. Not written to the tar.
   */
  copiedFrom?: { layer: number; path: string };
}

/** The image below the container: read-only, fixed for the container's life. */
export interface Lower {
  union: UnionModel;
  layers: (LayerIndex | null)[];
  /** mergedAt(union, layers, layers.length - 1): the filesystem the container starts from. */
  view: MergedView;
}

export interface Container {
  lower: Lower;
  /** The read-write layer's entries by member path. Replaced whole on every operation. */
  entries: ReadonlyMap<string, RwEntry>;
}

/** What a path is in the lower (image) filesystem. */
export interface LowerStat {
  kind: 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  /** Layer that provides this version and its entry index there (-1 for an implied directory). */
  layer: number;
  entry: number;
  linkname: string;
}

/** What a path is in the container's merged view (read-write layer over the image). */
export interface Resolved {
  /** The read-write layer's own entry for this path (file, dir or symlink), if any. */
  rw: RwEntry | null;
  /** The lower version still reachable at this path (not hidden by a whiteout, opaque dir or replacement in the read-write layer). */
  lower: LowerStat | null;
  kind: 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';
}

export type OpRecord =
  | {
      op: 'write';
      path: string;
      /** True when the path did not exist before. */
      created: boolean;
      /** Set when the file came from a lower layer and was copied up before being changed. */
      copyUp: { layer: number; size: number } | null;
      size: number;
      /** A whiteout this write replaced (re-creating a deleted file). */
      replacedWhiteout: string | null;
      parentsCopiedUp: string[];
    }
  | {
      op: 'mkdir';
      path: string;
      /** Member path of the opaque marker written, when the directory replaced a whiteout. */
      opaque: string | null;
      /** The lower directory the opaque marker hides, and its visible bytes. */
      hides: { layer: number; bytes: number } | null;
      parentsCopiedUp: string[];
    }
  | {
      op: 'delete';
      path: string;
      kind: Resolved['kind'];
      /** Member path of the whiteout written (null when the path only existed in the read-write layer). */
      whiteout: string | null;
      /** Layer providing the hidden lower version. */
      hidesLayer: number | null;
      /** File bytes of the lower version (whole subtree for a directory) that the whiteout hides and that still ship in the image. */
      hiddenBytes: number;
      /** Entries of the read-write layer that were simply dropped. */
      removedFromRw: number;
      parentsCopiedUp: string[];
    }
  | {
      /** chmod or touch: only attributes change, yet a lower file is copied up whole (overlayfs without metacopy). */
      op: 'chmod' | 'touch';
      path: string;
      kind: Resolved['kind'];
      /** touch of a missing path: an empty file was created. */
      created: boolean;
      modeBefore: number;
      modeAfter: number;
      copyUp: { layer: number; size: number } | null;
      parentsCopiedUp: string[];
    }
  | {
      op: 'rename';
      /** The new path. */
      path: string;
      from: string;
      kind: Resolved['kind'];
      /** The lower version was copied up under the new name. */
      copyUp: { layer: number; size: number } | null;
      /** Whiteout written at the old name (the lower version there stays in its layer). */
      whiteout: string | null;
      /** Entries of the read-write layer moved to the new name. */
      moved: number;
      parentsCopiedUp: string[];
    };

export interface OpResult {
  container: Container;
  record: OpRecord;
}

/** Start a container over an image: an empty read-write layer. */
export function startContainer(lower: Lower): Container {
  return { lower, entries: new Map() };
}

/** Accepts '/a/b', 'a/b', 'a/b/'; rejects '.', '..', empty segments, reserved `.wh.` names and absurd lengths. */
export function normalizeUserPath(p: string): string {
  const trimmed = p.trim().replace(/^\/+/, '').replace(/\/+$/, '');
  if (trimmed === '') return '';
  if (new TextEncoder().encode(trimmed).length > MAX_PATH_BYTES) throw new LayerscopeError('LIMIT', `path longer than ${MAX_PATH_BYTES} bytes`);
  const segs = trimmed.split('/');
  for (const s of segs) {
    if (s === '' || s === '.' || s === '..') throw new LayerscopeError('NOT_FOUND', `invalid path "/${trimmed}": empty, "." or ".." segment`);
    if (s.startsWith(WHITEOUT_PREFIX))
      // layer.md: "any file with the .wh. prefix" is a whiteout marker, so such names cannot be real files in a layer.
      throw new LayerscopeError('NOT_FOUND', `"${s}": names starting with ${WHITEOUT_PREFIX} are reserved for whiteouts (OCI image-spec layer.md)`);
    if (new TextEncoder().encode(s).length > MAX_NAME_BYTES) throw new LayerscopeError('LIMIT', `name longer than ${MAX_NAME_BYTES} bytes`);
    if (s.includes('\0')) throw new LayerscopeError('NOT_FOUND', 'names cannot contain NUL');
  }
  return segs.join('/');
}

const join = (dir: string, name: string) => (dir === '' ? name : `${dir}/${name}`);
const parentOf = (p: string) => {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
};

const KIND_NAME: Partial<Record<number, LowerStat['kind']>> = {
  [EntryKind.File]: 'file',
  [EntryKind.Dir]: 'dir',
  [EntryKind.Symlink]: 'symlink',
  [EntryKind.Hardlink]: 'hardlink',
};

/** The lower (image) version visible at `path` at the top of the image, or null. */
export function lowerStat(lower: Lower, path: string): LowerStat | null {
  const node = lookup(lower.union, path);
  if (node < 0 || lower.view.status[node] !== 1) return null;
  const layer = lower.view.provider[node]!;
  const entry = lower.view.entry[node]!;
  const idx = layer >= 0 ? lower.layers[layer] : null;
  if (entry < 0 || !idx) {
    return { kind: 'dir', size: 0, mode: IMPLICIT_DIR_MODE, uid: 0, gid: 0, mtime: 0, layer, entry: -1, linkname: '' };
  }
  const kind = KIND_NAME[idx.kinds[entry]!] ?? 'other';
  const link = idx.linkIds[entry]! >= 0 ? (idx.links[idx.linkIds[entry]!] ?? '') : '';
  return {
    kind,
    size: kind === 'file' ? idx.sizes[entry]! : 0,
    mode: idx.modes[entry]!,
    uid: idx.uids[entry]!,
    gid: idx.gids[entry]!,
    mtime: idx.mtimes[entry]!,
    layer,
    entry,
    linkname: link,
  };
}

/** Hardlink chains deeper than this are treated as broken (tar hardlinks point at a regular file; a chain means a malformed layer). */
const MAX_HARDLINK_HOPS = 8;

/**
 * Where the bytes of a lower file are: its own entry, or for a hardlink the
 * entry of the file it links to (which may sit in a lower layer).
 */
export function lowerContent(lower: Lower, path: string): { layer: number; entry: number; size: number } | null {
  let st = lowerStat(lower, path);
  for (let hops = 0; st && st.kind === 'hardlink' && hops < MAX_HARDLINK_HOPS; hops++) st = lowerStat(lower, st.linkname);
  if (st?.kind !== 'file' || st.entry < 0) return null;
  return { layer: st.layer, entry: st.entry, size: st.size };
}

/** What `path` is in the container (read-write layer over the image), or null if it does not exist. */
export function resolvePath(c: Container, path: string): Resolved | null {
  if (path === '') {
    return { rw: c.entries.get('') ?? null, lower: lowerStat(c.lower, ''), kind: 'dir' };
  }
  const segs = path.split('/');
  let lowerHidden = false;
  let prefix = '';
  for (let i = 0; i < segs.length; i++) {
    const dir = prefix;
    prefix = join(dir, segs[i]!);
    // An opaque directory hides every lower child; a whiteout hides the lower path itself.
    if (c.entries.get(opaquePath(dir))?.kind === 'opaque') lowerHidden = true;
    if (c.entries.get(join(dir, WHITEOUT_PREFIX + segs[i]))?.kind === 'whiteout') lowerHidden = true;
    const rw = c.entries.get(prefix) ?? null;
    const lower = lowerHidden ? null : lowerStat(c.lower, prefix);
    const last = i === segs.length - 1;
    if (last) {
      if (!rw && !lower) return null;
      return { rw, lower, kind: rw ? (rw.kind as Resolved['kind']) : lower!.kind };
    }
    if (rw) {
      if (rw.kind !== 'dir') return null; // a non-directory in the upper layer cuts the path
      // A directory in the upper layer over a non-directory below replaced it: nothing below shows through.
      if (lower?.kind !== 'dir') lowerHidden = true;
    } else if (lower?.kind !== 'dir') {
      return null;
    }
  }
  return null;
}

function requireParentDir(c: Container, path: string): void {
  const parent = parentOf(path);
  const r = resolvePath(c, parent);
  if (!r) throw new LayerscopeError('NOT_FOUND', `/${parent}: no such directory`);
  if (r.kind !== 'dir') throw new LayerscopeError('NOT_FOUND', `/${parent}: not a directory`);
}

/**
 * Copy up every ancestor directory of `path` that is not yet in the upper
 * layer (overlayfs copies up the parent chain before creating or changing an
 * entry). The direct parent's mtime becomes `now` (its listing changed).
 */
function copyUpParents(c: Container, entries: Map<string, RwEntry>, path: string, now: number): string[] {
  const copied: string[] = [];
  const segs = path.split('/');
  let prefix = '';
  for (let i = 0; i < segs.length - 1; i++) {
    prefix = join(prefix, segs[i]!);
    const existing = entries.get(prefix);
    const isDirectParent = i === segs.length - 2;
    if (existing) {
      if (isDirectParent && existing.kind === 'dir') entries.set(prefix, { ...existing, mtime: now });
      continue;
    }
    const r = resolvePath({ lower: c.lower, entries }, prefix);
    const src = r?.lower;
    entries.set(prefix, {
      path: prefix,
      kind: 'dir',
      data: null,
      mode: src ? src.mode : IMPLICIT_DIR_MODE,
      uid: src ? src.uid : 0,
      gid: src ? src.gid : 0,
      mtime: isDirectParent ? now : src ? src.mtime : now,
      linkname: '',
    });
    copied.push('/' + prefix);
  }
  return copied;
}

/**
 * Write `data` to the regular file at `path` (create it, or replace its
 * contents). A lower-layer file is copied up first: the new upper version
 * keeps its mode and owner.
 */
export function writeFile(c: Container, userPath: string, data: Uint8Array, now: number): OpResult {
  const path = normalizeUserPath(userPath);
  if (path === '') throw new LayerscopeError('NOT_FOUND', '/ is a directory');
  requireParentDir(c, path);
  const r = resolvePath(c, path);
  if (r && r.kind === 'dir') throw new LayerscopeError('NOT_FOUND', `/${path} is a directory`);
  if (r && r.kind !== 'file' && r.kind !== 'hardlink') throw new LayerscopeError('NOT_FOUND', `/${path} is a ${r.kind}; only regular files can be edited here`);
  const entries = new Map(c.entries);
  let copyUp: { layer: number; size: number } | null = null;
  let base: Pick<RwEntry, 'mode' | 'uid' | 'gid'> = { mode: NEW_FILE_MODE, uid: 0, gid: 0 };
  if (r?.rw) {
    base = r.rw;
  } else if (r?.lower) {
    // Copy-up. A hardlink's inode is its target's: take mode and owner from there
    // (overlayfs copy-up breaks the link: the upper copy is a new, separate file).
    const content = lowerContent(c.lower, path);
    const src = r.lower.kind === 'hardlink' && content ? (lowerStat(c.lower, r.lower.linkname) ?? r.lower) : r.lower;
    base = { mode: src.mode, uid: src.uid, gid: src.gid };
    copyUp = { layer: r.lower.layer, size: content?.size ?? r.lower.size };
  }
  const wh = whiteoutPath(path);
  const replacedWhiteout = entries.get(wh)?.kind === 'whiteout' ? wh : null;
  // A new file over a whiteout replaces it: the file itself covers whatever is below.
  if (replacedWhiteout) entries.delete(wh);
  const parentsCopiedUp = copyUpParents(c, entries, path, now);
  entries.set(path, { path, kind: 'file', data, mode: base.mode, uid: base.uid, gid: base.gid, mtime: now, linkname: '' });
  return {
    container: { lower: c.lower, entries },
    record: {
      op: 'write',
      path: '/' + path,
      created: !r,
      copyUp,
      size: data.length,
      replacedWhiteout: replacedWhiteout && '/' + replacedWhiteout,
      parentsCopiedUp,
    },
  };
}

/** Create the directory `path` (its parent must exist). Over a whiteout the new directory is opaque. */
export function makeDir(c: Container, userPath: string, now: number): OpResult {
  const path = normalizeUserPath(userPath);
  if (path === '') throw new LayerscopeError('NOT_FOUND', '/ already exists');
  requireParentDir(c, path);
  if (resolvePath(c, path)) throw new LayerscopeError('NOT_FOUND', `/${path} already exists`);
  const entries = new Map(c.entries);
  const wh = whiteoutPath(path);
  let opaque: string | null = null;
  let hides: { layer: number; bytes: number } | null = null;
  if (entries.get(wh)?.kind === 'whiteout') {
    entries.delete(wh);
    // overlayfs marks a directory created over a whiteout opaque, so the deleted
    // lower directory's children do not reappear; the layer records it as `.wh..wh..opq`.
    opaque = opaquePath(path);
    entries.set(opaque, { path: opaque, kind: 'opaque', data: null, mode: WHITEOUT_MODE, uid: 0, gid: 0, mtime: now, linkname: '' });
    const below = lowerStat(c.lower, path);
    if (below) hides = { layer: below.layer, bytes: lowerSubtreeBytes(c, path, true) };
  }
  const parentsCopiedUp = copyUpParents(c, entries, path, now);
  entries.set(path, { path, kind: 'dir', data: null, mode: NEW_DIR_MODE, uid: 0, gid: 0, mtime: now, linkname: '' });
  return {
    container: { lower: c.lower, entries },
    record: { op: 'mkdir', path: '/' + path, opaque: opaque && '/' + opaque, hides, parentsCopiedUp },
  };
}

/** Create a symbolic link `path` → `target` (target stored raw, as tar does). */
export function makeSymlink(c: Container, userPath: string, target: string, now: number): OpResult {
  const path = normalizeUserPath(userPath);
  if (path === '') throw new LayerscopeError('NOT_FOUND', '/ already exists');
  if (target === '') throw new LayerscopeError('NOT_FOUND', 'a symlink needs a target');
  requireParentDir(c, path);
  if (resolvePath(c, path)) throw new LayerscopeError('NOT_FOUND', `/${path} already exists`);
  const entries = new Map(c.entries);
  const wh = whiteoutPath(path);
  const replacedWhiteout = entries.get(wh)?.kind === 'whiteout' ? wh : null;
  if (replacedWhiteout) entries.delete(wh);
  const parentsCopiedUp = copyUpParents(c, entries, path, now);
  entries.set(path, { path, kind: 'symlink', data: null, mode: 0o777, uid: 0, gid: 0, mtime: now, linkname: target });
  return {
    container: { lower: c.lower, entries },
    record: {
      op: 'write',
      path: '/' + path,
      created: true,
      copyUp: null,
      size: 0,
      replacedWhiteout: replacedWhiteout && '/' + replacedWhiteout,
      parentsCopiedUp,
    },
  };
}

/**
 * File bytes of the lower version of `path` (its whole subtree for a
 * directory) that are still reachable from the container: what a whiteout
 * there would hide while the bytes keep shipping in the image.
 * `ignoreRw`: count the lower subtree as the image has it (for an opaque
 * directory replacing a deleted one, whose lower children are all hidden).
 */
function lowerSubtreeBytes(c: Container, path: string, ignoreRw = false): number {
  const u = c.lower.union;
  const v = c.lower.view;
  const root = lookup(u, path);
  if (root < 0 || v.status[root] !== 1) return 0;
  let total = 0;
  // Iterative DFS with the member path of each node, to consult the upper layer's whiteouts.
  const stack: Array<[number, string]> = [[root, path]];
  while (stack.length > 0) {
    const [node, p] = stack.pop()!;
    const layer = v.provider[node]!;
    const entry = v.entry[node]!;
    const idx = layer >= 0 ? c.lower.layers[layer] : null;
    if (idx && entry >= 0 && idx.kinds[entry] === EntryKind.File) total += idx.sizes[entry]!;
    for (let k = u.childStart[node]!; k < u.childStart[node + 1]!; k++) {
      const child = u.children[k]!;
      if (v.status[child] !== 1) continue;
      const name = u.names[u.nameId[child]!]!;
      const cp = join(p, name);
      // Already deleted or replaced in the upper layer: counted by that earlier operation.
      if (!ignoreRw && (c.entries.get(join(p, WHITEOUT_PREFIX + name))?.kind === 'whiteout' || c.entries.get(opaquePath(p))?.kind === 'opaque')) continue;
      if (!ignoreRw && c.entries.get(cp) && c.entries.get(cp)!.kind !== 'dir') continue;
      stack.push([child, cp]);
    }
  }
  return total;
}

/**
 * Delete `path` (recursively for a directory, like `rm -rf`). What the upper
 * layer held there is dropped; if a lower version is reachable, a whiteout
 * `.wh.<name>` hides it (its bytes still ship in the lower layer).
 */
export function removePath(c: Container, userPath: string, now: number): OpResult {
  const path = normalizeUserPath(userPath);
  if (path === '') throw new LayerscopeError('NOT_FOUND', 'refusing to delete /');
  const r = resolvePath(c, path);
  if (!r) throw new LayerscopeError('NOT_FOUND', `/${path}: no such file or directory`);
  const entries = new Map(c.entries);
  let removed = 0;
  const under = path + '/';
  for (const key of c.entries.keys()) {
    if (key === path || key.startsWith(under)) {
      entries.delete(key);
      removed++;
    }
  }
  let whiteout: string | null = null;
  let hiddenBytes = 0;
  if (r.lower) {
    hiddenBytes = lowerSubtreeBytes(c, path);
    whiteout = whiteoutPath(path);
    entries.set(whiteout, { path: whiteout, kind: 'whiteout', data: null, mode: WHITEOUT_MODE, uid: 0, gid: 0, mtime: now, linkname: '' });
  }
  const parentsCopiedUp = copyUpParents(c, entries, path, now);
  return {
    container: { lower: c.lower, entries },
    record: {
      op: 'delete',
      path: '/' + path,
      kind: r.kind,
      whiteout: whiteout && '/' + whiteout,
      hidesLayer: r.lower ? r.lower.layer : null,
      hiddenBytes,
      removedFromRw: removed,
      parentsCopiedUp,
    },
  };
}

/**
 * The read-write copy of `path` for an attribute change (chmod, touch): the
 * upper entry if there is one, else a copy-up of the lower version. overlayfs
 * without `metacopy=on` (Docker's overlay2 default) copies a lower file up
 * whole even when only its mode or mtime changes (overlayfs.rst "Metadata only
 * copy up"), so the caller passes the lower file's bytes (`lowerData`).
 */
function upperCopy(
  c: Container,
  path: string,
  r: Resolved,
  lowerData: Uint8Array | undefined,
): { entry: RwEntry; copyUp: { layer: number; size: number } | null } {
  if (r.rw) return { entry: r.rw, copyUp: null };
  const lower = r.lower!;
  if (lower.kind === 'file' || lower.kind === 'hardlink') {
    const content = lowerContent(c.lower, path);
    const size = content?.size ?? lower.size;
    if (!lowerData || lowerData.length !== size) throw new LayerscopeError('NOT_FOUND', `/${path}: its ${size} bytes are needed for the copy-up`);
    const src = lower.kind === 'hardlink' ? (lowerStat(c.lower, lower.linkname) ?? lower) : lower;
    return {
      entry: {
        path,
        kind: 'file',
        data: lowerData,
        mode: src.mode,
        uid: src.uid,
        gid: src.gid,
        mtime: src.mtime,
        linkname: '',
        copiedFrom: { layer: lower.layer, path },
      },
      copyUp: { layer: lower.layer, size },
    };
  }
  if (lower.kind === 'dir') {
    // A directory is copied up as an empty directory: its lower children stay below and still show (overlayfs merges them).
    return {
      entry: {
        path,
        kind: 'dir',
        data: null,
        mode: lower.mode,
        uid: lower.uid,
        gid: lower.gid,
        mtime: lower.mtime,
        linkname: '',
        copiedFrom: { layer: lower.layer, path },
      },
      copyUp: { layer: lower.layer, size: 0 },
    };
  }
  if (lower.kind === 'symlink') {
    return {
      entry: {
        path,
        kind: 'symlink',
        data: null,
        mode: 0o777,
        uid: lower.uid,
        gid: lower.gid,
        mtime: lower.mtime,
        linkname: lower.linkname,
        copiedFrom: { layer: lower.layer, path },
      },
      copyUp: { layer: lower.layer, size: 0 },
    };
  }
  throw new LayerscopeError('NOT_FOUND', `/${path} is a ${lower.kind}; the playground changes files, directories and symlinks`);
}

/** `chmod MODE path`: a symlink's own mode cannot be changed (Linux has no lchmod; chmod follows the link). */
export function chmodPath(c: Container, userPath: string, mode: number, now: number, lowerData?: Uint8Array): OpResult {
  const path = normalizeUserPath(userPath);
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) throw new LayerscopeError('NOT_FOUND', `invalid mode ${mode.toString(8)}`);
  const r = resolvePath(c, path);
  if (!r) throw new LayerscopeError('NOT_FOUND', `/${path}: no such file or directory`);
  if (r.kind === 'symlink') throw new LayerscopeError('NOT_FOUND', `/${path} is a symlink: chmod changes the file it points to; pick that file`);
  if (path === '') throw new LayerscopeError('NOT_FOUND', 'the playground does not change / itself');
  const entries = new Map(c.entries);
  const { entry, copyUp } = upperCopy(c, path, r, lowerData);
  const parentsCopiedUp = copyUpParents(c, entries, path, now);
  entries.set(path, { ...entry, mode });
  return {
    container: { lower: c.lower, entries },
    record: { op: 'chmod', path: '/' + path, kind: r.kind, created: false, modeBefore: entry.mode & 0o7777, modeAfter: mode, copyUp, parentsCopiedUp },
  };
}

/** `touch path`: a new empty file, or the mtime of an existing one set to now (a lower file is copied up for it). */
export function touchPath(c: Container, userPath: string, now: number, lowerData?: Uint8Array): OpResult {
  const path = normalizeUserPath(userPath);
  if (path === '') throw new LayerscopeError('NOT_FOUND', 'the playground does not change / itself');
  const r = resolvePath(c, path);
  if (!r) {
    const w = writeFile(c, userPath, new Uint8Array(0), now);
    const rec = w.record as Extract<OpRecord, { op: 'write' }>;
    return {
      container: w.container,
      record: {
        op: 'touch',
        path: rec.path,
        kind: 'file',
        created: true,
        modeBefore: NEW_FILE_MODE,
        modeAfter: NEW_FILE_MODE,
        copyUp: null,
        parentsCopiedUp: rec.parentsCopiedUp,
      },
    };
  }
  const entries = new Map(c.entries);
  const { entry, copyUp } = upperCopy(c, path, r, lowerData);
  const parentsCopiedUp = copyUpParents(c, entries, path, now);
  entries.set(path, { ...entry, mtime: now });
  return {
    container: { lower: c.lower, entries },
    record: {
      op: 'touch',
      path: '/' + path,
      kind: r.kind,
      created: false,
      modeBefore: entry.mode & 0o7777,
      modeAfter: entry.mode & 0o7777,
      copyUp,
      parentsCopiedUp,
    },
  };
}

/**
 * `mv from to` for a file or symlink (from a lower layer: copied up under the
 * new name, the old name whited out), or for a directory that exists only in
 * the read-write layer. A lower directory is refused as overlayfs refuses it:
 * without `redirect_dir` (off in Docker's overlay2) rename(2) fails with EXDEV
 * and `mv` falls back to copying the tree and deleting the original.
 */
export function renamePath(c: Container, fromPath: string, toPath: string, now: number, lowerData?: Uint8Array): OpResult {
  const from = normalizeUserPath(fromPath);
  const to = normalizeUserPath(toPath);
  if (from === '' || to === '') throw new LayerscopeError('NOT_FOUND', 'cannot rename /');
  if (from === to) throw new LayerscopeError('NOT_FOUND', 'the new name is the old one');
  if (to.startsWith(from + '/')) throw new LayerscopeError('NOT_FOUND', `cannot move /${from} into itself`);
  const r = resolvePath(c, from);
  if (!r) throw new LayerscopeError('NOT_FOUND', `/${from}: no such file or directory`);
  if (resolvePath(c, to)) throw new LayerscopeError('NOT_FOUND', `/${to} already exists`);
  requireParentDir(c, to);
  if (r.kind === 'dir' && r.lower)
    throw new LayerscopeError(
      'NOT_FOUND',
      `/${from} is a directory from layer ${r.lower.layer}: overlayfs refuses to rename it (EXDEV, redirect_dir is off in Docker), so mv copies the whole tree and deletes the original. Do that here: create the new directory and files, then delete /${from}.`,
    );
  let entries = new Map(c.entries);
  let copyUp: { layer: number; size: number } | null = null;
  let moved = 0;
  if (r.kind === 'dir') {
    // Only in the read-write layer: move its entries (markers included) to the new prefix.
    const next = new Map<string, RwEntry>();
    for (const [k, e] of entries) {
      if (k === from || k.startsWith(from + '/')) {
        const nk = to + k.slice(from.length);
        next.set(nk, { ...e, path: nk });
        moved++;
      } else next.set(k, e);
    }
    entries = next;
  } else {
    const { entry, copyUp: cu } = upperCopy(c, from, r, lowerData);
    copyUp = r.rw ? null : cu;
    entries.delete(from);
    if (r.rw) moved = 1;
    const wht = whiteoutPath(to);
    if (entries.get(wht)?.kind === 'whiteout') entries.delete(wht);
    entries.set(to, { ...entry, path: to }); // rename keeps the mtime
  }
  let whiteout: string | null = null;
  if (r.lower) {
    whiteout = whiteoutPath(from);
    entries.set(whiteout, { path: whiteout, kind: 'whiteout', data: null, mode: WHITEOUT_MODE, uid: 0, gid: 0, mtime: now, linkname: '' });
  }
  const parentsCopiedUp = [...new Set([...copyUpParents(c, entries, to, now), ...copyUpParents(c, entries, from, now)])];
  return {
    container: { lower: c.lower, entries },
    record: { op: 'rename', path: '/' + to, from: '/' + from, kind: r.kind, copyUp, whiteout: whiteout && '/' + whiteout, moved, parentsCopiedUp },
  };
}

const KIND_TO_ENTRY: Record<RwKind, EntryKind> = {
  file: EntryKind.File,
  dir: EntryKind.Dir,
  symlink: EntryKind.Symlink,
  whiteout: EntryKind.Whiteout,
  opaque: EntryKind.Opaque,
};

export interface BuiltLayer {
  /** The layer as an uncompressed tar (what `docker commit` would store; its sha256 is the diff_id). */
  tar: Uint8Array;
  /** Its index, data offsets pointing into `tar`. */
  index: LayerIndex;
  /** Member paths in tar order. */
  paths: string[];
}

/**
 * Serialise the read-write layer: members sorted by path (parents before
 * children), whiteouts as empty regular files (layer.md), directories with a
 * trailing '/'. The index is built from the same list; the data offsets come
 * from parsing the written tar, so reads by offset return exactly these bytes.
 */
export function buildLayer(entries: ReadonlyMap<string, RwEntry>): BuiltLayer {
  const list = [...entries.values()].filter((e) => e.path !== '').sort((a, b) => compareBytewise(a.path, b.path));
  const tarEntries: TarWriteEntry[] = list.map((e) => ({
    path: e.path,
    kind: e.kind === 'dir' ? 'dir' : e.kind === 'symlink' ? 'symlink' : 'file',
    data: e.kind === 'file' ? (e.data ?? new Uint8Array(0)) : e.kind === 'whiteout' || e.kind === 'opaque' ? new Uint8Array(0) : undefined,
    mode: e.mode,
    uid: e.uid,
    gid: e.gid,
    mtime: e.mtime,
    linkname: e.kind === 'symlink' ? e.linkname : undefined,
  }));
  const tar = writeTar(tarEntries);
  const offsets: number[] = [];
  const parsedPaths: string[] = [];
  const parser = new TarParser({
    onEntry: (t) => {
      offsets.push(t.dataOffset);
      parsedPaths.push(t.path);
    },
  });
  parser.push(tar);
  parser.end();
  if (offsets.length !== list.length || parsedPaths.some((p, i) => p !== list[i]!.path))
    throw new LayerscopeError('BAD_HEADER', 'the written read-write layer does not read back as written');

  const links: string[] = [];
  const index = emptyLayerIndex(
    list.map((e) => e.path),
    { tarSize: tar.length, storedSize: tar.length, links },
  );
  list.forEach((e, i) => {
    index.kinds[i] = KIND_TO_ENTRY[e.kind];
    index.sizes[i] = e.kind === 'file' ? (e.data?.length ?? 0) : 0;
    index.modes[i] = e.mode & 0o7777;
    index.uids[i] = e.uid;
    index.gids[i] = e.gid;
    index.mtimes[i] = e.mtime;
    index.dataOffsets[i] = offsets[i]!;
    if (e.kind === 'symlink') {
      index.linkIds[i] = links.length;
      links.push(e.linkname);
    }
  });
  return { tar, index, paths: index.paths };
}

/** Counts for the playground's summary line. */
export function summarize(c: Container): { files: number; dirs: number; whiteouts: number; opaques: number; bytes: number } {
  const s = { files: 0, dirs: 0, whiteouts: 0, opaques: 0, bytes: 0 };
  for (const e of c.entries.values()) {
    if (e.kind === 'file' || e.kind === 'symlink') s.files++;
    if (e.kind === 'file') s.bytes += e.data?.length ?? 0;
    if (e.kind === 'dir') s.dirs++;
    if (e.kind === 'whiteout') s.whiteouts++;
    if (e.kind === 'opaque') s.opaques++;
  }
  return s;
}
