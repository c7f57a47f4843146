/**
 * dive's CI configuration: `.dive-ci` in the working directory (or
 * `--ci-config FILE`), YAML with a `rules` mapping, as wagoodman/dive reads it
 * (cmd/dive/cli/internal/options/ci.go, ci_rules.go, command/ci/rules.go):
 *
 *   rules:
 *     lowestEfficiency: 0.95          # fail below; a ratio 0..1
 *     highestWastedBytes: 20MB        # fail above; go-humanize units (20MB = 20Mb = 20 000 000)
 *     highestUserWastedPercent: 0.20  # fail above; a ratio 0..1
 *
 * - dive's newer kebab-case keys (`lowest-efficiency`, `highest-wasted-bytes`,
 *   `highest-user-wasted-percent`) are read too; other keys are ignored, as dive
 *   does, with a warning for unknown keys under `rules` (a typo otherwise silently
 *   keeps the default).
 * - Any rule is disabled by `disabled`, `off`, `false` or an empty value
 *   (isRuleDisabled: trimmed, case-insensitive).
 * - Precedence: a command-line flag over the file over dive's defaults (0.9,
 *   disabled, 0.1) — dive ≤ 0.12's (viper: set flag > config file > default).
 * - Ratios outside 0..1 and unreadable sizes are errors, naming where the value
 *   came from (dive refuses them too).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { parseSize, UsageError } from '../args';
import type { CiRules } from './rules';

export const DEFAULT_CI_CONFIG = '.dive-ci';

/** A CI file is a few lines; anything bigger is not one (and is not parsed into memory). */
export const MAX_CI_CONFIG_BYTES = 1024 * 1024;

export type RuleName = 'lowestEfficiency' | 'highestWastedBytes' | 'highestUserWastedPercent';
export const RULE_NAMES: readonly RuleName[] = ['lowestEfficiency', 'highestWastedBytes', 'highestUserWastedPercent'];

/** dive's defaults (options/ci_rules.go DefaultCIRules). */
export const DIVE_DEFAULTS: Record<RuleName, string> = { lowestEfficiency: '0.9', highestWastedBytes: 'disabled', highestUserWastedPercent: '0.1' };

/** The command-line flag of each rule. */
export const RULE_FLAGS: Record<RuleName, string> = {
  lowestEfficiency: 'lowest-efficiency',
  highestWastedBytes: 'highest-wasted-bytes',
  highestUserWastedPercent: 'highest-user-wasted-percent',
};

/** Keys a rule may have in the file: dive's `.dive-ci` camelCase, and its newer application config's kebab-case. */
const FILE_KEYS: Record<string, RuleName> = {
  lowestEfficiency: 'lowestEfficiency',
  highestWastedBytes: 'highestWastedBytes',
  highestUserWastedPercent: 'highestUserWastedPercent',
  'lowest-efficiency': 'lowestEfficiency',
  'highest-wasted-bytes': 'highestWastedBytes',
  'highest-user-wasted-percent': 'highestUserWastedPercent',
};

export type SettingSource = 'flag' | 'file' | 'default';

export interface RuleSetting {
  /** As written (flag, file or default), e.g. "20MB" or "disabled". */
  value: string;
  source: SettingSource;
  /** The threshold it means; null when the rule is disabled. */
  threshold: number | null;
}

export interface CiConfig {
  /** The file read, or null when there was none (defaults and flags only). */
  file: string | null;
  rules: Record<RuleName, RuleSetting>;
  /** Lines for stderr (unknown keys); never change the verdict. */
  warnings: string[];
}

export function isRuleDisabled(value: string): boolean {
  const v = value.trim().toLowerCase();
  return v === '' || v === 'disabled' || v === 'off' || v === 'false';
}

/** A YAML scalar as dive's string fields receive it (yaml.v3 decodes 0.95 into "0.95", null into ""). */
function scalarString(v: unknown, where: string): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new UsageError(`${where} must be a number, a size or "disabled", not a ${Array.isArray(v) ? 'list' : 'mapping'}`);
}

/** A strict decimal like Go's strconv.ParseFloat (no hex, no "Infinity", no empty string). */
function parseFloatStrict(s: string): number {
  const t = s.trim();
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t) ? Number(t) : Number.NaN;
}

function threshold(rule: RuleName, value: string, where: string): number | null {
  if (isRuleDisabled(value)) return null;
  if (rule === 'highestWastedBytes') {
    try {
      return parseSize(value, 'a size');
    } catch {
      throw new UsageError(`${where}: ${JSON.stringify(value)} is not a size (e.g. 20MB, 1.5GiB, 4096, or disabled)`);
    }
  }
  const n = parseFloatStrict(value);
  if (Number.isNaN(n)) throw new UsageError(`${where}: ${JSON.stringify(value)} is not a number (a ratio 0..1, or disabled)`);
  if (n < 0 || n > 1) throw new UsageError(`${where}: ${value} is outside 0..1 (a ratio: 0.9 means 90 %)`);
  return n;
}

/** Read the rules of a CI file. */
export function readCiFile(path: string, shown = path): { values: Partial<Record<RuleName, string>>; warnings: string[] } {
  let text: string;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new UsageError(`${shown} is not a file`);
    if (st.size > MAX_CI_CONFIG_BYTES) throw new UsageError(`${shown} is ${st.size} bytes: not a CI config (at most ${MAX_CI_CONFIG_BYTES})`);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${shown}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  let doc: unknown;
  try {
    // One document; aliases are bounded by the library (maxAliasCount), so a "billion laughs" file is refused.
    doc = parseYaml(text);
  } catch (e) {
    const where = e instanceof YAMLParseError && e.linePos ? ` line ${e.linePos[0].line}` : '';
    throw new UsageError(`${shown}${where}: not valid YAML (${(e as Error).message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')})`);
  }
  const warnings: string[] = [];
  const values: Partial<Record<RuleName, string>> = {};
  if (doc === null || doc === undefined) return { values, warnings }; // an empty file: defaults
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new UsageError(`${shown}: expected a mapping with "rules", got a ${Array.isArray(doc) ? 'list' : typeof doc}`);
  const rules = (doc as Record<string, unknown>).rules;
  if (rules === undefined || rules === null) return { values, warnings };
  if (typeof rules !== 'object' || Array.isArray(rules)) throw new UsageError(`${shown}: "rules" must be a mapping of rule names to thresholds`);
  for (const [key, raw] of Object.entries(rules as Record<string, unknown>)) {
    const rule = FILE_KEYS[key];
    if (!rule) {
      warnings.push(`${shown}: unknown rule "${key}" ignored (rules are ${RULE_NAMES.join(', ')})`);
      continue;
    }
    values[rule] = scalarString(raw, `${shown}: rules.${key}`);
  }
  return { values, warnings };
}

export interface ResolveOptions {
  /** --ci-config FILE: must exist. */
  configPath?: string;
  /** Where `.dive-ci` is looked for. */
  cwd: string;
  /** The rule flags given on the command line (by rule), as strings. */
  flags: Partial<Record<RuleName, string>>;
}

/** The rules in force: flags over the file over dive's defaults, each with where it came from. */
export function resolveCiConfig(opts: ResolveOptions): CiConfig {
  let file: string | null = null;
  let fromFile: Partial<Record<RuleName, string>> = {};
  let warnings: string[] = [];
  if (opts.configPath !== undefined) {
    const path = isAbsolute(opts.configPath) ? opts.configPath : join(opts.cwd, opts.configPath);
    ({ values: fromFile, warnings } = readCiFile(path, opts.configPath));
    file = opts.configPath;
  } else {
    const def = join(opts.cwd, DEFAULT_CI_CONFIG);
    if (existsSync(def)) {
      ({ values: fromFile, warnings } = readCiFile(def, DEFAULT_CI_CONFIG));
      file = DEFAULT_CI_CONFIG;
    }
  }
  const rules = {} as Record<RuleName, RuleSetting>;
  for (const rule of RULE_NAMES) {
    const flag = opts.flags[rule];
    const setting: Omit<RuleSetting, 'threshold'> =
      flag !== undefined
        ? { value: flag, source: 'flag' }
        : fromFile[rule] !== undefined
          ? { value: fromFile[rule] as string, source: 'file' }
          : { value: DIVE_DEFAULTS[rule], source: 'default' };
    const where = setting.source === 'flag' ? `--${RULE_FLAGS[rule]}` : setting.source === 'file' ? `${file}: rules.${rule}` : `default ${rule}`;
    rules[rule] = { ...setting, threshold: threshold(rule, setting.value, where) };
  }
  return { file, rules, warnings };
}

/** The thresholds evaluateCi takes (a disabled rule has none). */
export function ciRulesOf(config: CiConfig): CiRules {
  const out: CiRules = {};
  for (const rule of RULE_NAMES) {
    const t = config.rules[rule].threshold;
    if (t !== null) out[rule] = t;
  }
  return out;
}
