/** `layerscope ci`: dive's CI rules (and the layers' integrity) over the same figures dive computes. */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { stringFlag, UsageError } from '../args';
import type { Command } from '../command';
import { cwdOf } from '../io';
import { IMAGE_OPTIONS, archiveArg, imageSelection, loadImage } from '../load';
import { openArchiveArg } from '../input';
import { escapeText } from '../escape';
import { RULE_FLAGS, RULE_NAMES, resolveCiConfig, type RuleName } from '../ci/config';
import { CI_CHECKS, ciOutcome, secretsCheck } from '../ci/outcome';
import { auditLoaded } from './audit';
import { ciText } from '../ci/formats/text';
import { ciJson } from '../ci/formats/json';
import { ciJunit } from '../ci/formats/junit';
import { ciSarif } from '../ci/formats/sarif';

export const CI_FORMATS = ['text', 'json', 'junit', 'sarif'] as const;

export const ci: Command = {
  name: 'ci',
  summary: 'dive-compatible CI rules (.dive-ci), layer integrity and no secrets; exit 1 when one fails',
  synopsis:
    'ARCHIVE [--ci-config FILE] [--lowest-efficiency R] [--highest-wasted-bytes SIZE] [--highest-user-wasted-percent R] [--allow-secrets] [--format text|json|junit|sarif] [-o FILE]',
  description: `Applies dive's CI rules to the image: its efficiency score must be at least the lowest
efficiency, its wasted bytes (bytes of files that later layers overwrite or delete, counted as dive
counts them) at most the highest wasted bytes, and the wasted share of the bytes above the base
layer at most the highest user wasted percent. Every layer's sha256 must also match its digests,
and no secret may ship in the image (the findings of \`layerscope audit\`, deleted-but-still-shipped
ones included) unless --allow-secrets.

The thresholds come from the flags, else from .dive-ci in the working directory (or --ci-config
FILE), else dive's defaults (0.9, disabled, 0.1). The file is dive's:
    rules:
      lowestEfficiency: 0.95
      highestWastedBytes: 20MB
      highestUserWastedPercent: 0.20
Any rule is turned off by "disabled" (or off, false, empty). Sizes take dive's units (20MB =
20 000 000 bytes, 1GiB = 2^30).

Exit 0 when every rule passes, 1 when one fails (integrity included), 2 when the image cannot be
read (no verdict on figures that leave a layer out) or the configuration is wrong.
ARCHIVE is a file, or - to read it from stdin.`,
  options: [
    { name: 'ci-config', value: 'FILE', description: 'the rules file (default: .dive-ci in the working directory, when there is one)' },
    { name: 'lowest-efficiency', value: 'RATIO', description: 'fail below this efficiency score, 0..1 or disabled (default: 0.9)' },
    { name: 'highest-wasted-bytes', value: 'SIZE', description: 'fail above this many wasted bytes: 20MB, 1.5GiB, 4096 or disabled (default: disabled)' },
    {
      name: 'highest-user-wasted-percent',
      value: 'RATIO',
      description: 'fail above this share of wasted bytes in the layers above the base, 0..1 or disabled (default: 0.1)',
    },
    {
      name: 'format',
      value: 'FORMAT',
      description: 'text (default), json, junit (JUnit XML, one test case per rule) or sarif (SARIF 2.1.0 for code scanning)',
    },
    { name: 'output', short: 'o', value: 'FILE', description: 'write the report to FILE instead of stdout (the exit code is the same)' },
    { name: 'no-verify', description: "skip checking the layers' sha256 digests (the integrity rule is then skipped)" },
    { name: 'allow-secrets', description: 'do not fail on secret findings (they are still listed, redacted)' },
    ...IMAGE_OPTIONS,
  ],
  examples: [
    { line: 'layerscope ci image.tar', note: "the rules of ./.dive-ci, or dive's defaults; integrity; no secrets" },
    { line: 'layerscope ci image.tar --lowest-efficiency 0.95 --highest-wasted-bytes 20MB', note: 'thresholds on the command line (they win over the file)' },
    { line: 'layerscope ci image.tar --format junit -o layerscope.xml', note: 'a JUnit report for the CI test view' },
    { line: 'layerscope ci image.tar --format sarif -o layerscope.sarif', note: 'for a code-scanning upload' },
    { line: 'docker save app:ci | layerscope ci - --ci-config ci/dive.yaml', note: 'straight from docker save, rules from another file' },
  ],
  async run(args, io) {
    const started = new Date();
    const format = stringFlag(args, 'format') ?? 'text';
    if (!(CI_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format takes ${CI_FORMATS.join(', ')}, got ${escapeText(format)}`);
    const flags: Partial<Record<RuleName, string>> = {};
    for (const rule of RULE_NAMES) {
      const v = stringFlag(args, RULE_FLAGS[rule]);
      if (v !== undefined) flags[rule] = v;
    }
    // The configuration is checked before the image is read: a typo fails in a second, not after a 2 GB scan.
    const config = resolveCiConfig({ configPath: stringFlag(args, 'ci-config'), cwd: cwdOf(io), flags });
    for (const w of config.warnings) io.err(`layerscope: ${escapeText(w)}\n`);
    const output = stringFlag(args, 'output');
    const verified = !args.flags.has('no-verify');
    const input = await openArchiveArg(archiveArg(args, 'ci'), io);
    // The audit reads file contents after the load: the decompressed sinks stay open until then.
    const retain: (() => void)[] = [];
    let outcome: ReturnType<typeof ciOutcome>;
    try {
      const img = await loadImage(input, io, { verify: verified, ...imageSelection(args), retain });
      const report = await auditLoaded(img, io);
      outcome = ciOutcome(img, input.label, config, { verified, checks: [...CI_CHECKS, secretsCheck(report.secrets, args.flags.has('allow-secrets'))] });
    } finally {
      for (const close of retain) close();
      input.close();
    }
    const seconds = (Date.now() - started.getTime()) / 1000;
    const text =
      format === 'json'
        ? ciJson(outcome)
        : format === 'junit'
          ? ciJunit(outcome, { started, seconds })
          : format === 'sarif'
            ? ciSarif(outcome)
            : ciText(outcome);
    if (output !== undefined) {
      try {
        writeFileSync(resolve(cwdOf(io), output), text);
      } catch (e) {
        throw new UsageError(`cannot write ${escapeText(output)}: ${(e as Error).message}`);
      }
    } else io.out(text);
    // The one-line-per-failed-layer rule of every command (load.ts reportLayerErrors).
    for (const e of outcome.layerErrors) io.err(`layerscope: ${escapeText(e.message)}\n`);
    return outcome.exitCode;
  },
};
