/**
 * The rows of the comparison's tree: the differing paths (a DiffTree, rollup.ts)
 * with the directories above them, filtered by category, sorted by name or by
 * size delta, expanded by path. With the 'unchanged' filter on, a directory also
 * lists its unchanged children, read lazily from the two union models (the diff
 * itself holds only what differs, so its memory stays proportional to the
 * changes). Pure: tested in Node.
 */
import { lookup, type UnionModel } from '../../core/model/union';
import { childNamed, compareBytewise } from '../../core/model/pathTrie';

import { CATEGORY_INDEX, categoryOf, type Category } from '../../core/compare/flags';
import { N_CATEGORIES, type DiffTree } from '../../core/compare/rollup';
import { ABSENT_KIND, type TreeDiff } from '../../core/compare/tree';
import { emptyVersion, fillVersion, isDirVersion, isVisible, type CompareSide } from '../../core/compare/side';
import { EntryKind } from '../../core/types';

export type DiffSort = 'name' | 'delta';

export interface DiffRow {
  /** Absolute path: the row's identity (kept across re-derivations of the diff). */
  path: string;
  name: string;
  depth: number;
  /** Diff-tree node, or -1 for an unchanged path listed from the unions. */
  treeNode: number;
  /** Record in the TreeDiff, or -1 (a directory the same on both sides, or an unchanged path). */
  record: number;
  category: Category;
  /** Union nodes on each side (-1 where absent). */
  nodeA: number;
  nodeB: number;
  isDir: boolean;
  /** Has rows below it under the current filter. */
  hasChildren: boolean;
  expanded: boolean;
  /** Bytes added / removed in the subtree (the path included). */
  plus: number;
  minus: number;
  /** Differing paths below (the path excluded), for a directory's badge. */
  below: number;
}

export interface RowOptions {
  filter: ReadonlySet<Category>;
  sort: DiffSort;
  expanded: ReadonlySet<string>;
}

/** A filtered diff at most this big opens every directory at first (beyond, the top level only). */
export const AUTO_EXPAND_MAX_ROWS = 2000;
/** Unchanged children listed for one directory at most (a directory of a million files stays usable). */
export const MAX_UNCHANGED_CHILDREN = 50_000;

export interface RowSource {
  diff: TreeDiff;
  tree: DiffTree;
  a: CompareSide;
  b: CompareSide;
}

const count = (t: DiffTree, v: number, filter: ReadonlySet<Category>) => {
  let k = 0;
  for (const c of filter) k += t.counts[v * N_CATEGORIES + CATEGORY_INDEX[c]]!;
  return k;
};

/** Differing paths below a tree node (not the node itself), every category but unchanged. */
function differingBelow(src: RowSource, v: number): number {
  let k = 0;
  for (let c = 0; c < N_CATEGORIES; c++) if (c !== CATEGORY_INDEX.unchanged) k += src.tree.counts[v * N_CATEGORIES + c]!;
  const r = src.tree.record[v]!;
  if (r >= 0 && categoryOf(src.diff.flags[r]!) !== 'unchanged') k--;
  return k;
}

function treeNodeRow(src: RowSource, v: number, path: string, depth: number, o: RowOptions): DiffRow {
  const { diff, tree } = src;
  const r = tree.record[v]!;
  const nodeA = r >= 0 ? diff.nodeA[r]! : lookup(src.a.union, path);
  const nodeB = r >= 0 ? diff.nodeB[r]! : lookup(src.b.union, path);
  const kind = r >= 0 ? (diff.kindB[r]! !== ABSENT_KIND ? diff.kindB[r]! : diff.kindA[r]!) : EntryKind.Dir;
  const dirOnSomeSide = r < 0 || diff.kindA[r]! === EntryKind.Dir || diff.kindB[r]! === EntryKind.Dir;
  const kidsHere = tree.childStart[v + 1]! > tree.childStart[v]!;
  let hasChildren = false;
  for (let i = tree.childStart[v]!; i < tree.childStart[v + 1]! && !hasChildren; i++) hasChildren = count(tree, tree.children[i]!, o.filter) > 0;
  if (!hasChildren && o.filter.has('unchanged') && dirOnSomeSide) hasChildren = hasUnchangedChildren(src, nodeA, nodeB);
  return {
    path,
    name: tree.names[v]!,
    depth,
    treeNode: v,
    record: r,
    category: r >= 0 ? categoryOf(diff.flags[r]!) : 'unchanged',
    nodeA: nodeA,
    nodeB: nodeB,
    isDir: kind === EntryKind.Dir || kidsHere,
    hasChildren,
    expanded: hasChildren && o.expanded.has(path),
    plus: tree.plus[v]!,
    minus: tree.minus[v]!,
    below: differingBelow(src, v),
  };
}

function childrenOf(u: UnionModel, n: number): Uint32Array {
  return n < 0 ? new Uint32Array(0) : u.children.subarray(u.childStart[n], u.childStart[n + 1]);
}

function hasUnchangedChildren(src: RowSource, na: number, nb: number): boolean {
  if (na < 0 || nb < 0) return false;
  for (const c of childrenOf(src.a.union, na)) {
    if (!isVisible(src.a, c)) continue;
    const y = childNamed(src.b.union, nb, src.a.union.names[src.a.union.nameId[c]!]!);
    if (y >= 0 && isVisible(src.b, y)) return true;
  }
  return false;
}

/**
 * Children visible on both sides of directory (na, nb) and not in the diff (the
 * names in `inDiff`): unchanged paths, sorted by name.
 */
function unchangedChildren(src: RowSource, na: number, nb: number, inDiff: ReadonlySet<string>): { name: string; a: number; b: number }[] {
  const out: { name: string; a: number; b: number }[] = [];
  if (na < 0 || nb < 0) return out;
  const ua = src.a.union;
  for (const c of childrenOf(ua, na)) {
    if (out.length >= MAX_UNCHANGED_CHILDREN) break;
    const name = ua.names[ua.nameId[c]!]!;
    if (inDiff.has(name) || !isVisible(src.a, c)) continue;
    const y = childNamed(src.b.union, nb, name);
    if (y >= 0 && isVisible(src.b, y)) out.push({ name, a: c, b: y });
  }
  return out;
}

const scratch = emptyVersion();
function isDirOn(side: CompareSide, n: number): boolean {
  if (n < 0) return false;
  fillVersion(scratch, side, n, -1);
  return isDirVersion(scratch);
}

function unchangedRow(src: RowSource, name: string, path: string, depth: number, a: number, b: number, o: RowOptions): DiffRow {
  const isDir = isDirOn(src.a, a);
  const hasChildren = isDir && hasUnchangedChildren(src, a, b);
  return {
    path,
    name,
    depth,
    treeNode: -1,
    record: -1,
    category: 'unchanged',
    nodeA: a,
    nodeB: b,
    isDir,
    hasChildren,
    expanded: hasChildren && o.expanded.has(path),
    plus: 0,
    minus: 0,
    below: 0,
  };
}

/** The visible rows, depth first. */
export function diffRows(src: RowSource, o: RowOptions): DiffRow[] {
  const out: DiffRow[] = [];
  const { tree } = src;
  const byDelta = (x: DiffRow, y: DiffRow) => {
    const dx = Math.abs(x.plus - x.minus);
    const dy = Math.abs(y.plus - y.minus);
    return dy - dx || y.plus + y.minus - (x.plus + x.minus) || compareBytewise(x.name, y.name);
  };
  const listChildren = (row: DiffRow | null): DiffRow[] => {
    const depth = row ? row.depth + 1 : 0;
    const prefix = row ? row.path : '';
    const rows: DiffRow[] = [];
    const v = row ? row.treeNode : 0;
    const names = new Set<string>();
    if (v >= 0) {
      for (let i = tree.childStart[v]!; i < tree.childStart[v + 1]!; i++) {
        const c = tree.children[i]!;
        names.add(tree.names[c]!);
        if (count(tree, c, o.filter) === 0) continue;
        rows.push(treeNodeRow(src, c, `${prefix}/${tree.names[c]!}`, depth, o));
      }
    }
    if (o.filter.has('unchanged')) {
      const na = row ? row.nodeA : 0;
      const nb = row ? row.nodeB : 0;
      for (const u of unchangedChildren(src, na, nb, names)) rows.push(unchangedRow(src, u.name, `${prefix}/${u.name}`, depth, u.a, u.b, o));
    }
    if (o.sort === 'delta') rows.sort(byDelta);
    else rows.sort((x, y) => compareBytewise(x.name, y.name));
    return rows;
  };
  const walk = (rows: DiffRow[]) => {
    for (const r of rows) {
      out.push(r);
      if (r.expanded) walk(listChildren(r));
    }
  };
  walk(listChildren(null));
  return out;
}

/** The directories to open at first: all of the diff's when it is small enough, else none. */
export function initialExpanded(src: RowSource, filter: ReadonlySet<Category>): Set<string> {
  const out = new Set<string>();
  const { tree } = src;
  if (count(tree, 0, filter) > AUTO_EXPAND_MAX_ROWS) return out;
  const path = (v: number): string => {
    let s = '';
    for (let x = v; x > 0; x = tree.parent[x]!) s = `/${tree.names[x]!}${s}`;
    return s;
  };
  for (let v = 1; v < tree.count; v++) if (tree.childStart[v + 1]! > tree.childStart[v]! && count(tree, v, filter) > 0) out.add(path(v));
  return out;
}

/** Every ancestor directory of `path` ('/a/b/c' → '/a', '/a/b'): what to expand to reveal it. */
export function ancestorPaths(path: string): string[] {
  const out: string[] = [];
  for (let i = path.indexOf('/', 1); i > 0; i = path.indexOf('/', i + 1)) out.push(path.slice(0, i));
  return out;
}
