/**
 * Image configuration (OCI image-spec config.md; Docker image spec v1.2, the
 * same JSON): platform, user-facing runtime settings, rootfs.diff_ids and
 * history, and how history steps map onto layers.
 */
import type { HistoryStep, ImageConfigSummary, Platform } from '../../types';
import { isObject, str, strArray } from './entries';

export interface ParsedConfig {
  platform: Platform | null;
  created: string | null;
  author: string | null;
  summary: ImageConfigSummary;
  /** rootfs.diff_ids, in layer order (config.md: "rootfs"). */
  diffIds: string[];
  /** Raw history entries (config.md: "history"), or null when the config has none. */
  history: RawHistory[] | null;
}

export interface RawHistory {
  created?: string;
  createdBy?: string;
  comment?: string;
  author?: string;
  emptyLayer: boolean;
}

/** Fields of ImageConfigSummary that are string arrays / strings / objects in the config's `config` object. */
const ARRAY_FIELDS = ['Env', 'Cmd', 'Entrypoint', 'Shell', 'OnBuild'] as const;
const STRING_FIELDS = ['WorkingDir', 'User', 'StopSignal'] as const;
const OBJECT_FIELDS = ['ExposedPorts', 'Volumes'] as const;

export function summarizeRuntimeConfig(c: unknown): ImageConfigSummary {
  const out: ImageConfigSummary = {};
  if (!isObject(c)) return out;
  for (const k of ARRAY_FIELDS) if (Array.isArray(c[k])) out[k] = strArray(c[k]);
  for (const k of STRING_FIELDS) if (typeof c[k] === 'string') out[k] = c[k];
  for (const k of OBJECT_FIELDS) if (isObject(c[k])) out[k] = c[k];
  if (isObject(c.Labels)) {
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(c.Labels)) if (typeof v === 'string') labels[k] = v;
    out.Labels = labels;
  }
  if (isObject(c.Healthcheck)) {
    const h = c.Healthcheck;
    const hc: NonNullable<ImageConfigSummary['Healthcheck']> = {};
    if (Array.isArray(h.Test)) hc.Test = strArray(h.Test);
    for (const k of ['Interval', 'Timeout', 'StartPeriod', 'Retries'] as const) if (typeof h[k] === 'number') hc[k] = h[k];
    out.Healthcheck = hc;
  }
  return out;
}

export function platformOf(v: unknown): Platform | null {
  if (!isObject(v)) return null;
  const os = str(v.os);
  const architecture = str(v.architecture);
  if (!os || !architecture) return null;
  const variant = str(v.variant);
  return variant ? { os, architecture, variant } : { os, architecture };
}

export function parseConfig(json: unknown): ParsedConfig {
  const c = isObject(json) ? json : {};
  const rootfs = isObject(c.rootfs) ? c.rootfs : {};
  let history: RawHistory[] | null = null;
  if (Array.isArray(c.history)) {
    history = c.history.filter(isObject).map((h) => {
      const step: RawHistory = { emptyLayer: h.empty_layer === true };
      if (typeof h.created === 'string') step.created = h.created;
      if (typeof h.created_by === 'string') step.createdBy = h.created_by;
      if (typeof h.comment === 'string') step.comment = h.comment;
      if (typeof h.author === 'string') step.author = h.author;
      return step;
    });
  }
  return {
    platform: platformOf(c),
    created: str(c.created),
    author: str(c.author),
    // Docker's legacy configs also carry `container_config` (the build container's
    // settings); only `config` describes how the image runs (config.md: "config").
    summary: summarizeRuntimeConfig(c.config),
    diffIds: strArray(rootfs.diff_ids),
    history,
  };
}

/**
 * Attach history to layers. config.md: history entries are in order, and an
 * entry with `empty_layer: true` made no layer; every other entry made the next
 * layer of rootfs.diff_ids. An empty step is attached to the layer below it
 * (-1 before the first layer). Layers left without a step keep createdBy null.
 */
export function mapHistory(raw: RawHistory[], layerCount: number): { steps: HistoryStep[]; createdBy: (string | null)[]; mismatch: boolean } {
  const createdBy: (string | null)[] = new Array<string | null>(layerCount).fill(null);
  const steps: HistoryStep[] = [];
  let layer = -1;
  for (const r of raw) {
    if (!r.emptyLayer) {
      layer++;
      if (layer < layerCount) createdBy[layer] = r.createdBy ?? null;
    }
    // Clamped: with more non-empty steps than layers (a warning is raised), the
    // surplus steps are shown against the top layer rather than a layer that does not exist.
    const step: HistoryStep = { emptyLayer: r.emptyLayer, layerIndex: Math.min(layer, layerCount - 1) };
    if (r.created !== undefined) step.created = r.created;
    if (r.createdBy !== undefined) step.createdBy = r.createdBy;
    if (r.comment !== undefined) step.comment = r.comment;
    if (r.author !== undefined) step.author = r.author;
    steps.push(step);
  }
  return { steps, createdBy, mismatch: layer + 1 !== layerCount };
}
