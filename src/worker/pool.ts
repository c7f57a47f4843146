/**
 * A pool of scan workers (one per core, `navigator.hardwareConcurrency`),
 * used by the page as the engine's LayerScanner. Requests queue until a worker
 * is free; cancelling (AbortSignal) removes queued work and tells a busy worker
 * to stop, so a cancelled load frees the CPU at once.
 */
import type { LayerScanner, Progress, UnionRun } from '../core/session';
import type { Compression, LayerIndex } from '../core/types';
import type { LayerDigests } from '../core/read/verify';
import type { UnionModel } from '../core/model/union';
import type { ImageStats } from '../core/model/stats';
import { LayerscopeError, type ErrorCode, cancelled } from '../core/errors';
import type { FromWorker, ToWorker, UnionLayer } from './protocol';
import type { Candidate, LayerAuditResult } from '../core/audit/types';
import type { MetadataInput, MetadataSecret } from '../core/audit/secrets/scan';
import type { Checkpoint } from '../core/read/inflate/inflater';
import type { SeekPlan } from '../core/read/speculativeRead';
import type { FramePoint, ResumePoint } from '../core/read/toc/types';
import type { HashRange } from '../core/compare/hashRanges';
import type { TextDiff } from '../core/compare/contentDiff';

/** Upper bound on workers: each holds a decompressor window and buffers; beyond 8 the disk, not the CPU, is the limit. */
export const MAX_WORKERS = 8;

/**
 * Workers the pool may start beyond its size for interactive requests (a file's
 * contents for the preview) when every worker is busy with background work (the
 * digest check after a load re-decodes each compressed layer: seconds per layer).
 * Without it a click on a file waited for a whole layer to be hashed.
 */
export const INTERACTIVE_EXTRA_WORKERS = 1;

/**
 * One more worker for the preview's own read ('first'), when every worker is busy —
 * with the version diff's two reads, for one: the details pane asks for them in the
 * same render as the preview, and measured right after `ready` on the 366 MB image
 * the preview waited 58 s behind them (its own read took 12 s). With the digest
 * check paused meanwhile, the cores are the reads'.
 */
export const FIRST_READ_EXTRA_WORKERS = 1;

/** A request someone is waiting on (a file's contents), as opposed to layer work in the background. */
const isInteractive = (job: Job): boolean => job.msg.type === 'read' || job.msg.type === 'readStream' || job.msg.type === 'textDiff';

/**
 * A file's contents for the preview: while one runs, the digest check is paused
 * (core/pause.ts), so the read has the CPU to itself. Before the check has recorded
 * a resume point past the file, the read decodes the layer from the last point
 * before it (or its start) with the platform's decoder, at the same time as the
 * check decodes that layer with the slower TypeScript inflater: measured under load,
 * the last file of the 501 MB benchmark layer took 154 s that way. Downloads
 * ('readStream') do not pause it: they may run for minutes at the speed of the disk.
 */
const pausesBackground = (job: Job): boolean => job.msg.type === 'read';
/** Background work that a read pauses: the digest check. */
const isPausable = (job: Job): boolean => job.msg.type === 'hash';

/**
 * Another file read (the version diff's two versions) waits while the preview's own read
 * ('first') runs: on two cores the three decodes shared the CPU, and the preview — what the
 * click was for — took their time too. They start when it ends (answered, failed, cancelled).
 */
const heldByFirst = (job: Job): boolean => job.msg.type === 'read' && !job.first;

/** Audit reads: background work someone is about to look at (the audit panel), ahead of the digest check. */
const isAudit = (job: Job): boolean => job.msg.type === 'auditLayer' || job.msg.type === 'scanMetadata';

type Job = {
  msg: ToWorker & { id: number };
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Replies that report on a job still running (resume points recorded so far). */
  onInterim?: (m: FromWorker) => void;
  resolve: (m: FromWorker) => void;
  reject: (e: unknown) => void;
  /** The preview's own read: ahead of every other job, with a worker of its own if need be. */
  first?: boolean;
};

export class WorkerPool implements LayerScanner {
  readonly concurrency: number;
  private idle: Worker[] = [];
  private all: Worker[] = [];
  private queue: Job[] = [];
  private active = new Map<number, { job: Job; worker: Worker }>();
  private nextId = 1;
  /** Ids of union runs (unions()). */
  private nextRun = 1;
  /** Reads running that hold the digest check (pausesBackground). */
  private reading = 0;
  /** The preview's own reads running ('first'): other reads wait for them (heldByFirst). */
  private firstRunning = 0;
  /** A worker started ahead for the next interactive request (prepareInteractive); no background job takes it. */
  private spare: Worker | null = null;

  constructor(size = Math.min(MAX_WORKERS, Math.max(1, globalThis.navigator?.hardwareConcurrency ?? 2))) {
    this.concurrency = size;
  }

  private spawn(): Worker {
    const w = new Worker(new URL('./scan.worker.ts', import.meta.url), { type: 'module', name: 'layerscope-scan' });
    w.onmessage = (ev: MessageEvent<FromWorker>) => this.onMessage(w, ev.data);
    w.onerror = (ev) => {
      // A worker that dies (e.g. out of memory) fails only its own job.
      const failed: Job[] = [];
      for (const [id, a] of this.active) {
        if (a.worker === w) {
          this.active.delete(id);
          this.left(a.job);
          failed.push(a.job);
          a.job.reject(new LayerscopeError('IO', `worker failed: ${ev.message || 'crashed'}`));
        }
      }
      this.all = this.all.filter((x) => x !== w);
      if (this.spare === w) this.spare = null;
      w.terminate();
      this.pump();
      for (const job of failed) this.ended(job);
    };
    this.all.push(w);
    return w;
  }

  private onMessage(w: Worker, m: FromWorker) {
    const a = this.active.get(m.id);
    if (!a) return;
    if (m.type === 'progress') {
      a.job.onProgress?.({ bytesRead: m.bytesRead, bytesTotal: m.bytesTotal });
      return;
    }
    if (m.type === 'checkpoints' || m.type === 'chunk') {
      a.job.onInterim?.(m);
      return;
    }
    this.active.delete(m.id);
    this.left(a.job);
    this.idle.push(w);
    if (m.type === 'error') a.job.reject(new LayerscopeError(m.code as ErrorCode, m.message));
    else a.job.resolve(m);
    this.pump();
    // after pump: a queued read that starts now keeps the check paused (no resume + pause between them)
    this.ended(a.job);
  }

  private pump() {
    for (let i = 0; i < this.queue.length; ) {
      const next = this.queue[i]!;
      // held reads stay queued in their place; the jobs behind them may go
      if (this.firstRunning > 0 && heldByFirst(next)) {
        i++;
        continue;
      }
      let w = this.idle.pop();
      if (!w && this.spare && isInteractive(next)) {
        w = this.spare;
        this.spare = null;
      }
      // the spare is not one of the pool's `concurrency` workers
      if (!w && this.all.length - (this.spare ? 1 : 0) < this.concurrency) w = this.spawn();
      if (!w && isInteractive(next) && this.all.length < this.concurrency + INTERACTIVE_EXTRA_WORKERS) w = this.spawn();
      if (!w && next.first && this.all.length < this.concurrency + INTERACTIVE_EXTRA_WORKERS + FIRST_READ_EXTRA_WORKERS) w = this.spawn();
      if (!w) return;
      const job = this.queue.splice(i, 1)[0]!;
      if (job.signal?.aborted) {
        this.idle.push(w);
        job.reject(cancelled());
        continue;
      }
      this.active.set(job.msg.id, { job, worker: w });
      if (job.first) this.firstRunning++;
      w.postMessage(job.msg);
      if (pausesBackground(job) && this.reading++ === 0) this.tellPausable('pause');
      else if (isPausable(job) && this.reading > 0) w.postMessage({ type: 'pause', id: job.msg.id } satisfies ToWorker);
    }
  }

  /** A job is leaving `active` (before the queue is pumped again). */
  private left(job: Job) {
    if (job.first) this.firstRunning--;
  }

  /** A job left `active` (answered, failed, or its worker died). */
  private ended(job: Job) {
    if (pausesBackground(job) && --this.reading === 0) this.tellPausable('resume');
  }

  private tellPausable(type: 'pause' | 'resume') {
    for (const [id, a] of this.active) if (isPausable(a.job)) a.worker.postMessage({ type, id } satisfies ToWorker);
  }

  private run(
    msg: ToWorker,
    signal?: AbortSignal,
    onProgress?: (p: Progress) => void,
    onInterim?: (m: FromWorker) => void,
    onId?: (id: number) => void,
    first = false,
  ): Promise<FromWorker> {
    const id = this.nextId++;
    onId?.(id);
    const full = { ...msg, id } as ToWorker & { id: number };
    return new Promise<FromWorker>((resolve, reject) => {
      const job: Job = { msg: full, signal, onProgress, onInterim, resolve, reject, first };
      // Interactive reads go ahead of queued layer work (pump also may start an extra worker for them).
      signal?.addEventListener(
        'abort',
        () => {
          const qi = this.queue.indexOf(job);
          if (qi >= 0) {
            this.queue.splice(qi, 1);
            reject(cancelled());
          }
          const a = this.active.get(id);
          if (a) {
            a.worker.postMessage({ type: 'cancel', id } satisfies ToWorker);
            // The caller stops waiting now; the worker stays this job's (and a preview read keeps
            // holding other reads) until it answers, since until then it still has the CPU.
            reject(cancelled());
          }
        },
        { once: true },
      );
      if (first) {
        const after = this.queue.findIndex((j) => !j.first);
        this.queue.splice(after < 0 ? this.queue.length : after, 0, job);
      } else if (isInteractive(job)) {
        const firstBackground = this.queue.findIndex((j) => !isInteractive(j));
        this.queue.splice(firstBackground < 0 ? this.queue.length : firstBackground, 0, job);
      } else if (isAudit(job)) {
        // The audit runs after the image is shown, while the digest check hashes every layer again:
        // its reads (a fraction of each layer) go ahead of queued hashing, behind interactive reads.
        const firstLater = this.queue.findIndex((j) => !isInteractive(j) && !isAudit(j));
        this.queue.splice(firstLater < 0 ? this.queue.length : firstLater, 0, job);
      } else {
        this.queue.push(job);
      }
      this.pump();
    });
  }

  async scan(blob: Blob, layer: number, opts: { signal?: AbortSignal; onProgress?(p: Progress): void; hash: boolean | 'diffId' }): Promise<LayerIndex> {
    // 'diffId' (only the command line asks for it) is answered with both digests: a superset.
    const m = await this.run({ type: 'scan', id: 0, blob, layer, hash: opts.hash !== false }, opts.signal, opts.onProgress);
    if (m.type !== 'scanned') throw new LayerscopeError('IO', `unexpected reply ${m.type}`);
    return m.index;
  }

  async hashLayer(
    blob: Blob,
    compression: Compression,
    opts: { signal?: AbortSignal; onProgress?(p: Progress): void; onCheckpoints?(points: ResumePoint[]): void; tocFingerprint?: string | null },
  ): Promise<LayerDigests> {
    const onCheckpoints = opts.onCheckpoints;
    const m = await this.run(
      { type: 'hash', id: 0, blob, compression, checkpoints: !!onCheckpoints, tocFingerprint: opts.tocFingerprint ?? null },
      opts.signal,
      opts.onProgress,
      onCheckpoints ? (r) => r.type === 'checkpoints' && onCheckpoints(r.points) : undefined,
    );
    if (m.type !== 'hashed') throw new LayerscopeError('IO', `unexpected reply ${m.type}`);
    return m.listing ? { digest: m.digest, diffId: m.diffId, listing: m.listing } : { digest: m.digest, diffId: m.diffId };
  }

  /**
   * The union and statistics of `layers`, built in a worker. For a million entries
   * they take ~3 s and ~2.5 s, which on the main thread would freeze the page; here
   * the page only pays for copying the layers over (~0.3 s per million paths) and
   * receiving the model's names.
   */
  async summarize(layers: (LayerIndex | null)[], opts: { signal?: AbortSignal; stats: boolean }): Promise<{ union: UnionModel; stats: ImageStats | null }> {
    // the scan's windows (read/scanWindows.ts) are for reads, not the union: not copied over (~1.6% of the layers' size)
    const bare = layers.map((l) => (l?.seekWindows ? { ...l, seekWindows: null } : l));
    const m = await this.run({ type: 'union', id: 0, layers: bare, stats: opts.stats }, opts.signal);
    if (m.type !== 'unioned') throw new LayerscopeError('IO', `unexpected reply ${m.type}`);
    return { union: m.union, stats: m.stats };
  }

  /**
   * One load's unions (LayerScanner.unions), built in a worker that keeps the run's
   * layers and the union's bottom layers applied between jobs (model/union.ts
   * IncrementalUnion): each layer's index is copied over once, the first time a union
   * includes it, instead of every finished layer with every job. Meant for a pool of
   * one worker (the page's union worker): a worker that lacks a layer (a new one, after
   * a crash) answers 'unionMissing' and the job is sent again with every index.
   */
  unions(): UnionRun {
    const run = this.nextRun++;
    /** The layers sent to the worker, by ref. */
    let sent = new WeakMap<LayerIndex, number>();
    let nextRef = 0;
    const message = (layers: (LayerIndex | null)[]): UnionLayer[] =>
      layers.map((l) => {
        if (!l) return null;
        const ref = sent.get(l);
        if (ref !== undefined) return { ref, index: null };
        sent.set(l, nextRef);
        // the scan's windows (read/scanWindows.ts) are for reads, not the union: not copied over
        return { ref: nextRef++, index: l.seekWindows ? { ...l, seekWindows: null } : l };
      });
    return {
      summarize: async (layers, opts) => {
        const job = (ls: UnionLayer[]) => this.run({ type: 'runUnion', id: 0, run, layers: ls, stats: opts.stats, last: opts.last === true }, opts.signal);
        let m = await job(message(layers));
        if (m.type === 'unionMissing') {
          sent = new WeakMap();
          m = await job(message(layers));
        }
        if (m.type !== 'unioned') throw new LayerscopeError('IO', `unexpected reply ${m.type}`);
        return { union: m.union, stats: m.stats };
      },
      close: () => {
        for (const w of this.all) w.postMessage({ type: 'closeRun', id: 0, run } satisfies ToWorker);
      },
    };
  }

  /** sha256 of byte ranges of one layer (a comparison's content proof); progress in bytes passed through. */
  async hashRanges(
    blob: Blob,
    compression: Compression,
    ranges: HashRange[],
    opts: { signal?: AbortSignal; onProgress?(done: number, total: number): void } = {},
  ): Promise<string[]> {
    const m = await this.run({ type: 'hashRanges', id: 0, blob, compression, ranges }, opts.signal, (p) => opts.onProgress?.(p.bytesRead, p.bytesTotal));
    if (m.type !== 'rangesHashed') throw new LayerscopeError('IO', `unexpected reply ${m.type}`);
    return m.digests;
  }

  /**
   * The audit's reads of one layer, in a worker (AuditHost, core/audit/audit.ts):
   * the candidates are read in one pass and examined there; only the results come back.
   */
  async auditLayer(
    blob: Blob,
    compression: Compression,
    layer: number,
    candidates: Candidate[],
    opts: { signal?: AbortSignal; onProgress?(done: number, total: number): void } = {},
  ): Promise<LayerAuditResult> {
    const m = await this.run({ type: 'auditLayer', id: 0, blob, compression, layer, candidates }, opts.signal, (p) =>
      opts.onProgress?.(p.bytesRead, p.bytesTotal),
    );
    if (m.type !== 'audited') throw new LayerscopeError('IO', `unexpected reply ${m.type}`);
    return m.result;
  }

  /** The audit's scan of the config and history for secrets, in a worker (AuditHost.scanMetadata). */
  async scanMetadata(input: MetadataInput, signal?: AbortSignal): Promise<MetadataSecret[]> {
    const m = await this.run({ type: 'scanMetadata', id: 0, input }, signal);
    if (m.type !== 'metadataScanned') throw new LayerscopeError('IO', `unexpected reply ${m.type}`);
    return m.found;
  }

  /** The line diff of two texts, computed in a worker (it may take up to LINE_DIFF_TIMEOUT_MS). */
  async textDiff(a: string, b: string, signal?: AbortSignal): Promise<TextDiff> {
    const m = await this.run({ type: 'textDiff', id: 0, a, b }, signal);
    if (m.type !== 'textDiffed') throw new LayerscopeError('IO', `unexpected reply ${m.type}`);
    return m.diff;
  }

  async read(
    blob: Blob,
    compression: Compression,
    dataOffset: number,
    size: number,
    maxBytes: number,
    signal?: AbortSignal,
    checkpoint: Checkpoint | null = null,
    frames: FramePoint[] | null = null,
    /** The preview's own read (loadSlice ReadOptions.first): ahead of other reads, on a worker of its own if all are busy. */
    first = false,
    /** With `checkpoint`: where the wanted range's compressed bytes end (core/read/inflate/resume.ts). */
    inputEnd: number | null = null,
    /** Where a speculative read may start (core/read/speculativeRead.ts). */
    seek: SeekPlan | null = null,
    /** A genuine checkpoint the read found (core/read/anchoredRead.ts), for the caller to keep. */
    onCheckpoint?: (cp: Checkpoint) => void,
  ): Promise<Uint8Array> {
    const m = await this.run(
      { type: 'read', id: 0, blob, compression, dataOffset, size, maxBytes, checkpoint, inputEnd, frames, seek },
      signal,
      undefined,
      undefined,
      undefined,
      first,
    );
    if (m.type !== 'bytes') throw new LayerscopeError('IO', `unexpected reply ${m.type}`);
    if (m.checkpoint) onCheckpoint?.(m.checkpoint);
    return m.data;
  }

  /**
   * `size` bytes from `dataOffset` of a layer's uncompressed stream, as a stream of
   * chunks read in a worker (core/read/entryStream.ts). Backpressure crosses the
   * message channel: the worker sends at most STREAM_WINDOW_CHUNKS chunks ahead, and
   * each chunk the consumer takes returns one credit — so however slowly the bytes
   * are written, at most that many wait here. Cancelling the stream stops the worker.
   */
  readStream(blob: Blob, compression: Compression, dataOffset: number, size: number, checkpoint: Checkpoint | null = null): ReadableStream<Uint8Array> {
    const ctl = new AbortController();
    const queue: Uint8Array[] = [];
    let jobId = -1;
    let finished = false;
    let failure: unknown = null;
    let wake: (() => void) | null = null;
    const notify = () => {
      const w = wake;
      wake = null;
      w?.();
    };
    const done = this.run(
      { type: 'readStream', id: 0, blob, compression, dataOffset, size, checkpoint },
      ctl.signal,
      undefined,
      (m) => {
        if (m.type === 'chunk') {
          queue.push(m.data);
          notify();
        }
      },
      (id) => {
        jobId = id;
      },
    );
    done.then(
      () => {
        finished = true;
        notify();
      },
      (e) => {
        failure = e;
        finished = true;
        notify();
      },
    );
    return new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          while (queue.length === 0 && !finished) await new Promise<void>((r) => (wake = r));
          const next = queue.shift();
          if (next) {
            controller.enqueue(next);
            const a = this.active.get(jobId);
            if (a) a.worker.postMessage({ type: 'more', id: jobId, n: 1 } satisfies ToWorker);
          } else if (failure) controller.error(failure);
          else controller.close();
        },
        cancel: () => {
          ctl.abort();
          queue.length = 0;
        },
      },
      { highWaterMark: 0 },
    );
  }

  /** A whole compressed archive decompressed in a worker (within the expansion bound), as a Blob. */
  async unpack(blob: Blob, compression: Compression, opts: { signal?: AbortSignal; onProgress?(p: Progress): void } = {}): Promise<Blob> {
    const m = await this.run({ type: 'unpack', id: 0, blob, compression }, opts.signal, opts.onProgress);
    if (m.type !== 'unpacked') throw new LayerscopeError('IO', `unexpected reply ${m.type}`);
    return m.blob;
  }

  /**
   * Start the workers now instead of on first use: a module worker takes ~0.1–0.3 s
   * to start on the 2-core machine (fetch, compile, instantiate hash-wasm), which a
   * pool used only at the end of a load would otherwise add to it.
   */
  prestart(): void {
    while (this.all.length < this.concurrency) this.idle.push(this.spawn());
  }

  /**
   * Start the worker an interactive request would otherwise start (INTERACTIVE_EXTRA_WORKERS)
   * now, and keep it for one: called as the digest check begins, which takes every worker
   * for seconds per layer, so the first preview after `ready` found none free and waited
   * for a new module worker to start (~0.1–0.3 s, see prestart) before its read began
   * (issue 13: the first read right after ready).
   */
  prepareInteractive(): void {
    if (this.spare || this.all.length >= this.concurrency + INTERACTIVE_EXTRA_WORKERS) return;
    this.spare = this.spawn();
  }

  terminate() {
    for (const w of this.all) w.terminate();
    this.all = [];
    this.idle = [];
    this.spare = null;
  }
}
