/**
 * The union model: every path of every layer as one node of a trie, with the
 * per-layer history of each node, so that the merged filesystem at any layer,
 * "what changed in layer N", "who deleted this" and a path's history are cheap
 * lookups over typed arrays.
 *
 * Layers are applied like a union mount, following OCI image-spec layer.md:
 *  - "Applying Changesets": entries of layer N replace or add to the filesystem
 *    of layers 0..N-1; a directory over a directory merges (the upper one gives
 *    the attributes); a non-directory over a directory, or a directory over a
 *    non-directory, replaces it (the lower subtree disappears).
 *  - "Whiteouts": `.wh.<name>` removes `<name>` and everything under it from the
 *    LOWER layers only; entries of the same layer stay. So within a layer we apply
 *    the whiteouts and opaque markers first, then the layer's other entries.
 *  - "Opaque Whiteout": `.wh..wh..opq` hides every lower child of its directory.
 *  - Other `.wh..wh.*` names (AUFS `.wh..wh.plnk`, `.wh..wh.aufs`) are metadata of
 *    the layer format, never part of the filesystem.
 * Symlinks in an entry's PARENT path are followed inside the root filesystem, as
 * umoci (oci/layer/tar_extract.go: securejoin.SecureJoinVFS on the parent) and
 * containerd (archive/tar.go: fs.RootPath) do while applying a layer: with layer 0
 * holding `etc/` and `etc2 -> /etc`, a layer-1 entry `etc2/evil` lands at
 * /etc/evil and /etc2 stays a link. The entry's own last segment is never
 * followed (a file written at a symlink's path replaces the link). Links resolve
 * relative to the root, never escaping it (`..` at the root stays at the root);
 * absolute targets restart at the root. Such entries are recorded in
 * UnionModel.through (writtenThrough()) so hosts can warn and mark them.
 * Parent directories without an entry still exist (tar extractors, e.g. Docker's
 * pkg/archive UnpackLayer, MkdirAll every header's parent with 0755 root:root);
 * we call them implicit. A path twice in one layer: the later entry wins (tar
 * extraction is sequential).
 *
 * Storage: NO object per file. Nodes are indexes into typed arrays (parent,
 * name id, CSR children sorted bytewise). Each node has at most ONE event per
 * layer: the net effect of that layer on it (SET, IMPLICIT, or a removal), kept
 * in CSR arrays in layer order. A million paths cost ~30 bytes each plus the
 * interned name strings.
 */
import { EntryKind, type LayerIndex } from '../types';
import { LayerscopeError } from '../errors';
import { PathTrie, childNamed, growArray } from './pathTrie';
import { WhiteoutRole, metaSegmentAt, whiteoutRole, whiteoutTarget } from './whiteout';

/* ------------------------------------------------------------------ public types */

export interface UnionModel {
  layerCount: number;
  nodeCount: number;
  /** Parent node, -1 for the root (node 0). */
  parent: Int32Array;
  /** Index into `names` of the node's last path segment ('' for the root). */
  nameId: Uint32Array;
  /** Interned path segments. */
  names: string[];
  /** CSR: children of node n are children[childStart[n] .. childStart[n+1]), sorted bytewise by name (UTF-8 bytes = code points). */
  childStart: Uint32Array;
  children: Uint32Array;
  /** CSR: events of node n are [evStart[n], evStart[n+1]), in layer order, at most one per layer. */
  evStart: Uint32Array;
  evLayer: Uint16Array;
  /** UnionEvent values. */
  evKind: Uint8Array;
  /**
   * SET: the providing entry's index in its layer. DELETE: the whiteout entry;
   * OPAQUE_HIDE: the opaque marker entry; REPLACED: the entry that removed the
   * ancestor (a whiteout, an opaque marker, or the non-directory written over a
   * directory). IMPLICIT: -1.
   */
  evEntry: Int32Array;
  /** Per layer: entry index -> node (whiteouts: the node they delete; opaque markers: their directory; AUFS metadata: -1). */
  entryNode: Int32Array[];
  /**
   * Entries whose parent path went through a symlink (see the header), sorted by
   * (layer, entry); columns. `link`: the first symlink followed; `dir`: the
   * directory the entry was written in (-1 when the links loop); `flags`:
   * THROUGH_CLAMPED, THROUGH_LOOP. Usually empty.
   */
  through: ThroughLinks;
}

/** Columns of UnionModel.through. */
export interface ThroughLinks {
  layer: Uint16Array;
  entry: Int32Array;
  link: Int32Array;
  dir: Int32Array;
  flags: Uint8Array;
}

/** ThroughLinks.flags: a `..` in a link target climbed above the root and stayed there (a link pointing outside the root). */
export const THROUGH_CLAMPED = 1;
/** ThroughLinks.flags: resolving the parent followed more than MAX_SYMLINK_FOLLOWS links; the entry is not applied. */
export const THROUGH_LOOP = 2;

/** What writtenThrough() says about one entry. */
export interface WrittenThrough {
  /** Absolute path of the first symlink the entry's parent path went through ('/etc2'). */
  link: string;
  /** That symlink's target as written in its layer ('/etc', '../d'). */
  target: string;
  /** The directory it was written in instead ('/etc'); '' when the links loop (not applied). */
  dir: string;
  /** A link pointed above the root and was kept inside it. */
  clamped: boolean;
  /** Too many links (a loop): the entry is in no directory of the merged filesystem. */
  loop: boolean;
}

/** Event kinds (UnionModel.evKind). */
export const UnionEvent = {
  /** The layer provides a version (an entry). */
  Set: 0,
  /** The path exists as an implied parent directory (no entry). */
  Implicit: 1,
  /** Removed by a whiteout `.wh.<name>` in that layer. */
  Delete: 2,
  /** Hidden by an opaque directory `.wh..wh..opq` in that layer (the directory's lower children and everything below them). */
  OpaqueHide: 3,
  /** Removed because an ancestor was deleted by a whiteout or replaced by a non-directory in that layer. */
  Replaced: 4,
} as const;
export type UnionEvent = (typeof UnionEvent)[keyof typeof UnionEvent];

/** MergedView.status values. */
export const NodeStatus = { Absent: 0, Visible: 1, Deleted: 2 } as const;

/** MergedView.change values, relative to the layer of the view itself. */
export const Change = { Unchanged: 0, Added: 1, Modified: 2, Deleted: 3, MetadataOnly: 4 } as const;

export interface NodeState {
  status: 'visible' | 'deleted' | 'absent';
  /** Providing layer, or the deleting layer when deleted, -1 otherwise (and for a root no layer states). */
  layer: number;
  /** Entry index in that layer, -1 for implicit directories and deletions. */
  entry: number;
  /**
   * Visible: lower versions this version hides (SET events below it since the
   * path last appeared). Deleted: the versions (SET events) of the run the
   * deletion ended. Absent: 0.
   */
  hiddenVersions: number;
}

export interface MergedView {
  layer: number;
  /** Per node: 0 absent, 1 visible, 2 deleted (was visible at some layer ≤ N and is not now). */
  status: Uint8Array;
  /** Providing layer (visible) or deleting layer (deleted), -1 otherwise. */
  provider: Int16Array;
  /** Providing entry index, -1 for implicit directories, deleted and absent nodes. */
  entry: Int32Array;
  /** Relative to layer N itself: 0 unchanged, 1 added, 2 modified, 3 deleted (by layer N), 4 metadata-only. */
  change: Uint8Array;
}

export type HistoryAction = 'added' | 'modified' | 'metadata' | 'unchanged' | 'deleted' | 'opaque-hidden' | 'replaced' | 'implicit';

export interface HistoryItem {
  layer: number;
  /**
   * 'unchanged': a directory re-stated with the same type/mode/uid/gid (it
   * provides the attributes from then on, but nothing changed).
   */
  action: HistoryAction;
  /** See UnionModel.evEntry: the providing entry, or the entry that caused the removal; -1 for implicit directories. */
  entry: number;
}

/* ------------------------------------------------------------------ limits & constants */

/** MergedView.provider is an Int16Array: 32767 layers. Real images stay far below (overlay2 refuses more than 128). */
export const MAX_LAYERS = 0x7fff;
/** Attributes of implied parent directories (Docker pkg/archive: MkdirAll(parent, 0755), owned by root). */
export const IMPLICIT_DIR_MODE = 0o755;
/** Starting capacity of the growable arrays; they double as needed. */
const INITIAL_CAPACITY = 1024;

/**
 * Symlinks followed while resolving one parent path before we give up: Linux's
 * MAXSYMLINKS (40, include/linux/namei.h), what path lookup in the running
 * container allows. (securejoin and containerd's fs.RootPath allow 255 and then
 * refuse the whole layer; a chain of 41..255 links is hostile either way.)
 */
export const MAX_SYMLINK_FOLLOWS = 40;

/** evKind value of a discarded event slot (a path added and removed within one layer); never stored in the model. */
const EV_NONE = 255;

/* ------------------------------------------------------------------ building */

class UnionBuilder {
  trie: PathTrie;
  // per-node state while applying layers (sized with the trie)
  private vis: Uint8Array;
  private isDir: Uint8Array;
  private slotLayer: Int32Array;
  private startVis: Uint8Array;
  private slot: Int32Array;
  // events, appended in layer order (one slot per node per layer)
  private evCount = 0;
  private evNode: Int32Array;
  private evLayer: Uint16Array;
  private evKind: Uint8Array;
  private evEntry: Int32Array;
  private stack = new Int32Array(INITIAL_CAPACITY);
  private chain = new Int32Array(64);
  // symlinks among the visible nodes (for following parent paths, see the header)
  private isLink: Uint8Array;
  private linkText = new Map<number, string>();
  /** Bumped whenever a node becomes or stops being a symlink: resolutions cached before are stale. */
  private linkEpoch = 0;
  private resDir = -1;
  private resEpoch = -1;
  private resOut = 0;
  private resLink = -1;
  private resFlags = 0;
  // UnionModel.through, appended
  private thCount = 0;
  private thLayer = new Uint16Array(16);
  private thEntry = new Int32Array(16);
  private thLink = new Int32Array(16);
  private thDir = new Int32Array(16);
  private thFlags = new Uint8Array(16);

  /** `entries`: total entries of all layers, the usual size of both the trie and the event list. */
  constructor(entries: number) {
    this.trie = new PathTrie(entries);
    const cap = this.trie.parent.length;
    this.vis = new Uint8Array(cap);
    this.isDir = new Uint8Array(cap);
    this.slotLayer = new Int32Array(cap).fill(-1);
    this.startVis = new Uint8Array(cap);
    this.slot = new Int32Array(cap);
    this.evNode = new Int32Array(cap);
    this.evLayer = new Uint16Array(cap);
    this.evKind = new Uint8Array(cap);
    this.evEntry = new Int32Array(cap);
    this.isLink = new Uint8Array(cap);
    this.vis[0] = 1; // the root always exists
    this.isDir[0] = 1;
  }

  /**
   * An independent copy of the state after the layers applied so far: layers
   * applied to the copy leave this one as it was (IncrementalUnion keeps the
   * bottom layers applied once and puts a partial union's upper ones on a copy).
   */
  clone(): UnionBuilder {
    // through the constructor (at the smallest size), so the copy has the original's shape for V8
    const c = new UnionBuilder(0);
    c.trie = this.trie.clone();
    c.vis = this.vis.slice();
    c.isDir = this.isDir.slice();
    c.slotLayer = this.slotLayer.slice();
    c.startVis = this.startVis.slice();
    c.slot = this.slot.slice();
    c.evCount = this.evCount;
    c.evNode = this.evNode.slice();
    c.evLayer = this.evLayer.slice();
    c.evKind = this.evKind.slice();
    c.evEntry = this.evEntry.slice();
    c.isLink = this.isLink.slice();
    c.linkText = new Map(this.linkText);
    c.linkEpoch = this.linkEpoch;
    // resolveDir's one-entry cache is keyed by the epoch: a copy may keep it
    c.resDir = this.resDir;
    c.resEpoch = this.resEpoch;
    c.resOut = this.resOut;
    c.resLink = this.resLink;
    c.resFlags = this.resFlags;
    c.thCount = this.thCount;
    c.thLayer = this.thLayer.slice();
    c.thEntry = this.thEntry.slice();
    c.thLink = this.thLink.slice();
    c.thDir = this.thDir.slice();
    c.thFlags = this.thFlags.slice();
    return c;
  }

  private sync(): void {
    const cap = this.trie.parent.length;
    if (this.vis.length < cap) {
      this.vis = growArray(this.vis, cap);
      this.isDir = growArray(this.isDir, cap);
      this.slotLayer = growArray(this.slotLayer, cap, -1);
      this.startVis = growArray(this.startVis, cap);
      this.slot = growArray(this.slot, cap);
      this.isLink = growArray(this.isLink, cap);
    }
  }

  child(p: number, name: string): number {
    const n = this.trie.child(p, name);
    if (n >= this.vis.length) this.sync();
    return n;
  }

  childId(p: number, id: number): number {
    const n = this.trie.childId(p, id);
    if (n >= this.vis.length) this.sync();
    return n;
  }

  dir(path: string): number {
    const n = this.trie.dir(path);
    this.sync();
    return n;
  }

  dirOf(path: string): number {
    const n = this.trie.dirOf(path);
    this.sync();
    return n;
  }

  /** The node's event slot for layer L (created on first touch, remembering whether it was visible before L). */
  private touch(n: number, L: number): number {
    if (this.slotLayer[n] === L) return this.slot[n]!;
    const e = this.evCount++;
    if (e >= this.evNode.length) {
      this.evNode = growArray(this.evNode, e + 1);
      this.evLayer = growArray(this.evLayer, e + 1);
      this.evKind = growArray(this.evKind, e + 1);
      this.evEntry = growArray(this.evEntry, e + 1);
    }
    this.evNode[e] = n;
    this.evLayer[e] = L;
    this.evKind[e] = EV_NONE;
    this.evEntry[e] = -1;
    this.slotLayer[n] = L;
    this.startVis[n] = this.vis[n]!;
    this.slot[n] = e;
    return e;
  }

  /** `link`: the symlink target when the entry is a symlink, else null. */
  private set(n: number, L: number, entry: number, dir: boolean, link: string | null = null): void {
    const e = this.touch(n, L);
    this.evKind[e] = UnionEvent.Set;
    this.evEntry[e] = entry;
    this.vis[n] = 1;
    this.isDir[n] = dir ? 1 : 0;
    if (link !== null) {
      this.isLink[n] = 1;
      this.linkText.set(n, link);
      this.linkEpoch++;
    } else if (this.isLink[n]) this.unlink(n);
  }

  private unlink(n: number): void {
    this.isLink[n] = 0;
    this.linkText.delete(n);
    this.linkEpoch++;
  }

  private implicit(n: number, L: number): void {
    const e = this.touch(n, L);
    this.evKind[e] = UnionEvent.Implicit;
    this.evEntry[e] = -1;
    this.vis[n] = 1;
    this.isDir[n] = 1;
    if (this.isLink[n]) this.unlink(n);
  }

  private remove(n: number, L: number, kind: UnionEvent, entry: number): void {
    if (this.isLink[n]) this.unlink(n);
    const e = this.touch(n, L);
    // visible before this layer: a real removal; added earlier in this same layer: as if never there
    this.evKind[e] = this.startVis[n] ? kind : EV_NONE;
    this.evEntry[e] = entry;
    this.vis[n] = 0;
    this.isDir[n] = 0;
  }

  /** Remove every visible node strictly below n (a visible node's ancestors are all visible, so we prune at invisible ones). */
  private removeBelow(n: number, L: number, kind: UnionEvent, entry: number): void {
    const { firstChild, nextSibling } = this.trie;
    let sp = 0;
    for (let c = firstChild[n]!; c >= 0; c = nextSibling[c]!) {
      if (this.vis[c]) {
        if (sp >= this.stack.length) this.stack = growArray(this.stack, sp + 1);
        this.stack[sp++] = c;
      }
    }
    while (sp > 0) {
      const d = this.stack[--sp]!;
      this.remove(d, L, kind, entry);
      for (let c = firstChild[d]!; c >= 0; c = nextSibling[c]!) {
        if (this.vis[c]) {
          if (sp >= this.stack.length) this.stack = growArray(this.stack, sp + 1);
          this.stack[sp++] = c;
        }
      }
    }
  }

  /** Make n and its ancestors visible directories (implicit where they are not). */
  private ensureDir(n: number, L: number): void {
    let k = 0;
    const parent = this.trie.parent;
    for (let a = n; !(this.vis[a] && this.isDir[a]); a = parent[a]!) {
      if (k >= this.chain.length) this.chain = growArray(this.chain, k + 1);
      this.chain[k++] = a;
    }
    // top-down; a visible non-directory in the way is replaced by the directory
    // (as overlayfs shows an upper directory over a lower file); it has no children to lose
    while (k > 0) this.implicit(this.chain[--k]!, L);
  }

  /**
   * The directory an entry whose lexical parent is `p` is written in: p's path
   * with every symlink in it followed inside the root (securejoin's rule, see the
   * header), or -1 when more than MAX_SYMLINK_FOLLOWS links are followed. Sets
   * resLink (first link followed, -1 if none) and resFlags. Nodes of missing
   * components are created (as securejoin treats them as plain names; they
   * become implied directories, or stay absent).
   */
  private resolveDir(p: number): number {
    if (this.linkText.size === 0) {
      this.resLink = -1;
      this.resFlags = 0;
      return p;
    }
    if (p === this.resDir && this.linkEpoch === this.resEpoch) return this.resOut;
    const parent = this.trie.parent;
    let a = p;
    while (a > 0 && !this.isLink[a]) a = parent[a]!;
    let out = p;
    let first = -1;
    let flags = 0;
    if (a > 0) {
      // segments still to walk, as a stack (top = next); starts with p's path
      const pending: string[] = [];
      const { names, nameId } = this.trie;
      for (let n = p; n > 0; n = parent[n]!) pending.push(names[nameId[n]!]!);
      let cur = 0;
      let follows = 0;
      while (pending.length > 0) {
        const seg = pending.pop()!;
        if (seg === '' || seg === '.') continue;
        if (seg === '..') {
          // lexical: cur holds no symlinks; at the root `..` is the root (securejoin, path_resolution(7))
          if (cur === 0) flags |= THROUGH_CLAMPED;
          else cur = parent[cur]!;
          continue;
        }
        const next = this.child(cur, seg);
        if (!this.isLink[next]) {
          cur = next;
          continue;
        }
        if (first < 0) first = next;
        if (++follows > MAX_SYMLINK_FOLLOWS) {
          flags |= THROUGH_LOOP;
          cur = -1;
          break;
        }
        const target = this.linkText.get(next)!;
        if (target.startsWith('/')) cur = 0; // absolute: from the root of the image, not the host's
        const parts = target.split('/');
        for (let k = parts.length - 1; k >= 0; k--) pending.push(parts[k]!);
      }
      out = cur;
    }
    this.resDir = p;
    this.resEpoch = this.linkEpoch;
    this.resOut = out;
    this.resLink = first;
    this.resFlags = flags;
    return out;
  }

  /** resolveDir for entry i of layer L, recording it in `through` when a link was followed; -1: not applied (a loop). */
  private parentFor(p: number, L: number, i: number): number {
    const d = this.resolveDir(p);
    if (this.resLink < 0) return d;
    const k = this.thCount++;
    if (k >= this.thLayer.length) {
      this.thLayer = growArray(this.thLayer, k + 1);
      this.thEntry = growArray(this.thEntry, k + 1);
      this.thLink = growArray(this.thLink, k + 1);
      this.thDir = growArray(this.thDir, k + 1);
      this.thFlags = growArray(this.thFlags, k + 1);
    }
    this.thLayer[k] = L;
    this.thEntry[k] = i;
    this.thLink[k] = this.resLink;
    this.thDir[k] = d;
    this.thFlags[k] = this.resFlags;
    return d;
  }

  applyLayer(L: number, idx: LayerIndex): Int32Array {
    const count = idx.count;
    const entryNode = new Int32Array(count).fill(-1);
    const dirNode = new Int32Array(count).fill(-1);
    const baseId = new Uint32Array(count);
    const role = new Uint8Array(count);
    const { paths, kinds } = idx;

    // Pass 1: whiteouts and opaque markers, against the lower layers only.
    for (let i = 0; i < count; i++) {
      const path = paths[i]!;
      if (path === '') {
        role[i] = WhiteoutRole.None;
        dirNode[i] = -1; // the root itself
        continue;
      }
      const metaAt = metaSegmentAt(path);
      if (metaAt >= 0) {
        // inside an AUFS metadata directory (.wh..wh.plnk/...): not part of the filesystem;
        // its parent exists like any header's parent
        role[i] = WhiteoutRole.Meta;
        const m = this.parentFor(this.dir(metaAt === 0 ? '' : path.slice(0, metaAt - 1)), L, i);
        if (m >= 0) this.ensureDir(m, L);
        continue;
      }
      const base = path.slice(path.lastIndexOf('/') + 1);
      const lexical = this.dirOf(path);
      dirNode[i] = lexical;
      const r = whiteoutRole(base, kinds[i]!);
      role[i] = r;
      if (r === WhiteoutRole.None) {
        baseId[i] = this.trie.intern(base);
        continue;
      }
      // through a linked parent, against the lower layers (umoci resolves each
      // whiteout's directory with securejoin as it meets it; this pass runs first)
      const p = this.parentFor(lexical, L, i);
      if (p < 0) continue; // a symlink loop: applies nowhere
      this.ensureDir(p, L);
      if (r === WhiteoutRole.Whiteout) {
        const name = whiteoutTarget(base);
        if (name === '' || name === '.' || name === '..') continue; // names nothing
        const t = this.child(p, name);
        entryNode[i] = t;
        if (this.vis[t]) {
          this.removeBelow(t, L, UnionEvent.Replaced, i);
          this.remove(t, L, UnionEvent.Delete, i);
        }
      } else if (r === WhiteoutRole.Opaque) {
        entryNode[i] = p;
        const { firstChild, nextSibling } = this.trie;
        for (let c = firstChild[p]!; c >= 0; c = nextSibling[c]!) {
          if (!this.vis[c]) continue;
          this.removeBelow(c, L, UnionEvent.OpaqueHide, i);
          this.remove(c, L, UnionEvent.OpaqueHide, i);
        }
      }
    }

    // Pass 2: the layer's own entries, in stream order (a later duplicate wins).
    for (let i = 0; i < count; i++) {
      if (role[i] !== WhiteoutRole.None) continue;
      const kind = kinds[i];
      const isDir = kind === EntryKind.Dir;
      if (dirNode[i]! < 0) {
        // the root directory's own entry ('./'): gives the root its attributes
        entryNode[i] = 0;
        if (isDir) this.set(0, L, i, true);
        continue;
      }
      // the parent as it stands now (lower layers, this layer's whiteouts and its earlier entries)
      const p = this.parentFor(dirNode[i]!, L, i);
      if (p < 0) continue; // a symlink loop: applies nowhere
      const n = this.childId(p, baseId[i]!);
      entryNode[i] = n;
      this.ensureDir(p, L);
      if (!isDir && this.vis[n] && this.isDir[n]) this.removeBelow(n, L, UnionEvent.Replaced, i);
      let link: string | null = null;
      if (kind === EntryKind.Symlink) {
        const id = idx.linkIds[i]!;
        link = id >= 0 ? idx.links[id]! : '';
      }
      this.set(n, L, i, isDir, link);
    }
    return entryNode;
  }

  finish(layerCount: number, entryNode: Int32Array[]): UnionModel {
    const t = this.trie;
    const n = t.count;
    const evStart = new Uint32Array(n + 1);
    for (let e = 0; e < this.evCount; e++) if (this.evKind[e] !== EV_NONE) evStart[this.evNode[e]! + 1]!++;
    for (let i = 0; i < n; i++) evStart[i + 1]! += evStart[i]!;
    const total = evStart[n]!;
    const evLayer = new Uint16Array(total);
    const evKind = new Uint8Array(total);
    const evEntry = new Int32Array(total);
    const pos = evStart.slice(0, n);
    // appended in layer order, so a stable placement keeps each node's events in layer order
    for (let e = 0; e < this.evCount; e++) {
      if (this.evKind[e] === EV_NONE) continue;
      const j = pos[this.evNode[e]!]!++;
      evLayer[j] = this.evLayer[e]!;
      evKind[j] = this.evKind[e]!;
      evEntry[j] = this.evEntry[e]!;
    }
    const { childStart, children } = t.sortedChildren();
    // by (layer, entry): within a layer whiteouts were resolved before the other entries
    const k = this.thCount;
    const order = Array.from({ length: k }, (_, j) => j).sort((a, b) => this.thLayer[a]! - this.thLayer[b]! || this.thEntry[a]! - this.thEntry[b]!);
    const through: ThroughLinks = {
      layer: Uint16Array.from(order, (j) => this.thLayer[j]!),
      entry: Int32Array.from(order, (j) => this.thEntry[j]!),
      link: Int32Array.from(order, (j) => this.thLink[j]!),
      dir: Int32Array.from(order, (j) => this.thDir[j]!),
      flags: Uint8Array.from(order, (j) => this.thFlags[j]!),
    };
    return {
      layerCount,
      nodeCount: n,
      parent: t.parent.slice(0, n),
      nameId: t.nameId.slice(0, n),
      names: t.names,
      childStart,
      children,
      evStart,
      evLayer,
      evKind,
      evEntry,
      entryNode,
      through,
    };
  }
}

function checkLayerCount(n: number): void {
  if (n > MAX_LAYERS) throw new LayerscopeError('LIMIT', `${n} layers: at most ${MAX_LAYERS} are supported`);
}

function entriesOf(layers: readonly (LayerIndex | null)[]): number {
  let entries = 0;
  for (const l of layers) entries += l ? l.count : 0;
  return entries;
}

/** Apply the layers (bottom first; null = unavailable, treated as empty). */
export function buildUnion(layers: readonly (LayerIndex | null)[]): UnionModel {
  checkLayerCount(layers.length);
  const b = new UnionBuilder(entriesOf(layers));
  const entryNode: Int32Array[] = [];
  for (let L = 0; L < layers.length; L++) {
    const idx = layers[L];
    entryNode.push(idx ? b.applyLayer(L, idx) : new Int32Array(0));
  }
  return b.finish(layers.length, entryNode);
}

/**
 * The unions of one image's layers as they finish (the partial unions while it
 * loads, then the final one), each equal to buildUnion of the same layers, without
 * applying every layer again each time. A layer is applied on top of those below it,
 * so what can be kept is the bottom run of finished layers: the builder holds
 * layers 0..k-1 applied (k grows as the next one up finishes); a union whose layers
 * above k are not all finished (gaps, null) applies those onto a copy (clone()),
 * the kept builder staying at k. Layers are matched by identity: a layer whose
 * index changed (a TOC listing replaced by the tar's) starts the builder over.
 * finish() only reads the builder, so the kept one goes on after it.
 *
 * On the 366 MB benchmark image (issue 13) the largest layer (4 of 0..5) finishes
 * last, so the final union applied layers 0..5 again after the last byte was
 * decoded; now it applies 4 and 5 onto the 0..3 applied while 4 was still read.
 */
export class IncrementalUnion {
  private builder: UnionBuilder | null = null;
  /** The layers the kept builder has applied, bottom first (none null). */
  private applied: LayerIndex[] = [];
  private entryNode: Int32Array[] = [];

  /**
   * buildUnion(layers). `last`: no union of these layers follows (the final one):
   * the rest is applied onto the kept builder itself, which is then dropped.
   */
  build(layers: readonly (LayerIndex | null)[], opts: { last?: boolean } = {}): UnionModel {
    checkLayerCount(layers.length);
    let k = 0;
    while (k < this.applied.length && k < layers.length && this.applied[k] === layers[k]) k++;
    if (!this.builder || k < this.applied.length) {
      this.builder = new UnionBuilder(entriesOf(layers));
      this.applied = [];
      this.entryNode = [];
    }
    const b = this.builder;
    for (let L = this.applied.length; L < layers.length; L++) {
      const idx = layers[L];
      if (!idx) break;
      this.entryNode.push(b.applyLayer(L, idx));
      this.applied.push(idx);
    }
    const rest = this.applied.length;
    const last = opts.last === true;
    const top = rest === layers.length || last ? b : b.clone();
    // the model is handed over whole (its buffers transferred from the union worker,
    // worker/protocol.ts unionTransferables): it gets copies of what the kept builder still needs
    const entryNode = last ? this.entryNode : this.entryNode.map((a) => a.slice());
    for (let L = rest; L < layers.length; L++) {
      const idx = layers[L];
      entryNode.push(idx ? top.applyLayer(L, idx) : new Int32Array(0));
    }
    const u = top.finish(layers.length, entryNode);
    if (last) this.reset();
    // the builder's names array, which later layers append to
    else if (top === b) u.names = u.names.slice();
    return u;
  }

  /** Drop the kept state (the load is over). */
  reset(): void {
    this.builder = null;
    this.applied = [];
    this.entryNode = [];
  }
}

/* ------------------------------------------------------------------ queries */

/** Node of an absolute or relative path ('/a/b', 'a/b', '/', ''), or -1. */
export function lookup(u: UnionModel, path: string): number {
  let n = 0;
  let start = 0;
  while (start <= path.length) {
    let end = path.indexOf('/', start);
    if (end < 0) end = path.length;
    if (end > start) {
      const seg = path.slice(start, end);
      if (seg !== '.') {
        n = childNamed(u, n, seg);
        if (n < 0) return -1;
      }
    }
    start = end + 1;
  }
  return n;
}

/** Absolute path of a node ('/a/b'; the root is '/'). */
export function pathOf(u: UnionModel, node: number): string {
  if (node <= 0) return '/';
  const parts: string[] = [];
  for (let n = node; n > 0; n = u.parent[n]!) parts.push(u.names[u.nameId[n]!]!);
  let s = '';
  for (let i = parts.length - 1; i >= 0; i--) s += '/' + parts[i];
  return s;
}

/** The directories above an absolute path, root first ('/a/b/c' → ['/', '/a', '/a/b']; '/' → ['/']): what a tree expands to show it. */
export function ancestorsOf(path: string): string[] {
  const out = ['/'];
  const segs = path.split('/').filter(Boolean);
  let p = '';
  for (let i = 0; i < segs.length - 1; i++) {
    p += '/' + segs[i];
    out.push(p);
  }
  return out;
}

/** Index into u.through of entry `entry` of `layer`, or -1 (binary search). */
export function throughIndex(u: UnionModel, layer: number, entry: number): number {
  const t = u.through;
  let lo = 0;
  let hi = t.layer.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = t.layer[mid]! - layer || t.entry[mid]! - entry;
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return -1;
}

/** When the entry's parent path went through a symlink: which link and where the entry went (null otherwise). */
export function writtenThrough(u: UnionModel, layers: readonly (LayerIndex | null)[], layer: number, entry: number): WrittenThrough | null {
  const k = throughIndex(u, layer, entry);
  if (k < 0) return null;
  const t = u.through;
  const flags = t.flags[k]!;
  // the link as it stood when the entry was applied (a later layer may have changed it)
  const st = stateAt(u, t.link[k]!, layer);
  const li = st.entry >= 0 ? layers[st.layer] : null;
  const id = li && li.kinds[st.entry] === EntryKind.Symlink ? li.linkIds[st.entry]! : -1;
  return {
    link: pathOf(u, t.link[k]!),
    target: id >= 0 ? li!.links[id]! : '',
    dir: t.dir[k]! >= 0 ? pathOf(u, t.dir[k]!) : '',
    clamped: (flags & THROUGH_CLAMPED) !== 0,
    loop: (flags & THROUGH_LOOP) !== 0,
  };
}

/** Children of a node (sorted bytewise by name). */
export function childrenOf(u: UnionModel, node: number): Uint32Array {
  return u.children.subarray(u.childStart[node], u.childStart[node + 1]);
}

const isPresent = (k: number) => k === UnionEvent.Set || k === UnionEvent.Implicit;

/**
 * Index of the node's first event at a layer ≥ `layer` (evStart[node + 1] when
 * none). A binary search: a node's events are in layer order, and a node can have
 * one per layer, so a walk made every per-entry pass over an image quadratic in
 * its layer count (issue 9, point 6: one blob listed 1,000 times).
 */
export function firstEventFrom(u: UnionModel, node: number, layer: number): number {
  let lo = u.evStart[node]!;
  let hi = u.evStart[node + 1]!;
  const evLayer = u.evLayer;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (evLayer[mid]! < layer) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the node's last event at or below `layer`, or -1. */
function lastEventAt(u: UnionModel, node: number, layer: number): number {
  const j = firstEventFrom(u, node, layer + 1) - 1;
  return j >= u.evStart[node]! ? j : -1;
}

/** SET events in the visible run that ends at event j (inclusive of j when `inclusive`). */
function versionsInRun(u: UnionModel, node: number, j: number, inclusive: boolean): number {
  const s = u.evStart[node]!;
  let v = 0;
  for (let i = inclusive ? j : j - 1; i >= s; i--) {
    const k = u.evKind[i]!;
    if (!isPresent(k)) break;
    if (k === UnionEvent.Set) v++;
  }
  return v;
}

function checkLayer(u: UnionModel, layer: number): void {
  if (!Number.isInteger(layer) || layer < 0 || layer >= u.layerCount) {
    throw new LayerscopeError(
      'UNKNOWN_LAYER',
      `no layer ${layer}: the image has ${u.layerCount} layer${u.layerCount === 1 ? '' : 's'} (0–${u.layerCount - 1})`,
    );
  }
}

/** State of one node in the merged filesystem of layers 0..layer. */
export function stateAt(u: UnionModel, node: number, layer: number): NodeState {
  if (node < 0 || node >= u.nodeCount) return { status: 'absent', layer: -1, entry: -1, hiddenVersions: 0 };
  const j = lastEventAt(u, node, layer);
  if (j < 0) return { status: node === 0 ? 'visible' : 'absent', layer: -1, entry: -1, hiddenVersions: 0 };
  const k = u.evKind[j]!;
  if (isPresent(k)) {
    return {
      status: 'visible',
      layer: u.evLayer[j]!,
      entry: k === UnionEvent.Set ? u.evEntry[j]! : -1,
      hiddenVersions: versionsInRun(u, node, j, false),
    };
  }
  return { status: 'deleted', layer: u.evLayer[j]!, entry: -1, hiddenVersions: versionsInRun(u, node, j, false) };
}

/** Attributes that decide "modified" vs "metadata-only" vs "unchanged" for a directory. */
function versionIsDir(u: UnionModel, layers: readonly (LayerIndex | null)[], j: number): boolean {
  if (u.evKind[j] === UnionEvent.Implicit) return true;
  const li = layers[u.evLayer[j]!];
  return !!li && li.kinds[u.evEntry[j]!] === EntryKind.Dir;
}

function sameDirAttrs(u: UnionModel, layers: readonly (LayerIndex | null)[], a: number, b: number): boolean {
  const attrs = (j: number): [number, number, number] => {
    if (j < 0 || u.evKind[j] === UnionEvent.Implicit) return [IMPLICIT_DIR_MODE, 0, 0];
    const li = layers[u.evLayer[j]!]!;
    const e = u.evEntry[j]!;
    return [li.modes[e]! & 0o7777, li.uids[e]!, li.gids[e]!];
  };
  const x = attrs(a);
  const y = attrs(b);
  return x[0] === y[0] && x[1] === y[1] && x[2] === y[2];
}

/**
 * Change an event makes, given the node's previous event p (-1 if none):
 * added = not visible before; a file/symlink/hardlink/device written again is
 * always modified (its bytes ship again); a directory re-stated with the same
 * type/mode/uid/gid is unchanged, with other ones metadata-only.
 */
function changeOfEvent(u: UnionModel, layers: readonly (LayerIndex | null)[], node: number, j: number, p: number): number {
  const k = u.evKind[j]!;
  if (!isPresent(k)) return Change.Deleted;
  const wasVisible = node === 0 || (p >= 0 && isPresent(u.evKind[p]!));
  if (!wasVisible) return Change.Added;
  if (!versionIsDir(u, layers, j)) return Change.Modified;
  if (p >= 0 && !versionIsDir(u, layers, p)) return Change.Modified;
  return sameDirAttrs(u, layers, j, p) ? Change.Unchanged : Change.MetadataOnly;
}

/** Change of the node's event j (its CSR index), relative to the node's previous event. Exported for stats.ts. */
export function eventChange(u: UnionModel, layers: readonly (LayerIndex | null)[], node: number, j: number): number {
  return changeOfEvent(u, layers, node, j, j > u.evStart[node]! ? j - 1 : -1);
}

/** The merged filesystem at `layer`: one pass over the event arrays. */
export function mergedAt(u: UnionModel, layers: readonly (LayerIndex | null)[], layer: number): MergedView {
  checkLayer(u, layer);
  const n = u.nodeCount;
  const status = new Uint8Array(n);
  const provider = new Int16Array(n).fill(-1);
  const entry = new Int32Array(n).fill(-1);
  const change = new Uint8Array(n);
  const { evStart, evLayer, evKind, evEntry } = u;
  for (let node = 0; node < n; node++) {
    const s = evStart[node]!;
    const j = firstEventFrom(u, node, layer + 1) - 1;
    if (j < s) {
      if (node === 0) status[0] = NodeStatus.Visible;
      continue;
    }
    const k = evKind[j];
    provider[node] = evLayer[j]!;
    if (k === UnionEvent.Set || k === UnionEvent.Implicit) {
      status[node] = NodeStatus.Visible;
      if (k === UnionEvent.Set) entry[node] = evEntry[j]!;
    } else {
      status[node] = NodeStatus.Deleted;
    }
    if (evLayer[j] === layer) change[node] = changeOfEvent(u, layers, node, j, j > s ? j - 1 : -1);
  }
  return { layer, status, provider, entry, change };
}

/** Every layer that touched the path, bottom first. */
export function pathHistory(u: UnionModel, layers: readonly (LayerIndex | null)[], node: number): HistoryItem[] {
  const out: HistoryItem[] = [];
  if (node < 0 || node >= u.nodeCount) return out;
  const s = u.evStart[node]!;
  const e = u.evStart[node + 1]!;
  for (let j = s; j < e; j++) {
    const k = u.evKind[j];
    let action: HistoryAction;
    if (k === UnionEvent.Delete) action = 'deleted';
    else if (k === UnionEvent.OpaqueHide) action = 'opaque-hidden';
    else if (k === UnionEvent.Replaced) action = 'replaced';
    else if (k === UnionEvent.Implicit) action = 'implicit';
    else {
      const c = changeOfEvent(u, layers, node, j, j > s ? j - 1 : -1);
      action = c === Change.Added ? 'added' : c === Change.Modified ? 'modified' : c === Change.MetadataOnly ? 'metadata' : 'unchanged';
    }
    out.push({ layer: u.evLayer[j]!, action, entry: u.evEntry[j]! });
  }
  return out;
}
