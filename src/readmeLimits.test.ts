/**
 * The README's table of limits stays true: every row names a constant and the
 * file it lives in; its value there must equal the table's. A limit changed
 * without the README (or a row naming a constant that is gone) fails here.
 *
 * Constants of src/core and src/cli are imported; those of the page (src/ui,
 * whose modules import CSS and React) are read from the source, where each is a
 * plain arithmetic expression.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const ROOT = join(__dirname, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

interface Row {
  what: string;
  value: string;
  name: string;
  file: string;
}

function rows(): Row[] {
  const start = README.indexOf('\n## Limits\n');
  if (start < 0) throw new Error('README has no "## Limits" section');
  const end = README.indexOf('\n## ', start + 5);
  const out: Row[] = [];
  for (const line of README.slice(start, end).split('\n')) {
    const m = /^\| (.+?) \| (.+?) \| .+ \| `([A-Z0-9_]+)` \(([\w/.]+)\) \|$/.exec(line);
    if (m) out.push({ what: m[1]!, value: m[2]!, name: m[3]!, file: m[4]! });
  }
  return out;
}

const UNITS: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, s: 1000, ms: 1, px: 1 };

/** The number a value cell states: "16 MiB", "1,000,000", "100:1", "15 s" (constants in ms), "2^27 B (…)". */
function parseValue(v: string): number {
  const pow = /^2\^(\d+)(?: B)?\b/.exec(v);
  if (pow) return 2 ** Number(pow[1]);
  const m = /^([\d,]+(?:\.\d+)?)(?::1)?(?: (B|KiB|MiB|GiB|s|ms|px))?(?:$| \(| \/)/.exec(v);
  if (!m) throw new Error(`cannot read the value "${v}"`);
  return Number(m[1]!.replace(/,/g, '')) * (m[2] ? UNITS[m[2]]! : 1);
}

async function constantValue(r: Row): Promise<number> {
  const path = join(ROOT, 'src', r.file);
  if (r.file.startsWith('core/') || r.file.startsWith('cli/')) {
    const mod = (await import(path)) as Record<string, unknown>;
    if (r.name in mod) return mod[r.name] as number;
  }
  const src = readFileSync(path, 'utf8');
  const m = new RegExp(`(?:^|\\n)\\s*(?:export )?const ${r.name}(?:: number)? = ([^;]+);`).exec(src);
  if (!m) throw new Error(`${r.name} is not defined in src/${r.file}`);
  // An alias of a constant imported from another page module (one source of truth,
  // e.g. MAX_VERSION_OPTIONS = WINDOW_ABOVE_ROWS): its value is that constant's.
  const alias = /^[A-Z][A-Z0-9_]*$/.exec(m[1]!.trim());
  if (alias) {
    const from = new RegExp(`import \\{[^}]*\\b${alias[0]}\\b[^}]*\\} from '([^']+)'`).exec(src);
    if (!from) throw new Error(`${r.name} = ${alias[0]}, which src/${r.file} does not import`);
    const base = join(dirname(r.file), from[1]!);
    const target = [`${base}.ts`, `${base}.tsx`].find((f) => existsSync(join(ROOT, 'src', f)));
    if (!target) throw new Error(`${alias[0]} (imported by src/${r.file}) is not found`);
    return constantValue({ ...r, name: alias[0], file: target });
  }
  const expr = m[1]!.replace(/_/g, '');
  if (!/^[\da-fA-Fx\s+\-*/().]+$/.test(expr)) throw new Error(`${r.name} = ${m[1]} is not a plain number`);
  return Function(`return (${expr});`)() as number;
}

describe('README limits table', () => {
  const table = rows();
  it('lists the limits', () => {
    expect(table.length).toBeGreaterThan(40);
    expect(new Set(table.map((r) => r.name)).size).toBe(table.length);
  });
  for (const r of table) {
    it(`${r.name} (${r.what}) is ${r.value}`, async () => {
      expect(await constantValue(r)).toBe(parseValue(r.value));
    });
  }
});
