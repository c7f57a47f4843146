/**
 * Ground truth for the tree and preview tests, from GNU tar rather than from
 * Layerscope: the fixture is unpacked with `tar -x`, its manifest.json read,
 * each layer listed with `tar -t` and files read with `tar -xO`. The merged view
 * at a layer is computed here by applying the listings like a union mount (OCI
 * image-spec layer.md: whiteouts and opaque whiteouts hide lower entries, a
 * layer's own entries are applied after its whiteouts), independently of
 * src/core/model/union.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname as pathDirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = pathDirname(fileURLToPath(import.meta.url));
export const FIXTURES = resolve(HERE, '../test/fixtures/images');

export interface TruthEntry {
  /** Absolute path ('/etc/motd'). */
  path: string;
  dir: boolean;
}

export interface Truth {
  dir: string;
  layerFiles: string[];
  layers: TruthEntry[][];
}

const unpacked = new Map<string, Truth>();

/** Normalize a tar member name like the engine does: strip './' and '/', no trailing '/'. */
function norm(name: string): string {
  const segs: string[] = [];
  for (const s of name.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') segs.pop();
    else segs.push(s);
  }
  return '/' + segs.join('/');
}

/** Unpack an archive (docker-archive / crane tarball: manifest.json) and list its first image's layers with GNU tar. */
export function truthOf(archive: string): Truth {
  const file = archive.includes('/') ? archive : join(FIXTURES, archive);
  let t = unpacked.get(file);
  if (t) return t;
  const dir = mkdtempSync(join(tmpdir(), 'ls-truth-'));
  execFileSync('tar', ['-xf', file, '-C', dir]);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const layerFiles: string[] = manifest[0].Layers.map((l: string) => join(dir, l));
  const layers = layerFiles.map((lf) =>
    execFileSync('tar', ['--quoting-style=literal', '-tf', lf], { maxBuffer: 256 << 20 })
      .toString('utf8')
      .split('\n')
      .filter((x) => x !== '')
      .map((name) => ({ path: norm(name), dir: name.endsWith('/') }))
      .filter((e) => e.path !== '/'),
  );
  t = { dir, layerFiles, layers };
  unpacked.set(file, t);
  // kept for the worker's later tests (fileBytes), removed when the worker exits
  if (unpacked.size === 1)
    process.once('exit', () => {
      for (const u of unpacked.values()) rmSync(u.dir, { recursive: true, force: true });
    });
  return t;
}

/** Bytes of `path` in layer `layer` (tar -xO). */
export function fileBytes(t: Truth, layer: number, path: string): Buffer {
  const member = path.replace(/^\//, '');
  // members may be stored with or without './'
  for (const name of [member, './' + member]) {
    try {
      const out = execFileSync('tar', ['-xOf', t.layerFiles[layer]!, name], { maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
      return out;
    } catch {
      /* try the other spelling */
    }
  }
  throw new Error(`${path} is not in layer ${layer}`);
}

const basename = (p: string) => p.slice(p.lastIndexOf('/') + 1);
const dirname = (p: string) => p.slice(0, p.lastIndexOf('/')) || '/';
const under = (p: string, dir: string) => (dir === '/' ? p !== '/' : p.startsWith(dir + '/'));

/** Visible paths (→ is directory) of the merged filesystem at `layer`. */
export function mergedAt(t: Truth, layer: number): Map<string, boolean> {
  const vis = new Map<string, boolean>();
  const removeUnder = (d: string, self: boolean) => {
    for (const p of [...vis.keys()]) if ((self && p === d) || under(p, d)) vis.delete(p);
  };
  for (let L = 0; L <= layer; L++) {
    const entries = t.layers[L]!;
    for (const e of entries) {
      const b = basename(e.path);
      if (b === '.wh..wh..opq') removeUnder(dirname(e.path), false);
      else if (b.startsWith('.wh..wh.')) continue;
      else if (b.startsWith('.wh.')) removeUnder(dirname(e.path).replace(/\/$/, '') + '/' + b.slice(4), true);
    }
    for (const e of entries) {
      const b = basename(e.path);
      if (b.startsWith('.wh.')) continue;
      for (let d = dirname(e.path); d !== '/'; d = dirname(d)) if (vis.get(d) !== true) vis.set(d, true);
      if (vis.get(e.path) === true && !e.dir) removeUnder(e.path, false);
      vis.set(e.path, e.dir);
    }
  }
  return vis;
}

/** What layer `layer` changes, per the listings: paths it adds, rewrites (non-directories), removes. */
export function changesAt(t: Truth, layer: number) {
  const before = layer > 0 ? mergedAt(t, layer - 1) : new Map<string, boolean>();
  const after = mergedAt(t, layer);
  const own = new Set(t.layers[layer]!.filter((e) => !basename(e.path).startsWith('.wh.')).map((e) => e.path));
  const added = new Set([...after.keys()].filter((p) => !before.has(p)));
  const removed = new Set([...before.keys()].filter((p) => !after.has(p)));
  // a file written again is modified (its bytes ship again); directories may be unchanged
  const rewritten = new Set([...own].filter((p) => before.has(p) && after.has(p) && !after.get(p)));
  return { before, after, added, removed, rewritten, own };
}

/** The expected merged listing (umoci's) of a fixture: paths of test/fixtures/expected/NAME.tsv. */
export function expectedPaths(name: string): Map<string, string[]> {
  const tsv = readFileSync(resolve(HERE, '../test/fixtures/expected', name + '.tsv'), 'utf8');
  const out = new Map<string, string[]>();
  for (const line of tsv.split('\n')) {
    if (!line) continue;
    const cols = line.split('\t');
    out.set(cols[0]!, cols);
  }
  return out;
}
