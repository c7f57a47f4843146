/**
 * Partial unions while an image loads: the tree of the layers finished so far
 * (null for the rest), built by the engine as layers finish and handed to the
 * host as data (session.openImage's `onPartial`). One build per set of finished
 * layers, whoever shows it.
 *
 * The rebuild policy: a partial union with a gap below its top layers costs about
 * as much as a full one (the session's builds are incremental, model/union.ts
 * IncrementalUnion, but only over the bottom run of finished layers), so
 * rebuilding after every finished layer could be quadratic on big images. One
 * build runs at a time, and the next starts no sooner than PARTIAL_REBUILD_FACTOR
 * times the last build's duration after it ended: loading is at most
 * ~1/(1+factor) slower while the tree still fills in as layers finish. Once
 * every layer is in, no partial union is built: the final one is being built
 * and a partial one would cost as much again (seconds on a million entries)
 * for a view shown only until it lands.
 *
 * While every scan worker has a layer to decode (`busy`), a build takes a core from
 * the decoders: the union worker's 24–96 ms, and the page's main thread receiving the
 * union and rendering the tree of it (~3 busy slices of the OCI benchmark's load,
 * issue 13). Then the next build waits PARTIAL_BUSY_WAIT_MS after the load began or
 * the last build ended; as soon as a worker is free (a layer finished with no other
 * left to start) the factor alone applies again. A long load on a slow machine still
 * fills its tree every few seconds; on more cores than layers, or than scan workers
 * (LayerScanner.spareCores), nothing waits.
 */
import type { UnionModel } from './model/union';
import type { LayerIndex } from './types';

export const PARTIAL_REBUILD_FACTOR = 3;
/**
 * How long a build waits while every scan worker decodes: longer than the whole load of
 * the 366 MB gzip benchmark image on its 2 cores (3–5 s), whose tree then first fills
 * when the second worker runs out of layers, ~1 s before ready; shorter than anyone
 * waits at an empty tree on a load several times as long.
 */
export const PARTIAL_BUSY_WAIT_MS = 5000;

export interface PartialUnion {
  /** The layers it was built from (a snapshot: null = not finished when it was taken). */
  layers: (LayerIndex | null)[];
  union: UnionModel;
}

export type UnionBuilder = (layers: (LayerIndex | null)[], signal?: AbortSignal) => Promise<UnionModel>;

export interface PartialUnionsOptions {
  build: UnionBuilder;
  emit(p: PartialUnion): void;
  signal?: AbortSignal;
  factor?: number;
  /** Every scan worker has a layer to decode: builds wait busyWaitMs (default PARTIAL_BUSY_WAIT_MS). */
  busy?(): boolean;
  busyWaitMs?: number;
  now?(): number;
}

export class PartialUnions {
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** When the pending timer fires (now() clock). */
  private timerDue = 0;
  private building = false;
  /** A layer finished since the last snapshot was taken. */
  private dirty = false;
  private stopped = false;
  private lastMs = 0;
  private lastEnd = Number.NEGATIVE_INFINITY;
  /** The load's start, then the last build's end: what a build waits from while every worker decodes. */
  private busySince: number;
  /** Partial unions built (for tests and the bench). */
  builds = 0;

  constructor(
    private readonly layers: readonly (LayerIndex | null)[],
    private readonly opts: PartialUnionsOptions,
  ) {
    this.busySince = this.now();
    opts.signal?.addEventListener('abort', () => this.stop(), { once: true });
  }

  private now(): number {
    return (this.opts.now ?? (() => performance.now()))();
  }

  /** A layer finished (its index is in `layers` already); `busy` may have changed with it. */
  layerDone(): void {
    if (this.stopped) return;
    this.dirty = true;
    this.schedule();
  }

  /** No more partial unions (the load finished, failed or was cancelled). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.stopped || this.building || !this.dirty) return;
    const factor = this.opts.factor ?? PARTIAL_REBUILD_FACTOR;
    let due = this.lastEnd + factor * this.lastMs;
    if (this.opts.busy?.()) due = Math.max(due, this.busySince + (this.opts.busyWaitMs ?? PARTIAL_BUSY_WAIT_MS));
    // a worker freed since the timer was set: the build may be due sooner
    if (this.timer !== null) {
      if (due >= this.timerDue) return;
      clearTimeout(this.timer);
    }
    const now = this.now();
    this.timerDue = due;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.run();
      },
      Math.max(0, due - now),
    );
  }

  private run(): void {
    if (this.stopped) return;
    const snapshot = this.layers.slice();
    this.dirty = false;
    if (snapshot.every((l) => l) || !snapshot.some((l) => l)) return;
    this.building = true;
    const t0 = this.now();
    this.builds++;
    this.opts.build(snapshot, this.opts.signal).then(
      (union) => {
        this.lastEnd = this.now();
        this.lastMs = this.lastEnd - t0;
        this.busySince = this.lastEnd;
        this.building = false;
        if (this.stopped) return;
        this.opts.emit({ layers: snapshot, union });
        this.schedule();
      },
      () => {
        // A failed or cancelled partial view is simply not shown; the final one comes from openImage.
        this.building = false;
        this.schedule();
      },
    );
  }
}
