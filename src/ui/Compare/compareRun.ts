/**
 * Running a comparison in the page (issue 11): the ways in (a second file dropped
 * while an image is open, the "Compare…" menu: another file, another image or
 * platform of the open archive, two layers of the image shown), and keeping the
 * comparison's part of the URL hash.
 *
 * The store (state/loadSlice.ts) is the one owner of loaded images: side A is
 * slot a (the image the explorer shows), side B is loaded into slot b by the same
 * action and engine (`openFile(file, { slot: 'b' })`), and read back through the
 * selectors. So slot b's progress, its Cancel (`cancelLoad('b')`), its error (shown
 * as "B: …", selectSideError) and its digest check behind the comparison are the
 * slice's, tested in Node (state/loadSlice.slotB.test.ts); the explorer stays as it
 * was underneath and comes back unchanged when the comparison is closed
 * (`clearSlot('b')`). Two layers of one image need no slot b: both sides are slot a.
 *
 * Each side is re-derived when its slot's image is replaced (its digest check done:
 * the computed diff_ids then replace the configs' claims, see compareStore.ts). A
 * side with a layer that could not be read is still compared, with the paths that
 * layer may have changed marked unknown (core/compare/tree.ts), never unchanged.
 */
import { create } from 'zustand';
import type { LoadedImage } from '../../core/session';
import type { ArchiveInfo, ImageInfo } from '../../core/types';
import type { SlotName } from '../../state/loadSlice';
import { openFile } from '../../state/actions';
import { useStore } from '../../state/store';
import { Comparison, type CompareTargetInput } from './compareStore';
import { pageCompareHost } from './pageHost';
import { getPool } from '../../state/engineHost';
import { parseCompareHash, withCompareHash, type CompareHashState, type CompareKind } from './compareHash';
import { selectFile, selectFileName, selectShown, selectSlot, selectStatus } from '../../state/selectors';

export interface CompareRunState {
  /** A file dropped while an image is open: waiting for "Compare" or "Open instead". */
  offered: File | null;
  kind: CompareKind | null;
  comparison: Comparison | null;
}

export const useCompareRun = create<CompareRunState>()(() => ({ offered: null, kind: null, comparison: null }));

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

interface Side {
  /** The store's slot the side's image is in ('a' for both sides of two layers of one image). */
  slot: SlotName;
  layer: number;
  label: string;
  /** The union of the image compared: a slot showing another image ends the comparison. */
  union: object;
}

interface Sides {
  a: Side;
  b: Side;
  hash: Omit<CompareHashState, 'path' | 'filter' | 'sort' | 'mtime' | 'view'>;
}

/** Bumped by every reset: a comparison being started that sees another run is stale and stops. */
let run = 0;
let current: Sides | null = null;
let unsubs: (() => void)[] = [];

const top = (img: LoadedImage) => img.image.layers.length - 1;
const tagOf = (img: LoadedImage) => img.image.tags[0] ?? `image ${img.image.index}`;

/** The ready image of a slot (slot a: what the explorer shows, the playground's layers included). */
function imageIn(slot: SlotName): LoadedImage | null {
  const s = useStore.getState();
  return selectStatus(s, slot) === 'ready' ? selectShown(s, slot) : null;
}

function input(side: Side): CompareTargetInput | null {
  const img = imageIn(side.slot);
  return img ? { id: idOf(img), img, layer: side.layer, label: side.label } : null;
}

function explorerImage(): LoadedImage | null {
  return imageIn('a');
}

/** Forget the comparison (and slot b's image, whatever state its load is in). */
function reset(patch: Partial<CompareRunState> = {}) {
  run++;
  for (const u of unsubs) u();
  unsubs = [];
  current = null;
  const old = useCompareRun.getState().comparison;
  old?.close();
  const st = useStore.getState();
  if (selectStatus(st, 'b') !== 'empty') st.clearSlot('b');
  useCompareRun.setState({ offered: null, kind: null, comparison: null, ...patch });
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

/** Compare the image shown (A) with the image of another archive (B), loaded into slot b. */
export async function compareWithFile(file: File, sel: { image?: number; platform?: string } = {}): Promise<void> {
  const a = explorerImage();
  if (!a) return;
  const aName = selectFileName(useStore.getState()) ?? 'archive';
  reset({ kind: 'files' });
  const me = run;
  const h = parseCompareHash(typeof location !== 'undefined' ? location.hash : '');
  const explicit = sel.image !== undefined || sel.platform !== undefined;
  // The URL's B (a reload, a shared link) names an image of a file the URL does not hold:
  // taken when the file dropped has it, else B's default image.
  const pickImage = explicit ? undefined : hashPick(h?.imageB, h?.platformB);
  await useStore.getState().openFile(file, { slot: 'b', image: sel.image, platform: sel.platform, pickImage });
  const b = imageIn('b');
  if (run !== me || !b || selectFile(useStore.getState(), 'b') !== file) return; // failed (slot b says why), cancelled, or superseded
  await begin(
    {
      a: { slot: 'a', layer: top(a), label: aName, union: a.union },
      b: { slot: 'b', layer: top(b), label: file.name, union: b.union },
      hash: { kind: 'files', imageB: b.image.index || undefined, platformB: b.image.platform && isVariant(b) ? platformName(b) : undefined },
    },
    me,
  );
}

/** The image the URL's imageB / platformB name, when the archive has it (else the default). */
function hashPick(image: number | undefined, platform: string | undefined) {
  if (image === undefined && platform === undefined) return undefined;
  return (info: ArchiveInfo): number | undefined => {
    if (platform !== undefined) {
      const hit = info.images.find((im) => platformText(im.platform) === platform);
      if (hit) return hit.index;
    }
    return image !== undefined && image < info.images.length ? image : undefined;
  };
}

/** Compare the image shown with another image or platform of the same archive (its index not read again). */
export async function compareOtherImage(sel: { image?: number; platform?: string }): Promise<void> {
  const a = explorerImage();
  const s = useStore.getState();
  const file = selectFile(s);
  const slotA = selectSlot(s);
  if (!a || !file || slotA.kind !== 'ready') return;
  const name = selectFileName(s) ?? 'archive';
  reset({ kind: 'files' });
  const me = run;
  await useStore.getState().openFile(file, { slot: 'b', opened: slotA.opened, ...sel });
  const b = imageIn('b');
  if (run !== me || !b) return;
  await begin(
    {
      a: { slot: 'a', layer: top(a), label: `${name} · ${tagOf(a)}${a.image.platform ? ` (${platformName(a)})` : ''}`, union: a.union },
      b: { slot: 'b', layer: top(b), label: `${name} · ${tagOf(b)}${b.image.platform ? ` (${platformName(b)})` : ''}`, union: b.union },
      hash: { kind: 'files', imageA: a.image.index, imageB: sel.image, platformB: sel.platform },
    },
    me,
  );
}

/** The tree of the image shown as of layer `la` (A) against as of layer `lb` (B): both sides are slot a. */
export async function compareLayers(la: number, lb: number): Promise<void> {
  const img = explorerImage();
  if (!img) return;
  const n = img.image.layers.length;
  if (!(la >= 0 && la < n && lb >= 0 && lb < n)) return;
  const name = selectFileName(useStore.getState()) ?? 'archive';
  reset({ kind: 'layers' });
  await begin(
    {
      a: { slot: 'a', layer: la, label: `${name} as of layer ${la}`, union: img.union },
      b: { slot: 'a', layer: lb, label: `${name} as of layer ${lb}`, union: img.union },
      hash: { kind: 'layers', layerA: la, layerB: lb },
    },
    run,
  );
}

/** Stop opening B (the slice's cancel) and give up the comparison it was for. */
export function cancelCompare(): void {
  useStore.getState().cancelLoad('b');
  closeComparison();
}

/** Dismiss B's error: slot b forgets the failed load. */
export function dismissCompareError(): void {
  if (selectStatus(useStore.getState(), 'b') === 'error') useStore.getState().clearSlot('b');
}

/** Another layer of one side (the stacks' layers are buttons): the tree of that side as of it. */
export function pickLayer(side: 'a' | 'b', layer: number): void {
  const c = current;
  const cmp = useCompareRun.getState().comparison;
  if (!c || !cmp) return;
  const s = c[side];
  const img = imageIn(s.slot);
  if (!img || layer < 0 || layer > top(img)) return;
  c[side] = { ...s, layer };
  if (c.hash.kind === 'layers') {
    c.a.label = `${c.a.label.replace(/ as of layer \d+$/, '')} as of layer ${c.a.layer}`;
    c.b.label = `${c.b.label.replace(/ as of layer \d+$/, '')} as of layer ${c.b.layer}`;
  }
  const ia = imageIn(c.a.slot);
  const ib = imageIn(c.b.slot);
  const la = ia && c.a.layer === top(ia) && c.hash.kind === 'files' ? undefined : c.a.layer;
  const lb = ib && c.b.layer === top(ib) && c.hash.kind === 'files' ? undefined : c.b.layer;
  c.hash = { ...c.hash, layerA: la, layerB: lb };
  startBoth(cmp, c, { keepView: true });
}

/** Swap the two sides (A reads slot b, B slot a). */
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
  startBoth(cmp, current, { keepView: true });
}

function startBoth(cmp: Comparison, c: Sides, opts: { keepView?: boolean } = {}): Promise<void> {
  const a = input(c.a);
  const b = input(c.b);
  return a && b ? cmp.start(a, b, opts) : Promise.resolve();
}

function platformText(p: ImageInfo['platform']): string {
  return p ? [p.os, p.architecture, p.variant].filter(Boolean).join('/') : '';
}

const platformName = (img: LoadedImage): string => platformText(img.image.platform);

/** An image that is one platform of an index (its platform then names it in the URL). */
function isVariant(img: LoadedImage): boolean {
  return img.info.platforms.some((p) => p.imageIndex === img.image.index);
}

async function begin(sides: Sides, me: number): Promise<void> {
  if (run !== me) return;
  const cmp = new Comparison(
    pageCompareHost(
      getPool(),
      () => ({ a: current ? imageIn(current.a.slot) : null, b: current ? imageIn(current.b.slot) : null }),
      // contents through the store's slot: its reads start at the resume points its digest check recorded
      (side, layer, entry, maxBytes, signal) => useStore.getState().readEntry(layer, entry, maxBytes, { signal, slot: (current ?? sides)[side].slot }),
    ),
  );
  current = sides;
  useCompareRun.setState({ comparison: cmp, kind: sides.hash.kind });
  // The URL's view of this comparison (a reload, a shared link) applies once.
  const h = parseCompareHash(typeof location !== 'undefined' ? location.hash : '');
  const view = h && h.kind === sides.hash.kind ? h : null;
  if (view) {
    if (view.filter) cmp.setFilter(view.filter);
    if (view.sort) cmp.setSort(view.sort);
    if (view.view) cmp.setDiffView(view.view);
  }
  const started = startBoth(cmp, sides);
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
  // A slot's image replaced: its digest check done (the computed diff_ids then prove the shared
  // layers: re-derive), or another image or file there (this comparison no longer describes it: close).
  unsubs.push(
    useStore.subscribe((s, prev) => {
      if (!current || run !== me) return;
      for (const slot of ['a', 'b'] as const) {
        if (selectShown(s, slot) === selectShown(prev, slot)) continue;
        const users = (['a', 'b'] as const).filter((side) => current![side].slot === slot);
        if (users.length === 0) continue;
        const next = imageIn(slot);
        if (!next || users.some((side) => current![side].union !== next.union)) {
          closeComparison();
          return;
        }
        for (const side of users) {
          const i = input(current[side]);
          if (i) void cmp.update(side, i);
        }
      }
    }),
  );
  await started;
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
