/**
 * Running a comparison in the page (issue 11): the ways in (a second file dropped
 * while an image is open, the "Compare…" menu: another file, another image or
 * platform of the open archive, two layers of the image shown), opening side B,
 * and keeping the comparison's part of the URL hash.
 *
 * Side A is always the image the explorer shows (the load state's `loaded`); side
 * B is opened here, with the same engine and worker pool, and kept in this store
 * of its own — not in the explorer's load state — so the explorer stays as it was
 * underneath and comes back unchanged when the comparison is closed. Both sides
 * are re-derived when their digest check finishes (the computed diff_ids then
 * replace the configs' claims: see compareStore.ts).
 *
 * Errors name the side: "B: “x.tar” is not a tar archive…"; a side with a layer
 * that could not be read is still compared, with the paths that layer may have
 * changed marked unknown (core/compare/tree.ts), never claimed unchanged.
 */
import { create } from 'zustand';
import { openArchive, type OuterArchive } from '../../core/read/archive';
import type { ArchiveInfo } from '../../core/types';
import { openImage, verifyImage, type LoadedImage } from '../../core/session';
import { isCancelled } from '../../core/errors';
import { describeLoadError, FILE_KIND_SNIFF_BYTES } from '../../state/loadErrors';
import { getPool } from '../../state/engineHost';
import { openFile } from '../../state/actions';
import { useStore } from '../../state/store';
import { Comparison, type CompareTargetInput } from './compareStore';
import { pageCompareHost } from './pageHost';
import { parseCompareHash, withCompareHash, type CompareHashState, type CompareKind } from './compareHash';
import { selectFile, selectFileName, selectOpened, selectShown, selectStatus } from '../../state/selectors';

export interface OpeningB {
  name: string;
  bytesRead: number;
  bytesTotal: number;
}

export interface CompareRunState {
  /** A file dropped while an image is open: waiting for "Compare" or "Open instead". */
  offered: File | null;
  kind: CompareKind | null;
  comparison: Comparison | null;
  /** Side B being opened (file name and bytes read over every layer). */
  opening: OpeningB | null;
  /** Why the comparison could not start, naming the side. */
  error: string | null;
}

export const useCompareRun = create<CompareRunState>()(() => ({ offered: null, kind: null, comparison: null, opening: null, error: null }));

/** Progress of side B's load is published at most this often (ms), as the explorer's loader does. */
const OPEN_PROGRESS_MS = 100;

/** Ids for the digest cache: one per image (a digest-checked copy keeps its union, so it keeps its id). */
const ids = new WeakMap<object, string>();
let nextId = 1;
function idOf(img: LoadedImage): string {
  let id = ids.get(img.union);
  if (!id) {
    id = `img${nextId++}`;
    ids.set(img.union, id);
  }
  return id;
}

interface Sides {
  a: { img: LoadedImage; layer: number; label: string };
  b: { img: LoadedImage; layer: number; label: string };
  /** Where each side's image comes from: the explorer's, or one opened here. */
  bFromExplorer: boolean;
  hash: Omit<CompareHashState, 'path' | 'filter' | 'sort' | 'mtime' | 'view'>;
}

let ctl: AbortController | null = null;
let current: Sides | null = null;
let unsubs: (() => void)[] = [];

const top = (img: LoadedImage) => img.image.layers.length - 1;
const tagOf = (img: LoadedImage) => img.image.tags[0] ?? `image ${img.image.index}`;

function input(side: Sides['a']): CompareTargetInput {
  return { id: idOf(side.img), img: side.img, layer: side.layer, label: side.label };
}

function explorerImage(): LoadedImage | null {
  const s = useStore.getState();
  return selectStatus(s) === 'ready' ? selectShown(s) : null;
}

function reset(patch: Partial<CompareRunState> = {}) {
  ctl?.abort();
  ctl = null;
  for (const u of unsubs) u();
  unsubs = [];
  current = null;
  const old = useCompareRun.getState().comparison;
  old?.close();
  useCompareRun.setState({ offered: null, kind: null, comparison: null, opening: null, error: null, ...patch });
}

/** Open a dropped or picked file: offered for comparison when an image is shown (or compared at once when the URL asks for it). */
export function fileArrived(file: File): void {
  if (!explorerImage()) {
    reset();
    void openFile(file);
    return;
  }
  const h = typeof location !== 'undefined' ? parseCompareHash(location.hash) : null;
  if (h?.kind === 'files' && !useCompareRun.getState().comparison) {
    void compareWithFile(file);
    return;
  }
  useCompareRun.setState({ offered: file });
}

/** Two files dropped at once: the first is opened in the explorer (A), then compared with the second (B). */
export async function compareDropped(files: File[]): Promise<void> {
  const [first, second] = files;
  if (!first) return;
  reset();
  await openFile(first);
  // openFile never rejects: a first file that failed leaves the explorer's error shown.
  const s = useStore.getState();
  if (second && selectStatus(s) === 'ready' && selectFile(s) === first) await compareWithFile(second);
}

export function chooseCompare(): void {
  const f = useCompareRun.getState().offered;
  useCompareRun.setState({ offered: null });
  if (f) void compareWithFile(f);
}

export function chooseOpenInstead(): void {
  const f = useCompareRun.getState().offered;
  reset();
  if (f) void openFile(f);
}

export function dismissOffer(): void {
  useCompareRun.setState({ offered: null });
}

export function closeComparison(): void {
  reset();
  writeHash(null);
}

/** Compare the image shown (A) with the image of another archive (B). */
export async function compareWithFile(file: File, sel: { image?: number; platform?: string } = {}): Promise<void> {
  const a = explorerImage();
  if (!a) return;
  const aName = selectFileName(useStore.getState()) ?? 'archive';
  reset({ opening: { name: file.name, bytesRead: 0, bytesTotal: file.size }, kind: 'files' });
  const me = new AbortController();
  ctl = me;
  const h = parseCompareHash(typeof location !== 'undefined' ? location.hash : '');
  const want = sel.image !== undefined || sel.platform !== undefined ? sel : { image: h?.imageB, platform: h?.platformB };
  try {
    const opened = await openArchive(file, {
      signal: me.signal,
      unpack: (b, c, o) => getPool().unpack(b, c, o),
      onProgress: (bytesRead, bytesTotal) => {
        if (ctl === me) useCompareRun.setState({ opening: { name: file.name, bytesRead, bytesTotal } });
      },
    });
    const image = want.image !== undefined && want.image < opened.info.images.length ? want.image : undefined;
    const b = await openSide(file, file.name, me, { opened, image, platform: image === undefined ? want.platform : undefined });
    if (ctl !== me) return;
    await begin(
      {
        a: { img: a, layer: top(a), label: aName },
        b: { img: b, layer: top(b), label: file.name },
        bFromExplorer: false,
        hash: { kind: 'files', imageB: b.image.index || undefined, platformB: want.platform },
      },
      me,
    );
  } catch (e) {
    if (ctl !== me || isCancelled(e)) return;
    ctl = null;
    const head = await readHead(file);
    useCompareRun.setState({ opening: null, kind: null, error: `B: ${describeLoadError(e, head, file.name)}` });
  }
}

/** Compare the image shown with another image or platform of the same archive. */
export async function compareOtherImage(sel: { image?: number; platform?: string }): Promise<void> {
  const a = explorerImage();
  const s = useStore.getState();
  const file = selectFile(s);
  const opened = selectOpened(s);
  if (!a || !opened || !file) return;
  const name = selectFileName(s) ?? 'archive';
  reset({ opening: { name, bytesRead: 0, bytesTotal: 0 }, kind: 'files' });
  const me = new AbortController();
  ctl = me;
  try {
    const b = await openSide(file, name, me, { opened, ...sel });
    if (ctl !== me) return;
    await begin(
      {
        a: { img: a, layer: top(a), label: `${name} · ${tagOf(a)}${a.image.platform ? ` (${platformName(a)})` : ''}` },
        b: { img: b, layer: top(b), label: `${name} · ${tagOf(b)}${b.image.platform ? ` (${platformName(b)})` : ''}` },
        bFromExplorer: false,
        hash: { kind: 'files', imageA: a.image.index, imageB: sel.image, platformB: sel.platform },
      },
      me,
    );
  } catch (e) {
    if (ctl !== me || isCancelled(e)) return;
    ctl = null;
    useCompareRun.setState({ opening: null, kind: null, error: `B: ${describeLoadError(e, null, name)}` });
  }
}

/** The tree of the image shown as of layer `la` (A) against as of layer `lb` (B). */
export async function compareLayers(la: number, lb: number): Promise<void> {
  const img = explorerImage();
  if (!img) return;
  const n = img.image.layers.length;
  if (!(la >= 0 && la < n && lb >= 0 && lb < n)) return;
  const name = selectFileName(useStore.getState()) ?? 'archive';
  reset({ kind: 'layers' });
  const me = new AbortController();
  ctl = me;
  await begin(
    {
      a: { img, layer: la, label: `${name} as of layer ${la}` },
      b: { img, layer: lb, label: `${name} as of layer ${lb}` },
      bFromExplorer: true,
      hash: { kind: 'layers', layerA: la, layerB: lb },
    },
    me,
  );
}

/** Another layer of one side (the stacks' layers are buttons): the tree of that side as of it. */
export function pickLayer(side: 'a' | 'b', layer: number): void {
  const c = current;
  const cmp = useCompareRun.getState().comparison;
  if (!c || !cmp) return;
  const s = c[side];
  if (layer < 0 || layer > top(s.img)) return;
  c[side] = { ...s, layer };
  if (c.hash.kind === 'layers') {
    c.a.label = `${c.a.label.replace(/ as of layer \d+$/, '')} as of layer ${c.a.layer}`;
    c.b.label = `${c.b.label.replace(/ as of layer \d+$/, '')} as of layer ${c.b.layer}`;
  }
  const la = c.a.layer === top(c.a.img) && c.hash.kind === 'files' ? undefined : c.a.layer;
  const lb = c.b.layer === top(c.b.img) && c.hash.kind === 'files' ? undefined : c.b.layer;
  c.hash = { ...c.hash, layerA: la, layerB: lb };
  void cmp.start(input(c.a), input(c.b), { keepView: true });
}

/** Swap the two sides. */
export function swapSides(): void {
  const c = current;
  const cmp = useCompareRun.getState().comparison;
  if (!c || !cmp) return;
  current = {
    ...c,
    a: c.b,
    b: c.a,
    hash: {
      ...c.hash,
      imageA: c.hash.imageB,
      imageB: c.hash.imageA,
      platformA: c.hash.platformB,
      platformB: c.hash.platformA,
      layerA: c.hash.layerB,
      layerB: c.hash.layerA,
    },
  };
  void cmp.start(input(current.a), input(current.b), { keepView: true });
}

function platformName(img: LoadedImage): string {
  const p = img.image.platform;
  return p ? [p.os, p.architecture, p.variant].filter(Boolean).join('/') : '';
}

/** Open one side's image (side B), its layers scanned in the pool; its digests checked behind the comparison. */
async function openSide(
  file: Blob,
  name: string,
  me: AbortController,
  o: { opened: { info: ArchiveInfo; outer: OuterArchive }; image?: number; platform?: string },
): Promise<LoadedImage> {
  const pool = getPool();
  let totals: number[] = [];
  let reads: number[] = [];
  let last = 0;
  const publish = () => {
    const now = performance.now();
    if (now - last < OPEN_PROGRESS_MS || ctl !== me) return;
    last = now;
    const sum = (xs: number[]) => xs.reduce((x, y) => x + y, 0);
    useCompareRun.setState({ opening: { name, bytesRead: sum(reads), bytesTotal: sum(totals) } });
  };
  return openImage(file, {
    opened: o.opened,
    image: o.image,
    platform: o.platform,
    scanner: pool,
    signal: me.signal,
    verify: false,
    onStructure(_info, im) {
      totals = im.layers.map((l) => l.blob.size);
      reads = im.layers.map(() => 0);
    },
    onLayerProgress(i, p) {
      reads[i] = p.bytesRead;
      if (p.bytesTotal > 0) totals[i] = p.bytesTotal;
      publish();
    },
  });
}

async function begin(sides: Sides, me: AbortController): Promise<void> {
  // The explorer's digest check may have replaced A's image while B was opening: take the checked copy.
  const shown = explorerImage();
  if (shown && shown.union === sides.a.img.union) sides.a = { ...sides.a, img: shown };
  if (shown && sides.bFromExplorer && shown.union === sides.b.img.union) sides.b = { ...sides.b, img: shown };
  const cmp = new Comparison(pageCompareHost(getPool(), () => ({ a: current?.a.img ?? null, b: current?.b.img ?? null })));
  current = sides;
  useCompareRun.setState({ comparison: cmp, opening: null, error: null, kind: sides.hash.kind });
  // The URL's view of this comparison (a reload, a shared link) applies once.
  const h = parseCompareHash(typeof location !== 'undefined' ? location.hash : '');
  const view = h && h.kind === sides.hash.kind ? h : null;
  if (view) {
    if (view.filter) cmp.setFilter(view.filter);
    if (view.sort) cmp.setSort(view.sort);
    if (view.view) cmp.setDiffView(view.view);
  }
  const started = cmp.start(input(sides.a), input(sides.b));
  if (view?.mtime) void cmp.setMtime(true);
  if (view?.path) {
    const path = view.path;
    cmp.select(path);
    const parts = path.split('/').filter(Boolean);
    cmp.expandAll(parts.slice(0, -1).map((_, i) => `/${parts.slice(0, i + 1).join('/')}`));
  }
  // The hash follows the view (replaceState: filters and selections are not places to go Back to).
  unsubs.push(cmp.store.subscribe(() => writeHash(hashOf(cmp))));
  writeHash(hashOf(cmp));
  // A's digest check (the explorer's) replaces its `loaded`: re-derive with the computed diff_ids.
  unsubs.push(
    useStore.subscribe((s, prev) => {
      if (selectShown(s) === selectShown(prev) || !current || ctl !== me) return;
      const next = selectStatus(s) === 'ready' ? selectShown(s) : null;
      if (!next || next.union !== current.a.img.union) {
        // Another image or file in the explorer: this comparison no longer describes it.
        closeComparison();
        return;
      }
      current.a = { ...current.a, img: next };
      void cmp.update('a', input(current.a));
      if (current.bFromExplorer) {
        current.b = { ...current.b, img: next };
        void cmp.update('b', input(current.b));
      }
    }),
  );
  await started;
  if (!sides.bFromExplorer) void verifyB(sides.b.img, cmp, me);
}

/** B's digest check, in the workers, behind the comparison shown: computed diff_ids prove shared layers. */
async function verifyB(img: LoadedImage, cmp: Comparison, me: AbortController): Promise<void> {
  try {
    const verified = await verifyImage(img, { scanner: getPool(), signal: me.signal });
    if (ctl !== me || !current || current.b.img !== img) return;
    current.b = { ...current.b, img: verified };
    await cmp.update('b', input(current.b));
  } catch {
    // Cancelled or unreadable: the proof then hashes the candidates it needs itself.
  }
}

function hashOf(cmp: Comparison): CompareHashState | null {
  if (!current) return null;
  const s = cmp.state;
  return { ...current.hash, path: s.selected ?? undefined, filter: s.filter, sort: s.sort, mtime: s.mtime, view: s.diffView };
}

function writeHash(h: CompareHashState | null): void {
  if (typeof window === 'undefined') return;
  const next = withCompareHash(window.location.hash, h);
  if (next === window.location.hash || (next === '' && window.location.hash === '')) return;
  window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search + next);
}

async function readHead(file: Blob): Promise<Uint8Array | null> {
  try {
    return new Uint8Array(await file.slice(0, FILE_KIND_SNIFF_BYTES).arrayBuffer());
  } catch {
    return null;
  }
}

/**
 * Restore a comparison of two layers named by the URL once an image is shown (a
 * reload, a shared link). `cmp=files` waits for the second file to be dropped
 * (fileArrived then compares at once). Returns the unsubscribe.
 */
export function installCompare(): () => void {
  let seen: object | null = null;
  const check = () => {
    const img = explorerImage();
    const key = img?.union ?? null;
    if (key === seen) return;
    seen = key;
    if (!img || useCompareRun.getState().comparison) return;
    const h = parseCompareHash(location.hash);
    if (h?.kind === 'layers' && h.layerA !== undefined && h.layerB !== undefined) void compareLayers(h.layerA, h.layerB);
  };
  check();
  return useStore.subscribe(check);
}
