/**
 * `layerscope inspect --format dive-json`: the document `dive IMAGE --json FILE`
 * writes, so scripts and CI actions that parse dive's export work unchanged.
 * Re-implemented from wagoodman/dive's export (cmd/dive/cli/internal/command/
 * export/export.go) and the code it reads (dive/image/docker/image_archive.go,
 * layer.go, config.go; dive/filetree/file_tree.go, file_node.go, file_info.go,
 * efficiency.go), and checked against dive's own export of its test image
 * (test/fixtures/dive/export_test.snap):
 *
 *   { "layer": [ { index, id, digestId, sizeBytes, command,
 *                  fileList: [ { path, typeFlag, linkName, size, fileMode, uid, gid, isDir } ] } ],
 *     "image": { sizeBytes, inefficientBytes, efficiencyScore,
 *                fileReference: [ { count, sizeBytes, file } ] } }
 *
 * Field by field, as dive fills them:
 *  - layer.id: the first path segment of the layer's entry in the archive
 *    (`<id>/layer.tar` → `<id>`; an OCI blob → `blobs`); digestId: the layer's
 *    diff_id when a history step made it, else ""; command: that step's
 *    created_by without a leading "/bin/sh -c ", "(missing)" when no step is left;
 *    sizeBytes: the sum of every tar entry's size field.
 *  - fileList: the layer's own tree (its tar entries, not the merged image),
 *    every node but the root, depth first with children before their parent,
 *    siblings in byte order. A parent the tar does not list is a node with an
 *    empty payload (path "", all zero). A `.wh..wh..*` segment (opaque marker,
 *    AUFS metadata) stops its entry; other whiteouts are nodes of their own name.
 *    The payload: path as in the tar (cleaned), the tar type flag as a byte
 *    ('0' = 48, '5' = 53…), the link target, the header size, Go's os.FileMode
 *    of the header (permissions plus Go's type bits: a directory is 2^31 | perm),
 *    uid, gid, isDir.
 *  - image: dive's totals (core/model/diveEfficiency.ts reproduces them) and its
 *    inefficiencies largest first (count = how many layers held the path).
 *
 * Known differences, all on input dive itself handles poorly: paths are as the
 * engine normalised them (dive keeps a leading "/" or ".." that path.Clean leaves);
 * whiteout entries are reported as regular files (type flag '0', what docker and
 * buildkit write); among more than 12 inefficiencies of exactly equal size, dive's
 * order is that of Go's unstable sort — here ties keep dive's order for up to 12
 * (insertion sort: stable), and a stable order beyond.
 *
 * The output is produced in pieces (a million-entry image is a few hundred MB of
 * JSON), written with Go's json.MarshalIndent layout and escapes.
 */
import type { LoadedImage } from '../../core/session';
import { EntryKind, type LayerIndex } from '../../core/types';
import { compareBytewise } from '../../core/model/pathTrie';
import { diveEfficiency, type DiveInefficiency } from '../../core/model/diveEfficiency';

const WHITEOUT_PREFIX = '.wh.';
const DOUBLE_WHITEOUT_PREFIX = '.wh..wh..';

/** archive/tar type flags (the byte dive exports as a number). */
const TYPE_FLAG: Record<number, number> = {
  [EntryKind.File]: 0x30,
  [EntryKind.Dir]: 0x35,
  [EntryKind.Symlink]: 0x32,
  [EntryKind.Hardlink]: 0x31,
  [EntryKind.Char]: 0x33,
  [EntryKind.Block]: 0x34,
  [EntryKind.Fifo]: 0x36,
  [EntryKind.Whiteout]: 0x30,
  [EntryKind.Opaque]: 0x30,
  [EntryKind.WhiteoutMeta]: 0x30,
  [EntryKind.Other]: 0x30,
};

/** Go's io/fs FileMode bits (archive/tar headerFileInfo.Mode). */
const GO_MODE_DIR = 2 ** 31;
const GO_MODE_SYMLINK = 2 ** 27;
const GO_MODE_DEVICE = 2 ** 26;
const GO_MODE_NAMED_PIPE = 2 ** 25;
const GO_MODE_SETUID = 2 ** 23;
const GO_MODE_SETGID = 2 ** 22;
const GO_MODE_CHAR_DEVICE = 2 ** 21;
const GO_MODE_STICKY = 2 ** 20;

export function goFileMode(kind: number, mode: number): number {
  let m = mode & 0o777;
  if (mode & 0o4000) m += GO_MODE_SETUID;
  if (mode & 0o2000) m += GO_MODE_SETGID;
  if (mode & 0o1000) m += GO_MODE_STICKY;
  if (kind === EntryKind.Dir) m += GO_MODE_DIR;
  else if (kind === EntryKind.Symlink) m += GO_MODE_SYMLINK;
  else if (kind === EntryKind.Char) m += GO_MODE_DEVICE + GO_MODE_CHAR_DEVICE;
  else if (kind === EntryKind.Block) m += GO_MODE_DEVICE;
  else if (kind === EntryKind.Fifo) m += GO_MODE_NAMED_PIPE;
  return m;
}

/**
 * encoding/json's string escaping: JSON.stringify's, plus <, >, & and U+2028/U+2029
 * as \u00XX (Go's HTML-safe default). Also, as everything this command prints
 * (escape.ts jsonForTerminal), DEL, the C1 controls and the bidi/zero-width set as
 * \uXXXX: the same JSON value, safe on a terminal (Go would print those raw).
 */
export function goJsonString(s: string): string {
  return JSON.stringify(s).replace(
    /[<>&\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** A node of one layer's dive tree: a tar entry index, or -1 for a parent the tar does not list. */
interface Node {
  name: string;
  entry: number;
  children: Map<string, Node> | null;
}

/** dive's FileTree.AddPath for every entry of the layer, in tar order. */
export function layerTree(idx: LayerIndex): Node {
  const root: Node = { name: '', entry: -1, children: null };
  for (let i = 0; i < idx.count; i++) {
    const path = idx.paths[i] as string;
    if (path === '') continue; // "./": path.Clean gives "." and dive skips it
    let node = root;
    const segs = path.split('/');
    for (let s = 0; s < segs.length; s++) {
      const name = segs[s] as string;
      if (name === '') continue;
      let child = node.children?.get(name);
      if (!child) {
        // Paths that should be deleted are not added (file_tree.go AddPath).
        if (name.startsWith(DOUBLE_WHITEOUT_PREFIX)) break;
        child = { name, entry: -1, children: null };
        if (!node.children) node.children = new Map();
        node.children.set(name, child);
      }
      node = child;
      if (s === segs.length - 1) node.entry = i;
    }
  }
  return root;
}

/** Post-order (children first, siblings in byte order), the root left out: VisitDepthChildFirst. */
function* postOrder(root: Node): Generator<Node> {
  const stack: { node: Node; kids: Node[]; next: number }[] = [{ node: root, kids: sortedKids(root), next: 0 }];
  while (stack.length) {
    const top = stack[stack.length - 1] as (typeof stack)[number];
    if (top.next < top.kids.length) {
      const c = top.kids[top.next++] as Node;
      stack.push({ node: c, kids: sortedKids(c), next: 0 });
    } else {
      stack.pop();
      if (top.node !== root) yield top.node;
    }
  }
}

function sortedKids(n: Node): Node[] {
  return n.children ? [...n.children.values()].sort((a, b) => compareBytewise(a.name, b.name)) : [];
}

/** dive's Path() of a leaf: the names from the root, the leaf's own `.wh.` dropped. */
function divePathsInOrder(root: Node): string[] {
  const out: string[] = [];
  const walk = (n: Node, prefix: string) => {
    for (const c of sortedKids(n)) {
      const name = c.children ? c.name : c.name.startsWith(WHITEOUT_PREFIX) ? c.name.slice(WHITEOUT_PREFIX.length) : c.name;
      if (c.children) walk(c, `${prefix}/${c.name}`);
      else out.push(`${prefix}/${name}`);
    }
  };
  walk(root, '');
  return out;
}

const INDENT = '  ';

function fileInfoJson(idx: LayerIndex, entry: number, pad: string): string {
  const p = `${pad}${INDENT}`;
  if (entry < 0)
    return `${pad}{\n${p}"path": "",\n${p}"typeFlag": 0,\n${p}"linkName": "",\n${p}"size": 0,\n${p}"fileMode": 0,\n${p}"uid": 0,\n${p}"gid": 0,\n${p}"isDir": false\n${pad}}`;
  const kind = idx.kinds[entry] as number;
  const link = (idx.linkIds[entry] as number) >= 0 ? (idx.links[idx.linkIds[entry] as number] as string) : '';
  return [
    `${pad}{`,
    `${p}"path": ${goJsonString(idx.paths[entry] as string)},`,
    `${p}"typeFlag": ${TYPE_FLAG[kind] ?? 0x30},`,
    `${p}"linkName": ${goJsonString(link)},`,
    `${p}"size": ${idx.sizes[entry]},`,
    `${p}"fileMode": ${goFileMode(kind, idx.modes[entry] as number)},`,
    `${p}"uid": ${idx.uids[entry]},`,
    `${p}"gid": ${idx.gids[entry]},`,
    `${p}"isDir": ${kind === EntryKind.Dir}`,
    `${pad}}`,
  ].join('\n');
}

/** Go's strconv.FormatFloat(f, 'g'-like shortest) as encoding/json writes a float64: JS's shortest repr, same digits. */
const goFloat = (n: number) => (Number.isFinite(n) ? String(n) : 'null');

/** dive's inefficiencies in its export order (see the module comment). */
export function diveInefficiencyOrder(list: readonly DiveInefficiency[], trees: readonly (Node | null)[]): DiveInefficiency[] {
  // Rank of each dive path in each layer's walk: when a path's second visit happened.
  const rank = new Map<number, Map<string, number>>();
  const rankIn = (layer: number, path: string) => {
    let m = rank.get(layer);
    if (!m) {
      const ranks = new Map<string, number>();
      const t = trees[layer];
      if (t)
        divePathsInOrder(t).forEach((p, i) => {
          if (!ranks.has(p)) ranks.set(p, i);
        });
      rank.set(layer, ranks);
      m = ranks;
    }
    return m.get(path) ?? Number.MAX_SAFE_INTEGER;
  };
  const appended = list
    .map((x) => ({ x, layer: x.layers[1] ?? 0, at: rankIn(x.layers[1] ?? 0, x.path) }))
    .sort((a, b) => a.layer - b.layer || a.at - b.at)
    .map((e) => e.x);
  // sort.Sort ascending by CumulativeSize (stable here), then read from the end.
  return appended
    .map((x, i) => ({ x, i }))
    .sort((a, b) => a.x.cumulativeSize - b.x.cumulativeSize || a.i - b.i)
    .reverse()
    .map((e) => e.x);
}

/** The export, piece by piece (each piece a few KB), in Go's MarshalIndent layout. */
export function* diveJsonPieces(img: LoadedImage): Generator<string> {
  const dive =
    img.stats.dive.inefficiencyCount > img.stats.dive.inefficiencies.length
      ? diveEfficiency(img.layers, img.union, { maxListed: Number.POSITIVE_INFINITY })
      : img.stats.dive;
  // Which layers a history step made (config.md: non-empty steps in order).
  const stepsWithLayer = img.image.history.filter((h) => !h.emptyLayer).length;
  const trees = img.layers.map((l) => (l ? layerTree(l) : null));
  yield '{\n  "layer": [';
  const n = img.image.layers.length;
  for (let i = 0; i < n; i++) {
    const ref = img.image.layers[i];
    if (!ref) continue;
    const hasStep = i < stepsWithLayer;
    const command = hasStep ? (ref.createdBy ?? '').replace(/^\/bin\/sh -c /, '') : '(missing)';
    const id = ref.blob.entryName.split('/')[0] ?? '';
    const p = '      ';
    yield `${i === 0 ? '' : ','}\n    {\n${p}"index": ${i},\n${p}"id": ${goJsonString(id)},\n${p}"digestId": ${goJsonString(hasStep ? (ref.diffId ?? '') : '')},\n${p}"sizeBytes": ${dive.layerSizes[i] ?? 0},\n${p}"command": ${goJsonString(command)},\n${p}"fileList": [`;
    const idx = img.layers[i];
    const tree = trees[i];
    let first = true;
    let batch: string[] = [];
    if (idx && tree)
      for (const node of postOrder(tree)) {
        batch.push(`${first ? '' : ','}\n${fileInfoJson(idx, node.entry, '        ')}`);
        first = false;
        if (batch.length >= 256) {
          yield batch.join('');
          batch = [];
        }
      }
    yield `${batch.join('')}${first ? ']' : '\n      ]'}\n    }`;
  }
  yield `${n ? '\n  ' : ''}],\n  "image": {\n    "sizeBytes": ${dive.sizeBytes},\n    "inefficientBytes": ${dive.wastedBytes},\n    "efficiencyScore": ${goFloat(dive.score)},\n    "fileReference": [`;
  const refs = diveInefficiencyOrder(dive.inefficiencies, trees);
  yield refs
    .map(
      (r, k) =>
        `${k === 0 ? '' : ','}\n      {\n        "count": ${r.layers.length},\n        "sizeBytes": ${r.cumulativeSize},\n        "file": ${goJsonString(r.path)}\n      }`,
    )
    .join('');
  yield `${refs.length ? '\n    ' : ''}]\n  }\n}`;
}
