/**
 * Messages between the page and the scan workers. Discriminated unions on
 * `type`; every request carries an `id` so replies and cancels match up.
 * Blobs/Files cross by structured clone (a reference to the same bytes, not a
 * copy); a LayerIndex comes back with its typed arrays transferred.
 */
import type { Compression, LayerIndex } from '../core/types';
import type { UnionModel } from '../core/model/union';
import type { ImageStats } from '../core/model/stats';
import type { Checkpoint } from '../core/read/inflate/inflater';
import type { SeekPlan } from '../core/read/speculativeRead';
import type { FramePoint, ResumePoint } from '../core/read/toc/types';
import type { HashRange } from '../core/compare/hashRanges';
import type { TextDiff } from '../core/compare/contentDiff';
import type { Candidate, LayerAuditResult } from '../core/audit/types';
import type { MetadataInput, MetadataSecret } from '../core/audit/secrets/scan';

export type ToWorker =
  | { type: 'scan'; id: number; blob: Blob; layer: number; hash: boolean }
  /** `checkpoints`: record resume points for content reads while hashing (replies 'checkpoints' as they come). */
  /** `tocFingerprint`: the layer was listed from its TOC; the tar's listing comes back in 'hashed' when it differs (read/verify.ts). */
  | { type: 'hash'; id: number; blob: Blob; compression: Compression; checkpoints: boolean; tocFingerprint: string | null }
  /**
   * `checkpoint`: the layer's last zran resume point at or before `dataOffset`, if any (read/inflate/resume.ts);
   * `frames`: the independent members/frames the read can start from (read/toc/frames.ts), if known.
   */
  | {
      type: 'read';
      id: number;
      blob: Blob;
      compression: Compression;
      dataOffset: number;
      size: number;
      maxBytes: number;
      checkpoint: Checkpoint | null;
      /** With `checkpoint`: the byte of the layer blob by which the wanted range's compressed bytes end (the next checkpoint's), or null. */
      inputEnd: number | null;
      frames: FramePoint[] | null;
      /** gzip: where a speculative read may start when no checkpoint is near (core/read/speculativeRead.ts). */
      seek: SeekPlan | null;
    }
  /** Decompress a whole compressed archive (`.tar.gz`) into a Blob of Blobs, within the expansion bound (core/read/compression.ts). */
  | { type: 'unpack'; id: number; blob: Blob; compression: Compression }
  /** Build the union (and the statistics) of finished layers off the main thread; the layers are copied, not moved. */
  | { type: 'union'; id: number; layers: (LayerIndex | null)[]; stats: boolean }
  /**
   * One of a load's unions (WorkerPool.unions): the worker keeps run `run`'s layers and
   * its IncrementalUnion between jobs, so each layer's index crosses once (UnionLayer);
   * `last`: the final union, after which the run is dropped. Replies 'unioned', or
   * 'unionMissing' when it lacks a layer sent before (a new worker): send them again.
   */
  | { type: 'runUnion'; id: number; run: number; layers: UnionLayer[]; stats: boolean; last: boolean }
  /** Run `run` is over (the load finished, failed or was cancelled): drop what it keeps. No reply. */
  | { type: 'closeRun'; id: number; run: number }
  /** sha256 of files of one layer, for a comparison's content proof (core/compare/hashRanges.ts). */
  | { type: 'hashRanges'; id: number; blob: Blob; compression: Compression; ranges: HashRange[] }
  /** The line diff of two versions of a file (core/compare/contentDiff.ts): jsdiff is synchronous, so off the main thread. */
  | { type: 'textDiff'; id: number; a: string; b: string }
  /** Read one layer's audit candidates in one pass and examine them (core/audit/layer.ts); progress counts files. */
  | { type: 'auditLayer'; id: number; blob: Blob; compression: Compression; layer: number; candidates: Candidate[] }
  /** The audit's secret scan of the config's Env/Labels and the history (core/audit/secrets/scan.ts), off the main thread. */
  | { type: 'scanMetadata'; id: number; input: MetadataInput }
  /**
   * `size` bytes from `dataOffset` of the layer's uncompressed stream as 'chunk' replies of
   * STREAM_CHUNK_BYTES (core/read/entryStream.ts), at most STREAM_WINDOW_CHUNKS ahead of the
   * page's 'more' acknowledgements; then 'streamed'. For downloads of any size.
   */
  | { type: 'readStream'; id: number; blob: Blob; compression: Compression; dataOffset: number; size: number; checkpoint: Checkpoint | null }
  /** The page consumed `n` chunks of stream `id`: the worker may send that many more. */
  | { type: 'more'; id: number; n: number }
  | { type: 'cancel'; id: number }
  /** Hold background job `id` (a 'hash') at its next chunk while a file is read; 'resume' lets it go on (core/pause.ts). */
  | { type: 'pause'; id: number }
  | { type: 'resume'; id: number };

/** A layer of a 'runUnion': null (not finished, or failed), or `ref` naming it in the run, with its index the first time it is sent. */
export type UnionLayer = { ref: number; index: LayerIndex | null } | null;

export type FromWorker =
  | { type: 'progress'; id: number; bytesRead: number; bytesTotal: number }
  | { type: 'scanned'; id: number; index: LayerIndex }
  | { type: 'hashed'; id: number; digest: string; diffId: string; listing: LayerIndex | null }
  /** Resume points recorded by a 'hash' job so far (their windows transferred); the job goes on. */
  | { type: 'checkpoints'; id: number; points: ResumePoint[] }
  /** `checkpoint`: a genuine resume point the read found on its way (core/read/anchoredRead.ts), its window transferred. */
  | { type: 'bytes'; id: number; data: Uint8Array; checkpoint?: Checkpoint | null }
  /** One chunk of a 'readStream' (its buffer transferred); the job goes on. */
  | { type: 'chunk'; id: number; data: Uint8Array }
  /** A 'readStream' sent its last chunk. */
  | { type: 'streamed'; id: number; bytes: number }
  | { type: 'unpacked'; id: number; blob: Blob }
  | { type: 'unioned'; id: number; union: UnionModel; stats: ImageStats | null }
  /** A 'runUnion' named a layer by a ref this worker does not hold: nothing was built. */
  | { type: 'unionMissing'; id: number }
  | { type: 'rangesHashed'; id: number; digests: string[] }
  | { type: 'textDiffed'; id: number; diff: TextDiff }
  | { type: 'audited'; id: number; result: LayerAuditResult }
  | { type: 'metadataScanned'; id: number; found: MetadataSecret[] }
  | { type: 'error'; id: number; code: string; message: string };

/** The buffers of a LayerIndex, handed over (not copied) when it is posted. */
export function layerIndexTransferables(idx: LayerIndex): ArrayBuffer[] {
  const arrays = [idx.kinds, idx.sizes, idx.modes, idx.uids, idx.gids, idx.mtimes, idx.dataOffsets, idx.linkIds];
  if (idx.seekHints) arrays.push(idx.seekHints);
  for (const w of idx.seekWindows ?? []) arrays.push(w.window);
  return arrays.map((a) => a.buffer as ArrayBuffer);
}

/** The buffers of a UnionModel, handed over (not copied) when it is posted. */
export function unionTransferables(u: UnionModel): ArrayBuffer[] {
  const arrays = [
    u.parent,
    u.nameId,
    u.childStart,
    u.children,
    u.evStart,
    u.evLayer,
    u.evKind,
    u.evEntry,
    ...u.entryNode,
    u.through.layer,
    u.through.entry,
    u.through.link,
    u.through.dir,
    u.through.flags,
  ];
  // entryNode arrays may share a buffer only if someone built them so; transfer each buffer once
  return [...new Set(arrays.map((a) => a.buffer as ArrayBuffer))];
}
