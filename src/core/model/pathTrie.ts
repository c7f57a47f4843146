/**
 * The path trie under the union model: path segments interned once, nodes as
 * indexes into typed arrays, children sorted bytewise (what `LC_ALL=C sort`
 * and Go's string comparison give). Used to build the union (union.ts) and by
 * dive's efficiency (diveEfficiency.ts), which extends a finished model's trie.
 */
import { LayerscopeError } from '../errors';
import type { UnionModel } from './union';

/** Nodes are packed with a flag bit in listing order items (node * 2 + flag) and in Int32 arrays. */
export const MAX_NODES = 0x3fffffff;
/** Starting capacity of the growable arrays; they double as needed. */
const INITIAL_CAPACITY = 1024;

/* ------------------------------------------------------------------ bytewise order */

/**
 * Compare two strings by their UTF-8 bytes, which is code point order (what
 * `LC_ALL=C sort` and Go's string comparison do). JS `<` compares UTF-16 code
 * units, which differs when a surrogate pair (U+10000..) meets U+E000..U+FFFF;
 * remapping the differing units fixes that. NOT localeCompare.
 */
export function compareBytewise(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

/* ------------------------------------------------------------------ growable arrays */

type TypedArr = Int32Array | Uint32Array | Uint16Array | Uint8Array | Float64Array;

/** A typed array with room for at least `need` elements (doubling); `fill` initializes new slots. */
export function growArray<A extends TypedArr>(a: A, need: number, fill = 0): A {
  if (need <= a.length) return a;
  let cap = a.length || INITIAL_CAPACITY;
  while (cap < need) cap *= 2;
  const b = new (a.constructor as new (n: number) => A)(cap);
  b.set(a as never);
  if (fill !== 0) b.fill(fill as never, a.length);
  return b;
}

/* ------------------------------------------------------------------ the trie */

/**
 * Interned strings: an open-addressing table of ids into `names` (which it appends
 * to), keyed by an FNV-1a hash of the UTF-16 code units. Kept at most half full.
 * Replaces a Map<string, number>: for a million distinct names the Map's growth and
 * garbage cost about 1 s per union build on the dev machine.
 */
class NameTable {
  private table: Int32Array;
  private mask: number;
  private size = 0;
  /** `names[from..]` are indexed here (earlier ones belong to a model and are found another way). */
  constructor(
    private readonly names: string[],
    from = 0,
  ) {
    let cap = INITIAL_CAPACITY;
    while (cap < (names.length - from) * 2 + 2) cap *= 2;
    this.table = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    for (let i = from; i < names.length; i++) this.put(names[i]!, i);
  }

  private static hash(s: string): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    return (h ^ (h >>> 16)) >>> 0;
  }

  /** Id of `name`, or -1. */
  get(name: string): number {
    const { table, mask, names } = this;
    for (let s = NameTable.hash(name) & mask; ; s = (s + 1) & mask) {
      const id = table[s]!;
      if (id < 0 || names[id] === name) return id;
    }
  }

  /** Id of `name`, appended to `names` if new. */
  intern(name: string): number {
    const { table, mask, names } = this;
    let s = NameTable.hash(name) & mask;
    for (; ; s = (s + 1) & mask) {
      const id = table[s]!;
      if (id < 0) break;
      if (names[id] === name) return id;
    }
    const id = names.length;
    names.push(name);
    table[s] = id;
    if (++this.size * 2 > table.length) this.grow();
    return id;
  }

  /** An independent copy indexing `names` (the copy's own array, equal to this one's). */
  clone(names: string[]): NameTable {
    // through the constructor (indexing nothing), so the copy has the same shape as the original for V8
    const c = new NameTable(names, names.length);
    c.table = this.table.slice();
    c.mask = this.mask;
    c.size = this.size;
    return c;
  }

  private put(name: string, id: number): void {
    const { table, mask } = this;
    let s = NameTable.hash(name) & mask;
    while (table[s]! >= 0) s = (s + 1) & mask;
    table[s] = id;
    this.size++;
  }

  private grow(): void {
    const old = this.table;
    this.table = new Int32Array(old.length * 2).fill(-1);
    this.mask = this.table.length - 1;
    this.size = 0;
    for (let i = 0; i < old.length; i++) if (old[i]! >= 0) this.put(this.names[old[i]!]!, old[i]!);
  }
}

/**
 * Path segments interned into a trie of node ids: (parent, nameId) -> child in
 * an open-addressing hash table, plus first-child/next-sibling links for
 * walking children while building. Node 0 is the root. Shared by the union and
 * by diveEfficiency.ts.
 */
export class PathTrie {
  count = 1;
  parent: Int32Array;
  nameId: Uint32Array;
  firstChild: Int32Array;
  nextSibling: Int32Array;
  names: string[] = [''];
  /** name -> id (NameTable: a Map of a million strings spent ~1 s per union in growth and GC). */
  private nameIds = new NameTable(this.names);
  /**
   * Linear probing, interleaved [node, parent, nameId] per slot so a probe
   * touches one cache line instead of three arrays; kept at most half full.
   */
  private table: Int32Array;
  private mask: number;
  private lastDir = '';
  private lastDirNode = 0;
  /**
   * Set by `fromModel`: the finished model whose nodes 0..model.nodeCount-1 this
   * trie starts with. Those are found by binary search in the model's sorted
   * children, not through `table`/`nameIds` (re-indexing a million names cost
   * ~0.75 s per statistics pass); only nodes added afterwards are hashed.
   */
  private model: UnionModel | null = null;
  /** First node id kept in `table` (1, or the model's node count). */
  private firstHashed = 1;

  /** `capacity`: expected node count (e.g. the number of entries), to size the arrays once. */
  constructor(capacity = INITIAL_CAPACITY) {
    let cap = INITIAL_CAPACITY;
    while (cap < capacity + 1) cap *= 2;
    this.parent = new Int32Array(cap).fill(-1);
    this.nameId = new Uint32Array(cap);
    this.firstChild = new Int32Array(cap).fill(-1);
    this.nextSibling = new Int32Array(cap).fill(-1);
    this.table = new Int32Array(cap * 2 * 3).fill(-1);
    this.mask = cap * 2 - 1;
  }

  /** A trie holding a union model's nodes with the same ids (to add more nodes to). */
  static fromModel(u: UnionModel, extra = INITIAL_CAPACITY): PathTrie {
    const t = new PathTrie(extra);
    const n = u.nodeCount;
    t.model = u;
    t.firstHashed = n;
    t.count = n;
    const cap = n + extra;
    t.parent = growArray(t.parent, cap, -1);
    t.nameId = growArray(t.nameId, cap);
    t.firstChild = growArray(t.firstChild, cap, -1);
    t.nextSibling = growArray(t.nextSibling, cap, -1);
    t.parent.set(u.parent);
    t.nameId.set(u.nameId);
    // Names added later get ids after the model's; `nameIds` holds only those.
    t.names = u.names.slice();
    t.nameIds = new NameTable(t.names, u.names.length);
    for (let i = n - 1; i >= 1; i--) {
      const p = u.parent[i]!;
      t.nextSibling[i] = t.firstChild[p]!;
      t.firstChild[p] = i;
    }
    return t;
  }

  /**
   * An independent copy: nodes added to either later do not show in the other
   * (IncrementalUnion, union.ts, applies a partial union's upper layers to one).
   */
  clone(): PathTrie {
    // through the constructor (at the smallest size), so the copy has the original's shape for V8
    const c = new PathTrie(0);
    c.count = this.count;
    c.parent = this.parent.slice();
    c.nameId = this.nameId.slice();
    c.firstChild = this.firstChild.slice();
    c.nextSibling = this.nextSibling.slice();
    c.names = this.names.slice();
    c.nameIds = this.nameIds.clone(c.names);
    c.table = this.table.slice();
    c.mask = this.mask;
    c.lastDir = this.lastDir;
    c.lastDirNode = this.lastDirNode;
    c.model = this.model;
    c.firstHashed = this.firstHashed;
    return c;
  }

  intern(name: string): number {
    return this.nameIds.intern(name);
  }

  private slot(p: number, id: number): number {
    let h = Math.imul(p, 0x9e3779b1) ^ Math.imul(id + 0x7f4a7c15, 0x85ebca77);
    h ^= h >>> 15;
    return h & this.mask;
  }

  /** Child of p named by name id, or -1. */
  findId(p: number, id: number): number {
    const { table, mask } = this;
    for (let s = this.slot(p, id); ; s = (s + 1) & mask) {
      const k = s * 3;
      const n = table[k]!;
      if (n < 0) return -1;
      if (table[k + 1] === p && table[k + 2] === id) return n;
    }
  }

  /** Child of p named `name`, or -1 (never creates). */
  find(p: number, name: string): number {
    if (this.model && p < this.firstHashed) {
      const c = childNamed(this.model, p, name);
      if (c >= 0) return c;
    }
    const id = this.nameIds.get(name);
    return id < 0 ? -1 : this.findId(p, id);
  }

  /** Child of p named `name`, created if needed. */
  child(p: number, name: string): number {
    if (this.model && p < this.firstHashed) {
      const c = childNamed(this.model, p, name);
      if (c >= 0) return c;
    }
    return this.childId(p, this.intern(name));
  }

  /** Child of p with name id `id` (from intern()), created if needed. */
  childId(p: number, id: number): number {
    const found = this.findId(p, id);
    if (found >= 0) return found;
    const n = this.count;
    if (n >= MAX_NODES) throw new LayerscopeError('LIMIT', `more than ${MAX_NODES} paths in the image`);
    this.count = n + 1;
    if (n >= this.parent.length) {
      this.parent = growArray(this.parent, n + 1, -1);
      this.nameId = growArray(this.nameId, n + 1);
      this.firstChild = growArray(this.firstChild, n + 1, -1);
      this.nextSibling = growArray(this.nextSibling, n + 1, -1);
    }
    this.parent[n] = p;
    this.nameId[n] = id;
    this.nextSibling[n] = this.firstChild[p]!;
    this.firstChild[p] = n;
    if ((this.count - this.firstHashed + 1) * 2 > this.mask + 1) this.rehash((this.mask + 1) * 2);
    else this.insert(n, p, id);
    return n;
  }

  private insert(n: number, p: number, id: number): void {
    const { table, mask } = this;
    let s = this.slot(p, id);
    while (table[s * 3]! >= 0) s = (s + 1) & mask;
    table[s * 3] = n;
    table[s * 3 + 1] = p;
    table[s * 3 + 2] = id;
  }

  private rehash(size: number): void {
    this.table = new Int32Array(size * 3).fill(-1);
    this.mask = size - 1;
    for (let n = this.firstHashed; n < this.count; n++) this.insert(n, this.parent[n]!, this.nameId[n]!);
  }

  /**
   * Node of the directory holding `path` ('a/b/c' -> 'a/b'; a top-level name ->
   * the root), creating the segments. Entries of a tar come grouped by
   * directory, so the last directory is cached (checked without slicing).
   */
  dirOf(path: string): number {
    const slash = path.lastIndexOf('/');
    if (slash < 0) return 0;
    const last = this.lastDir;
    if (slash === last.length && path.startsWith(last)) return this.lastDirNode;
    return this.dir(path.slice(0, slash));
  }

  /** Node of a directory path ('a/b', '' = root), creating the segments. */
  dir(path: string): number {
    if (path === this.lastDir) return this.lastDirNode;
    let n = 0;
    let start = 0;
    while (start < path.length) {
      let end = path.indexOf('/', start);
      if (end < 0) end = path.length;
      if (end > start) n = this.child(n, path.slice(start, end));
      start = end + 1;
    }
    this.lastDir = path;
    this.lastDirNode = n;
    return n;
  }

  /**
   * CSR children of every node sorted bytewise by name: rank the distinct names
   * once, then two stable counting sorts (by name rank, then by parent).
   */
  sortedChildren(): { childStart: Uint32Array; children: Uint32Array } {
    if (this.model) return this.sortedChildrenOverModel(this.model);
    const n = this.count;
    const names = this.names;
    const sortedIds = Array.from(names.keys()).sort((a, b) => compareBytewise(names[a]!, names[b]!));
    const rank = new Uint32Array(names.length);
    for (let r = 0; r < sortedIds.length; r++) rank[sortedIds[r]!] = r;
    // counting sort of nodes 1..n-1 by name rank
    const byRankStart = new Uint32Array(names.length + 1);
    for (let i = 1; i < n; i++) byRankStart[rank[this.nameId[i]!]! + 1]!++;
    for (let r = 0; r < names.length; r++) byRankStart[r + 1]! += byRankStart[r]!;
    const byRank = new Uint32Array(Math.max(0, n - 1));
    for (let i = 1; i < n; i++) byRank[byRankStart[rank[this.nameId[i]!]!]!++] = i;
    // stable counting sort by parent
    const childStart = new Uint32Array(n + 1);
    for (let i = 1; i < n; i++) childStart[this.parent[i]! + 1]!++;
    for (let i = 0; i < n; i++) childStart[i + 1]! += childStart[i]!;
    const fillPos = childStart.slice(0, n);
    const children = new Uint32Array(Math.max(0, n - 1));
    for (let k = 0; k < byRank.length; k++) {
      const c = byRank[k]!;
      children[fillPos[this.parent[c]!]!++] = c;
    }
    return { childStart, children };
  }

  /**
   * sortedChildren for a trie made by `fromModel`: the model's children are
   * already in byte order, so only the few nodes added since (whiteouts, for
   * dive's statistics) are sorted and merged in, instead of sorting every name.
   */
  private sortedChildrenOverModel(u: UnionModel): { childStart: Uint32Array; children: Uint32Array } {
    const n = this.count;
    const m = u.nodeCount;
    if (n === m) return { childStart: u.childStart, children: u.children };
    const names = this.names;
    const name = (c: number) => names[this.nameId[c]!]!;
    // added nodes by parent, each group sorted by name
    const added = new Map<number, number[]>();
    for (let c = m; c < n; c++) {
      const p = this.parent[c]!;
      let g = added.get(p);
      if (!g) {
        g = [];
        added.set(p, g);
      }
      g.push(c);
    }
    for (const g of added.values()) g.sort((a, b) => compareBytewise(name(a), name(b)));
    const childStart = new Uint32Array(n + 1);
    const children = new Uint32Array(Math.max(0, n - 1));
    let k = 0;
    for (let p = 0; p < n; p++) {
      childStart[p] = k;
      let i = p < m ? u.childStart[p]! : 0;
      const end = p < m ? u.childStart[p + 1]! : 0;
      const g = added.get(p);
      if (!g) {
        while (i < end) children[k++] = u.children[i++]!;
        continue;
      }
      let j = 0;
      while (i < end || j < g.length) {
        if (j >= g.length || (i < end && compareBytewise(name(u.children[i]!), name(g[j]!)) <= 0)) children[k++] = u.children[i++]!;
        else children[k++] = g[j++]!;
      }
    }
    childStart[n] = k;
    return { childStart, children };
  }
}

/* ------------------------------------------------------------------ lookups in a finished trie */

/** Node `p`'s child named `name` (binary search in its children, sorted bytewise), or -1. */
export function childNamed(u: UnionModel, p: number, name: string): number {
  const { childStart, children, names, nameId } = u;
  let lo = childStart[p]!;
  let hi = childStart[p + 1]!;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareBytewise(names[nameId[children[mid]!]!]!, name);
    if (c === 0) return children[mid]!;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return -1;
}
