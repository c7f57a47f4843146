/** `ci --format text` (the default): for a person reading a CI log. */
import { escapeLines } from '../../escape';
import { formatBytes } from '../../../core/formatBytes';
import type { CiOutcome } from '../outcome';
import { definedUserWasted, ratioText } from '../rules';

export function ciText(o: CiOutcome): string {
  const f = o.figures;
  const lines = [
    `image: ${o.image.title}${o.image.platform ? `  (${o.image.platform})` : ''}`,
    `  efficiency: ${ratioText(f.efficiency)}`,
    `  wastedBytes: ${f.wastedBytes} bytes (${formatBytes(f.wastedBytes)})`,
    // never NaN % (no bytes above the base layer): issue 9, point 12
    `  userWastedPercent: ${ratioText(definedUserWasted(f.userWastedPercent))}`,
    `config: ${o.config.file ?? `none (no .dive-ci here): defaults and flags`}`,
    '',
  ];
  for (const r of o.rules)
    lines.push(`  ${r.status.toUpperCase()}: ${r.id}${r.detail ? `: ${r.detail}` : ''}${r.setting && r.status !== 'skip' ? `  [${r.setting}]` : ''}`);
  const other = o.findings.filter((x) => !o.rules.some((r) => r.id === x.ruleId && r.detail === x.message));
  if (other.length) {
    lines.push('', 'findings:');
    for (const x of other)
      lines.push(`  ${x.level}: ${x.ruleId}: ${x.message}${x.path ? ` (${x.path}${x.layer !== undefined ? `, layer ${x.layer}` : ''})` : ''}`);
  }
  lines.push(
    '',
    o.result === 'error' ? 'Result: ERROR (a layer could not be read; the figures above leave it out)' : o.result === 'pass' ? 'Result: PASS' : 'Result: FAIL',
  );
  return `${escapeLines(lines)}\n`;
}
