import { describe, expect, it } from 'vitest';
import { evaluateCi } from './rules';

const figures = (efficiency: number, wastedBytes: number, userWastedPercent: number) => ({ dive: { score: efficiency, wastedBytes, userWastedPercent } });

describe('dive-compatible CI rules', () => {
  it('passes at the thresholds and fails beyond them', () => {
    expect(evaluateCi(figures(0.9, 100, 0.1), { lowestEfficiency: 0.9, highestWastedBytes: 100, highestUserWastedPercent: 0.1 }).passed).toBe(true);
    const r = evaluateCi(figures(0.89, 101, 0.11), { lowestEfficiency: 0.9, highestWastedBytes: 100, highestUserWastedPercent: 0.1 });
    expect(r.passed).toBe(false);
    expect(r.rules.map((x) => x.status)).toEqual(['fail', 'fail', 'fail']);
  });
  it('skips rules without a threshold', () => {
    const r = evaluateCi(figures(0.1, 1e12, 1), {});
    expect(r.passed).toBe(true);
    expect(r.rules.every((x) => x.status === 'skip')).toBe(true);
  });
});
