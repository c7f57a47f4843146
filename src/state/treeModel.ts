/**
 * The merged file tree as rows for a virtualized list: which nodes of the union
 * model are shown, in which order, at which depth, given the merged view of the
 * selected layer, the expanded directories, dive-like change filters, "only this
 * layer's changes", the show-deleted toggle, the sort and the search.
 *
 * Pure (no React, no store), so it is unit-tested in Node and benchmarked in the
 * page. Built to answer within ~100 ms on a million nodes:
 *  - nothing here makes one object or one path string per node: every per-node
 *    result is a typed array indexed by node id;
 *  - what depends only on the union (a preorder walk, depths)
 *    is computed once per UnionModel, what depends on the merged view (kinds,
 *    sizes, subtree sizes, size-sorted children) once per MergedView (WeakMaps, so
 *    they go away with the model);
 *  - search (core/model/search.ts) tests the interned names once and walks the
 *    preorder (core/model/preorder.ts) with typed-array state, in budgeted slices;
 *  - flattening visits only expanded directories.
 */
import { EntryKind, type LayerIndex } from '../core/types';
import { Change, NodeStatus, pathHistory, stateAt, UnionEvent, type MergedView, type UnionModel } from '../core/model/union';
import { resolveHardlink } from '../core/model/listing';
import type { ChangeFilters, SortKey } from './viewSlice';
import { preorder as prepUnion } from '../core/model/preorder';
import { compileSearch, searchCursor, type SearchCursor } from '../core/model/search';

/* ------------------------------------------------------------ merged view codes */

export type ChangeName = 'added' | 'modified' | 'deleted' | 'unchanged';

/**
 * The change a row shows (the testing contract's `data-change`): metadata-only
 * changes count as modified, like dive; a path deleted by a LOWER layer did not
 * change in the selected one, so it is 'unchanged' (it is still drawn struck through).
 */
export function changeName(mv: MergedView, node: number): ChangeName {
  const c = mv.change[node];
  if (c === Change.Added) return 'added';
  if (c === Change.Modified || c === Change.MetadataOnly) return 'modified';
  if (c === Change.Deleted) return 'deleted';
  return 'unchanged';
}

/* ------------------------------------------------------------ per-union data */

/**
 * Do the per-union work ahead of the first search (the preorder walk), and let
 * the JIT see the hot loops once on real data, so that the first keystroke is
 * as fast as the next ones. Meant for an idle callback after a load.
 */
export function warmUp(u: UnionModel, mv?: MergedView): void {
  warmUpSteps(u, mv).run(Number.POSITIVE_INFINITY);
}

/** warmUp in steps (warmUpSteps): `run(until)` works until performance.now() passes `until`; true once all is done. */
export interface WarmUpSteps {
  run(until: number): boolean;
}

/**
 * warmUp cut into steps for idle callbacks (issue 13: done in one callback it took
 * 26–45 ms of CPU after the benchmark image's load, a long task past any idle
 * period's deadline): the preorder walk, the search in its cursor's slices, then the
 * filter pass. `run(until)` always makes progress: it starts a step even when
 * `until` has passed (the walk and the filter pass are one step each, O(nodes)).
 */
export function warmUpSteps(u: UnionModel, mv?: MergedView): WarmUpSteps {
  const c = compileSearch({ text: '\u0000', mode: 'substring', caseSensitive: false });
  let stage: 'walk' | 'search' | 'filter' | 'done' = 'walk';
  let cursor: SearchCursor | null = null;
  return {
    run(until) {
      do {
        if (stage === 'walk') {
          prepUnion(u);
          stage = c?.ok ? 'search' : 'done';
        } else if (stage === 'search' && c?.ok) {
          cursor ??= searchCursor(u, c.c);
          if (!cursor.run(until)) return false;
          stage = mv ? 'filter' : 'done';
        } else if (stage === 'filter' && mv && cursor) {
          const all = { added: true, modified: true, deleted: true, unchanged: true };
          filterTree(u, mv, { filters: all, onlyLayerChanges: false, showDeleted: true, match: cursor.match() });
          stage = 'done';
        } else stage = 'done';
      } while (stage !== 'done' && performance.now() < until);
      return stage === 'done';
    },
  };
}

/* ------------------------------------------------------------ per-view data */

interface ViewPrep {
  /**
   * Visible file bytes of each node's subtree, itself included (what `du` would
   * count; hard links count 0: their inode is counted at its first name).
   * One Float64Array per view: a layer switch allocates nothing else here.
   */
  subtree: Float64Array;
  /** Children of a directory sorted by subtree size, largest first (made on demand). */
  bySize: Map<number, Int32Array>;
}

const viewPreps = new WeakMap<MergedView, ViewPrep>();

function prepView(u: UnionModel, layers: readonly (LayerIndex | null)[], mv: MergedView): ViewPrep {
  let p = viewPreps.get(mv);
  if (p) return p;
  const up = prepUnion(u);
  const n = u.nodeCount;
  const subtree = new Float64Array(n);
  const { status, provider, entry } = mv;
  for (let i = 0; i < n; i++) {
    if (status[i] !== NodeStatus.Visible) continue;
    const e = entry[i]!;
    if (e < 0) continue; // implicit directory
    const li = layers[provider[i]!];
    if (li && li.kinds[e] === EntryKind.File) subtree[i] = li.sizes[e]!;
  }
  const { pre } = up;
  const parent = u.parent;
  for (let q = n - 1; q > 0; q--) {
    const node = pre[q]!;
    subtree[parent[node]!]! += subtree[node]!;
  }
  p = { subtree, bySize: new Map() };
  viewPreps.set(mv, p);
  return p;
}

/** Subtree bytes (visible files under a node, itself included) in the merged view. */
export function subtreeSize(u: UnionModel, layers: readonly (LayerIndex | null)[], mv: MergedView, node: number): number {
  return prepView(u, layers, mv).subtree[node]!;
}

function childrenOf(u: UnionModel, node: number): Uint32Array {
  return u.children.subarray(u.childStart[node], u.childStart[node + 1]);
}

function orderedChildren(u: UnionModel, vp: ViewPrep, node: number, sort: SortKey): ArrayLike<number> {
  const kids = childrenOf(u, node);
  if (sort === 'name' || kids.length < 2) return kids;
  let s = vp.bySize.get(node);
  if (!s) {
    const k = kids.length;
    const key = new Float64Array(k);
    const sub = vp.subtree;
    for (let i = 0; i < k; i++) key[i] = sub[kids[i]!]!;
    // Largest first; equal sizes keep the bytewise name order (positions are name-sorted).
    const pos = new Int32Array(k);
    for (let i = 0; i < k; i++) pos[i] = i;
    pos.sort((a, b) => key[b]! - key[a]! || a - b);
    s = new Int32Array(k);
    for (let i = 0; i < k; i++) s[i] = kids[pos[i]!]!;
    vp.bySize.set(node, s);
  }
  return s;
}

/* ------------------------------------------------------------ search */

// The search engine is core/model/search.ts (linear-time, resumable, budgeted); re-exported for the view.
export {
  compileSearch,
  globSegmentSource,
  matchNodes,
  matchNodesWithin,
  MAX_PATTERN_SEGMENTS,
  SEARCH_BUDGET_MS,
  searchCursor,
  type CompiledSearch,
  type SearchCursor,
  type SearchProgress,
  type SearchSpec,
  type SearchStopped,
} from '../core/model/search';

/* ------------------------------------------------------------ filtering */

export interface TreeQuery {
  filters: ChangeFilters;
  onlyLayerChanges: boolean;
  showDeleted: boolean;
  /** Per-node match flags (matchNodes), or null when not searching. */
  match: Uint8Array | null;
}

/** Bits of TreeFilter.flags. */
export const F_INCLUDED = 1; // the row is shown (passes, or leads to rows that do)
export const F_PASS = 2; // the node itself passes the filters (others are context: ancestors)
export const F_HAS_CHILD = 4; // at least one child is shown
export const F_MATCH = 8; // the node matches the search (and passes the filters)
/**
 * Inside a directory that matches the search: shown (as context) so that a match
 * on a directory shows what it holds; its own subdirectories start closed unless
 * they lead to another match (F_LEADS).
 */
export const F_UNDER_MATCH = 32;
/** A match lies at or below this node (while searching). */
export const F_LEADS = 64;

export interface TreeFilter {
  /**
   * Flags per node, or null in the default view (every change kind shown, no
   * "only this layer", no search): then a node is shown when it is present
   * (deleted ones per show-deleted), which nodeFlags() decides per node, so a
   * layer switch costs no pass over the whole tree here.
   */
  flags: Uint8Array | null;
  mv: MergedView;
  showDeleted: boolean;
  /** Nodes that pass every filter (null in the default view: not counted). */
  passCount: number | null;
  /** Nodes matching the search that pass the other filters. */
  matchCount: number;
  /** Rows shown when everything is expanded (null in the default view). */
  includedCount: number | null;
}

const isDefaultQuery = (q: TreeQuery) => !q.match && !q.onlyLayerChanges && q.filters.added && q.filters.modified && q.filters.deleted && q.filters.unchanged;

/** Whether a node is shown in the default view: present, or deleted when deleted paths are shown. */
function shownByDefault(mv: MergedView, showDeleted: boolean, node: number): boolean {
  const st = mv.status[node];
  return st === NodeStatus.Visible || (st === NodeStatus.Deleted && showDeleted);
}

/** TreeFilter flags of one node (computed on demand in the default view). */
export function nodeFlags(u: UnionModel, flt: TreeFilter, node: number): number {
  if (flt.flags) return flt.flags[node]!;
  if (node !== 0 && !shownByDefault(flt.mv, flt.showDeleted, node)) return 0;
  let fl = F_INCLUDED | F_PASS;
  const end = u.childStart[node + 1]!;
  for (let c = u.childStart[node]!; c < end; c++) {
    if (shownByDefault(flt.mv, flt.showDeleted, u.children[c]!)) {
      fl |= F_HAS_CHILD;
      break;
    }
  }
  return fl;
}

/** Which nodes are shown: nothing to do in the default view, else one bottom-up pass in reverse preorder. */
export function filterTree(u: UnionModel, mv: MergedView, q: TreeQuery): TreeFilter {
  if (isDefaultQuery(q)) return { flags: null, mv, showDeleted: q.showDeleted, passCount: null, matchCount: 0, includedCount: null };
  const up = prepUnion(u);
  const n = u.nodeCount;
  const flags = new Uint8Array(n);
  const { status, change } = mv;
  const { pre } = up;
  const f = q.filters;
  const match = q.match;
  const parent = u.parent;
  let passCount = 0;
  let matchCount = 0;
  let includedCount = 0;
  // A match on a directory shows its contents: mark every node below a matching
  // directory (preorder: a parent is marked before its children).
  if (match) {
    for (let p = 1; p < n; p++) {
      const node = pre[p]!;
      const par = parent[node]!;
      if (par !== 0 && (match[par] || flags[par]! & F_UNDER_MATCH) && status[par] !== NodeStatus.Absent) flags[node] = F_UNDER_MATCH;
    }
  }
  let under = false;
  for (let p = n - 1; p > 0; p--) {
    const node = pre[p]!;
    let fl = flags[node]!;
    const st = status[node];
    if (st !== NodeStatus.Absent) {
      const ch = change[node];
      let pass: boolean;
      if (st === NodeStatus.Deleted && !q.showDeleted) pass = false;
      else if (st === NodeStatus.Deleted && ch !== Change.Deleted)
        pass = f.unchanged; // deleted by a lower layer: unchanged here
      else if (ch === Change.Added) pass = f.added;
      else if (ch === Change.Modified || ch === Change.MetadataOnly) pass = f.modified;
      else if (ch === Change.Deleted) pass = f.deleted;
      else pass = f.unchanged;
      if (pass && q.onlyLayerChanges && ch === Change.Unchanged) pass = false;
      if (pass && match) {
        if (match[node]) {
          fl |= F_MATCH | F_LEADS;
          matchCount++;
        } else {
          // Context inside a matching directory: shown if it passes the other filters.
          if (fl & F_UNDER_MATCH) under = true;
          pass = false;
        }
      }
      if (pass) {
        fl |= F_PASS;
        passCount++;
      }
    }
    if (fl & (F_PASS | F_HAS_CHILD) || under) {
      fl |= F_INCLUDED;
      includedCount++;
      flags[parent[node]!]! |= F_HAS_CHILD | (fl & F_LEADS);
    }
    under = false;
    flags[node] = fl;
  }
  if (n > 0) flags[0]! |= F_INCLUDED;
  return { flags, mv, showDeleted: q.showDeleted, passCount, matchCount, includedCount };
}

/* ------------------------------------------------------------ flattening */

export interface FlattenOptions {
  sort: SortKey;
  /** Per-node expanded flags from the user's choices (expandedFlags()). */
  expanded: Uint8Array;
  /** Expand every shown directory (search results, small change sets), except `collapsed`. */
  autoExpand: boolean;
  /**
   * Nodes whose auto-expanded state the user flipped: collapsed where they open by
   * default, opened where they start closed (context inside a matching directory).
   */
  collapsed: ReadonlySet<number> | null;
}

export interface TreeRows {
  count: number;
  /** Node id per row. */
  nodes: Int32Array;
  /** Depth per row, 0 for top-level entries. */
  depths: Uint16Array;
  /** TreeFilter flags per row, with F_OPEN when the row's directory is shown expanded. */
  flags: Uint8Array;
}

/** Row flag: the directory is shown expanded. */
export const F_OPEN = 16;

/** Initial capacity of the row arrays; they double as needed. */
const INITIAL_ROWS = 1024;

/** Per-node flags for a set of absolute paths (the store keeps paths, the model needs node ids). */
export function expandedFlags(u: UnionModel, paths: Iterable<string>, lookupFn: (u: UnionModel, p: string) => number): Uint8Array {
  const out = new Uint8Array(u.nodeCount);
  for (const p of paths) {
    const node = lookupFn(u, p);
    if (node >= 0) out[node] = 1;
  }
  return out;
}

/** Auto-expanded (search, small change sets): every directory opens, but those inside a matching directory that lead to no other match. */
export function autoOpen(flags: number): boolean {
  return !(flags & F_UNDER_MATCH) || !!(flags & F_LEADS);
}

/** Whether a directory with these flags is shown expanded. */
export function isOpen(node: number, flags: number, o: FlattenOptions): boolean {
  if (!(flags & F_HAS_CHILD)) return false;
  if (o.autoExpand) return autoOpen(flags) !== !!o.collapsed?.has(node);
  return o.expanded[node] === 1;
}

/** The rows to show: a preorder walk that descends only into open directories. */
export function flattenTree(u: UnionModel, layers: readonly (LayerIndex | null)[], mv: MergedView, flt: TreeFilter, o: FlattenOptions): TreeRows {
  const vp = o.sort === 'size' ? prepView(u, layers, mv) : null;
  let cap = Math.max(16, Math.min(INITIAL_ROWS, flt.includedCount ?? INITIAL_ROWS));
  let nodes = new Int32Array(cap);
  let depths = new Uint16Array(cap);
  let rflags = new Uint8Array(cap);
  let count = 0;
  // Explicit stack of (children list, next index): no recursion on deep trees.
  const lists: ArrayLike<number>[] = [];
  const idx: number[] = [];
  const kids = (node: number) => (vp ? orderedChildren(u, vp, node, o.sort) : childrenOf(u, node));
  if (u.nodeCount > 0) {
    lists.push(kids(0));
    idx.push(0);
  }
  while (lists.length > 0) {
    const top = lists.length - 1;
    const list = lists[top]!;
    const i = idx[top]!;
    if (i >= list.length) {
      lists.pop();
      idx.pop();
      continue;
    }
    idx[top] = i + 1;
    const node = list[i]!;
    let fl = nodeFlags(u, flt, node);
    if (!(fl & F_INCLUDED)) continue;
    if (count === cap) {
      cap *= 2;
      const nn = new Int32Array(cap);
      nn.set(nodes);
      nodes = nn;
      const nd = new Uint16Array(cap);
      nd.set(depths);
      depths = nd;
      const nf = new Uint8Array(cap);
      nf.set(rflags);
      rflags = nf;
    }
    const open = isOpen(node, fl, o);
    if (open) fl |= F_OPEN;
    nodes[count] = node;
    depths[count] = top;
    rflags[count] = fl;
    count++;
    if (open) {
      lists.push(kids(node));
      idx.push(0);
    }
  }
  return { count, nodes, depths, flags: rflags };
}

/** Row index of a node, or -1. */
export function rowOf(rows: TreeRows, node: number): number {
  return rows.nodes.subarray(0, rows.count).indexOf(node);
}

/* ------------------------------------------------------------ row details */

export interface NodeInfo {
  node: number;
  name: string;
  status: 'visible' | 'deleted' | 'absent';
  change: ChangeName;
  /** Layer owning the shown version; for deleted paths, the layer that deleted it. */
  layer: number;
  /** Layer and entry of the version whose attributes are shown (for a deleted path: the last version before it was deleted); -1 when implicit. */
  versionLayer: number;
  entry: number;
  kind: number;
  /** File size; for directories, the visible subtree's bytes; for a deleted path, the size of its last version. */
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  /** Symlink target (raw) or hardlink target ('/abs'). */
  link: string | null;
  /** Lower versions this one hides (and their bytes): they still ship in the image. */
  hiddenVersions: number;
  hiddenBytes: number;
}

const entryAttrs = (li: LayerIndex, e: number) => ({
  kind: li.kinds[e],
  size: li.sizes[e],
  mode: li.modes[e]!,
  uid: li.uids[e]!,
  gid: li.gids[e]!,
  mtime: li.mtimes[e]!,
  link: li.linkIds[e]! >= 0 ? (li.links[li.linkIds[e]!] ?? null) : null,
});

/** Everything a tree row shows about one node (computed for rendered rows only). */
export function nodeInfo(u: UnionModel, layers: readonly (LayerIndex | null)[], mv: MergedView, node: number): NodeInfo {
  const st = mv.status[node];
  const name = node === 0 ? '/' : u.names[u.nameId[node]!]!;
  const info: NodeInfo = {
    node,
    name,
    status: st === NodeStatus.Visible ? 'visible' : st === NodeStatus.Deleted ? 'deleted' : 'absent',
    change: changeName(mv, node),
    layer: mv.provider[node]!,
    versionLayer: -1,
    entry: -1,
    kind: EntryKind.Dir,
    size: 0,
    mode: 0o755,
    uid: 0,
    gid: 0,
    mtime: 0,
    link: null,
    hiddenVersions: 0,
    hiddenBytes: 0,
  };
  let vl = -1;
  let ve = -1;
  if (st === NodeStatus.Visible) {
    vl = mv.provider[node]!;
    ve = mv.entry[node]!;
  } else if (st === NodeStatus.Deleted && mv.provider[node]! > 0) {
    // the version the deleting layer hid
    const before = stateAt(u, node, mv.provider[node]! - 1);
    if (before.status === 'visible') {
      vl = before.layer;
      ve = before.entry;
    }
  }
  info.versionLayer = vl;
  info.entry = ve;
  const li = vl >= 0 && ve >= 0 ? layers[vl] : null;
  if (li) {
    Object.assign(info, entryAttrs(li, ve));
    if (info.kind === EntryKind.Hardlink) {
      // the same inode as its target: show the target's size (as the CLI listing does)
      const t = resolveHardlink(u, layers, vl, ve);
      const tl = t ? layers[t[0]] : null;
      if (t && tl) info.size = tl.sizes[t[1]]!;
    }
  }
  if (info.kind === EntryKind.Dir && st === NodeStatus.Visible) info.size = subtreeSize(u, layers, mv, node);
  if (st === NodeStatus.Visible && info.kind !== EntryKind.Dir) {
    const h = hiddenBelow(u, layers, node, mv.layer);
    info.hiddenVersions = h.versions;
    info.hiddenBytes = h.bytes;
  }
  return info;
}

/**
 * Lower versions that the version visible at `layer` hides: the versions set
 * since the path last (re)appeared, below the current one (h3: NodeState.hiddenVersions),
 * with their file bytes — bytes that still ship in the lower layers.
 */
export function hiddenBelow(u: UnionModel, layers: readonly (LayerIndex | null)[], node: number, layer: number): { versions: number; bytes: number } {
  const hist = pathHistory(u, layers, node);
  let top = -1;
  for (let i = 0; i < hist.length && hist[i]!.layer <= layer; i++) {
    const a = hist[i]!.action;
    if (a === 'added' || a === 'modified' || a === 'metadata' || a === 'unchanged') top = i;
  }
  let versions = 0;
  let bytes = 0;
  if (top < 0 || hist[top]!.action === 'added') return { versions, bytes };
  // walk down from the current version to where the path last appeared
  for (let i = top - 1; i >= 0; i--) {
    const h = hist[i]!;
    if (h.action === 'deleted' || h.action === 'opaque-hidden' || h.action === 'replaced') break;
    if (h.action === 'implicit') continue; // an implied directory is not a stored version
    versions++;
    const li = layers[h.layer];
    if (li && h.entry >= 0 && li.kinds[h.entry] === EntryKind.File) bytes += li.sizes[h.entry]!;
    if (h.action === 'added') break;
  }
  return { versions, bytes };
}

/**
 * Bytes a deletion (or a replacement) at layer `layer` leaves in the image:
 * every file version of the node and of everything below it, in the layers
 * under `layer`. A whiteout hides them from the merged filesystem, but the
 * lower layers' tars still carry them (OCI image-spec layer.md, "Whiteouts").
 */
export function shippedBelow(
  u: UnionModel,
  layers: readonly (LayerIndex | null)[],
  node: number,
  layer: number,
): { bytes: number; versions: number; layers: number[] } {
  let bytes = 0;
  let versions = 0;
  const seen = new Set<number>();
  const stack = [node];
  while (stack.length) {
    const n = stack.pop()!;
    for (let j = u.evStart[n]!; j < u.evStart[n + 1]!; j++) {
      const l = u.evLayer[j]!;
      if (l >= layer || u.evKind[j] !== UnionEvent.Set) continue;
      const li = layers[l];
      const e = u.evEntry[j]!;
      if (!li || li.kinds[e] !== EntryKind.File) continue;
      bytes += li.sizes[e]!;
      versions++;
      seen.add(l);
    }
    for (let c = u.childStart[n]!; c < u.childStart[n + 1]!; c++) stack.push(u.children[c]!);
  }
  return { bytes, versions, layers: [...seen].sort((a, b) => a - b) };
}

/* ------------------------------------------------------------ formatting */

/** `-rwxr-xr-x` from a kind and permission bits (setuid/setgid/sticky as s/S, t/T like ls). */
export function modeString(kind: number, mode: number): string {
  const t =
    kind === EntryKind.Dir
      ? 'd'
      : kind === EntryKind.Symlink
        ? 'l'
        : kind === EntryKind.Char
          ? 'c'
          : kind === EntryKind.Block
            ? 'b'
            : kind === EntryKind.Fifo
              ? 'p'
              : kind === EntryKind.Hardlink
                ? 'h'
                : '-';
  const bit = (m: number, c: string) => (mode & m ? c : '-');
  const special = (x: boolean, s: boolean, lower: string, upper: string) => (s ? (x ? lower : upper) : x ? 'x' : '-');
  return (
    t +
    bit(0o400, 'r') +
    bit(0o200, 'w') +
    special(!!(mode & 0o100), !!(mode & 0o4000), 's', 'S') +
    bit(0o040, 'r') +
    bit(0o020, 'w') +
    special(!!(mode & 0o010), !!(mode & 0o2000), 's', 'S') +
    bit(0o004, 'r') +
    bit(0o002, 'w') +
    special(!!(mode & 0o001), !!(mode & 0o1000), 't', 'T')
  );
}

/** `0755`, `4755`: four octal digits like the CLI listing. */
export const modeOctal = (mode: number) => (mode & 0o7777).toString(8).padStart(4, '0');
