/**
 * Packages across layers: which step installed each package, which later
 * steps upgraded or removed it.
 *
 * Every database or metadata file is a path in the union model; each layer that
 * ships a version of it gives the package list "as of that layer" for that path
 * (a dpkg `status` is rewritten whole by every apt step; a `status.d/*`, a
 * `METADATA`, a `package.json` holds one package). Walking the layers bottom-up,
 * the packages visible at layer L are the records of the versions of those paths
 * visible at L (a path deleted by a whiteout, hidden by an opaque directory or
 * replaced with its parent provides none). Comparing layer L with layer L-1 by
 * package identity (types.ts PackageRecord.key) gives what L's step installed,
 * upgraded (or downgraded) and removed.
 */
import { UnionEvent, type UnionModel } from '../model/union';
import { slicer } from './slice';
import type { AuditPackage, LayerAuditResult, LayerPackageSummary, PackageEvent, PackageRecord } from './types';
import { compareVersions } from './version';

export interface PackageHistory {
  packages: AuditPackage[];
  perLayer: LayerPackageSummary[];
}

interface FileList {
  files: string[];
  size?: number | null;
}

/** Per node: its events as (layer, entry-or--1-for-gone), in layer order. */
function timeline(u: UnionModel, node: number): { layer: number; entry: number }[] {
  const out: { layer: number; entry: number }[] = [];
  for (let j = u.evStart[node]!; j < u.evStart[node + 1]!; j++) {
    const k = u.evKind[j];
    out.push({ layer: u.evLayer[j]!, entry: k === UnionEvent.Set ? u.evEntry[j]! : -1 });
  }
  return out;
}

export function packageHistory(u: UnionModel, results: (LayerAuditResult | null)[]): PackageHistory {
  const nL = results.length;
  // node -> layer -> entry -> records, for every database/metadata path.
  const recordsAt = new Map<number, Map<string, PackageRecord[]>>();
  const listsAt = new Map<number, Map<string, { owner: string; list: FileList }>>();
  const at = (L: number, e: number) => `${L}:${e}`;
  const nodeOf = (L: number, e: number) => u.entryNode[L]?.[e] ?? -1;
  for (const r of results) {
    if (!r) continue;
    for (const p of r.packages) {
      const n = nodeOf(r.layer, p.entry);
      if (n < 0) continue;
      const m = recordsAt.get(n) ?? new Map<string, PackageRecord[]>();
      recordsAt.set(n, m);
      m.set(at(r.layer, p.entry), p.records);
    }
    for (const f of r.fileLists) {
      const n = nodeOf(r.layer, f.entry);
      if (n < 0) continue;
      const m = listsAt.get(n) ?? new Map<string, { owner: string; list: FileList }>();
      listsAt.set(n, m);
      m.set(at(r.layer, f.entry), { owner: f.owner, list: f });
    }
  }

  // Events of the database nodes, grouped by layer.
  const changesByLayer: { node: number; entry: number }[][] = Array.from({ length: nL }, () => []);
  for (const n of recordsAt.keys()) for (const ev of timeline(u, n)) if (ev.layer < nL) changesByLayer[ev.layer]!.push({ node: n, entry: ev.entry });
  const listChanges: { node: number; entry: number }[][] = Array.from({ length: nL }, () => []);
  for (const n of listsAt.keys()) for (const ev of timeline(u, n)) if (ev.layer < nL) listChanges[ev.layer]!.push({ node: n, entry: ev.entry });

  const nodeRecords = new Map<number, PackageRecord[]>();
  const nodeLists = new Map<number, { owner: string; list: FileList }>();
  let current = new Map<string, PackageRecord>();
  const open = new Map<string, AuditPackage>();
  const done: AuditPackage[] = [];
  const perLayer: LayerPackageSummary[] = [];
  // owner key -> latest file list seen (dpkg .list, RECORD by directory)
  const listByOwner = new Map<string, FileList>();

  for (let L = 0; L < nL; L++) {
    const summary: LayerPackageSummary = { layer: L, installed: 0, upgraded: 0, removed: 0, sizeDelta: 0 };
    for (const c of listChanges[L]!) {
      if (c.entry < 0) nodeLists.delete(c.node);
      else {
        const l = listsAt.get(c.node)?.get(at(L, c.entry));
        if (l) {
          nodeLists.set(c.node, l);
          listByOwner.set(l.owner, l.list);
        } else nodeLists.delete(c.node);
      }
    }
    if (changesByLayer[L]!.length > 0) {
      for (const c of changesByLayer[L]!) {
        if (c.entry < 0) {
          nodeRecords.delete(c.node);
          continue;
        }
        // A version that was not read (its layer failed, the read failed) is unknown, not empty: keep what was known.
        const recs = recordsAt.get(c.node)?.get(at(L, c.entry));
        if (recs) nodeRecords.set(c.node, recs);
      }
      const next = new Map<string, PackageRecord>();
      for (const recs of nodeRecords.values()) for (const r of recs) next.set(r.key, r);
      for (const [key, r] of next) {
        const before = current.get(key);
        if (!before) {
          const ev: PackageEvent = { layer: L, action: 'installed', version: r.version };
          open.set(key, { ...pkgOf(r, L), history: [ev] });
          summary.installed++;
          summary.sizeDelta += r.size ?? 0;
        } else if (before.version !== r.version) {
          const cmp = compareVersions(r.ecosystem, r.version, before.version);
          const p = open.get(key)!;
          p.history.push({ layer: L, action: cmp > 0 ? 'upgraded' : cmp < 0 ? 'downgraded' : 'changed', version: r.version, from: before.version });
          Object.assign(p, { version: r.version, size: r.size, arch: r.arch, source: r.source, detail: r.detail });
          if (r.files) p.files = r.files;
          summary.upgraded++;
          summary.sizeDelta += (r.size ?? 0) - (before.size ?? 0);
        } else if (r.files && r.files !== before.files) {
          open.get(key)!.files = r.files;
        }
      }
      for (const [key, before] of current) {
        if (next.has(key)) continue;
        const p = open.get(key)!;
        p.history.push({ layer: L, action: 'removed', version: before.version, from: before.version });
        p.removedBy = L;
        open.delete(key);
        done.push(p);
        summary.removed++;
        summary.sizeDelta -= before.size ?? 0;
      }
      current = next;
    }
    perLayer.push(summary);
  }
  const packages = [...done, ...open.values()];

  // Files and sizes from the lists: dpkg .list by package key, RECORD / installed-files.txt by metadata directory.
  for (const p of packages) {
    if (p.files.length === 0) {
      const byKey = listByOwner.get(p.key) ?? (p.ecosystem === 'deb' ? listByOwner.get(`deb:${p.name}:`) : undefined);
      const byDir = p.ecosystem === 'python' ? listByOwner.get(`dir:${p.source.slice(0, p.source.lastIndexOf('/'))}`) : undefined;
      const l = byKey ?? byDir;
      if (l) {
        p.files = l.files;
        if (p.size === null && l.size != null) p.size = l.size;
      }
    }
  }
  // Ecosystems are ASCII words: a code-unit comparison (localeCompare costs ~40 µs a call on the main thread).
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  packages.sort((a, b) => a.layer - b.layer || cmp(a.ecosystem, b.ecosystem) || cmp(a.name, b.name));

  return { packages, perLayer };
}

/**
 * '/'-rooted file path -> key of the package in the final image that lists it: tens of
 * thousands of paths, so in time slices when `pause` is given (slice.ts; the page's main thread).
 */
export async function fileOwnersOf(packages: readonly AuditPackage[], pause?: () => Promise<void>): Promise<Map<string, string>> {
  const fileOwners = new Map<string, string>();
  const slice = slicer(pause);
  for (const p of packages) {
    if (p.removedBy !== null) continue;
    for (const f of p.files) {
      if (!fileOwners.has(f)) fileOwners.set(f, p.key);
      const t = slice.step();
      if (t) await t;
    }
  }
  return fileOwners;
}

function pkgOf(r: PackageRecord, layer: number): Omit<AuditPackage, 'history'> {
  return {
    ecosystem: r.ecosystem,
    name: r.name,
    version: r.version,
    arch: r.arch,
    layer,
    removedBy: null,
    size: r.size,
    key: r.key,
    source: r.source,
    files: r.files ?? [],
    detail: r.detail,
  };
}

/** The package a '/'-rooted path belongs to: a database's file list, else the npm package directory it is in. */
export function ownerOfPath(owners: Map<string, string>, packagesByKey: Map<string, AuditPackage>, path: string): AuditPackage | null {
  const k = owners.get(path);
  if (k) return packagesByKey.get(k) ?? null;
  // npm: the deepest node_modules/<name> (or @scope/<name>) directory containing the path.
  let i = path.lastIndexOf('/node_modules/');
  while (i >= 0) {
    const rest = path.slice(i + '/node_modules/'.length).split('/');
    const dir = path.slice(0, i + '/node_modules/'.length) + (rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : rest[0]);
    const p = packagesByKey.get(`npm:${dir}`);
    if (p && p.removedBy === null) return p;
    i = path.lastIndexOf('/node_modules/', i - 1);
  }
  return null;
}
