/**
 * Where the bytes go, as a tree to draw: for every node of the union model, the
 * bytes of the final merged filesystem below it (visible), the bytes that ship in
 * some layer's tar below it but are not visible (hidden: overwritten, deleted,
 * under an opaque directory — stats.ts's rule), and the layer that owns it (a
 * file: the layer providing the visible version; a directory: the owner of its
 * largest child, i.e. "mostly from layer N").
 *
 * `spaceTree` then cuts one level of the display out of it (a treemap shows a
 * directory's children to some depth): children largest first, the tail
 * gathered into one "other" cell, and each directory's hidden bytes that belong
 * to no visible child (deleted children, older versions) as a cell of its own —
 * so a cell's area is always visible + hidden bytes of what it stands for, and
 * hidden bytes are never silently dropped from the picture.
 *
 * One pass over the nodes in breadth-first order (children CSR), typed arrays
 * only: a million-node image costs tens of milliseconds.
 */
import { EntryKind, type LayerIndex } from '../types';
import { mergedAt, NodeStatus, UnionEvent, type UnionModel } from '../model/union';

export interface SpaceModel {
  visible: Float64Array;
  hidden: Float64Array;
  /** Owning layer (see the header), -1 when nothing below is visible. */
  owner: Int16Array;
  /** 1 when the node is visible in the final filesystem. */
  present: Uint8Array;
  /** 1 for directories (visible ones; a hidden subtree's nodes are not drawn on their own). */
  dir: Uint8Array;
  totalVisible: number;
  totalHidden: number;
}

export function spaceModel(u: UnionModel, layers: readonly (LayerIndex | null)[]): SpaceModel {
  const n = u.nodeCount;
  const visible = new Float64Array(n);
  const hidden = new Float64Array(n);
  const owner = new Int16Array(n).fill(-1);
  const present = new Uint8Array(n);
  const dir = new Uint8Array(n);
  const top = u.layerCount - 1;
  if (top < 0) return { visible, hidden, owner, present, dir, totalVisible: 0, totalHidden: 0 };
  const view = mergedAt(u, layers, top);
  for (let x = 0; x < n; x++) {
    if (view.status[x] !== NodeStatus.Visible) continue;
    present[x] = 1;
    const L = view.provider[x]!;
    const e = view.entry[x]!;
    const li = L >= 0 ? layers[L] : null;
    if (x === 0 || e < 0 || (li && li.kinds[e] === EntryKind.Dir)) dir[x] = 1;
    else if (li && li.kinds[e] === EntryKind.File) {
      visible[x] = li.sizes[e]!;
      owner[x] = L;
    } else owner[x] = L;
  }
  // Hidden versions: every regular-file entry that is not the final visible version of its path.
  for (let L = 0; L < layers.length; L++) {
    const li = layers[L];
    const map = u.entryNode[L];
    if (!li || !map) continue;
    for (let i = 0; i < li.count; i++) {
      if (li.kinds[i] !== EntryKind.File || li.sizes[i] === 0) continue;
      const node: number = map[i] ?? -1;
      if (node <= 0) continue;
      const last = u.evStart[node + 1]! - 1;
      const final = last >= u.evStart[node]! && u.evKind[last] === UnionEvent.Set && u.evLayer[last] === L && u.evEntry[last] === i;
      if (!final) hidden[node] = hidden[node]! + li.sizes[i]!;
    }
  }
  // Breadth-first order from the root, then bottom-up sums.
  const order = new Int32Array(n);
  let head = 0;
  let tail = 0;
  order[tail++] = 0;
  while (head < tail) {
    const x = order[head++]!;
    for (let k = u.childStart[x]!; k < u.childStart[x + 1]!; k++) order[tail++] = u.children[k]!;
  }
  const best = new Float64Array(n);
  for (let k = tail - 1; k > 0; k--) {
    const x = order[k]!;
    const p = u.parent[x]!;
    if (p < 0) continue;
    if (present[x]) {
      visible[p] = visible[p]! + visible[x]!;
      if (visible[x]! > best[p]! && owner[x]! >= 0) {
        best[p] = visible[x]!;
        owner[p] = owner[x]!;
      }
    }
    hidden[p] = hidden[p]! + hidden[x]!;
  }
  return { visible, hidden, owner, present, dir, totalVisible: visible[0]!, totalHidden: hidden[0]! };
}

export type SpaceCellKind = 'file' | 'dir' | 'hidden' | 'other';

export interface SpaceCell {
  /** Union node (file/dir), or the directory the cell belongs to (hidden/other). */
  node: number;
  name: string;
  kind: SpaceCellKind;
  /** Area: visible + hidden bytes of what the cell stands for. */
  bytes: number;
  hiddenBytes: number;
  owner: number;
  /** Nodes gathered into an "other" cell. */
  count?: number;
  children?: SpaceCell[];
}

export interface SpaceTreeOptions {
  /** Levels of directories to open below the root. */
  depth: number;
  /** Children shown per directory before the rest is gathered into "other". */
  maxChildren: number;
  /** Children smaller than this share of their directory go to "other" too. */
  minShare: number;
}

export const DEFAULT_SPACE_TREE: SpaceTreeOptions = { depth: 3, maxChildren: 40, minShare: 0.002 };

/**
 * The cells to draw for the directory `root` (a union node). A file's or an
 * unopened directory's hidden bytes are a hatched sibling cell of their own
 * ("hidden by later layers" under that path), so hidden bytes show at every
 * zoom level, not only where a deleted path's parent happens to be drawn.
 */
export function spaceTree(m: SpaceModel, u: UnionModel, root: number, opts: SpaceTreeOptions = DEFAULT_SPACE_TREE): SpaceCell {
  const nameOf = (x: number) => (x === 0 ? '/' : u.names[u.nameId[x]!]!);
  const hiddenCell = (x: number, bytes: number): SpaceCell => ({
    node: x,
    name: 'hidden by later layers',
    kind: 'hidden',
    bytes,
    hiddenBytes: bytes,
    owner: -1,
  });
  const cells = (x: number, depth: number): SpaceCell[] => {
    const vis = m.visible[x]!;
    const hid = m.hidden[x]!;
    const out: SpaceCell[] = [];
    if (!m.dir[x] || depth >= opts.depth) {
      if (vis > 0) out.push({ node: x, name: nameOf(x), kind: m.dir[x] ? 'dir' : 'file', bytes: vis, hiddenBytes: hid, owner: m.owner[x]! });
      if (hid > 0) out.push(hiddenCell(x, hid));
      return out;
    }
    return [open(x, depth)];
  };
  const open = (x: number, depth: number): SpaceCell => {
    const c: SpaceCell = { node: x, name: nameOf(x), kind: 'dir', bytes: m.visible[x]! + m.hidden[x]!, hiddenBytes: m.hidden[x]!, owner: m.owner[x]! };
    const kids: number[] = [];
    let hiddenOfVisible = 0;
    for (let k = u.childStart[x]!; k < u.childStart[x + 1]!; k++) {
      const y = u.children[k]!;
      if (!m.present[y]) continue;
      hiddenOfVisible += m.hidden[y]!;
      if (m.visible[y]! + m.hidden[y]! > 0) kids.push(y);
    }
    kids.sort((a, b) => m.visible[b]! + m.hidden[b]! - (m.visible[a]! + m.hidden[a]!) || a - b);
    const children: SpaceCell[] = [];
    let shown = 0;
    let otherBytes = 0;
    let otherHidden = 0;
    let otherCount = 0;
    for (const y of kids) {
      const b = m.visible[y]! + m.hidden[y]!;
      if (shown < opts.maxChildren && b >= c.bytes * opts.minShare) {
        children.push(...cells(y, depth + 1));
        shown++;
      } else {
        otherBytes += b;
        otherHidden += m.hidden[y]!;
        otherCount++;
      }
    }
    if (otherCount > 0)
      children.push({ node: x, name: `${otherCount} more`, kind: 'other', bytes: otherBytes, hiddenBytes: otherHidden, owner: -1, count: otherCount });
    const own = m.hidden[x]! - hiddenOfVisible;
    if (own > 0) children.push(hiddenCell(x, own));
    if (children.length) c.children = children;
    return c;
  };
  return open(root, 0);
}
