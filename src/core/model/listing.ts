/**
 * The merged filesystem as rows: what `layerscope ls` prints and what the UI
 * shows for a node. A thin layer over union.ts.
 *
 * Order: bytewise on the full UTF-8 path, like `LC_ALL=C sort` on the reference
 * listings. That is NOT a depth-first walk with sorted children: '-' (0x2D) and
 * '.' (0x2E) sort before '/' (0x2F), so '/a-b' comes between '/a' and '/a/b'.
 * Within one directory, a child's subtree (key "name/") is placed among its
 * siblings (keys "name") by the same comparison.
 *
 * Columns: path, type, size, mode, uid, gid, link, layer.
 *  - type: file|dir|symlink|hardlink|char|block|fifo (ENTRY_KIND_NAMES);
 *  - size: bytes for files; a hardlink shows its target's size; 0 otherwise;
 *  - mode: 4 octal digits with setuid/setgid/sticky; a symlink is always 0777
 *    whatever its tar header says: Linux ignores a symlink's permission bits
 *    (symlink(7): "the permissions of a symbolic link are irrelevant", lrwxrwxrwx),
 *    so that is what the extracted filesystem shows (and the umoci reference);
 *  - a hardlink is the same inode as its target, so it shows the target's
 *    mode/uid/gid too (what `stat` shows after extraction);
 *  - link: symlink target (raw), or hardlink target as '/abs/path';
 *  - layer: the providing layer (0-based).
 */
import { ENTRY_KIND_NAMES, EntryKind, type EngineWarning, type LayerIndex } from '../types';
import { BLOCK_SIZE } from '../read/tar/parser';
import { compareBytewise } from './pathTrie';
import {
  IMPLICIT_DIR_MODE,
  MAX_SYMLINK_FOLLOWS,
  NodeStatus,
  lookup,
  mergedAt,
  pathOf,
  stateAt,
  writtenThrough,
  type MergedView,
  type UnionModel,
} from './union';

/** Longest hardlink-to-hardlink chain followed (tar forbids none, real images have 1); beyond it, or on a cycle, we stop. */
export const MAX_HARDLINK_CHAIN = 64;

/** Permission bits every symlink has on Linux (symlink(7)); tar headers may say otherwise (e.g. 0755). */
export const SYMLINK_MODE = 0o777;

export interface MergedRow {
  node: number;
  path: string;
  /** EntryKind of the visible version (implicit directories: Dir). */
  kind: EntryKind;
  type: string;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  link: string;
  /** Providing layer. */
  layer: number;
  /** Providing entry in that layer, -1 for implicit directories. */
  entry: number;
}

/** Why a hardlink cannot be resolved (what `tar -x` would stop on). */
export type HardlinkProblem = 'no-target' | 'self' | 'cycle' | 'directory';

/**
 * Follow a hardlink entry to the version it refers to: its target as it stood
 * when the link was extracted (end of the link's own layer), following chains.
 * Later layers that overwrite or delete the target path do not change the linked
 * inode (overlayfs copy-up and tar extraction both leave the link alone).
 */
export function traceHardlink(
  u: UnionModel,
  layers: readonly (LayerIndex | null)[],
  layer: number,
  entry: number,
): { target: [number, number] } | { problem: HardlinkProblem; path: string } {
  let L = layer;
  let e = entry;
  let path = '';
  for (let hops = 0; hops < MAX_HARDLINK_CHAIN; hops++) {
    const li = layers[L];
    if (!li) return { problem: 'no-target', path };
    if (li.kinds[e] === EntryKind.Dir) return { problem: 'directory', path };
    if (li.kinds[e] !== EntryKind.Hardlink) return { target: [L, e] };
    const id = li.linkIds[e]!;
    if (id < 0) return { problem: 'no-target', path };
    path = li.links[id]!;
    const t = lookup(u, path);
    if (t < 0) return { problem: 'no-target', path };
    const st = stateAt(u, t, L);
    if (st.status !== 'visible') return { problem: 'no-target', path };
    if (st.entry < 0) return { problem: 'directory', path }; // the root, or a directory implied by its children
    if (st.layer === L && st.entry === e) return { problem: hops === 0 ? 'self' : 'cycle', path };
    L = st.layer;
    e = st.entry;
  }
  return { problem: 'cycle', path };
}

/** Returns [layer, entry] of the final non-hardlink version a hardlink refers to, or null (traceHardlink). */
export function resolveHardlink(u: UnionModel, layers: readonly (LayerIndex | null)[], layer: number, entry: number): [number, number] | null {
  const r = traceHardlink(u, layers, layer, entry);
  return 'target' in r ? r.target : null;
}

/**
 * Hardlink warnings listed one by one; beyond this one summary line says how many
 * more. A broken image can hold thousands of bad links, and one line each would
 * bury every other warning.
 */
export const MAX_HARDLINK_WARNINGS = 20;

const HARDLINK_PROBLEM_TEXT: Record<HardlinkProblem, string> = {
  'no-target': 'its target does not exist at that layer',
  self: 'it links to itself',
  cycle: 'it is part of a hardlink cycle',
  directory: 'its target is a directory',
};

/**
 * Every hardlink entry, in every layer, that `tar -x` could not create: a target
 * that is missing at that layer (hardlinks may point into lower layers, never into
 * higher ones), a cycle, or a directory (POSIX link(2) refuses directories). The
 * listing still shows such a link, with size 0; this says why.
 */
export function hardlinkWarnings(u: UnionModel, layers: readonly (LayerIndex | null)[]): EngineWarning[] {
  const out: EngineWarning[] = [];
  let more = 0;
  for (let L = 0; L < layers.length; L++) {
    const li = layers[L];
    if (!li) continue;
    for (let e = 0; e < li.count; e++) {
      if (li.kinds[e] !== EntryKind.Hardlink) continue;
      const r = traceHardlink(u, layers, L, e);
      if ('target' in r) continue;
      if (out.length >= MAX_HARDLINK_WARNINGS) {
        more++;
        continue;
      }
      const first = li.linkIds[e]! >= 0 ? li.links[li.linkIds[e]!] : '';
      const via = r.path && r.path !== first ? ` (via /${r.path})` : '';
      out.push({
        code: 'HARDLINK_UNRESOLVED',
        layer: L,
        offset: Math.max(0, li.dataOffsets[e]! - BLOCK_SIZE),
        message: `layer ${L}: hardlink /${li.paths[e]} → /${first}${via} cannot be created: ${HARDLINK_PROBLEM_TEXT[r.problem]}`,
      });
    }
  }
  if (more > 0)
    out.push({ code: 'HARDLINK_UNRESOLVED', message: `${more} more hardlinks cannot be created (only the first ${MAX_HARDLINK_WARNINGS} are listed)` });
  return out;
}

/** Entries written through a linked parent listed one by one in the warnings; beyond this, one summary line (a hostile layer can route thousands). */
export const MAX_THROUGH_LINK_WARNINGS = 20;

/**
 * Every entry whose parent path went through a symlink (union.ts: followed inside
 * the root, as umoci and containerd apply a layer), naming the entry, the link and
 * where the entry went; and those not applied at all because the links loop.
 * Someone reviewing /etc must learn that `etc2/evil` is there.
 */
export function throughLinkWarnings(u: UnionModel, layers: readonly (LayerIndex | null)[]): EngineWarning[] {
  const out: EngineWarning[] = [];
  const t = u.through;
  let more = 0;
  for (let k = 0; k < t.layer.length; k++) {
    if (out.length >= MAX_THROUGH_LINK_WARNINGS) {
      more++;
      continue;
    }
    const L = t.layer[k]!;
    const e = t.entry[k]!;
    const li = layers[L];
    const w = li ? writtenThrough(u, layers, L, e) : null;
    if (!li || !w) continue;
    const kind = li.kinds[e];
    const what = kind === EntryKind.Whiteout ? 'the whiteout ' : kind === EntryKind.Opaque ? 'the opaque marker ' : '';
    const via = `the symlink ${w.link} → ${w.target}`;
    const offset = Math.max(0, li.dataOffsets[e]! - BLOCK_SIZE);
    if (w.loop) {
      out.push({
        code: 'SYMLINK_LOOP',
        layer: L,
        offset,
        message: `layer ${L}: ${what}/${li.paths[e]} is not applied: its parent path follows more than ${MAX_SYMLINK_FOLLOWS} symlinks, starting at ${via} (a loop; umoci and containerd refuse such a layer)`,
      });
      continue;
    }
    const n = u.entryNode[L]![e]!;
    const lands = kind === EntryKind.Opaque ? `applies to ${w.dir}` : `lands at ${n >= 0 ? pathOf(u, n) : w.dir}`;
    const clamp = w.clamped ? '; the link points above the root and is kept inside it' : '';
    out.push({
      code: 'WRITTEN_THROUGH_SYMLINK',
      layer: L,
      offset,
      message: `layer ${L}: ${what}/${li.paths[e]} is written through ${via}: it ${lands}, as umoci and containerd apply the layer, and ${w.link} stays a symlink${clamp}`,
    });
  }
  if (more > 0)
    out.push({
      code: 'WRITTEN_THROUGH_SYMLINK',
      message: `${more} more entries are written through symlinks (only the first ${MAX_THROUGH_LINK_WARNINGS} are listed)`,
    });
  return out;
}

/** Fill `out` with the row of a visible node; false when it is not visible. */
function fillRow(out: MergedRow, u: UnionModel, layers: readonly (LayerIndex | null)[], view: MergedView, node: number, path: string): boolean {
  if (view.status[node] !== NodeStatus.Visible) return false;
  const layer = view.provider[node]!;
  const entry = view.entry[node]!;
  out.node = node;
  out.path = path;
  out.layer = layer;
  const li = entry >= 0 ? layers[layer] : null;
  if (!li) {
    out.kind = EntryKind.Dir;
    out.type = 'dir';
    out.size = 0;
    out.mode = IMPLICIT_DIR_MODE;
    out.uid = 0;
    out.gid = 0;
    out.link = '';
    out.entry = -1;
    return true;
  }
  const kind = li.kinds[entry] as EntryKind;
  out.kind = kind;
  out.type = ENTRY_KIND_NAMES[kind] ?? 'other';
  out.entry = entry;
  out.size = kind === EntryKind.File ? li.sizes[entry]! : 0;
  out.mode = kind === EntryKind.Symlink ? SYMLINK_MODE : li.modes[entry]! & 0o7777;
  out.uid = li.uids[entry]!;
  out.gid = li.gids[entry]!;
  out.link = '';
  const id = li.linkIds[entry]!;
  if (kind === EntryKind.Symlink && id >= 0) out.link = li.links[id]!;
  if (kind === EntryKind.Hardlink) {
    if (id >= 0) out.link = '/' + li.links[id];
    const r = resolveHardlink(u, layers, layer, entry);
    if (r) {
      const t = layers[r[0]]!;
      out.size = t.kinds[r[1]] === EntryKind.File ? t.sizes[r[1]]! : 0;
      out.mode = t.modes[r[1]]! & 0o7777;
      out.uid = t.uids[r[1]]!;
      out.gid = t.gids[r[1]]!;
    }
  }
  return true;
}

const emptyRow = (): MergedRow => ({ node: 0, path: '', kind: EntryKind.Dir, type: 'dir', size: 0, mode: 0, uid: 0, gid: 0, link: '', layer: -1, entry: -1 });

/** The row of one visible node in a merged view (null when it is not visible). `path` may be passed to avoid recomputing it. */
export function mergedRow(u: UnionModel, layers: readonly (LayerIndex | null)[], view: MergedView, node: number, path?: string): MergedRow | null {
  if (view.status[node] !== NodeStatus.Visible) return null;
  const r = emptyRow();
  fillRow(r, u, layers, view, node, path ?? nodePath(u, node));
  return r;
}

function nodePath(u: UnionModel, node: number): string {
  let s = '';
  for (let n = node; n > 0; n = u.parent[n]!) s = '/' + u.names[u.nameId[n]!] + s;
  return s || '/';
}

const orderCache = new WeakMap<UnionModel, Int32Array>();

/**
 * Every node except the root, in bytewise order of full paths (cached per model).
 * Children are already sorted by name; a directory's subtree goes where the key
 * "name/" falls among its siblings' names.
 */
export function listingOrder(u: UnionModel): Int32Array {
  const cached = orderCache.get(u);
  if (cached) return cached;
  const out = new Int32Array(Math.max(0, u.nodeCount - 1));
  let k = 0;
  const { childStart, children, names, nameId } = u;
  // items: node * 2 (the node itself) or node * 2 + 1 (its subtree)
  const itemsOf = (p: number): number[] => {
    const s = childStart[p]!;
    const e = childStart[p + 1]!;
    const items: number[] = [];
    let anyDir = false;
    for (let i = s; i < e; i++) {
      const c = children[i]!;
      items.push(c * 2);
      if (childStart[c + 1]! > childStart[c]!) {
        items.push(c * 2 + 1);
        anyDir = true;
      }
    }
    if (!anyDir || items.length < 3) return items;
    const keys = new Map<number, string>();
    for (const it of items) keys.set(it, it & 1 ? names[nameId[it >> 1]!] + '/' : names[nameId[it >> 1]!]!);
    return items.sort((a, b) => compareBytewise(keys.get(a)!, keys.get(b)!));
  };
  const frames: number[][] = [itemsOf(0)];
  const pos: number[] = [0];
  while (frames.length > 0) {
    const top = frames.length - 1;
    const f = frames[top]!;
    const i = pos[top]!;
    if (i >= f.length) {
      frames.pop();
      pos.pop();
      continue;
    }
    pos[top] = i + 1;
    const it = f[i]!;
    if (it & 1) {
      frames.push(itemsOf(it >> 1));
      pos.push(0);
    } else out[k++] = it >> 1;
  }
  orderCache.set(u, out);
  return out;
}

/** Call `fn` for every visible node except the root, in listing order, with its absolute path. */
export function forEachVisible(u: UnionModel, view: MergedView, fn: (node: number, path: string) => void): void {
  const order = listingOrder(u);
  // paths of directories seen so far (parents come before children in this order)
  const dirPath = new Map<number, string>([[0, '']]);
  const { parent, names, nameId, childStart } = u;
  const status = view.status;
  for (let i = 0; i < order.length; i++) {
    const n = order[i]!;
    if (status[n] !== NodeStatus.Visible) continue;
    const pp = dirPath.get(parent[n]!) ?? nodePath(u, parent[n]!);
    const path = pp + '/' + names[nameId[n]!];
    if (childStart[n + 1]! > childStart[n]!) dirPath.set(n, path);
    fn(n, path);
  }
}

/** Rows of the merged view at `layer` (one object per visible path: for the CLI's JSON output and tests, not for the UI). */
export function mergedRows(u: UnionModel, layers: readonly (LayerIndex | null)[], layer: number): MergedRow[] {
  const view = mergedAt(u, layers, layer);
  const rows: MergedRow[] = [];
  forEachVisible(u, view, (n, p) => rows.push(mergedRow(u, layers, view, n, p)!));
  return rows;
}

/**
 * Lines joined per chunk: line strings then die young (cheap scavenges) instead
 * of a million of them surviving into the old generation until one final join.
 */
const LISTING_CHUNK_LINES = 4096;

/** '0000'..'7777', made once: formatting a mode per line is measurable on a million lines. */
const MODE_STRINGS: string[] = Array.from({ length: 0o10000 }, (_, m) => m.toString(8).padStart(4, '0'));

/**
 * One TSV line (no newline). `field` transforms the two columns that hold text
 * from the image (path, link): the command line passes its escaping
 * (src/cli/escape.ts) so that a tab or newline in a name cannot forge a row; the
 * default leaves them raw (tests compare with the skopeo + umoci reference).
 */
export function rowToTsv(r: MergedRow, field: (s: string) => string = rawField): string {
  return `${field(r.path)}\t${r.type}\t${r.size}\t${MODE_STRINGS[r.mode & 0o7777]}\t${r.uid}\t${r.gid}\t${field(r.link)}\t${r.layer}`;
}

const rawField = (s: string) => s;

/**
 * The listing `layerscope ls` prints: one line per visible path except '/', sorted
 * bytewise; newline-terminated (empty string when nothing). `opts.field`: see rowToTsv.
 */
export function listMerged(u: UnionModel, layers: readonly (LayerIndex | null)[], layer: number, opts: { field?: (s: string) => string } = {}): string {
  const field = opts.field ?? rawField;
  const view = mergedAt(u, layers, layer);
  const chunks: string[] = [];
  let lines: string[] = [];
  const row = emptyRow(); // reused: no object per line
  forEachVisible(u, view, (n, p) => {
    fillRow(row, u, layers, view, n, p);
    lines.push(rowToTsv(row, field));
    if (lines.length === LISTING_CHUNK_LINES) {
      chunks.push(lines.join('\n') + '\n');
      lines = [];
    }
  });
  if (lines.length) chunks.push(lines.join('\n') + '\n');
  return chunks.join('');
}
