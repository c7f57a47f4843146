/**
 * Argument parsing for `layerscope`: small and strict. Each command declares its
 * options (commands/*.ts); anything else is a user error (exit 2 with one line),
 * never silently ignored. The same declarations produce `--help` and
 * `layerscope help COMMAND` (help.ts), so the help cannot drift from the parser.
 */

export interface OptionSpec {
  /** Long name without the dashes: `image` is `--image`. */
  name: string;
  /** A one-letter alias: `o` is `-o`. */
  short?: string;
  /** Placeholder of the value (`N|TAG`, `FILE`); absent for a switch. */
  value?: string;
  /** One line for the help (the default, when there is one, belongs in it). */
  description: string;
}

export interface ParsedArgs {
  positional: string[];
  flags: Map<string, string | true>;
}

export class UsageError extends Error {}

/**
 * Options every command accepts. `-` alone is an argument (stdin), `--` ends the
 * options (a file named `--json` can still be given after it).
 */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { name: 'help', short: 'h', description: 'show this help and exit' },
  { name: 'version', description: "print layerscope's version and exit" },
];

export function parseArgs(argv: readonly string[], options: readonly OptionSpec[]): ParsedArgs {
  const all = [...GLOBAL_OPTIONS, ...options];
  const byLong = new Map(all.map((o) => [o.name, o]));
  const byShort = new Map(all.filter((o) => o.short).map((o) => [o.short as string, o]));
  const out: ParsedArgs = { positional: [], flags: new Map() };
  let onlyPositional = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (onlyPositional || a === '-' || !a.startsWith('-')) {
      out.positional.push(a);
      continue;
    }
    if (a === '--') {
      onlyPositional = true;
      continue;
    }
    let spec: OptionSpec | undefined;
    let inline: string | undefined;
    let shown: string;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      if (eq >= 0) inline = a.slice(eq + 1);
      spec = byLong.get(name);
      shown = `--${name}`;
    } else {
      // -o FILE, -oFILE; single letters only (no bundling: few short options exist).
      shown = a.slice(0, 2);
      spec = byShort.get(a.slice(1, 2));
      if (a.length > 2) inline = a.slice(2);
    }
    if (!spec) throw new UsageError(`unknown option ${shown}`);
    if (spec.value !== undefined) {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`--${spec.name} needs a value`);
      out.flags.set(spec.name, v);
    } else {
      if (inline !== undefined) throw new UsageError(`--${spec.name} takes no value`);
      out.flags.set(spec.name, true);
    }
  }
  return out;
}

/** The value of a value option, or undefined when it was not given. */
export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

/** go-humanize's units (bytes.go bytesSizeTable): decimal for `kB`/`k`, binary for `KiB`/`Ki`. */
const SIZE_UNITS: Record<string, number> = { '': 1, b: 1 };
for (const [i, letter] of ['k', 'm', 'g', 't', 'p', 'e'].entries()) {
  SIZE_UNITS[letter] = SIZE_UNITS[`${letter}b`] = 1000 ** (i + 1);
  SIZE_UNITS[`${letter}i`] = SIZE_UNITS[`${letter}ib`] = 1024 ** (i + 1);
}

/**
 * Human sizes as dive reads them (go-humanize ParseBytes, which dive's
 * highestWastedBytes rule uses): a number (commas allowed, "1,000") and a
 * case-insensitive unit — "20MB" and "20Mb" are 20 000 000, "1.5 GiB" is
 * 1.5 × 2^30, "4096" is bytes.
 */
export function parseSize(s: string, what = 'a size'): number {
  const m = /^\s*([0-9][0-9.,]*)\s*([a-z]*)\s*$/i.exec(s);
  const n = m ? Number((m[1] as string).replaceAll(',', '')) : Number.NaN;
  const unit = m ? SIZE_UNITS[(m[2] as string).toLowerCase()] : undefined;
  if (!Number.isFinite(n) || unit === undefined) throw new UsageError(`not ${what}: ${s} (e.g. 20MB, 1.5GiB, 4096)`);
  return Math.round(n * unit);
}

export function parseRatio(name: string, s: string): number {
  const n = Number(s);
  if (s.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`--${name} takes a number (e.g. 0.9), got ${s}`);
  return n;
}
