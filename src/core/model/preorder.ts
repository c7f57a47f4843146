/**
 * A depth-first preorder of a union's nodes, with subtree spans and depths:
 * what depends only on the tree's shape, computed once per UnionModel (a
 * WeakMap, so it goes away with the model). The tree view (state/treeModel.ts)
 * and the search (search.ts) walk it; nothing here makes one object per node.
 */
import type { UnionModel } from './union';

/** The tree's shape as the preorder walk needs it (a UnionModel has it). */
export type TreeShape = Pick<UnionModel, 'nodeCount' | 'parent' | 'childStart' | 'children'>;

export interface Preorder {
  /** Node ids in depth-first preorder from the root, children in name order. */
  pre: Int32Array;
  /** For preorder position p: the position just after p's subtree. */
  skip: Int32Array;
  /** Depth per node (root 0, top-level entries 1); 32 bits: a PAX path can nest far beyond 65,535 segments. */
  depth: Uint32Array;
  maxDepth: number;
}

const preorders = new WeakMap<TreeShape, Preorder>();

export function preorder(u: TreeShape): Preorder {
  let p = preorders.get(u);
  if (p) return p;
  const n = u.nodeCount;
  const pre = new Int32Array(n);
  const skip = new Int32Array(n);
  const depth = new Uint32Array(n);
  // Iterative DFS: image paths can be thousands of segments deep (PAX has no
  // length limit), too deep for recursion. stack holds nodes to visit.
  const stack = new Int32Array(n);
  let sp = 0;
  let pos = 0;
  let maxDepth = 0;
  if (n > 0) stack[sp++] = 0;
  while (sp > 0) {
    const node = stack[--sp]!;
    pre[pos++] = node;
    if (node !== 0) {
      const d = depth[u.parent[node]!]! + 1;
      depth[node] = d;
      if (d > maxDepth) maxDepth = d;
    }
    // push children in reverse so the first name is visited first
    for (let c = u.childStart[node + 1]! - 1; c >= u.childStart[node]!; c--) stack[sp++] = u.children[c]!;
  }
  // Subtree sizes bottom-up (reverse preorder), then a subtree spans [q, q + size).
  const size = new Int32Array(n);
  for (let q = pos - 1; q >= 0; q--) {
    const node = pre[q]!;
    size[node]! += 1;
    if (node !== 0) size[u.parent[node]!]! += size[node]!;
  }
  for (let q = 0; q < pos; q++) skip[q] = q + size[pre[q]!]!;
  p = { pre, skip, depth, maxDepth };
  preorders.set(u, p);
  return p;
}
