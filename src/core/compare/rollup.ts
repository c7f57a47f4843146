/**
 * Totals of a tree diff and its records as a tree with per-directory roll-ups:
 * how many paths of each category lie below a directory and how many bytes they
 * add and remove, so the page can show "+12 MB / −3 MB" on /usr/lib and sort
 * directories by what they changed.
 *
 * Size deltas count regular-file bytes (TreeDiff.bytesA/B): a hardlink shares its
 * target's inode and adds nothing (what `du` counts), a directory's own entry
 * adds nothing. "+X" sums growth, "−Y" shrinkage (a removed file is all shrinkage).
 *
 * The tree holds the differing paths and the directories above them (which exist,
 * unchanged, on both sides), nothing else: its size is proportional to the diff.
 */
import { compareBytewise } from '../model/pathTrie';
import { CATEGORIES, CATEGORY_INDEX, categoryOf, type Category } from './flags';
import type { TreeDiff } from './tree';

export interface DiffTotals {
  counts: Record<Category, number>;
  /** Σ max(0, bytesB − bytesA): the bytes B adds. */
  bytesAdded: number;
  /** Σ max(0, bytesA − bytesB): the bytes B no longer has. */
  bytesRemoved: number;
  /** bytesAdded − bytesRemoved. */
  net: number;
  /** Paths visible on either side. */
  compared: number;
  /** Paths that differ (every category but 'unchanged'). */
  differing: number;
}

export function diffTotals(diff: TreeDiff): DiffTotals {
  const counts = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  let plus = 0;
  let minus = 0;
  for (let i = 0; i < diff.count; i++) {
    counts[categoryOf(diff.flags[i]!)]++;
    const d = diff.bytesB[i]! - diff.bytesA[i]!;
    if (d > 0) plus += d;
    else minus -= d;
  }
  const differing = diff.count - counts.unchanged;
  counts.unchanged += diff.compared - diff.count;
  return { counts, bytesAdded: plus, bytesRemoved: minus, net: plus - minus, compared: diff.compared, differing };
}

export interface DiffTree {
  /** Nodes; node 0 is the root '/'. Parents have smaller ids than their children. */
  count: number;
  parent: Int32Array;
  names: string[];
  /** Record of the node in the TreeDiff, or -1 for a directory that is itself the same on both sides. */
  record: Int32Array;
  /** CSR children, sorted bytewise by name. */
  childStart: Uint32Array;
  children: Uint32Array;
  /** Subtree roll-ups (the node included): bytes added / removed, and paths per category (CATEGORIES order, `count × CATEGORIES.length`). */
  plus: Float64Array;
  minus: Float64Array;
  counts: Uint32Array;
}

export const N_CATEGORIES = CATEGORIES.length;

export function buildDiffTree(diff: TreeDiff): DiffTree {
  const ids = new Map<string, number>([['', 0]]);
  const parent: number[] = [-1];
  const names: string[] = [''];
  const record: number[] = [-1];
  const nodeOf = (path: string): number => {
    const got = ids.get(path);
    if (got !== undefined) return got;
    const slash = path.lastIndexOf('/');
    const p = nodeOf(path.slice(0, slash));
    const n = parent.length;
    parent.push(p);
    names.push(path.slice(slash + 1));
    record.push(-1);
    ids.set(path, n);
    return n;
  };
  for (let i = 0; i < diff.count; i++) record[nodeOf(diff.paths[i]!)] = i;
  const n = parent.length;
  const plus = new Float64Array(n);
  const minus = new Float64Array(n);
  const counts = new Uint32Array(n * N_CATEGORIES);
  for (let v = n - 1; v >= 0; v--) {
    const r = record[v]!;
    if (r >= 0) {
      const d = diff.bytesB[r]! - diff.bytesA[r]!;
      if (d > 0) plus[v]! += d;
      else minus[v]! -= d;
      counts[v * N_CATEGORIES + CATEGORY_INDEX[categoryOf(diff.flags[r]!)]]!++;
    }
    const p = parent[v]!;
    if (p >= 0) {
      plus[p]! += plus[v]!;
      minus[p]! += minus[v]!;
      for (let c = 0; c < N_CATEGORIES; c++) counts[p * N_CATEGORIES + c]! += counts[v * N_CATEGORIES + c]!;
    }
  }
  const childStart = new Uint32Array(n + 1);
  for (let v = 1; v < n; v++) childStart[parent[v]! + 1]!++;
  for (let v = 0; v < n; v++) childStart[v + 1]! += childStart[v]!;
  const fill = childStart.slice(0, n);
  const children = new Uint32Array(Math.max(0, n - 1));
  for (let v = 1; v < n; v++) children[fill[parent[v]!]!++] = v;
  for (let v = 0; v < n; v++) {
    const s = childStart[v]!;
    const e = childStart[v + 1]!;
    if (e - s > 1) {
      const sorted = Array.from(children.subarray(s, e)).sort((x, y) => compareBytewise(names[x]!, names[y]!));
      children.set(sorted, s);
    }
  }
  return { count: n, parent: Int32Array.from(parent), names, record: Int32Array.from(record), childStart, children, plus, minus, counts };
}

/** Absolute path of a diff-tree node ('/' for the root). */
export function diffTreePath(t: DiffTree, node: number): string {
  if (node <= 0) return '/';
  let s = '';
  for (let v = node; v > 0; v = t.parent[v]!) s = `/${t.names[v]}${s}`;
  return s;
}

/** Paths of `categories` in the node's subtree (the node included). */
export function countIn(t: DiffTree, node: number, categories: ReadonlySet<Category>): number {
  let k = 0;
  for (const c of categories) k += t.counts[node * N_CATEGORIES + CATEGORY_INDEX[c]]!;
  return k;
}
