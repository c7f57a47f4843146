/**
 * What `layerscope ci` decided, independent of how it is written out
 * (formats/: text, json, junit, sarif). One place computes the verdict and the
 * exit code, so the four formats cannot disagree.
 *
 * Extension point (for #12's secret findings and anything else): a `CiCheck`
 * contributes rules (each a JUnit test case and a SARIF rule) and findings (SARIF
 * results, JUnit failure details). The dive rules and the integrity check are
 * checks of their own below.
 */
import type { LoadedImage } from '../../core/session';
import { formatPlatform } from '../../core/read/archive';
import { EXIT_ERROR, EXIT_FAILED, EXIT_OK } from '../io';
import { integritySummary } from '../load';
import { shortDigest } from '../format';
import { type CiConfig, type RuleName, RULE_FLAGS, ciRulesOf } from './config';
import { evaluateCi } from './rules';
import type { SecretFinding } from '../../core/audit/types';

export type RuleStatus = 'pass' | 'fail' | 'skip' | 'error';

/** A rule as SARIF's reportingDescriptor and a JUnit test case see it. */
export interface CiRuleDescriptor {
  /** Stable id (SARIF ruleId, JUnit test case name): `lowestEfficiency`, `integrity`, `secrets/aws-key`… */
  id: string;
  /** One line: what the rule checks. */
  title: string;
  /** How to fix a failure (SARIF help). */
  help: string;
  /** Where its threshold came from, for the reader (`0.9 (default)`, `20MB (.dive-ci)`); null when it has none. */
  setting: string | null;
}

export interface CiRuleOutcome extends CiRuleDescriptor {
  status: RuleStatus;
  /** Why, in one line (the figure against the threshold, or why it was skipped). */
  detail: string;
}

/** Something found in the image that a rule reports (SARIF result). */
export interface CiFinding {
  ruleId: string;
  level: 'error' | 'warning' | 'note';
  message: string;
  /** A path inside the image, absolute (`/etc/ssl/private/key.pem`), when the finding is about one. */
  path?: string;
  /** The layer it is in. */
  layer?: number;
  properties?: Record<string, string | number | boolean>;
}

export interface CiCheck {
  run(img: LoadedImage, config: CiConfig, opts: { verified: boolean }): { rules: CiRuleOutcome[]; findings: CiFinding[] };
}

export interface CiOutcome {
  /** The archive as named on the command line (a path, `stdin`, …). */
  archive: string;
  image: { title: string; tags: string[]; configDigest: string | null; manifestDigest: string | null; platform: string | null };
  figures: { efficiency: number; wastedBytes: number; userWastedPercent: number; sizeBytes: number; userSizeBytes: number };
  config: CiConfig;
  rules: CiRuleOutcome[];
  findings: CiFinding[];
  /** Layers that could not be read (then there is no verdict: `error`). */
  layerErrors: { layer: number; message: string }[];
  result: 'pass' | 'fail' | 'error';
  exitCode: number;
}

const DIVE_HELP: Record<RuleName, { title: string; help: string }> = {
  lowestEfficiency: {
    title: "dive's efficiency score is at least the threshold",
    help: 'Files written in one layer and overwritten or deleted in a later one still ship in the lower layer. Combine the steps that write and remove them into one RUN, or use a multi-stage build.',
  },
  highestWastedBytes: {
    title: 'bytes wasted (as dive counts them) are at most the threshold',
    help: 'Wasted bytes are the sizes of every version of a path seen in more than one layer. Remove temporary files in the same RUN that creates them.',
  },
  highestUserWastedPercent: {
    title: 'wasted bytes are at most this share of the bytes above the base layer',
    help: 'Wasted bytes divided by the bytes the layers above the base image add. Clean package caches and build leftovers in the step that makes them.',
  },
};

function settingText(config: CiConfig, rule: RuleName): string {
  const s = config.rules[rule];
  const from = s.source === 'flag' ? `--${RULE_FLAGS[rule]}` : s.source === 'file' ? config.file : 'default';
  return `${s.value} (${from})`;
}

/** dive's three rules (ci/rules.ts), with where each threshold came from. */
export const diveRulesCheck: CiCheck = {
  run(img, config) {
    const res = evaluateCi(img.stats, ciRulesOf(config));
    const rules = res.rules.map((r) => ({
      id: r.name,
      title: DIVE_HELP[r.name].title,
      help: DIVE_HELP[r.name].help,
      setting: settingText(config, r.name),
      status: r.status,
      detail: r.detail,
    }));
    const findings: CiFinding[] = rules.filter((r) => r.status === 'fail').map((r) => ({ ruleId: r.id, level: 'error', message: r.detail }));
    return { rules, findings };
  },
};

/** Every layer's sha256 against its diff_id and blob digest (OCI image-spec: content is addressed by digest). */
export const integrityCheck: CiCheck = {
  run(img, _config, { verified }) {
    const base = {
      id: 'integrity',
      title: "every layer's bytes match its digests (diff_id, blob digest)",
      help: 'A layer whose sha256 differs from the digest its manifest or config records was altered or corrupted after it was built. Rebuild or re-save the image; do not ship it.',
      setting: null,
    };
    if (!verified) return { rules: [{ ...base, status: 'skip', detail: 'not checked (--no-verify)' }], findings: [] };
    const s = integritySummary(img);
    const findings: CiFinding[] = [];
    for (const c of img.integrity) {
      if (c.diffId === 'mismatch')
        findings.push({
          ruleId: 'integrity',
          level: 'error',
          layer: c.layer,
          message: `layer ${c.layer}: the uncompressed tar hashes to ${c.computedDiffId}, the config says ${c.expectedDiffId}`,
        });
      if (c.digest === 'mismatch')
        findings.push({
          ruleId: 'integrity',
          level: 'error',
          layer: c.layer,
          message: `layer ${c.layer}: the stored blob hashes to ${c.computedDigest}, the manifest says ${c.expectedDigest}`,
        });
    }
    const n = img.integrity.length;
    const detail = !s.ok
      ? `${s.mismatched.length} of ${n} layer(s) do not match their digests (layer ${s.mismatched.join(', ')})`
      : `${s.verified.length}/${n} layers verified${s.unchecked.length ? `; ${s.unchecked.length} had no digest to check against` : ''}`;
    return { rules: [{ ...base, status: s.ok ? 'pass' : 'fail', detail }], findings };
  },
};

/**
 * No secret ships in the image (src/core/audit: files, Env, Labels, history),
 * deleted-but-still-shipped ones included: they are in a layer tar anyone who
 * pulls the image can read. Only redacted values leave the audit.
 */
export function secretsCheck(secrets: readonly SecretFinding[], allow: boolean): CiCheck {
  return {
    run() {
      const deleted = secrets.filter((x) => x.deletedBy !== null).length;
      const detail =
        secrets.length === 0
          ? 'no secret found'
          : `${secrets.length} secret finding${secrets.length === 1 ? '' : 's'}${deleted ? ` (${deleted} deleted but still shipped)` : ''}${allow ? ', allowed by --allow-secrets' : ''}`;
      const rule: CiRuleOutcome = {
        id: 'noSecrets',
        title: 'no credential, key or token ships in the image (deleted ones included)',
        help: 'A secret in any layer (or in Env, Labels or the build history) can be read by anyone who pulls the image, even if a later layer deletes the file. Remove it from the build (build secrets, multi-stage builds) and rotate it.',
        setting: allow ? 'allowed (--allow-secrets)' : null,
        status: secrets.length === 0 ? 'pass' : allow ? 'skip' : 'fail',
        detail,
      };
      const findings: CiFinding[] = secrets.map((x) => ({
        ruleId: 'noSecrets',
        level: allow ? 'warning' : 'error',
        message: `${x.title} ${x.redacted}${x.headline ? ` — ${x.headline}` : ''}`,
        ...(x.path.startsWith('/') ? { path: x.path } : {}),
        ...(x.layer !== null ? { layer: x.layer } : {}),
        properties: { secretRule: x.rule, where: x.path, visible: x.visible, ...(x.deletedBy !== null ? { deletedBy: x.deletedBy } : {}) },
      }));
      return { rules: [rule], findings };
    },
  };
}

/** The checks `ci` runs on every image, in order (the secrets check is added per run, with the audit). */
export const CI_CHECKS: CiCheck[] = [diveRulesCheck, integrityCheck];

export function ciOutcome(img: LoadedImage, archive: string, config: CiConfig, opts: { verified: boolean; checks?: readonly CiCheck[] }): CiOutcome {
  const rules: CiRuleOutcome[] = [];
  const findings: CiFinding[] = [];
  for (const check of opts.checks ?? CI_CHECKS) {
    const r = check.run(img, config, opts);
    rules.push(...r.rules);
    findings.push(...r.findings);
  }
  const layerErrors = img.layerErrors.flatMap((e, i) => (e === null ? [] : [{ layer: i, message: e }]));
  // Figures computed without a layer are not the image's: no verdict then.
  if (layerErrors.length) for (const r of rules) if (r.status === 'pass' || r.status === 'fail') Object.assign(r, { status: 'error' as const });
  const result = layerErrors.length ? 'error' : rules.some((r) => r.status === 'fail') ? 'fail' : 'pass';
  const d = img.stats.dive;
  return {
    archive,
    image: {
      title: img.image.tags.length ? img.image.tags.join(', ') : `untagged ${shortDigest(img.image.configDigest)}`,
      tags: img.image.tags,
      configDigest: img.image.configDigest,
      manifestDigest: img.image.manifestDigest,
      platform: img.image.platform ? formatPlatform(img.image.platform) : null,
    },
    figures: {
      efficiency: d.score,
      wastedBytes: d.wastedBytes,
      userWastedPercent: d.userWastedPercent,
      sizeBytes: d.sizeBytes,
      userSizeBytes: d.userSizeBytes,
    },
    config,
    rules,
    findings,
    layerErrors,
    result,
    exitCode: result === 'error' ? EXIT_ERROR : result === 'fail' ? EXIT_FAILED : EXIT_OK,
  };
}
