/**
 * dpkg's database (dpkg(1) "FILES"; Debian Policy §5 for the control syntax):
 *  - `var/lib/dpkg/status`: one stanza per package known to dpkg, with
 *    `Status: want flag state`. Only some states mean the package's files are on
 *    disk; `config-files` (removed, conffiles kept) and `not-installed` do not.
 *  - `var/lib/dpkg/status.d/<name>`: distroless images (GoogleContainerTools
 *    distroless, rules_distroless) keep one stanza per package here instead and
 *    no dpkg at all; those stanzas often have no Status field.
 *  - `var/lib/dpkg/info/<pkg>[:<arch>].list`: the paths the package installed,
 *    one per line (the arch qualifier for `Multi-Arch: same` packages).
 */
import { FormatError, field, parseStanzas, type Stanza } from './text';
import type { PackageRecord } from './types';

/** dpkg states in which the package's files are installed (dpkg-query(1), "Package states"). */
const PRESENT_STATES = new Set(['installed', 'unpacked', 'half-configured', 'half-installed', 'triggers-awaited', 'triggers-pending']);

export interface DpkgParse {
  records: PackageRecord[];
  /** Set when the database stopped making sense: the records before it are kept. */
  problem: string | null;
}

export const debKey = (name: string, arch: string | null) => `deb:${name}:${arch ?? ''}`;

function recordOf(s: Stanza, source: string, requireStatus: boolean): PackageRecord | null | string {
  const name = field(s, 'Package');
  const version = field(s, 'Version');
  if (!name) return `the entry at line ${s.line} has no Package field`;
  const status = field(s, 'Status');
  if (status !== undefined) {
    const state = status.trim().split(/\s+/)[2];
    if (!state) return `the entry for ${name} has a malformed Status "${status}"`;
    if (!PRESENT_STATES.has(state)) return null;
  } else if (requireStatus) {
    return `the entry for ${name} has no Status field`;
  }
  if (!version) return `the entry for ${name} has no Version field`;
  const arch = field(s, 'Architecture') ?? null;
  const kib = field(s, 'Installed-Size');
  const size = kib !== undefined && /^\d+$/.test(kib.trim()) ? Number(kib.trim()) * 1024 : null;
  const detail: Record<string, string> = {};
  const src = field(s, 'Source');
  if (src) detail.source = src;
  const desc = field(s, 'Description');
  if (desc) detail.summary = desc.split('\n')[0]!;
  return { ecosystem: 'deb', name, version, arch, size, key: debKey(name, arch), source, detail };
}

/** `status` or one `status.d/*` file. `distroless`: stanzas may lack Status. */
export function parseDpkgStatus(text: string, source: string, opts: { distroless?: boolean } = {}): DpkgParse {
  const records: PackageRecord[] = [];
  let stanzas: Stanza[];
  let problem: string | null = null;
  try {
    stanzas = parseStanzas(text);
  } catch (e) {
    if (!(e instanceof FormatError)) throw e;
    problem = `line ${e.line}: ${e.message}`;
    // Keep what parses before the bad line.
    const cut = text
      .split('\n')
      .slice(0, e.line - 1)
      .join('\n');
    try {
      stanzas = parseStanzas(cut);
    } catch {
      stanzas = [];
    }
  }
  for (const s of stanzas) {
    const r = recordOf(s, source, !opts.distroless);
    if (typeof r === 'string') {
      problem ??= r;
      continue;
    }
    if (r) records.push(r);
  }
  return { records, problem };
}

/** Package name and architecture of a `.list` file name (`bash.list`, `libc6:amd64.list`). */
export function listOwner(base: string): { name: string; arch: string | null } {
  const n = base.replace(/\.list$/, '');
  const colon = n.indexOf(':');
  return colon < 0 ? { name: n, arch: null } : { name: n.slice(0, colon), arch: n.slice(colon + 1) };
}

/** Paths of a `.list` file ('/'-rooted; `/.` — the root itself — dropped). */
export function parseDpkgList(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const p = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (p === '' || p === '/.' || p === '/') continue;
    out.push(p.startsWith('/') ? p : `/${p}`);
  }
  return out;
}
