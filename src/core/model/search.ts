/**
 * Search over a union's paths: the pattern compiled once, then tested against
 * the interned names (`UnionModel.names`, far fewer than nodes in a real image)
 * or along a preorder walk, resumable in slices so that a page can search a
 * million paths without one long task, and within a budget of work, past which
 * it stops and says how far it got.
 *
 * Semantics (the tree's help text says the same):
 *  - a pattern WITHOUT '/' is tested against each name (the last path segment);
 *  - a pattern WITH '/' is tested against the full absolute path ('/etc/ssl/x'):
 *    substring: the path contains it and the occurrence ends in the node's own name
 *    (so '/etc/ss' finds /etc/ssl, not every file below it);
 *    glob: the whole path matches; `*` `?` `[...]` stay within a segment, `**` spans
 *    segments; a pattern not starting with '/' may start at any depth ('etc/*.conf'
 *    is '**' + '/etc/*.conf');
 *    regex: the path matches and its parent's path does not (same reason as above).
 *  - matching is case-insensitive unless asked otherwise.
 *
 * Time (issue 9, point 7): a pattern comes from the user, or from a link
 * (`#q=(.%2B)%2B%23&mode=regex`), so its cost must not depend on how the pattern
 * was crafted. V8's RegExp backtracks: `(.+)+#` against a 30-character name is
 * 2^30 steps, and one test cannot be interrupted. So:
 *  - regexes run on RE2JS (RE2's automata, ported): linear in the input whatever
 *    the pattern; RE2 syntax (no backreferences, no lookaround — only a
 *    backtracking engine can run those);
 *  - glob segments with two or more `*` run on RE2JS too (`*a*a*a*b` is a
 *    polynomial of degree 4 for a backtracker); substrings and globs with at most
 *    one `*` per segment stay on V8 (linear for such patterns, and 7–30× faster:
 *    see scripts/bench-tree.mjs, "match regex … (V8, before)");
 *  - the work is cut in slices (SearchCursor.run(until)), the clock read every
 *    few hundred tests or 64 K characters, so a slice ends on time even on 1 MiB
 *    names (a PAX path may be that long);
 *  - the caller gives a total budget (SEARCH_BUDGET_MS); past it the search stops
 *    and the matches found so far are kept, with how much was searched.
 */
import { RE2JS, RE2JSSyntaxException } from 're2js';
import { preorder, type TreeShape } from './preorder';
import type { UnionModel } from './union';

export type SearchMode = 'substring' | 'glob' | 'regex';

export interface SearchSpec {
  text: string;
  mode: SearchMode;
  caseSensitive: boolean;
}

/** What a search reads of a union. */
export type SearchTree = TreeShape & Pick<UnionModel, 'names' | 'nameId'>;

/**
 * Segments in a path pattern: positions of the NFA are bits of a 32-bit state.
 * 30 segments (plus the implicit leading '**') is deeper than any path one types.
 */
export const MAX_PATTERN_SEGMENTS = 30;

/**
 * Work (time spent in SearchCursor.run, summed over slices) after which a search
 * stops and says so. Linear matching makes this a bound on the input's size, not
 * the pattern's shape: a million full paths take 0.3–2 s on the dev machine
 * (more under load); what passes 15 s is a hostile tree (paths nested tens of
 * thousands deep make the full-path texts quadratic in the depth).
 */
export const SEARCH_BUDGET_MS = 15_000;

/** Tests between looks at the clock. */
const TESTS_PER_CHECK = 256;
/** Characters tested between looks at the clock (a name may be 1 MiB long). */
const CHARS_PER_CHECK = 64 * 1024;

/** Anything that says whether a string matches: a RegExp, or RE2JS (linear time). */
export interface Tester {
  test(s: string): boolean;
}

export type Compiled =
  | { kind: 'name'; re: Tester }
  | { kind: 'glob'; segs: (Tester | null)[] /* null = '**' */ }
  | { kind: 'substring-path'; first: Tester; middle: Tester[]; last: Tester }
  | { kind: 'regex-path'; re: Tester };

export type CompiledSearch = { ok: true; c: Compiled } | { ok: false; error: string };

/** A user's pattern (or a many-star glob segment) for RE2JS: linear time in the input. */
function linear(source: string, caseSensitive: boolean): Tester {
  return RE2JS.compile(source, caseSensitive ? 0 : RE2JS.CASE_INSENSITIVE);
}

/**
 * A glob segment as a tester: V8's RegExp when it has at most one `*` (anchored,
 * one unbounded repetition: linear for a backtracker), RE2JS beyond.
 */
function globTester(seg: string, caseSensitive: boolean): Tester {
  const src = `^${globSegmentSource(seg)}$`;
  const stars = src.split('[^/]*').length - 1;
  return stars <= 1 ? new RegExp(src, caseSensitive ? 'u' : 'iu') : linear(src, caseSensitive);
}

// Only regex syntax characters: with the 'u' flag, escaping anything else (e.g. '-') is a syntax error.
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One glob segment (no '/') as regex source (valid for V8 and RE2): `*` `?` `[...]` (`[!...]`/`[^...]` negate), rest literal. */
export function globSegmentSource(seg: string): string {
  let out = '';
  for (let i = 0; i < seg.length; i++) {
    const ch = seg[i]!;
    if (ch === '*') {
      while (seg[i + 1] === '*') i++; // '**' inside a segment is just '*'
      out += '[^/]*';
    } else if (ch === '?') out += '[^/]';
    else if (ch === '[') {
      const close = seg.indexOf(']', i + 2); // a ']' right after '[' (or '[!') is literal
      if (close < 0) {
        out += '\\[';
        continue;
      }
      let body = seg.slice(i + 1, close);
      let neg = false;
      if (body[0] === '!' || body[0] === '^') {
        neg = true;
        body = body.slice(1);
      }
      // keep ranges (a-z), escape what is special inside a regex class
      const cls = body.replace(/[\\\]^[]/g, '\\$&');
      out += `[${neg ? '^' : ''}${cls}]`;
      i = close;
    } else out += escapeRe(ch);
  }
  return out;
}

/**
 * Compile the search field (null when empty). Substrings become V8 regexes with
 * the 'i' flag for case folding: V8 tests such a regex about as fast as
 * String.includes, without lower-casing a million names first.
 */
export function compileSearch(spec: SearchSpec): CompiledSearch | null {
  const text = spec.text;
  if (text.trim() === '') return null;
  const flags = spec.caseSensitive ? 'u' : 'iu';
  const hasSlash = text.includes('/');
  try {
    if (spec.mode === 'substring') {
      if (!hasSlash) return { ok: true, c: { kind: 'name', re: new RegExp(escapeRe(text), flags) } };
      const parts = text.split('/');
      if (parts.length - 1 > MAX_PATTERN_SEGMENTS) return { ok: false, error: `at most ${MAX_PATTERN_SEGMENTS} '/' in a search` };
      return {
        ok: true,
        c: {
          kind: 'substring-path',
          first: new RegExp(`${escapeRe(parts[0]!)}$`, flags),
          middle: parts.slice(1, -1).map((p) => new RegExp(`^${escapeRe(p)}$`, flags)),
          last: new RegExp(`^${escapeRe(parts[parts.length - 1]!)}`, flags),
        },
      };
    }
    if (spec.mode === 'glob') {
      if (!hasSlash) return { ok: true, c: { kind: 'name', re: globTester(text, spec.caseSensitive) } };
      const anchored = text.startsWith('/');
      const raw = text.split('/').filter((s) => s !== '');
      const segs: (Tester | null)[] = anchored ? [] : [null];
      for (const s of raw) {
        if (s === '**') {
          if (segs[segs.length - 1] !== null) segs.push(null); // '**/**' = '**'
        } else segs.push(globTester(s, spec.caseSensitive));
      }
      if (segs.length > MAX_PATTERN_SEGMENTS) return { ok: false, error: `at most ${MAX_PATTERN_SEGMENTS} segments in a glob` };
      return { ok: true, c: { kind: 'glob', segs } };
    }
    // regex: RE2 syntax (what Go and grep -E users write), matched in linear time.
    const re = linear(text, spec.caseSensitive);
    return { ok: true, c: hasSlash ? { kind: 'regex-path', re } : { kind: 'name', re } };
  } catch (e) {
    if (e instanceof RE2JSSyntaxException)
      return { ok: false, error: `${e.message.replace(/^error parsing regexp: /, '')} (RE2 syntax: no backreferences or lookaround)` };
    return { ok: false, error: e instanceof Error ? e.message.replace(/^Invalid regular expression: /, '') : String(e) };
  }
}

/* ------------------------------------------------------------ matching */

/** How far a search got: names (pattern without '/') or nodes (with '/') tested, of `total`. */
export interface SearchProgress {
  tested: number;
  total: number;
  /** What is counted: distinct names (a pattern without '/') or paths (with '/'). */
  unit: 'names' | 'paths';
}

/** A search cut by its budget. */
export interface SearchStopped extends SearchProgress {
  /** Work spent (ms) when it stopped. */
  ms: number;
}

/**
 * A search in progress. `run(until)` works until it is done (true) or until
 * performance.now() passes `until` (false: call again to go on). The flags are
 * final once done; before, they hold the matches found so far.
 */
export interface SearchCursor {
  run(until: number): boolean;
  readonly done: boolean;
  progress(): SearchProgress;
  /** Per-node match flags (1 = the node matches); the root never matches. */
  match(): Uint8Array;
}

/** Counts work between looks at the clock (shared by a cursor's testers). */
class Meter {
  tests = 0;
  chars = 0;
  /** True when the clock must be read (and resets the counts). */
  due(): boolean {
    if (++this.tests < TESTS_PER_CHECK && this.chars < CHARS_PER_CHECK) return false;
    this.tests = 0;
    this.chars = 0;
    return true;
  }
}

/** A tester against name ids, each name tested at most once (memoized: 0 unknown, 1 yes, 2 no), its length metered. */
function nameTester(names: readonly string[], re: Tester, meter: Meter): (nameId: number) => boolean {
  let memo: Uint8Array | null = null;
  return (id) => {
    memo ??= new Uint8Array(names.length);
    let v = memo[id];
    if (v === 0) {
      const s = names[id]!;
      meter.chars += s.length;
      v = memo[id] = re.test(s) ? 1 : 2;
    }
    return v === 1;
  };
}

/** Start a search; nothing is tested until run() is called. */
export function searchCursor(u: SearchTree, c: Compiled): SearchCursor {
  const n = u.nodeCount;
  const out = new Uint8Array(n);
  const meter = new Meter();
  let done = n === 0;
  // Each kind: `step(until)` goes on from its saved position; `pos`/`total` for progress.
  let pos = 0;
  let total = n;
  let step: (until: number) => boolean;
  let finish: () => void = () => {};
  const { pre, skip, depth, maxDepth } = preorder(u);
  const nameId = u.nameId;
  const parent = u.parent;
  const names = u.names;
  switch (c.kind) {
    case 'name': {
      // every distinct name once, then nodes mapped to their name's result
      const re = c.re;
      const nm = new Uint8Array(names.length);
      total = names.length;
      step = (until) => {
        for (; pos < names.length; pos++) {
          if (meter.due() && performance.now() >= until) return false;
          const s = names[pos]!;
          meter.chars += s.length;
          nm[pos] = re.test(s) ? 1 : 0;
        }
        return true;
      };
      // names not tested yet are 0 (no match) in a stopped search's partial flags
      finish = () => {
        for (let i = 1; i < n; i++) out[i] = nm[nameId[i]!]!;
      };
      break;
    }
    case 'glob': {
      const segs = c.segs;
      const k = segs.length;
      const test = segs.map((r) => (r ? nameTester(names, r, meter) : null));
      const closure = (s: number): number => {
        // '**' may match zero segments: reaching it also reaches the next position.
        for (let i = 0; i < k; i++) if (s & (1 << i) && segs[i] === null) s |= 1 << (i + 1);
        return s;
      };
      const state = new Uint32Array(n);
      if (n > 0) state[0] = closure(1);
      const full = 1 << k;
      pos = 1;
      step = (until) => {
        while (pos < n) {
          if (meter.due() && performance.now() >= until) return false;
          const node = pre[pos]!;
          const ps = state[parent[node]!]!;
          let s = 0;
          const nid = nameId[node]!;
          for (let i = 0; i < k; i++) {
            if (!(ps & (1 << i))) continue;
            const t = test[i]!;
            if (t === null) s |= 1 << i;
            else if (t(nid)) s |= 1 << (i + 1);
          }
          if (s === 0) {
            pos = skip[pos]!; // nothing below can match
            continue;
          }
          s = closure(s);
          state[node] = s;
          if (s & full) out[node] = 1;
          pos++;
        }
        return true;
      };
      break;
    }
    case 'substring-path': {
      // parts p0/p1/…/pk: some segment ends with p0, the next ones equal p1…p(k-1),
      // and the node's own name starts with pk. State bit i (1..k) at a node: the
      // path so far ends with p0/…/p(i-1), the next segment must continue with pi.
      const k = c.middle.length + 1;
      const first = nameTester(names, c.first, meter);
      const middle = c.middle.map((r) => nameTester(names, r, meter));
      const last = nameTester(names, c.last, meter);
      const state = new Uint32Array(n);
      if (n > 0) state[0] = first(nameId[0]!) ? 1 << 1 : 0; // the root is the empty segment before the first '/'
      pos = 1;
      step = (until) => {
        for (; pos < n; pos++) {
          if (meter.due() && performance.now() >= until) return false;
          const node = pre[pos]!;
          const nid = nameId[node]!;
          const ps = state[parent[node]!]!;
          let s = first(nid) ? 1 << 1 : 0;
          if (ps !== 0) {
            if (ps & (1 << k) && last(nid)) out[node] = 1;
            for (let i = 1; i < k; i++) if (ps & (1 << i) && middle[i - 1]!(nid)) s |= 1 << (i + 1);
          }
          state[node] = s;
        }
        return true;
      };
      break;
    }
    case 'regex-path': {
      // the path of each node is its parent's plus one segment, kept on a per-depth stack
      const re = c.re;
      const stack: string[] = new Array(maxDepth + 1).fill('');
      const pathMatch = new Uint8Array(n);
      pos = 1;
      step = (until) => {
        for (; pos < n; pos++) {
          if (meter.due() && performance.now() >= until) return false;
          const node = pre[pos]!;
          const d = depth[node]!;
          const p = stack[d - 1] + '/' + names[nameId[node]!];
          stack[d] = p;
          meter.chars += p.length;
          if (re.test(p)) {
            pathMatch[node] = 1;
            if (!pathMatch[parent[node]!]) out[node] = 1;
          }
        }
        return true;
      };
      break;
    }
  }
  let finished = false;
  return {
    get done() {
      return done;
    },
    run(until) {
      if (done) return true;
      done = step(until);
      return done;
    },
    progress: () => ({ tested: Math.min(pos, total), total, unit: c.kind === 'name' ? 'names' : 'paths' }),
    match() {
      if (done && !finished) {
        finish();
        finished = true;
      } else if (!done) finish(); // partial: what is known so far
      return out;
    },
  };
}

/** Per-node match flags (1 = the node matches), root never matches: the whole search at once. */
export function matchNodes(u: SearchTree, c: Compiled): Uint8Array {
  const cur = searchCursor(u, c);
  cur.run(Number.POSITIVE_INFINITY);
  return cur.match();
}

/**
 * The whole search in one call, cut at `budgetMs`: the matches found so far and,
 * when it stopped, how far it got. For a caller that cannot slice (a test, the CLI).
 */
export function matchNodesWithin(u: SearchTree, c: Compiled, budgetMs: number): { match: Uint8Array; stopped: SearchStopped | null } {
  const t0 = performance.now();
  const cur = searchCursor(u, c);
  if (cur.run(t0 + budgetMs)) return { match: cur.match(), stopped: null };
  return { match: cur.match(), stopped: { ...cur.progress(), ms: performance.now() - t0 } };
}
