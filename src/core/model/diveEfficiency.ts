/**
 * dive's efficiency ("efficiency", "wasted bytes", "user wasted percent"),
 * reproduced exactly as wagoodman/dive computes them (filetree/efficiency.go,
 * image/analysis.go), quirks included, so the figures match `dive --ci`. Not
 * our notion of waste: that is stats.ts's hidden bytes (OCI layer.md). See
 * diveEfficiency() for the rules and the quirks.
 */
import { EntryKind, type LayerIndex } from '../types';
import { PathTrie, growArray } from './pathTrie';
import { throughIndex, type UnionModel } from './union';

/**
 * How many of dive's inefficiencies are listed (largest first). An image that
 * rewrites a big directory has hundreds of thousands; the totals always cover
 * all of them, the list is for display and export (the page's inefficient-file
 * table and its CSV/JSON): 50,000 entries are a few MB, cloned once from the
 * statistics worker.
 */
export const MAX_DIVE_INEFFICIENCIES_LISTED = 50_000;

export interface DiveInefficiency {
  /** dive's path ('/a/b'). */
  path: string;
  /** Sum of the sizes dive saw for the path across layers (a whiteout of a directory counts what it removes). */
  cumulativeSize: number;
  /** Smallest size seen. */
  minSize: number;
  /** Layers in which dive saw the path (one per visit). */
  layers: number[];
}

/** Figures computed exactly as dive (wagoodman/dive) computes them; see diveEfficiency(). */
export interface DiveStats {
  method: 'dive';
  /** sum(min size per path) / sum(cumulative size per path); 1 when nothing was seen. */
  score: number;
  /** Sum of cumulativeSize over paths seen in ≥ 2 layers. */
  wastedBytes: number;
  /** wastedBytes / userSizeBytes, as dive divides (Infinity or NaN when userSizeBytes is 0, as Go's float division gives). */
  userWastedPercent: number;
  /** dive's layer sizes: sum of every tar entry's size field per layer. */
  layerSizes: number[];
  sizeBytes: number;
  /** sizeBytes minus layer 0 ("all bytes except for the base image"). */
  userSizeBytes: number;
  /** Paths seen in ≥ 2 layers, largest cumulativeSize first (at most MAX_DIVE_INEFFICIENCIES_LISTED; ties in path-creation order). */
  inefficiencies: DiveInefficiency[];
  /** How many paths dive counts as inefficiencies (all of them, listed or not). */
  inefficiencyCount: number;
  /**
   * Layers whose walk dive abandons: a whiteout whose path is not in the
   * layers below makes dive's visitor return an error, which stops the visit
   * of the rest of that layer (the error is only logged).
   */
  abortedLayers: number[];
}

/** dive's names (filetree/file_tree.go): whiteoutPrefix, and the prefix of entries it never adds. */
const DIVE_WHITEOUT_PREFIX = '.wh.';
const DIVE_DOUBLE_WHITEOUT_PREFIX = '.wh..wh..';

/**
 * dive's efficiency, reproduced from wagoodman/dive (filetree/efficiency.go,
 * filetree/file_tree.go, file_node.go, image/analysis.go and the archive
 * readers' processLayerTar/getFileList). Not copied: re-implemented over
 * typed arrays, same results. The rules:
 *
 *  1. One tree per layer, built from its tar entries in order (AddPath):
 *     missing parents are created with an EMPTY payload (size 0, not a
 *     directory); the last entry for a path gives its payload; a path segment
 *     starting with `.wh..wh..` (e.g. `.wh..wh..opq`) stops the entry there (the
 *     parents are still created; opaque markers are otherwise ignored — dive has
 *     no notion of opaque directories). Other `.wh.` names are kept as nodes named
 *     `.wh.x` (NOT `.wh..wh.plnk`-style names without the second dot: those are
 *     whiteouts of `.wh.plnk` to dive). The root entry `./` is skipped.
 *  2. A layer's size is the sum of the size field of all its entries.
 *  3. For each layer in order, visit the LEAVES of its tree (nodes without
 *     children in that layer's own tree), depth-first, children in byte order,
 *     children before parents. A leaf's path drops `.wh.` from its own name.
 *     Its size: for a whiteout, look the path up in the lower layers stacked
 *     (StackTreeRange(trees, 0, L-1)); missing -> the visitor errors and the
 *     rest of this layer is not visited (the path's map entry, made before the
 *     lookup, stays with minDiscoveredSize -1 and counts -1 in the score's
 *     numerator unless the path is visited some other time); a directory there -> the sum of the
 *     size of every node of its subtree (itself included); anything else -> 0.
 *     For other leaves: their payload's size.
 *  4. Per path: cumulativeSize += size, minSize = min(sizes); a path visited
 *     twice or more is an inefficiency.
 *  5. score = sum(minSize) / sum(cumulativeSize) over all paths (1 if 0);
 *     wastedBytes = sum(cumulativeSize) over inefficiencies;
 *     userWastedPercent = wastedBytes / (sum of layer sizes except layer 0).
 *  Stacking (Stack): copy tree 0, then stack trees 0..L-1 on it (tree 0 twice,
 *  as StackTreeRange does): each tree's nodes in the same post-order; a
 *  whiteout removes its path (and subtree) if present, anything else is added
 *  with its payload, overwriting an existing node's payload (an implied parent
 *  therefore resets a lower directory to the empty payload) and keeping its
 *  children (a file over a directory does not remove the directory's subtree).
 *
 * Unavailable layers (null) are empty trees here (dive would refuse the image).
 *
 * `u`, the union model of the same layers, is optional: its trie already holds
 * every ordinary path with the same segments, so only whiteout and AUFS names
 * need string work here.
 */
export function diveEfficiency(
  layers: readonly (LayerIndex | null)[],
  u?: UnionModel,
  /** How many inefficiencies to list (dive's --json export wants all of them). */
  opts: { maxListed?: number } = {},
): DiveStats {
  const nL = layers.length;
  let total = 0;
  for (const l of layers) total += l ? l.count : 0;
  const trie = u ? PathTrie.fromModel(u) : new PathTrie(total);
  const layerSizes: number[] = [];
  const recNode: Int32Array[] = [];
  const recEntry: Int32Array[] = [];

  // 1. every layer's entries as trie nodes (with dive's truncation at `.wh..wh..` segments)
  for (let L = 0; L < nL; L++) {
    const idx = layers[L];
    if (!idx) {
      layerSizes.push(0);
      recNode.push(new Int32Array(0));
      recEntry.push(new Int32Array(0));
      continue;
    }
    let size = 0;
    const nodes = new Int32Array(idx.count);
    const entries = new Int32Array(idx.count);
    let k = 0;
    for (let i = 0; i < idx.count; i++) {
      const path = idx.paths[i]!;
      if (path === '') continue; // "./": path.Clean gives "." and getFileList skips it
      size += idx.sizes[i]!;
      let n: number;
      let truncated = false;
      const kind = idx.kinds[i];
      if (
        u &&
        !path.includes(DIVE_WHITEOUT_PREFIX) &&
        kind !== EntryKind.Whiteout &&
        kind !== EntryKind.Opaque &&
        kind !== EntryKind.WhiteoutMeta &&
        (u.through.layer.length === 0 || throughIndex(u, L, i) < 0)
      ) {
        // an ordinary entry: the union's node for the same segments (not for one the
        // union wrote through a symlinked parent: dive builds its trees from the paths)
        n = u.entryNode[L]![i]!;
      } else if (!path.includes(DIVE_DOUBLE_WHITEOUT_PREFIX)) {
        n = trie.child(trie.dirOf(path), path.slice(path.lastIndexOf('/') + 1));
      } else {
        n = 0;
        for (const seg of path.split('/')) {
          if (seg === '') continue;
          if (seg.startsWith(DIVE_DOUBLE_WHITEOUT_PREFIX)) {
            truncated = true;
            break;
          }
          n = trie.child(n, seg);
        }
        if (n === 0) continue; // nothing added
      }
      nodes[k] = n;
      entries[k] = truncated ? -1 : i;
      k++;
    }
    layerSizes.push(size);
    recNode.push(nodes.subarray(0, k));
    recEntry.push(entries.subarray(0, k));
  }

  const { childStart, children } = trie.sortedChildren();
  const N = trie.count;
  const { parent, nameId, names } = trie;
  const member = new Int32Array(N).fill(-1);
  const payloadLayer = new Int32Array(N).fill(-1);
  const payloadEntry = new Int32Array(N);
  const hasChild = new Int32Array(N).fill(-1);
  // the stacked tree of the layers below
  const present = new Uint8Array(N);
  const stSize = new Float64Array(N);
  const stDir = new Uint8Array(N);
  present[0] = 1;
  // per dive path
  const cum = new Float64Array(N);
  const minS = new Float64Array(N);
  const cnt = new Uint32Array(N);
  // every visit (path key, layer), to list the layers of the listed inefficiencies
  let visitKey = new Int32Array(1024);
  let visitLayer = new Uint16Array(1024);
  let visits = 0;
  const abortedLayers: number[] = [];
  // dive creates a path's map entry (minDiscoveredSize -1) BEFORE looking a whiteout
  // up; when the lookup fails the entry stays, never visited: it adds -1 to the
  // score's numerator. `touched` marks such keys; `missing` those with no trie node.
  const touched = new Uint8Array(N);
  const missing = new Set<string>();

  let stackN = new Int32Array(64);
  let stackC = new Uint32Array(64);
  let dfs = new Int32Array(64);

  const whiteoutNames = new Uint8Array(names.length);
  for (let i = 0; i < names.length; i++) whiteoutNames[i] = names[i]!.startsWith(DIVE_WHITEOUT_PREFIX) ? 1 : 0;
  const isWhiteoutName = (n: number) => whiteoutNames[nameId[n]!] === 1;
  /** The node a whiteout node's path names (its own name without `.wh.`), or -1. */
  const whiteoutTarget = (n: number) => {
    const t = names[nameId[n]!]!.slice(DIVE_WHITEOUT_PREFIX.length);
    return t === '' ? parent[n]! : trie.find(parent[n]!, t);
  };

  /** Post-order over the members of layer L's tree, children in byte order; stops when fn returns false. */
  const postOrder = (L: number, fn: (n: number) => boolean): boolean => {
    let sp = 0;
    stackN[0] = 0;
    stackC[0] = childStart[0]!;
    sp = 1;
    while (sp > 0) {
      const top = stackN[sp - 1]!;
      const cur = stackC[sp - 1]!;
      if (cur < childStart[top + 1]!) {
        stackC[sp - 1] = cur + 1;
        const c = children[cur]!;
        if (member[c] === L) {
          if (sp >= stackN.length) {
            const a = new Int32Array(sp * 2);
            a.set(stackN);
            stackN = a;
            const b = new Uint32Array(sp * 2);
            b.set(stackC);
            stackC = b;
          }
          stackN[sp] = c;
          stackC[sp] = childStart[c]!;
          sp++;
        }
      } else {
        sp--;
        if (top !== 0 && !fn(top)) return false;
      }
    }
    return true;
  };

  /** Visit the present subtree of the stacked tree at t (t included). */
  const walkStacked = (t: number, fn: (n: number) => void) => {
    let sp = 0;
    dfs[sp++] = t;
    while (sp > 0) {
      const n = dfs[--sp]!;
      fn(n);
      for (let i = childStart[n]!; i < childStart[n + 1]!; i++) {
        const c = children[i]!;
        if (!present[c]) continue;
        if (sp >= dfs.length) {
          const a = new Int32Array(dfs.length * 2);
          a.set(dfs);
          dfs = a;
        }
        dfs[sp++] = c;
      }
    }
  };

  for (let L = 0; L < nL; L++) {
    const idx = layers[L];
    const nodes = recNode[L]!;
    const entries = recEntry[L]!;
    // this layer's tree: the recorded nodes and their parents
    for (let r = 0; r < nodes.length; r++) {
      const n = nodes[r]!;
      for (let a = n; a >= 0 && member[a] !== L; a = parent[a]!) {
        member[a] = L;
        if (a !== 0) hasChild[parent[a]!] = L;
      }
      if (entries[r]! >= 0) {
        payloadLayer[n] = L;
        payloadEntry[n] = entries[r]!;
      }
    }
    const pSize = (n: number) => (payloadLayer[n] === L ? idx!.sizes[payloadEntry[n]!]! : 0);
    const pDir = (n: number) => (payloadLayer[n] === L ? idx!.kinds[payloadEntry[n]!] === EntryKind.Dir : false);

    if (L === 0) {
      // StackTreeRange starts from a copy of tree 0
      postOrder(0, (n) => {
        present[n] = 1;
        stSize[n] = pSize(n);
        stDir[n] = pDir(n) ? 1 : 0;
        return true;
      });
    }

    // 3-4. visit the leaves
    const completed = postOrder(L, (v) => {
      if (hasChild[v] === L) return true;
      let key: number;
      let size = 0;
      if (isWhiteoutName(v)) {
        const t = whiteoutTarget(v);
        if (t < 0 || !present[t]) {
          // GetNode fails: the visitor returns the error and dive stops this layer's walk
          if (t >= 0) touched[t] = 1;
          else missing.add(parent[v] + '/' + names[nameId[v]!]);
          return false;
        }
        key = t;
        if (stDir[t]) walkStacked(t, (n) => (size += stSize[n]!));
      } else {
        key = v;
        size = pSize(v);
      }
      if (cnt[key]!++ === 0 || size < minS[key]!) minS[key] = size;
      cum[key]! += size;
      if (visits >= visitKey.length) {
        visitKey = growArray(visitKey, visits + 1);
        visitLayer = growArray(visitLayer, visits + 1);
      }
      visitKey[visits] = key;
      visitLayer[visits++] = L;
      return true;
    });
    if (!completed) abortedLayers.push(L);

    // stack this layer onto the lower ones, for the next layers' whiteouts
    if (L < nL - 1) {
      postOrder(L, (v) => {
        if (isWhiteoutName(v)) {
          const t = whiteoutTarget(v);
          if (t > 0 && present[t]) walkStacked(t, (n) => (present[n] = 0));
          return true;
        }
        let a = parent[v]!;
        while (a > 0 && !present[a]) {
          present[a] = 1;
          stSize[a] = 0;
          stDir[a] = 0;
          a = parent[a]!;
        }
        present[v] = 1;
        stSize[v] = pSize(v);
        stDir[v] = pDir(v) ? 1 : 0;
        return true;
      });
    }
  }

  // 5. the score
  let sumMin = 0;
  let sumCum = 0;
  for (let n = 0; n < N; n++) {
    if (cnt[n]! > 0) {
      sumMin += minS[n]!;
      sumCum += cum[n]!;
    } else if (touched[n]) sumMin -= 1;
  }
  sumMin -= missing.size;
  const divePath = (n: number) => {
    let s = '';
    for (let a = n; a > 0; a = parent[a]!) s = '/' + names[nameId[a]!] + s;
    return s || '/';
  };
  let wasted = 0;
  const ineff: number[] = [];
  for (let n = 0; n < N; n++) {
    if (cnt[n]! < 2) continue;
    wasted += cum[n]!;
    ineff.push(n);
  }
  const inefficiencyCount = ineff.length;
  ineff.sort((a, b) => cum[b]! - cum[a]! || a - b);
  const listed = ineff.slice(0, opts.maxListed ?? MAX_DIVE_INEFFICIENCIES_LISTED);
  const layersOf = new Map<number, number[]>(listed.map((n) => [n, []]));
  for (let v = 0; v < visits; v++) layersOf.get(visitKey[v]!)?.push(visitLayer[v]!);
  const inefficiencies: DiveInefficiency[] = listed.map((n) => ({ path: divePath(n), cumulativeSize: cum[n]!, minSize: minS[n]!, layers: layersOf.get(n)! }));
  const sizeBytes = layerSizes.reduce((a, b) => a + b, 0);
  const userSizeBytes = sizeBytes - (nL > 0 ? layerSizes[0]! : 0);
  return {
    method: 'dive',
    score: sumCum === 0 ? 1 : sumMin / sumCum,
    wastedBytes: wasted,
    userWastedPercent: wasted / userSizeBytes,
    layerSizes,
    sizeBytes,
    userSizeBytes,
    inefficiencies,
    inefficiencyCount,
    abortedLayers,
  };
}
