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

/**
 * The user-wasted share as the rule compares it. dive divides by the bytes above
 * the base layer, which may be 0: then 0/0 (nothing wasted) is 0, and a positive
 * amount over 0 bytes stays Infinity (more than any threshold, as in dive).
 * (issue 9, point 12: the old output read "PASS: user wasted NaN <= threshold".)
 */
export function definedUserWasted(userWastedPercent: number): number {
  return Number.isNaN(userWastedPercent) ? 0 : userWastedPercent;
}

/** A ratio for people: "12.3456 %", never "NaN %" or "Infinity %". */
export function ratioText(r: number, digits = 4): string {
  if (Number.isNaN(r)) return 'n/a';
  if (!Number.isFinite(r)) return 'more than 100 % (no bytes above the base layer)';
  return `${(r * 100).toFixed(digits)} %`;
}

export function evaluateCi(stats: CiFigures, rules: CiRules): { passed: boolean; rules: CiRuleResult[] } {
  const out: CiRuleResult[] = [];
  const { score: efficiency, wastedBytes } = stats.dive;
  const userWastedPercent = definedUserWasted(stats.dive.userWastedPercent);
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
      detail: `user wasted ${Number.isFinite(userWastedPercent) ? userWastedPercent.toFixed(4) : 'Infinity (no bytes above the base layer)'} ${userWastedPercent > rules.highestUserWastedPercent ? '>' : '<='} threshold ${rules.highestUserWastedPercent}`,
    });
  return { passed: out.every((r) => r.status !== 'fail'), rules: out };
}
