/**
 * Secret findings across layers: the same secret at the same path in several
 * layers is one finding listing every layer that ships a copy; the finding says
 * which layer added it, which layer deleted or overwrote the last copy, and —
 * the point of the audit — that a copy deleted by a later layer is still in the
 * image: "deleted in layer 3, still downloadable from layer 1" (OCI image-spec
 * layer.md, "Whiteouts": a whiteout hides lower files, it does not remove their
 * bytes from the lower layer's tar).
 */
import type { ImageInfo } from '../types';
import { pathOf, UnionEvent, type UnionModel } from '../model/union';
import { redact } from './secrets/redact';
import type { MetadataSecret } from './secrets/scan';
import type { LayerAuditResult, SecretFinding } from './types';

interface Group {
  node: number;
  path: string;
  rule: string;
  title: string;
  value: string;
  line: number | null;
  copies: { layer: number; entry: number }[];
}

/** What happened to the version (layer, entry) of `node` next: hidden by which layer, and how; null when it is the final visible one. */
function fateOf(u: UnionModel, node: number, layer: number, entry: number): { layer: number; how: 'deleted' | 'overwritten' } | null {
  const s = u.evStart[node]!;
  const e = u.evStart[node + 1]!;
  for (let j = s; j < e; j++) {
    if (u.evLayer[j]! < layer) continue;
    if (u.evLayer[j] === layer) {
      // The union keeps one event per layer: a path written twice in one tar shows its later entry.
      if (u.evKind[j] === UnionEvent.Set && u.evEntry[j] !== entry) return { layer, how: 'overwritten' };
      continue;
    }
    return { layer: u.evLayer[j]!, how: u.evKind[j] === UnionEvent.Set || u.evKind[j] === UnionEvent.Implicit ? 'overwritten' : 'deleted' };
  }
  return null;
}

export function headlineOf(how: 'deleted' | 'overwritten', by: number, layers: number[]): string {
  const from = layers.length === 1 ? `layer ${layers[0]}` : `layers ${layers.join(', ')}`;
  return `${how} in layer ${by}, still downloadable from ${from}`;
}

export function fileFindings(u: UnionModel, results: (LayerAuditResult | null)[]): SecretFinding[] {
  const groups = new Map<string, Group>();
  for (const r of results) {
    if (!r) continue;
    for (const s of r.secrets) {
      const node = u.entryNode[r.layer]?.[s.entry] ?? -1;
      for (const f of s.findings) {
        const k = `${node}\u0000${f.rule}\u0000${f.value}`;
        let g = groups.get(k);
        if (!g) {
          g = { node, path: node >= 0 ? pathOf(u, node) : s.path, rule: f.rule, title: f.title, value: f.value, line: f.line, copies: [] };
          groups.set(k, g);
        }
        if (!g.copies.some((c) => c.layer === r.layer && c.entry === s.entry)) g.copies.push({ layer: r.layer, entry: s.entry });
      }
    }
  }
  const out: SecretFinding[] = [];
  for (const g of groups.values()) {
    g.copies.sort((a, b) => a.layer - b.layer || a.entry - b.entry);
    const last = g.copies[g.copies.length - 1]!;
    const fate = g.node >= 0 ? fateOf(u, g.node, last.layer, last.entry) : null;
    const layers = [...new Set(g.copies.map((c) => c.layer))];
    out.push({
      rule: g.rule,
      title: g.title,
      source: 'file',
      path: g.path,
      layer: layers[0]!,
      layers,
      deletedBy: fate ? fate.layer : null,
      visible: fate === null,
      shipped: true,
      headline: fate ? headlineOf(fate.how, fate.layer, layers) : null,
      redacted: redact(g.value),
      value: g.value,
      line: g.line,
    });
  }
  return out;
}

export function metadataFindings(image: ImageInfo, found: MetadataSecret[]): SecretFinding[] {
  const seen = new Set<string>();
  const out: SecretFinding[] = [];
  for (const f of found) {
    const k = `${f.path}\u0000${f.rule}\u0000${f.value}`;
    if (seen.has(k)) continue;
    seen.add(k);
    let layer: number | null = null;
    if (f.source === 'history' && f.step !== undefined) {
      const h = image.history[f.step];
      layer = h && !h.emptyLayer ? h.layerIndex : null;
    }
    out.push({
      rule: f.rule,
      title: f.title,
      source: f.source,
      path: f.path,
      layer,
      layers: layer === null ? [] : [layer],
      deletedBy: null,
      visible: true,
      shipped: true,
      headline: null,
      redacted: redact(f.value),
      value: f.value,
      line: null,
    });
  }
  return out;
}

/** Findings in a stable order: shipped-but-deleted first (the surprise), then by layer and path. */
export function sortFindings(fs: SecretFinding[]): SecretFinding[] {
  const rank = (f: SecretFinding) => (f.deletedBy !== null ? 0 : f.source === 'file' ? 1 : f.source === 'history' ? 2 : 3);
  return [...fs].sort(
    (a, b) => rank(a) - rank(b) || (a.layer ?? -1) - (b.layer ?? -1) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) || (a.rule < b.rule ? -1 : 1),
  );
}
