/**
 * The content proof: the files a tree diff left `Pending` (equal sizes, layers
 * not proven identical) are hashed — only those files, each once, grouped by
 * layer so a compressed layer is decoded once — and the diff is re-derived with
 * their digests: equal digests make the pair identical, different ones `Content`.
 *
 * The hashing runs wherever the host puts it (ContentHasher): the page's worker
 * pool, or in-process in Node. Results land in a DigestCache, so re-deriving the
 * diff (an option toggled, the layers' digests checked) never hashes again.
 */
import { cancelled, describeError, isCancelled, LayerscopeError } from '../errors';
import { Diff } from './flags';
import type { DigestCache } from './digests';
import { costOfRanges, type HashRange } from './hashRanges';
import { Proof, type TreeDiff } from './tree';
import type { CompareSide } from './side';
import type { Compression } from '../types';

export type SideName = 'a' | 'b';

/** Hashes byte ranges of one side's layer (see hashRanges.ts). */
export interface ContentHasher {
  hashRanges(
    side: SideName,
    layer: number,
    ranges: HashRange[],
    opts: { signal?: AbortSignal; onProgress?(done: number, total: number): void },
  ): Promise<string[]>;
  /** Layers hashed at once. */
  readonly concurrency: number;
}

export interface ProofJob {
  side: SideName;
  layer: number;
  /** Entries of that layer to hash (each once), and their ranges. */
  entries: number[];
  ranges: HashRange[];
  /** Bytes of the files. */
  bytes: number;
  /** Bytes passed through to hash them (costOfRanges). */
  cost: number;
  compression: Compression;
}

/** The hashing a diff still needs: one job per (side, layer), the entries not in `cache`. */
export function proofJobs(diff: TreeDiff, a: CompareSide, b: CompareSide, cache: DigestCache): ProofJob[] {
  const jobs = new Map<string, { side: SideName; layer: number; entries: Set<number> }>();
  const want = (side: SideName, s: CompareSide, layer: number, entry: number) => {
    if (layer < 0 || entry < 0 || cache.get(s, layer, entry) !== undefined) return;
    const key = `${side}${layer}`;
    let j = jobs.get(key);
    if (!j) {
      j = { side, layer, entries: new Set() };
      jobs.set(key, j);
    }
    j.entries.add(entry);
  };
  for (let i = 0; i < diff.count; i++) {
    if (!(diff.flags[i]! & Diff.Pending)) continue;
    want('a', a, diff.contentLayerA[i]!, diff.contentEntryA[i]!);
    want('b', b, diff.contentLayerB[i]!, diff.contentEntryB[i]!);
  }
  const out: ProofJob[] = [];
  for (const j of jobs.values()) {
    const s = j.side === 'a' ? a : b;
    const li = s.layers[j.layer];
    if (!li) continue;
    const entries = [...j.entries].sort((x, y) => li.dataOffsets[x]! - li.dataOffsets[y]!);
    const ranges = entries.map((e) => ({ offset: li.dataOffsets[e]!, size: li.sizes[e]! }));
    out.push({
      side: j.side,
      layer: j.layer,
      entries,
      ranges,
      bytes: ranges.reduce((t, r) => t + r.size, 0),
      cost: costOfRanges(li.compression, ranges),
      compression: li.compression,
    });
  }
  // the costliest first (longest-processing-time-first, as session.ts schedules layers)
  return out.sort((x, y) => y.cost - x.cost);
}

export interface ProofProgress {
  /** Bytes passed through so far / in all (costOfRanges units). */
  done: number;
  total: number;
  filesDone: number;
  filesTotal: number;
  /** Bytes of the files being hashed (what "reads only those files" means). */
  fileBytes: number;
}

export interface ProofResult {
  diff: TreeDiff;
  /** Files hashed in this run, and the layers that could not be read for it. */
  hashed: number;
  failures: { side: SideName; layer: number; message: string }[];
}

/**
 * Hash what the diff needs and return it re-derived (a new TreeDiff; the input is
 * not changed). Cancellation rejects with CANCELLED; a layer that cannot be read
 * marks its files `Unreadable` (so 'unknown', never 'unchanged') and the rest goes on.
 */
export async function proveContents(
  diff: TreeDiff,
  a: CompareSide,
  b: CompareSide,
  hasher: ContentHasher,
  cache: DigestCache,
  opts: { signal?: AbortSignal; onProgress?(p: ProofProgress): void } = {},
): Promise<ProofResult> {
  const jobs = proofJobs(diff, a, b, cache);
  const total = jobs.reduce((t, j) => t + j.cost, 0);
  const filesTotal = jobs.reduce((t, j) => t + j.entries.length, 0);
  const fileBytes = jobs.reduce((t, j) => t + j.bytes, 0);
  const doneBy = new Float64Array(jobs.length);
  let filesDone = 0;
  const report = () => {
    let done = 0;
    for (const d of doneBy) done += d;
    opts.onProgress?.({ done, total, filesDone, filesTotal, fileBytes });
  };
  report();
  const failures: ProofResult['failures'] = [];
  const failed = new Set<string>();
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) {
      const k = next++;
      const j = jobs[k]!;
      const s = j.side === 'a' ? a : b;
      try {
        const digests = await hasher.hashRanges(j.side, j.layer, j.ranges, {
          signal: opts.signal,
          onProgress: (d, t) => {
            doneBy[k] = t > 0 ? (d / t) * j.cost : j.cost;
            report();
          },
        });
        if (digests.length !== j.entries.length) throw new LayerscopeError('IO', `expected ${j.entries.length} digests, got ${digests.length}`);
        j.entries.forEach((e, i) => {
          cache.set(s, j.layer, e, digests[i]!);
        });
      } catch (e) {
        if (isCancelled(e) || opts.signal?.aborted) throw cancelled();
        failures.push({ side: j.side, layer: j.layer, message: describeError(e) });
        failed.add(`${j.side}${j.layer}`);
      }
      doneBy[k] = j.cost;
      filesDone += j.entries.length;
      report();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(hasher.concurrency, jobs.length)) }, lane));
  return { diff: applyDigests(diff, a, b, cache, failed), hashed: filesTotal, failures };
}

/**
 * Re-derive the Pending records from the cache: equal digests → identical
 * (the record goes when nothing else differs), different → Content; a file of a
 * layer in `failedLayers` ('a3', 'b0') → Unreadable. A new TreeDiff.
 */
export function applyDigests(diff: TreeDiff, a: CompareSide, b: CompareSide, cache: DigestCache, failedLayers: ReadonlySet<string> = new Set()): TreeDiff {
  const flags = diff.flags.slice();
  const proof = diff.proof.slice();
  let keep = 0;
  for (let i = 0; i < diff.count; i++) {
    let f = flags[i]!;
    if (f & Diff.Pending) {
      const la = diff.contentLayerA[i]!;
      const lb = diff.contentLayerB[i]!;
      const da = cache.get(a, la, diff.contentEntryA[i]!);
      const db = cache.get(b, lb, diff.contentEntryB[i]!);
      if (da !== undefined && db !== undefined) {
        f &= ~Diff.Pending;
        if (da !== db) f |= Diff.Content;
        proof[i] = Proof.Digest;
      } else if (failedLayers.has(`a${la}`) || failedLayers.has(`b${lb}`)) {
        f = (f & ~Diff.Pending) | Diff.Unreadable;
      }
      flags[i] = f;
    }
    if (f !== 0) keep++;
  }
  if (keep === diff.count) return { ...diff, flags, proof };
  // drop the records proven identical: a diff lists only what differs
  const idx: number[] = [];
  for (let i = 0; i < diff.count; i++) if (flags[i] !== 0) idx.push(i);
  const pick = <T extends Int32Array | Uint32Array | Uint8Array | Float64Array>(col: T): T => {
    const out = new (col.constructor as new (n: number) => T)(idx.length);
    for (let k = 0; k < idx.length; k++) out[k] = col[idx[k]!]!;
    return out;
  };
  return {
    ...diff,
    count: idx.length,
    paths: idx.map((i) => diff.paths[i]!),
    nodeA: pick(diff.nodeA),
    nodeB: pick(diff.nodeB),
    layerA: pick(diff.layerA),
    layerB: pick(diff.layerB),
    entryA: pick(diff.entryA),
    entryB: pick(diff.entryB),
    kindA: pick(diff.kindA),
    kindB: pick(diff.kindB),
    sizeA: pick(diff.sizeA),
    sizeB: pick(diff.sizeB),
    bytesA: pick(diff.bytesA),
    bytesB: pick(diff.bytesB),
    flags: pick(flags),
    proof: pick(proof),
    contentLayerA: pick(diff.contentLayerA),
    contentEntryA: pick(diff.contentEntryA),
    contentLayerB: pick(diff.contentLayerB),
    contentEntryB: pick(diff.contentEntryB),
  };
}
