/**
 * The engine host: what the load actions (loadSlice.ts) need from the machine
 * they run on — layers scanned and hashed, unions built, a .tar.gz archive
 * decompressed, a file's bytes read. Injected into the store
 * (createAppStore(host)), so the same actions run in the page (worker pools,
 * below) and in Node tests (inProcessHost.ts).
 */
import type { LayerScanner } from '../core/session';
import type { OpenOptions as ArchiveOpenOptions } from '../core/read/archive';
import type { Checkpoint } from '../core/read/inflate/inflater';
import type { SeekPlan } from '../core/read/speculativeRead';
import type { FramePoint } from '../core/read/toc/types';
import type { Compression } from '../core/types';
import { WorkerPool } from '../worker/pool';

export interface EngineHost {
  /** Scans layers (and builds unions, partial and final, when it has `unions` or `summarize`). */
  readonly scanner: LayerScanner;
  /** Hashes layers for the digest check behind the shown image. */
  readonly verifier: LayerScanner;
  /** Decompresses a compressed archive elsewhere; absent: in this thread. */
  readonly unpack?: ArchiveOpenOptions['unpack'];
  /** Up to `maxBytes` of the file at `dataOffset` (of `size` bytes) in a layer blob. */
  read(
    blob: Blob,
    compression: Compression,
    dataOffset: number,
    size: number,
    maxBytes: number,
    signal?: AbortSignal,
    checkpoint?: Checkpoint | null,
    frames?: FramePoint[] | null,
    /** The preview's own read (ReadOptions.first): ahead of every other read. */
    first?: boolean,
    /** With `checkpoint`: where the compressed bytes of the wanted range end (core/read/inflate/resume.ts ResumeReadOptions.inputEnd). */
    inputEnd?: number | null,
    /** Where a speculative read may start when no checkpoint is near (core/read/speculativeRead.ts). */
    seek?: SeekPlan | null,
    /** A genuine checkpoint the read found on its way (core/read/anchoredRead.ts): the caller keeps it for later reads. */
    onCheckpoint?: (cp: Checkpoint) => void,
  ): Promise<Uint8Array>;
  /** Start what the load will need soon (the union worker, unless warmWorkers started it), so its start-up is not added to the load. */
  prestart?(): void;
  /** The digest check is about to take every worker: start one for the next preview's read now (WorkerPool.prepareInteractive). */
  prepareReads?(): void;
}

let pool: WorkerPool | null = null;
/**
 * The page's pool of scan workers (created on first use; its workers are started
 * while the landing page is idle, warmWorkers). Also used directly by the audit,
 * previews and the comparison (hashRanges, auditLayer, textDiff).
 */
export function getPool(): WorkerPool {
  pool ??= new WorkerPool();
  return pool;
}

let unionPool: WorkerPool | null = null;
/**
 * One more worker for union models and statistics (the partial ones while loading,
 * the final one). Apart from the scan pool so that a layer never waits in the queue
 * behind a union build: in the shared pool, small layers of the 894 MB benchmark
 * image waited 100–250 ms for partial unions before they started.
 */
function getUnionPool(): WorkerPool {
  unionPool ??= new WorkerPool(1);
  return unionPool;
}

/** The page's host: the scan pool, with union building sent to the union worker. Their workers start at first use, or earlier by warmWorkers. */
export function pageHost(): EngineHost {
  const hasWorkers = typeof Worker !== 'undefined';
  const scanner: LayerScanner = {
    get concurrency() {
      return getPool().concurrency;
    },
    // more cores than the pool's MAX_WORKERS: a partial union has a core of its own
    get spareCores() {
      return (globalThis.navigator?.hardwareConcurrency ?? 2) > getPool().concurrency;
    },
    scan: (blob, layer, o) => getPool().scan(blob, layer, o),
    hashLayer: (blob, compression, o) => getPool().hashLayer(blob, compression, o),
    summarize: (layers, o) => getUnionPool().summarize(layers, o),
    unions: () => getUnionPool().unions(),
  };
  return {
    scanner,
    get verifier() {
      return getPool();
    },
    // A .tar.gz is decompressed in a worker, into Blob parts (never held in this page's memory), within the expansion bound.
    unpack: hasWorkers ? (b, c, o) => getPool().unpack(b, c, o) : undefined,
    read: (blob, compression, offset, size, want, signal, checkpoint, frames, first, inputEnd, seek, onCheckpoint) =>
      getPool().read(
        blob,
        compression,
        offset,
        size,
        want,
        signal,
        checkpoint ?? null,
        frames ?? null,
        first ?? false,
        inputEnd ?? null,
        seek ?? null,
        onCheckpoint,
      ),
    prestart: () => {
      if (hasWorkers) getUnionPool().prestart();
    },
    prepareReads: () => {
      if (hasWorkers) getPool().prepareInteractive();
    },
  };
}

/**
 * Start the workers a load needs (the scan pool and the union worker) now, before any
 * file is chosen: the landing page calls it when idle (ui/App/App.tsx). A module worker
 * takes 0.1–0.4 s to start on the 2-core machine (measured: 80–440 ms from `new Worker`
 * to its first answer, 3 ms once warm), and started with the load it delayed the largest
 * layer's first decoded byte by that much (issue 13, scripts/bench-start.mjs: scan
 * posted → first progress 140–430 ms). Started at the drop instead, their start-up took
 * the cores from the loading page's first render and the archive's index (69d9ef2);
 * started before it, it costs the load nothing. The price: three idle workers on a page
 * that never opens a file.
 */
export function warmWorkers(): void {
  if (typeof Worker === 'undefined') return;
  getPool().prestart();
  getUnionPool().prestart();
}
