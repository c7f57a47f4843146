/**
 * The audit of a loaded image: packages per layer, secrets that still ship,
 * where the bytes go. The page runs it after the image is shown, with the
 * layer reads in its worker pool; the command line runs it in-process. Both
 * go through `auditImage`, so they cannot disagree.
 *
 *  1. Candidates per layer, from the indexes alone (candidates.ts).
 *  2. Each layer's candidates read in one forward pass and examined where the
 *     bytes are (layer.ts, through the AuditHost), largest layer first.
 *  3. The config and history scanned for secrets (secrets/scan.ts).
 *  4. The layers combined with the union model: package history
 *     (packages.ts), secret lifecycles (findings.ts), waste advice (waste.ts).
 */
import { blobOf, type OuterArchive } from '../read/archive';
import { throwIfAborted } from '../errors';
import { runPool, sameBlobs } from '../session';
import type { Compression, ImageInfo, LayerIndex } from '../types';
import type { UnionModel } from '../model/union';
import { selectCandidates } from './candidates';
import { fileFindings, metadataFindings, sortFindings } from './findings';
import { auditLayerContents, auditResultForLayer, type AuditLayerOptions } from './layer';
import { fileOwnersOf, packageHistory, type PackageHistory } from './packages';
import type { OpenSqlite } from './rpm';
import { metadataInput, scanMetadata, type MetadataInput, type MetadataSecret } from './secrets/scan';
import { sqlJsOpener } from './sqlite';
import { Role, type AuditReport, type AuditWarning, type Candidate, type LayerAuditResult, type NotScanned, type SecretFinding } from './types';
import { SLICE_CHECK_EVERY, slicer } from './slice';
import { wasteItems } from './waste';

/** Where a layer's candidates are read and examined: the page passes its worker pool. */
export interface AuditHost {
  readonly concurrency: number;
  auditLayer(
    blob: Blob,
    compression: Compression,
    layer: number,
    candidates: Candidate[],
    opts: { signal?: AbortSignal; onProgress?(done: number, total: number): void },
  ): Promise<LayerAuditResult>;
  /** The config's and history's secrets (secrets/scan.ts) where the host runs rules: the page's workers. Absent: in this thread. */
  scanMetadata?(input: MetadataInput, signal?: AbortSignal): Promise<MetadataSecret[]>;
}

/** Layers audited in this thread (Node, tests). */
export function inProcessAuditHost(concurrency: number, opts: { gunzip?: AuditLayerOptions['gunzip']; openSqlite?: OpenSqlite } = {}): AuditHost {
  const openSqlite = opts.openSqlite ?? sqlJsOpener();
  return {
    concurrency,
    auditLayer: (blob, compression, layer, candidates, o) =>
      auditLayerContents(blob, compression, layer, candidates, { ...o, gunzip: opts.gunzip, openSqlite }),
  };
}

export { AUDIT_SLICE_MS } from './slice';
/** Entries handed to selectCandidates at a time: between two looks at the clock. */
export const CANDIDATE_CHUNK = SLICE_CHECK_EVERY;

export interface AuditProgress {
  layersDone: number;
  layersTotal: number;
  filesDone: number;
  filesTotal: number;
}

export interface AuditInput {
  image: ImageInfo;
  outer: OuterArchive;
  layers: (LayerIndex | null)[];
  layerErrors?: (string | null)[];
  union: UnionModel;
}

export interface AuditOptions {
  host?: AuditHost;
  signal?: AbortSignal;
  onProgress?(p: AuditProgress): void;
  /** Called between slices of candidate selection: the page yields to the event loop there. */
  yieldToHost?(): Promise<void>;
}

export async function auditImage(img: AuditInput, opts: AuditOptions = {}): Promise<AuditReport> {
  const host = opts.host ?? inProcessAuditHost(4);
  const n = img.image.layers.length;
  const warnings: AuditWarning[] = [];
  const notScanned: NotScanned[] = [];
  const candidates: Candidate[][] = [];
  // A layer whose stored bytes an earlier position already holds (the same range of the
  // archive, hence the same index: session.ts reads such a blob once) is audited once, at
  // its first position; the others get that result moved to their layer. An archive
  // listing one blob 1,000 times was otherwise read and examined 1,000 times (issue 9, point 6).
  const firstOf = copiesOf(img);
  // Joining the layers runs where the caller is (the page's main thread): in time slices
  // (slice.ts), each step yielding to the page whenever its slice is used up.
  const pause = opts.yieldToHost
    ? async () => {
        await opts.yieldToHost!();
        throwIfAborted(opts.signal);
      }
    : undefined;
  const selecting = slicer(pause);
  for (let L = 0; L < n; L++) {
    const idx = img.layers[L];
    const f = firstOf[L]!;
    // a copy's candidates are its first position's (the same index)
    const list: Candidate[] = f !== L ? candidates[f]! : [];
    if (idx && f === L) {
      for (let from = 0; from < idx.count; from += CANDIDATE_CHUNK) {
        for (const c of selectCandidates(idx, from, from + CANDIDATE_CHUNK)) list.push(c);
        await selecting.tick();
      }
      throwIfAborted(opts.signal);
    }
    if (!idx || idx.error) {
      const why = img.layerErrors?.[L] ?? idx?.error?.message ?? 'the layer could not be read';
      warnings.push({
        code: 'LAYER_NOT_AUDITED',
        layer: L,
        message: `layer ${L}: ${idx ? 'files after the damage' : 'its files'} could not be audited (${why})`,
      });
      notScanned.push({ path: idx ? `(layer ${L} after offset ${idx.error?.offset ?? 0})` : `(all of layer ${L})`, layer: L, reason: why });
    }
    candidates.push(list);
  }
  const filesTotal = candidates.reduce((a, c) => a + c.length, 0);
  const done = new Array(n).fill(0);
  let layersDone = 0;
  const report = () => opts.onProgress?.({ layersDone, layersTotal: n, filesDone: done.reduce((a, b) => a + b, 0), filesTotal });
  report();

  const results: (LayerAuditResult | null)[] = new Array(n).fill(null);
  /** Why a layer's audit failed, by layer. */
  const failed = new Map<number, string>();
  const notAudited = (L: number, why: string) => {
    warnings.push({ code: 'LAYER_NOT_AUDITED', layer: L, message: `layer ${L}: its files could not be audited (${why})` });
    for (const c of candidates[L]!) notScanned.push({ path: `/${c.path}`, layer: L, reason: why });
  };
  // Most bytes to get through first: for a compressed layer, the decode up to the last candidate.
  const work = (L: number) => (candidates[L]!.length ? candidates[L]![candidates[L]!.length - 1]!.dataOffset : 0) + candidates[L]!.length * 4096;
  const order = [...Array(n).keys()].filter((L) => candidates[L]!.length > 0 && firstOf[L] === L).sort((a, b) => work(b) - work(a) || a - b);
  // The host's metadata scan is asked for first, beside the layers: queued behind the digest
  // check's running jobs like them, not after the last layer (where it waited for a whole
  // layer's hashing to free a worker, adding that to the audit's end).
  const metaAsked = host.scanMetadata ? host.scanMetadata(metadataInput(img.image), opts.signal) : null;
  metaAsked?.catch(() => {}); // awaited below; a failure of the layers first must not leave it unhandled
  await runPool(order.length, host.concurrency, async (k) => {
    const L = order[k]!;
    throwIfAborted(opts.signal);
    const idx = img.layers[L]!;
    const ref = img.image.layers[L]!;
    try {
      results[L] = await host.auditLayer(blobOf(img.outer, ref.blob), idx.compression, L, candidates[L]!, {
        signal: opts.signal,
        onProgress: (d) => {
          done[L] = d;
          report();
        },
      });
    } catch (e) {
      throwIfAborted(opts.signal);
      const why = e instanceof Error ? e.message : String(e);
      failed.set(L, why);
      notAudited(L, why);
    }
    done[L] = candidates[L]!.length;
    layersDone++;
    report();
  });
  // Layers without candidates count as audited (nothing in them needed reading).
  for (let L = 0; L < n; L++) if (img.layers[L] && candidates[L]!.length === 0) results[L] = emptyResult(L);
  for (let L = 0; L < n; L++) {
    const f = firstOf[L]!;
    if (f === L) continue;
    const r = results[f];
    results[L] = r ? auditResultForLayer(r, L) : null;
    const why = failed.get(f);
    if (why !== undefined) notAudited(L, why); // its first position could not be audited: neither can this one
    if (candidates[L]!.length) {
      done[L] = candidates[L]!.length;
      layersDone++;
    }
  }
  report();

  // The join, on the caller's thread: each step a task of its own, the long ones sliced inside.
  const between = async () => {
    if (pause) await pause();
  };
  const meta = metaAsked ? await metaAsked : await scanMetadata(img.image, pause);
  await between();
  const hist = packageHistory(img.union, results);
  await between();
  const fileOwners = await fileOwnersOf(hist.packages, pause);
  await between();
  const secrets = sortFindings([...dropPackagedDefaults(fileFindings(img.union, results), hist, fileOwners), ...metadataFindings(img.image, meta)]);
  await between();
  const waste = await wasteItems(img.union, img.layers, img.image, pause);
  const databases: AuditReport['databases'] = [];
  for (const r of results) {
    if (!r) continue;
    warnings.push(...r.warnings);
    notScanned.push(...r.notScanned);
    for (const p of r.packages) {
      const eco = p.records[0]?.ecosystem;
      if (eco && eco !== 'npm' && eco !== 'python' && eco !== 'go')
        databases.push({ path: p.path, layer: r.layer, ecosystem: eco, packages: p.records.length });
    }
  }
  let secretCandidates = 0;
  for (const list of candidates) for (const c of list) if (c.roles & Role.Secret) secretCandidates++;
  return {
    packages: hist.packages,
    perLayer: hist.perLayer,
    secrets,
    waste: waste.items,
    wasteGroups: waste.groups,
    fileOwners,
    notScanned,
    warnings,
    databases,
    stats: {
      candidates: filesTotal,
      filesRead: results.reduce((a, r) => a + (r?.filesRead ?? 0), 0),
      bytesRead: results.reduce((a, r) => a + (r?.bytesRead ?? 0), 0),
      secretCandidates,
    },
  };
}

/** Distribution packages' files: a version written by the step that installed or upgraded the package is the package's own. */
const OS_ECOSYSTEMS = new Set(['deb', 'apk', 'rpm']);

/**
 * The generic "name says secret" rule on a configuration file exactly as a
 * distribution package installed it (openssl.cnf's `private_key = $dir/…`,
 * `challengePassword = …` prompts) is the package's default, not the image's
 * credential: such findings are dropped when every copy was written by a layer
 * whose step installed or upgraded the owning package. The same file rewritten
 * by a later step keeps its findings, and token/key rules are never dropped.
 */
function dropPackagedDefaults(fs: SecretFinding[], hist: PackageHistory, fileOwners: Map<string, string>): SecretFinding[] {
  const byKey = new Map(hist.packages.map((p) => [p.key, p]));
  return fs.filter((f) => {
    if (f.rule !== 'layerscope/env-assignment') return true;
    const k = fileOwners.get(f.path);
    const p = k ? byKey.get(k) : undefined;
    if (!p || !OS_ECOSYSTEMS.has(p.ecosystem)) return true;
    const writers = new Set(p.history.filter((h) => h.action !== 'removed').map((h) => h.layer));
    return !f.layers.every((L) => writers.has(L));
  });
}

/**
 * For each layer, the first position holding the same stored bytes and the same
 * index (itself when none before it does).
 */
function copiesOf(img: AuditInput): number[] {
  const firstOf: number[] = img.image.layers.map((_, L) => L);
  for (const positions of sameBlobs(img.image).values()) {
    const f = positions[0]!;
    for (const L of positions) if (img.layers[L] === img.layers[f]) firstOf[L] = f;
  }
  return firstOf;
}

function emptyResult(layer: number): LayerAuditResult {
  return { layer, packages: [], fileLists: [], secrets: [], notScanned: [], warnings: [], filesRead: 0, bytesRead: 0 };
}
