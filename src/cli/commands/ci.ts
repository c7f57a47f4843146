/** `layerscope ci`: dive's CI rules over the same figures dive computes. */
import { parseRatio, parseSize, stringFlag } from '../args';
import type { Command } from '../command';
import { evaluateCi, type CiRules } from '../ci/rules';
import { EXIT_FAILED, EXIT_OK } from '../io';
import { IMAGE_OPTIONS, imageTitle, reportLayerErrors } from '../load';
import { loadAndAudit } from './audit';
import { escapeLines } from '../escape';
import { formatBytes } from '../../core/formatBytes';

export const ci: Command = {
  name: 'ci',
  summary: 'dive-compatible CI rules (efficiency, wasted bytes); exit 1 when one fails',
  synopsis: 'ARCHIVE [--lowest-efficiency R] [--highest-wasted-bytes SIZE] [--highest-user-wasted-percent R] [--allow-secrets]',
  description: `Applies dive's CI rules to the image: its efficiency score must be at least the lowest
efficiency, its wasted bytes (bytes of files that later layers overwrite or delete, counted as dive
counts them) at most the highest wasted bytes, and the wasted share of the bytes above the base
layer at most the highest user wasted percent. It also fails when the image ships a secret (the
findings of \`layerscope audit\`, deleted-but-still-shipped ones included) unless --allow-secrets.
Exit 0 when every rule passes, 1 when one fails,
2 when the image cannot be read (no verdict on figures that leave a layer out).
ARCHIVE is a file, or - to read it from stdin.`,
  options: [
    { name: 'lowest-efficiency', value: 'RATIO', description: 'fail below this efficiency score, 0..1 (default: 0.9)' },
    { name: 'highest-wasted-bytes', value: 'SIZE', description: 'fail above this many wasted bytes: 20MB, 1.5GiB, 4096 or disabled (default: disabled)' },
    {
      name: 'highest-user-wasted-percent',
      value: 'RATIO',
      description: 'fail above this share of wasted bytes in the layers above the base, 0..1 (default: 0.1)',
    },
    { name: 'allow-secrets', description: 'do not fail on secret findings (they are still listed, redacted)' },
    ...IMAGE_OPTIONS,
  ],
  examples: [
    { line: 'layerscope ci image.tar', note: "dive's default rules, and no secrets" },
    { line: 'layerscope ci image.tar --lowest-efficiency 0.95 --highest-wasted-bytes 20MB', note: 'stricter thresholds' },
    { line: 'docker save app:ci | layerscope ci -', note: 'in a pipeline, straight from docker save' },
  ],
  async run(args, io) {
    const rules: CiRules = {};
    const le = stringFlag(args, 'lowest-efficiency');
    const hw = stringFlag(args, 'highest-wasted-bytes');
    const hu = stringFlag(args, 'highest-user-wasted-percent');
    // dive's defaults: lowestEfficiency 0.9, highestUserWastedPercent 0.1, highestWastedBytes disabled.
    rules.lowestEfficiency = le !== undefined ? parseRatio('lowest-efficiency', le) : 0.9;
    rules.highestUserWastedPercent = hu !== undefined ? parseRatio('highest-user-wasted-percent', hu) : 0.1;
    if (hw !== undefined && hw !== 'disabled') rules.highestWastedBytes = parseSize(hw);
    const { img, report } = await loadAndAudit(args, io, 'ci', { verify: false });
    const res = evaluateCi(img.stats, rules);
    const allowSecrets = args.flags.has('allow-secrets');
    const secrets = report.secrets;
    const secretsFail = secrets.length > 0 && !allowSecrets;
    const lines = [
      `image: ${imageTitle(img)}`,
      `  efficiency: ${(img.stats.dive.score * 100).toFixed(4)} %`,
      `  wastedBytes: ${img.stats.dive.wastedBytes} bytes (${formatBytes(img.stats.dive.wastedBytes)})`,
      `  userWastedPercent: ${(img.stats.dive.userWastedPercent * 100).toFixed(4)} %`,
      '',
    ];
    for (const r of res.rules) lines.push(`  ${r.status.toUpperCase()}: ${r.name}${r.detail ? `: ${r.detail}` : ''}`);
    const deleted = secrets.filter((x) => x.deletedBy !== null).length;
    lines.push(
      `  ${secrets.length === 0 ? 'PASS' : allowSecrets ? 'SKIP' : 'FAIL'}: noSecrets: ${
        secrets.length === 0
          ? 'no secret found'
          : `${secrets.length} secret finding${secrets.length === 1 ? '' : 's'}${deleted ? ` (${deleted} deleted but still shipped)` : ''}${allowSecrets ? ', allowed by --allow-secrets' : ''}`
      }`,
    );
    for (const x of secrets)
      lines.push(`      ${x.path}${x.layer !== null ? ` (layer ${x.layer})` : ''}: ${x.title} ${x.redacted}${x.headline ? ` — ${x.headline}` : ''}`);
    // Figures computed without a layer are not the image's: no verdict then (exit 2).
    const failed = img.layerErrors.some((e) => e !== null);
    const passed = res.passed && !secretsFail;
    lines.push('', failed ? 'Result: ERROR (a layer could not be read; the figures above leave it out)' : passed ? 'Result: PASS' : 'Result: FAIL');
    io.out(`${escapeLines(lines)}\n`);
    return reportLayerErrors(img, io, passed ? EXIT_OK : EXIT_FAILED);
  },
};
