import { describe, expect, it } from 'vitest';
import { buildUnion, pathOf, type UnionModel } from './union';
import { layer, type EntrySpec } from './union.testkit';
import { preorder } from './preorder';
import { compileSearch, matchNodes, matchNodesWithin, searchCursor, type SearchSpec } from './search';

const unionOf = (paths: string[]): UnionModel => buildUnion([layer(paths.map((p): EntrySpec => [p, 'file', 1]))]);

function compiled(spec: Partial<SearchSpec> & { text: string }) {
  const c = compileSearch({ mode: 'regex', caseSensitive: false, ...spec });
  if (!c?.ok) throw new Error(`bad pattern: ${c ? c.error : 'empty'}`);
  return c.c;
}

const matchedPaths = (u: UnionModel, m: Uint8Array) => [...m.keys()].filter((i) => m[i]).map((i) => pathOf(u, i));

// Issue 9, point 7: these patterns take V8's backtracking engine minutes to years on
// such names (exponential or high-degree polynomial); here they are linear, so each
// test ends in milliseconds (the test runner's timeout is what fails without the fix).
describe('patterns that make a backtracking engine explode', () => {
  const long = 'a'.repeat(40);
  const u = unionOf([`dir/${long}`, `dir/${long}#`, `x${'a'.repeat(3000)}`, 'other/b#c']);

  it('(.+)+# on names and on full paths (the crafted link #q=(.%2B)%2B%23&mode=regex)', () => {
    expect(matchedPaths(u, matchNodes(u, compiled({ text: '(.+)+#' })))).toEqual([`/dir/${long}#`, '/other/b#c']);
    expect(matchedPaths(u, matchNodes(u, compiled({ text: '/(.+)+#$' })))).toEqual([`/dir/${long}#`]);
  });

  it('nested and alternated repetitions', () => {
    expect(matchedPaths(u, matchNodes(u, compiled({ text: '^(a|aa)+$' })))).toEqual([`/dir/${long}`]);
    expect(matchedPaths(u, matchNodes(u, compiled({ text: '^(a*)*b$' })))).toEqual([]);
  });

  it('a glob segment with many stars', () => {
    const c = compiled({ text: '*a*a*a*a*a*a*b', mode: 'glob' });
    expect(matchedPaths(u, matchNodes(u, c))).toEqual([]);
    expect(matchedPaths(u, matchNodes(u, compiled({ text: 'x*a*a*a', mode: 'glob' })))).toEqual([`/x${'a'.repeat(3000)}`]);
  });
});

describe('regex syntax', () => {
  it('is RE2: backreferences and lookaround are refused with a sentence saying why', () => {
    for (const text of ['(a)\\1', 'a(?=b)', '(?<!x)y']) {
      const c = compileSearch({ text, mode: 'regex', caseSensitive: false });
      expect(c).toMatchObject({ ok: false });
      expect(c && !c.ok && c.error).toMatch(/RE2 syntax/);
    }
  });
  it('folds case unless asked not to', () => {
    const u = unionOf(['etc/MOTD']);
    expect(matchedPaths(u, matchNodes(u, compiled({ text: '^motd$' })))).toEqual(['/etc/MOTD']);
    expect(matchedPaths(u, matchNodes(u, compiled({ text: '^motd$', caseSensitive: true })))).toEqual([]);
  });
});

describe('a search in slices', () => {
  const paths: string[] = [];
  for (let d = 0; d < 40; d++) for (let f = 0; f < 50; f++) paths.push(`usr/pkg${d}/sub/f${d}_${f}.txt`);
  const u = unionOf(paths);
  const specs: (Partial<SearchSpec> & { text: string })[] = [
    { text: 'f1\\d_2', mode: 'regex' },
    { text: 'pkg1\\d/sub/f', mode: 'regex' },
    { text: '_3', mode: 'substring' },
    { text: 'pkg3/sub/f3', mode: 'substring' },
    { text: '/usr/pkg2*/**/f*_1?.txt', mode: 'glob' },
    { text: 'f*_4*', mode: 'glob' },
  ];

  it.each(specs)('gives what one run gives, however it is cut: $mode $text', (spec) => {
    const c = compiled(spec);
    const whole = matchNodes(u, c);
    const cur = searchCursor(u, c);
    let rounds = 0;
    // until already passed: each run does one clock period of work, then returns
    while (!cur.run(0)) rounds++;
    expect(rounds).toBeGreaterThan(0);
    expect(cur.match()).toEqual(whole);
    expect(cur.progress()).toMatchObject({ tested: cur.progress().total });
  });

  it('a slice ends at its deadline even on 1 MiB names: the clock is read by characters tested', () => {
    const big = unionOf(Array.from({ length: 20 }, (_, i) => `d/${String.fromCharCode(97 + i).repeat(1 << 20)}`));
    const cur = searchCursor(big, compiled({ text: 'zz$' }));
    cur.run(0);
    // names are '' (the root), 'd', then the big ones: the first big one alone is
    // more than a clock period's worth of characters, so the slice ends after it
    expect(cur.progress().tested).toBe(3);
    expect(cur.done).toBe(false);
  });

  it('past its budget the search stops, keeps what it found and says how far it got', () => {
    const c = compiled({ text: 'pkg\\d+/sub/f' });
    const r = matchNodesWithin(u, c, -1);
    expect(r.stopped).toMatchObject({ unit: 'paths', total: u.nodeCount });
    expect(r.stopped!.tested).toBeLessThan(u.nodeCount);
    const full = matchNodesWithin(u, c, Number.POSITIVE_INFINITY);
    expect(full.stopped).toBeNull();
    // partial matches are a subset of the full ones
    for (let i = 0; i < u.nodeCount; i++) if (r.match[i]) expect(full.match[i]).toBe(1);
  });
});

describe('deep trees', () => {
  it('a path nested beyond 65,535 segments keeps its depth (full-path regexes build their text from it)', () => {
    const depth = 70_000;
    const u = unionOf([`${Array.from({ length: depth }, () => 'a').join('/')}/needle`]);
    const { depth: d, maxDepth } = preorder(u);
    expect(maxDepth).toBe(depth + 1);
    expect(d[u.nodeCount - 1]).toBe(depth + 1);
  });
});
