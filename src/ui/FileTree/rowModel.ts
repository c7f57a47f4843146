/**
 * Small pure helpers for the tree's rows, kept apart from the view model
 * (src/state/treeModel.ts) because they only shape what a row shows:
 *  - names ellipsized in the middle (the end of a name — an extension, a
 *    version — tells files apart as often as the start);
 *  - dive's aggregated "modified" marker on directories (something below changed);
 *  - the first layer from which a searched-for path exists, when it is absent
 *    from the layer shown;
 *  - the symlink a version was written through (issue 9, point 13).
 */
import { UnionEvent, writtenThrough, type MergedView, type UnionModel } from '../../core/model/union';
import type { LayerIndex } from '../../core/types';

/** Names of at least this many characters are split so that their end always shows. */
export const NAME_SPLIT_MIN = 16;
/**
 * The tail that always shows: 40 % of the name, between 8 and 20 characters —
 * enough for an extension and a version or hash (`…-5243ef4b.rsa.pub` and
 * `…-4a6a0840.rsa.pub` stay apart), while the head keeps the start.
 */
export const NAME_TAIL_MIN = 8;
export const NAME_TAIL_MAX = 20;
export const NAME_TAIL_SHARE = 0.4;

/** Split a name into a head (ellipsized by CSS when space runs out) and a tail that always shows. */
export function splitName(name: string): [head: string, tail: string] {
  const cps = Array.from(name); // code points: never cut a surrogate pair
  if (cps.length < NAME_SPLIT_MIN) return [name, ''];
  const tail = Math.max(NAME_TAIL_MIN, Math.min(NAME_TAIL_MAX, Math.round(cps.length * NAME_TAIL_SHARE)));
  return [cps.slice(0, -tail).join(''), cps.slice(-tail).join('')];
}

const subtreeChanged = new WeakMap<MergedView, Uint8Array>();

/**
 * Per node: 1 when some descendant (not the node itself) was added, modified or
 * deleted by the view's layer. dive shows such directories as modified; the
 * tree marks them so a change deep down can be found from the top. One
 * iterative post-order pass per merged view, cached.
 */
export function descendantsChanged(u: UnionModel, mv: MergedView): Uint8Array {
  let out = subtreeChanged.get(mv);
  if (out) return out;
  const n = u.nodeCount;
  out = new Uint8Array(n);
  if (n === 0) return out;
  // Post-order without recursion: visit a node, then its children; fold on the way back.
  const stack = new Int32Array(n);
  const next = new Uint32Array(n); // next child position per node on the stack
  let sp = 0;
  stack[sp++] = 0;
  next[0] = u.childStart[0] ?? 0;
  while (sp > 0) {
    const node = stack[sp - 1]!;
    const end = u.childStart[node + 1] ?? 0;
    const c = next[node]!;
    if (c < end) {
      next[node] = c + 1;
      const child = u.children[c]!;
      next[child] = u.childStart[child] ?? 0;
      stack[sp++] = child;
      continue;
    }
    sp--;
    if (sp > 0) {
      const parent = stack[sp - 1]!;
      if (out[node] || (mv.change[node] ?? 0) !== 0) out[parent] = 1;
    }
  }
  subtreeChanged.set(mv, out);
  return out;
}

/** Matched nodes examined for "exists from layer N": bounded, so a broad search on a huge image stays instant. */
export const LATER_LAYER_SCAN_MAX = 200_000;

/**
 * When a search finds nothing at the layer shown: the lowest layer above it
 * where one of the matching paths exists (a version is set), or -1.
 */
export function firstLayerWithMatch(u: UnionModel, mv: MergedView, match: Uint8Array, layer: number): number {
  let best = -1;
  let seen = 0;
  for (let node = 1; node < u.nodeCount && seen < LATER_LAYER_SCAN_MAX; node++) {
    if (!match[node]) continue;
    seen++;
    if (mv.status[node] !== 0) continue; // present or deleted here: not "absent"
    const a = u.evStart[node]!;
    const b = u.evStart[node + 1]!;
    for (let j = a; j < b; j++) {
      const l = u.evLayer[j]!;
      if (l <= layer) continue;
      const k = u.evKind[j];
      if (k === UnionEvent.Set || k === UnionEvent.Implicit) {
        if (best < 0 || l < best) best = l;
        break;
      }
    }
  }
  return best;
}

/**
 * The symlink the version (layer, entry) was written through, with the path the
 * layer's tar gives it, or null (nearly always: one binary search in an empty
 * array). Shown as "via /etc2" so that a file planted in /etc through /etc2 is
 * never mistaken for an ordinary one.
 */
export function throughOf(
  u: UnionModel,
  layers: readonly (LayerIndex | null)[],
  layer: number,
  entry: number,
): { link: string; target: string; tarPath: string } | null {
  if (layer < 0 || entry < 0 || u.through.layer.length === 0) return null;
  const w = writtenThrough(u, layers, layer, entry);
  const li = layers[layer];
  if (!w || !li) return null;
  return { link: w.link, target: w.target, tarPath: '/' + li.paths[entry] };
}
