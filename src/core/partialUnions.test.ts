/**
 * The rebuild policy of partial unions while layers load: one build at a time,
 * the next spaced by PARTIAL_REBUILD_FACTOR × the last build's duration, none
 * once every layer is in or after stop(), each snapshot's own layers; while
 * every scan worker decodes, the wait of PARTIAL_BUSY_WAIT_MS (here shortened).
 */
import { describe, expect, it } from 'vitest';
import { PartialUnions, PARTIAL_REBUILD_FACTOR, type PartialUnion } from './partialUnions';
import { buildUnion, type UnionModel } from './model/union';
import { layer } from './model/union.testkit';
import type { LayerIndex } from './types';

const L = (name: string) => layer([[name, 'file', 1]]);
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

function harness(n: number, buildMs = 0, busy?: { on: boolean; waitMs: number }) {
  const layers: (LayerIndex | null)[] = new Array(n).fill(null);
  const clock = { t: 0 };
  const emitted: PartialUnion[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const builds: number[] = [];
  const p = new PartialUnions(layers, {
    now: () => clock.t,
    busy: busy ? () => busy.on : undefined,
    busyWaitMs: busy?.waitMs,
    emit: (x) => emitted.push(x),
    build: async (ls): Promise<UnionModel> => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      builds.push(clock.t);
      await tick();
      clock.t += buildMs;
      inFlight--;
      return buildUnion(ls);
    },
  });
  return { layers, clock, emitted, p, builds, maxInFlight: () => maxInFlight };
}

describe('PartialUnions', () => {
  it('builds the finished layers (a snapshot), one build at a time; layers finishing meanwhile get one more build, not one each', async () => {
    const h = harness(4);
    h.layers[0] = L('a');
    h.p.layerDone();
    await tick(50);
    expect(h.emitted).toHaveLength(1);
    expect(h.emitted[0]!.layers).toEqual([h.layers[0], null, null, null]);
    expect(h.emitted[0]!.union.layerCount).toBe(4);
    h.layers[1] = L('b');
    h.p.layerDone();
    h.layers[2] = L('c');
    h.p.layerDone();
    await tick(50);
    expect(h.emitted).toHaveLength(2);
    expect(h.emitted[1]!.layers.filter(Boolean)).toHaveLength(3);
    expect(h.maxInFlight()).toBe(1);
  });

  it('waits PARTIAL_REBUILD_FACTOR × the last build before the next', async () => {
    const h = harness(3, 100);
    h.layers[0] = L('a');
    h.p.layerDone();
    await tick(50);
    expect(h.builds).toEqual([0]);
    h.layers[1] = L('b');
    h.p.layerDone(); // the last build took 100 (clock), ended at 100: the next no sooner than 100 + 3 × 100
    await tick(50);
    expect(h.builds).toHaveLength(1);
    await tick(PARTIAL_REBUILD_FACTOR * 100 + 100);
    expect(h.builds).toHaveLength(2);
  });

  it('no partial union when every layer is in (the final one is being built), none after stop()', async () => {
    const h = harness(2);
    h.layers[0] = L('a');
    h.layers[1] = L('b');
    h.p.layerDone();
    await tick(50);
    expect(h.builds).toHaveLength(0);
    const g = harness(2);
    g.layers[0] = L('a');
    g.p.layerDone();
    g.p.stop();
    await tick(50);
    expect(g.builds).toHaveLength(0);
    expect(g.emitted).toHaveLength(0);
  });

  it('while every worker decodes, the first build waits busyWaitMs from the start; a worker freed makes it due at once', async () => {
    const busy = { on: true, waitMs: 150 };
    const h = harness(3, 0, busy);
    h.layers[0] = L('a');
    h.p.layerDone();
    await tick(50);
    // the fake clock stands still: real time passes, the wait is measured from clock 0 in real ms
    expect(h.builds).toHaveLength(0);
    busy.on = false;
    h.layers[1] = L('b');
    h.p.layerDone();
    await tick(30);
    expect(h.builds).toHaveLength(1);
    expect(h.emitted[0]!.layers.filter(Boolean)).toHaveLength(2);
  });

  it('while every worker decodes, a build is made once busyWaitMs has passed (a long load still fills its tree)', async () => {
    const busy = { on: true, waitMs: 80 };
    const h = harness(3, 0, busy);
    h.layers[0] = L('a');
    h.p.layerDone();
    await tick(30);
    expect(h.builds).toHaveLength(0);
    await tick(120);
    expect(h.builds).toHaveLength(1);
  });
});
