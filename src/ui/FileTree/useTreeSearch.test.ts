import { describe, expect, it } from 'vitest';
import { buildUnion } from '../../core/model/union';
import { layer } from '../../core/model/union.testkit';
import { compileSearch, matchNodes, searchCursor, type SearchStopped } from '../../core/model/search';
import { continueInSlices } from './useTreeSearch';

const paths: string[] = [];
for (let d = 0; d < 50; d++) for (let f = 0; f < 100; f++) paths.push(`usr/pkg${d}/f${d}_${f}`);
const u = buildUnion([layer(paths.map((p) => [p, 'file', 1]))]);
const compiled = compileSearch({ text: 'pkg\\d+/f1\\d_', mode: 'regex', caseSensitive: false });
if (!compiled?.ok) throw new Error('pattern');
const c = compiled;

function run(o: { budgetMs: number; cancelAfterStart?: boolean }) {
  return new Promise<{ match: Uint8Array; stopped: SearchStopped | null; progress: number } | null>((resolve) => {
    let progress = 0;
    // sliceMs < 0: each slice's deadline has already passed, so it does one clock period of
    // work (256 tests) and returns: many slices, whatever the machine's speed.
    const cancel = continueInSlices(searchCursor(u, c.c), {
      spent: 0,
      budgetMs: o.budgetMs,
      sliceMs: -1,
      progressEveryMs: 0,
      onProgress: () => progress++,
      onDone: (match, stopped) => resolve({ match, stopped, progress }),
    });
    if (o.cancelAfterStart) {
      cancel();
      setTimeout(() => resolve(null), 100);
    }
  });
}

describe('a search continued in slices (the tree search)', () => {
  it('reaches the same result as one run, reporting progress on the way', async () => {
    const r = await run({ budgetMs: Number.POSITIVE_INFINITY });
    expect(r?.stopped).toBeNull();
    expect(r?.match).toEqual(matchNodes(u, c.c));
    expect(r?.progress).toBeGreaterThan(5);
  });

  it('stops past its budget and says how far it got', async () => {
    const r = await run({ budgetMs: 0 });
    expect(r?.stopped).toMatchObject({ unit: 'paths', total: u.nodeCount });
    expect(r!.stopped!.tested).toBeLessThan(u.nodeCount);
  });

  it('runs no slice once cancelled', async () => {
    expect(await run({ budgetMs: Number.POSITIVE_INFINITY, cancelAfterStart: true })).toBeNull();
  });
});
