/**
 * Argument parsing for `layerscope`: small and strict. Unknown flags are user
 * errors (exit 2 with one line), not silently ignored.
 */
export interface ParsedArgs {
  command: string | null;
  positional: string[];
  flags: Map<string, string | true>;
}

/** Flags that take a value; everything else is a boolean switch. */
const VALUE_FLAGS = new Set(['image', 'platform', 'layer', 'lowest-efficiency', 'highest-wasted-bytes', 'highest-user-wasted-percent']);
const BOOL_FLAGS = new Set(['json', 'help', 'version', 'no-verify', 'quiet']);

export class UsageError extends Error {}

export function parseArgs(argv: string[]): ParsedArgs {
  const out: ParsedArgs = { command: null, positional: [], flags: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h') {
      out.flags.set('help', true);
      continue;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      if (VALUE_FLAGS.has(name)) {
        const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
        if (v === undefined) throw new UsageError(`--${name} needs a value`);
        out.flags.set(name, v);
      } else if (BOOL_FLAGS.has(name)) {
        out.flags.set(name, true);
      } else {
        throw new UsageError(`unknown option --${name}`);
      }
    } else if (out.command === null) {
      out.command = a;
    } else {
      out.positional.push(a);
    }
  }
  return out;
}

/** dive accepts human sizes for --highest-wasted-bytes ("20MB", "1.5 GiB", "4096"). */
export function parseSize(s: string): number {
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([kmgt]?i?b?)?\s*$/i.exec(s);
  if (!m) throw new UsageError(`not a size: ${s}`);
  const n = Number(m[1]);
  const unit = (m[2] ?? '').toLowerCase();
  const base = unit.includes('i') ? 1024 : 1000;
  const pow = { '': 0, b: 0, k: 1, m: 2, g: 3, t: 4 }[unit.replace(/i?b$/, '').replace('i', '') || ''] ?? 0;
  return Math.round(n * base ** pow);
}

export function parseRatio(name: string, s: string): number {
  const n = Number(s);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} takes a number (e.g. 0.9), got ${s}`);
  return n;
}
