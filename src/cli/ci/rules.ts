/**
 * dive-compatible CI rules (dive's `.dive-ci`: lowestEfficiency,
 * highestWastedBytes, highestUserWastedPercent), over the same figures dive
 * computes (src/core/model/diveEfficiency.ts, the `dive` block of the statistics). A rule without a threshold is
 * skipped, as dive reports "rule disabled".
 */
export interface CiRules {
  lowestEfficiency?: number;
  highestWastedBytes?: number;
  highestUserWastedPercent?: number;
}

export interface CiFigures {
  dive: { score: number; wastedBytes: number; userWastedPercent: number };
}

export interface CiRuleResult {
  name: 'lowestEfficiency' | 'highestWastedBytes' | 'highestUserWastedPercent';
  status: 'pass' | 'fail' | 'skip';
  detail: string;
}

export function evaluateCi(stats: CiFigures, rules: CiRules): { passed: boolean; rules: CiRuleResult[] } {
  const out: CiRuleResult[] = [];
  const { score: efficiency, wastedBytes, userWastedPercent } = stats.dive;
  if (rules.lowestEfficiency === undefined) out.push({ name: 'lowestEfficiency', status: 'skip', detail: 'rule disabled' });
  else
    out.push({
      name: 'lowestEfficiency',
      status: efficiency < rules.lowestEfficiency ? 'fail' : 'pass',
      detail: `image efficiency ${efficiency.toFixed(4)} ${efficiency < rules.lowestEfficiency ? '<' : '>='} threshold ${rules.lowestEfficiency}`,
    });
  if (rules.highestWastedBytes === undefined) out.push({ name: 'highestWastedBytes', status: 'skip', detail: 'rule disabled' });
  else
    out.push({
      name: 'highestWastedBytes',
      status: wastedBytes > rules.highestWastedBytes ? 'fail' : 'pass',
      detail: `wasted bytes ${wastedBytes} ${wastedBytes > rules.highestWastedBytes ? '>' : '<='} threshold ${rules.highestWastedBytes}`,
    });
  if (rules.highestUserWastedPercent === undefined) out.push({ name: 'highestUserWastedPercent', status: 'skip', detail: 'rule disabled' });
  else
    out.push({
      name: 'highestUserWastedPercent',
      status: userWastedPercent > rules.highestUserWastedPercent ? 'fail' : 'pass',
      detail: `user wasted ${userWastedPercent.toFixed(4)} ${userWastedPercent > rules.highestUserWastedPercent ? '>' : '<='} threshold ${rules.highestUserWastedPercent}`,
    });
  return { passed: out.every((r) => r.status !== 'fail'), rules: out };
}
