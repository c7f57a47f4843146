/**
 * The comparison shown by the page: its two sides, the results (layers matched,
 * the tree diff, its roll-ups, the content proof's progress) and the view
 * (filters, sort, expanded directories, the selected path). A store of its own
 * (zustand), values replaced whole; the engine work goes through an injected
 * host (the page's worker pool, or in-process in tests), so every action runs in
 * Node too.
 *
 * How a comparison is derived, so that the page answers at once and is right in
 * the end:
 *  1. the tree diff with the configs' diff_ids taken as the identity of layers the
 *     page has not hashed yet (provisional: said so on screen);
 *  2. the equal-size candidates hashed (only those files), with progress;
 *  3. re-derived whenever a side's image is replaced — the page's digest check
 *     behind the shown image fills in the layers' computed diff_ids — and then
 *     without trusting any claim; digests already known are never hashed again.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { LoadedImage } from '../../core/session';
import { describeError, isCancelled } from '../../core/errors';
import { DigestCache } from '../../core/compare/digests';
import { matchLayers, type LayerMatch } from '../../core/compare/layers';
import { proveContents, type ContentHasher, type ProofProgress, type SideName } from '../../core/compare/proof';
import { buildDiffTree, diffTotals, type DiffTotals, type DiffTree } from '../../core/compare/rollup';
import { diffTrees, type TreeDiff } from '../../core/compare/tree';
import { layerSideInfo, sideOfImage } from '../../core/compare/compareImages';
import type { CompareSide } from '../../core/compare/side';
import { Diff, type Category } from '../../core/compare/flags';
import type { TextDiff } from '../../core/compare/contentDiff';
import { initialExpanded, type DiffSort } from './diffRows';

export interface CompareTargetInput {
  /** Unique per loaded image (digest-cache keys). */
  id: string;
  img: LoadedImage;
  /** The tree as of this layer. */
  layer: number;
  /** How to name the side: the file name, the tag. */
  label: string;
}

/** What the page gives the comparison to work with. */
export interface CompareHost {
  hasher: ContentHasher;
  /** Up to `maxBytes` of an entry's bytes on one side. */
  read(side: SideName, layer: number, entry: number, size: number, maxBytes: number, signal?: AbortSignal): Promise<Uint8Array>;
  /** A line diff, off the main thread. */
  textDiff(a: string, b: string, signal?: AbortSignal): Promise<TextDiff>;
}

export type CompareStatus = 'idle' | 'hashing' | 'ready' | 'error';
export type DiffView = 'unified' | 'split';

/** Every category but unchanged: what a comparison shows at first. */
export const DEFAULT_COMPARE_FILTER: ReadonlySet<Category> = new Set<Category>(['added', 'removed', 'changed', 'metadata', 'pending', 'unknown']);

export interface CompareState {
  a: CompareTargetInput | null;
  b: CompareTargetInput | null;
  mtime: boolean;
  status: CompareStatus;
  error: string | null;
  sideA: CompareSide | null;
  sideB: CompareSide | null;
  layers: LayerMatch | null;
  diff: TreeDiff | null;
  tree: DiffTree | null;
  totals: DiffTotals | null;
  /** Hashing the candidates: how far. */
  progress: ProofProgress | null;
  /** Layers that could not be read to hash their files. */
  failures: { side: SideName; layer: number; message: string }[];
  filter: ReadonlySet<Category>;
  sort: DiffSort;
  expanded: ReadonlySet<string>;
  selected: string | null;
  diffView: DiffView;
  /** Bumps with every derivation (components key caches on it). */
  generation: number;
}

export const initialCompareState = (): CompareState => ({
  a: null,
  b: null,
  mtime: false,
  status: 'idle',
  error: null,
  sideA: null,
  sideB: null,
  layers: null,
  diff: null,
  tree: null,
  totals: null,
  progress: null,
  failures: [],
  filter: DEFAULT_COMPARE_FILTER,
  sort: 'name',
  expanded: new Set(),
  selected: null,
  diffView: 'split',
  generation: 0,
});

/** Progress is published at most this often (ms): hashing reports per 4 MiB from every worker. */
export const PROGRESS_PUBLISH_MS = 100;

export class Comparison {
  readonly store: StoreApi<CompareState>;
  private cache = new DigestCache();
  private ctl: AbortController | null = null;

  constructor(
    private readonly host: CompareHost,
    store?: StoreApi<CompareState>,
  ) {
    this.store = store ?? createStore<CompareState>(() => initialCompareState());
  }

  get state(): CompareState {
    return this.store.getState();
  }

  /** Compare two sides (a new comparison: the view is reset, unless `keepView`). */
  start(a: CompareTargetInput, b: CompareTargetInput, opts: { keepView?: boolean } = {}): Promise<void> {
    const view = opts.keepView ? {} : { filter: DEFAULT_COMPARE_FILTER, sort: 'name' as DiffSort, selected: null, expanded: new Set<string>() };
    this.store.setState({ a, b, ...view, expanded: opts.keepView ? this.state.expanded : new Set<string>() });
    return this.derive(!opts.keepView);
  }

  /** A side's image was replaced (its digests checked, a layer switched): re-derive, keeping the view. */
  update(side: SideName, input: CompareTargetInput): Promise<void> {
    this.store.setState(side === 'a' ? { a: input } : { b: input });
    return this.derive(false);
  }

  setMtime(mtime: boolean): Promise<void> {
    if (mtime === this.state.mtime) return Promise.resolve();
    this.store.setState({ mtime });
    return this.derive(false);
  }

  setFilter(filter: ReadonlySet<Category>): void {
    this.store.setState({ filter });
  }

  setSort(sort: DiffSort): void {
    this.store.setState({ sort });
  }

  setDiffView(diffView: DiffView): void {
    this.store.setState({ diffView });
  }

  toggle(path: string, open?: boolean): void {
    const s = new Set(this.state.expanded);
    const want = open ?? !s.has(path);
    if (want) s.add(path);
    else s.delete(path);
    this.store.setState({ expanded: s });
  }

  expandAll(paths: Iterable<string>): void {
    const s = new Set(this.state.expanded);
    for (const p of paths) s.add(p);
    this.store.setState({ expanded: s });
  }

  select(path: string | null): void {
    this.store.setState({ selected: path });
  }

  /** sha256 of one version's bytes (known from the proof, or hashed now: that file only). */
  async digestOf(side: SideName, layer: number, entry: number, size: number, signal?: AbortSignal): Promise<string> {
    const s = side === 'a' ? this.state.sideA : this.state.sideB;
    if (!s) throw new Error('no comparison');
    const known = this.cache.get(s, layer, entry);
    if (known) return known;
    const li = s.layers[layer];
    if (!li) throw new Error(`layer ${layer} was not read`);
    const [d] = await this.host.hasher.hashRanges(side, layer, [{ offset: li.dataOffsets[entry]!, size }], { signal });
    this.cache.set(s, layer, entry, d!);
    return d!;
  }

  /** The host's reads and line diffs, for the content diff view. */
  get engine(): CompareHost {
    return this.host;
  }

  /** Stop whatever runs and forget the comparison. */
  close(): void {
    this.ctl?.abort();
    this.ctl = null;
    this.store.setState(initialCompareState());
  }

  private async derive(fresh: boolean): Promise<void> {
    const { a, b, mtime } = this.state;
    if (!a || !b) return;
    this.ctl?.abort();
    const ctl = new AbortController();
    this.ctl = ctl;
    const generation = this.state.generation + 1;
    try {
      const sideA = sideOfImage({ id: a.id, img: a.img, layer: a.layer });
      const sideB = sideOfImage({ id: b.id, img: b.img, layer: b.layer });
      const layers = matchLayers(layerSideInfo(a.img, a.layer), layerSideInfo(b.img, b.layer));
      // (1) at once, layers the page has not hashed yet taken at their configs' word (provisional)
      const first = diffTrees(sideA, sideB, { mtime, trustClaimedDiffIds: true }, this.cache);
      const tree = buildDiffTree(first);
      const pending = first.flags.some((f) => (f & Diff.Pending) !== 0);
      this.store.setState({
        status: pending ? 'hashing' : 'ready',
        error: null,
        sideA,
        sideB,
        layers,
        diff: first,
        tree,
        totals: diffTotals(first),
        progress: null,
        failures: [],
        generation,
        ...(fresh ? { expanded: initialExpanded({ diff: first, tree, a: sideA, b: sideB }, this.state.filter) } : {}),
      });
      if (!pending) return;
      // (2) hash the candidates
      let last = 0;
      const r = await proveContents(first, sideA, sideB, this.host.hasher, this.cache, {
        signal: ctl.signal,
        onProgress: (p) => {
          const now = Date.now();
          if (now - last < PROGRESS_PUBLISH_MS && p.filesDone < p.filesTotal) return;
          last = now;
          if (this.ctl === ctl) this.store.setState({ progress: p });
        },
      });
      if (this.ctl !== ctl) return;
      this.store.setState({
        status: 'ready',
        diff: r.diff,
        tree: buildDiffTree(r.diff),
        totals: diffTotals(r.diff),
        failures: r.failures,
        progress: null,
        generation: generation + 1,
      });
    } catch (e) {
      if (isCancelled(e) || ctl.signal.aborted) return;
      this.store.setState({ status: 'error', error: describeError(e) });
    }
  }
}
