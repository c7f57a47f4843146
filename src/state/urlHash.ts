/**
 * The view in the URL hash, so a selection can be shared, bookmarked, restored
 * after a reload (drop the same file again) and walked with Back/Forward:
 *
 *   #id=0123456789ab&image=0&layer=3&path=/etc/motd&q=conf&mode=glob&show=amd&only=1&deleted=0&sort=size
 *
 * Only what differs from the defaults is written. The file itself is never in
 * the URL: it never leaves the machine, so the hash describes a view of "the
 * file you drop", and is applied when an archive is opened. `id` names the
 * image the view is of (a config digest prefix, state/linkIdentity.ts): opened
 * on another image, the view is not applied and the page says so
 * (state/linkNotice.ts) until that image is opened.
 *
 * The first half of this module is pure (parse/serialize/compare, unit-tested);
 * the second half syncs the store and `window.history` both ways:
 *  - store → history: pushState when the selection (image, layer, path) changes,
 *    so Back/Forward move between selections (path changes in quick succession,
 *    as arrow keys make, share one entry: PATH_COALESCE_MS); replaceState for
 *    search typing, filters and sort, which are not places one goes back to.
 *  - popstate/hashchange → store.
 */
import type { StoreApi } from 'zustand';
import type { AppState } from './store';
import { DEFAULT_FILTERS, type ChangeFilters, type SearchMode, type SortKey } from './viewSlice';
import { lookup, ancestorsOf } from '../core/model/union';
import type { LoadState } from './loadSlice';
import { selectImageInfo, selectShown, selectStatus } from './selectors';
import { imageForLink, linkIdOf, linkMatches, pageStorage, parseLinkId, rememberLinkFile } from './linkIdentity';
import { setLinkMismatch } from './linkNotice';

export interface HashState {
  /** The image the view is of: a prefix of its config digest's hex (linkIdentity.ts). */
  id?: string;
  image?: number;
  layer?: number;
  /** Absolute path, '/'-separated, no trailing slash (except the root '/'). */
  path?: string;
  q?: string;
  mode?: SearchMode;
  /** Absent = all four change kinds shown. */
  filters?: ChangeFilters;
  only?: boolean;
  deleted?: boolean;
  sort?: SortKey;
}

/* ---------------------------------------------------------------- pure part */

const SEARCH_MODES: readonly SearchMode[] = ['substring', 'glob', 'regex'];
const SORT_KEYS: readonly SortKey[] = ['name', 'size'];
/** One letter per change filter, in the order dive lists them. */
const FILTER_LETTERS: ReadonlyArray<[keyof ChangeFilters, string]> = [
  ['added', 'a'],
  ['modified', 'm'],
  ['deleted', 'd'],
  ['unchanged', 'u'],
];
/**
 * Layer and image indexes are small; a 7-digit bound rejects garbage without
 * limiting any real image (the engine refuses far fewer layers than this).
 */
const MAX_INDEX = 9_999_999;

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s; // a malformed %-escape: keep the raw text rather than drop the value
  }
}

/** encodeURIComponent, but '/' kept readable (paths are the common case). */
function encode(s: string): string {
  return encodeURIComponent(s).replace(/%2F/gi, '/');
}

function parseIndex(v: string | undefined): number | undefined {
  if (v === undefined || !/^\d{1,7}$/.test(v)) return undefined;
  const n = Number(v);
  return n <= MAX_INDEX ? n : undefined;
}

function parseBool(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  if (v === '1' || v === 'true' || v === 'yes' || v === '') return true;
  if (v === '0' || v === 'false' || v === 'no') return false;
  return undefined;
}

/**
 * '/a//b/./c/' → '/a/b/c'; 'a/b' → '/a/b'; '' → undefined. `..` is resolved
 * without climbing above the root, as the engine normalizes tar paths.
 */
export function normalizeHashPath(p: string): string | undefined {
  if (p === '') return undefined;
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return '/' + out.join('/');
}

/** Parse `#k=v&…` (with or without the '#'). Unknown keys and bad values are ignored. */
export function parseHash(hash: string): HashState {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  const kv = new Map<string, string>();
  for (const part of raw.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    // No '+'-as-space decoding: '+' is a legal path character and we never write it for a space.
    const k = decode(eq < 0 ? part : part.slice(0, eq));
    const v = eq < 0 ? '' : decode(part.slice(eq + 1));
    kv.set(k, v);
  }
  const out: HashState = {};
  const id = parseLinkId(kv.get('id'));
  if (id !== undefined) out.id = id;
  const image = parseIndex(kv.get('image'));
  if (image !== undefined) out.image = image;
  const layer = parseIndex(kv.get('layer'));
  if (layer !== undefined) out.layer = layer;
  const path = kv.has('path') ? normalizeHashPath(kv.get('path')!) : undefined;
  if (path !== undefined) out.path = path;
  const q = kv.get('q');
  if (q) out.q = q;
  const mode = kv.get('mode');
  if (mode && (SEARCH_MODES as string[]).includes(mode)) out.mode = mode as SearchMode;
  const show = kv.get('show');
  if (show !== undefined && /^[amdu]*$/.test(show)) {
    const f = {} as ChangeFilters;
    for (const [key, letter] of FILTER_LETTERS) f[key] = show.includes(letter);
    out.filters = f;
  }
  const only = parseBool(kv.get('only'));
  if (only !== undefined) out.only = only;
  const deleted = parseBool(kv.get('deleted'));
  if (deleted !== undefined) out.deleted = deleted;
  const sort = kv.get('sort');
  if (sort && (SORT_KEYS as string[]).includes(sort)) out.sort = sort as SortKey;
  return out;
}

function allFilters(f: ChangeFilters): boolean {
  return FILTER_LETTERS.every(([k]) => f[k]);
}

/** Serialise to '#k=v&…' in a fixed key order, defaults omitted; '' when nothing is set. */
export function serializeHash(s: HashState): string {
  const parts: string[] = [];
  if (s.id !== undefined) parts.push(`id=${s.id}`);
  if (s.image !== undefined) parts.push(`image=${s.image}`);
  if (s.layer !== undefined) parts.push(`layer=${s.layer}`);
  if (s.path !== undefined) parts.push(`path=${encode(s.path)}`);
  if (s.q) parts.push(`q=${encode(s.q)}`);
  if (s.mode && s.mode !== 'substring') parts.push(`mode=${s.mode}`);
  if (s.filters && !allFilters(s.filters)) {
    parts.push(
      `show=${FILTER_LETTERS.filter(([k]) => s.filters![k])
        .map(([, l]) => l)
        .join('')}`,
    );
  }
  if (s.only) parts.push('only=1');
  if (s.deleted === false) parts.push('deleted=0');
  if (s.sort && s.sort !== 'name') parts.push(`sort=${s.sort}`);
  return parts.length ? '#' + parts.join('&') : '';
}

/** True when two states describe the same view (defaults and absent values are equal). */
export function sameHashState(a: HashState, b: HashState): boolean {
  return serializeHash(a) === serializeHash(b);
}

/** True when the states differ in what Back/Forward should step through: image, layer or path. */
export function isSelectionChange(a: HashState, b: HashState): boolean {
  return a.id !== b.id || a.image !== b.image || a.layer !== b.layer || a.path !== b.path;
}

/** The view part of the store as a HashState (undefined fields = not applicable yet). */
export function hashStateFromStore(s: AppState): HashState {
  const out: HashState = {};
  const image = selectImageInfo(s);
  if (image) {
    const id = linkIdOf(image.configDigest);
    if (id !== undefined) out.id = id;
    out.image = image.index;
    if (s.selectedLayer >= 0) out.layer = s.selectedLayer;
  }
  if (s.selectedPath) out.path = normalizeHashPath(s.selectedPath);
  if (s.search) out.q = s.search;
  if (s.searchMode !== 'substring') out.mode = s.searchMode;
  if (!allFilters(s.filters)) out.filters = s.filters;
  if (s.onlyLayerChanges) out.only = true;
  if (!s.showDeleted) out.deleted = false;
  if (s.sort !== 'name') out.sort = s.sort;
  return out;
}

/* ------------------------------------------------------- applying to the store */

/**
 * The view settings that do not depend on the image's contents (layer, search,
 * filters, sort). Applied as soon as the image's structure is known, so the
 * stack diagram shows the right selection while layers are still loading.
 * A layer outside the image falls back to the top layer.
 */
export function applyStructureView(store: StoreApi<AppState>, h: HashState | null): void {
  const s = store.getState();
  const n = selectImageInfo(s)?.layers.length ?? 0;
  const layer = h?.layer !== undefined && h.layer < n ? h.layer : n - 1;
  if (!h) {
    // No view to restore (e.g. another image of the same archive): the top layer,
    // search and filters kept as the user left them.
    store.setState({ selectedLayer: layer });
    return;
  }
  store.setState({
    selectedLayer: layer,
    search: h.q ?? '',
    searchMode: h.mode ?? 'substring',
    filters: h.filters ?? DEFAULT_FILTERS,
    onlyLayerChanges: h.only ?? false,
    showDeleted: h.deleted ?? true,
    sort: h.sort ?? 'name',
  });
}

/**
 * Reveal and select `h.path` once the union is built: its ancestors are
 * expanded (added to whatever is expanded already) and it becomes the
 * selected path. A path the image never contained is ignored (no selection).
 */
export function applyPathView(store: StoreApi<AppState>, h: HashState | null): void {
  const s = store.getState();
  const union = selectShown(s)?.union;
  if (!h?.path) {
    if (s.selectedPath !== null) store.setState({ selectedPath: null });
    return;
  }
  if (!union || lookup(union, h.path) < 0) {
    store.setState({ selectedPath: null });
    return;
  }
  revealPath(store, h.path);
}

/** Expand the ancestors of `path` and select it (used by links into the tree as well). */
export function revealPath(store: StoreApi<AppState>, path: string): void {
  const s = store.getState();
  const expanded = new Set(s.expanded);
  let grew = false;
  for (const a of ancestorsOf(path)) {
    if (!expanded.has(a)) {
      expanded.add(a);
      grew = true;
    }
  }
  store.setState(grew ? { expanded, selectedPath: path } : { selectedPath: path });
}

/* ------------------------------------------------------------ the two-way sync */

export interface HashSyncDeps {
  store: StoreApi<AppState>;
  win: Window;
  /** Milliseconds clock for coalescing path changes (tests pass their own); default performance.now. */
  now?(): number;
}

/**
 * Path changes (same image and layer) closer together than this share one history
 * entry: walking the tree with the arrow keys selects a path per key press, and a
 * Back button that steps through every row passed over is of no use. A path looked
 * at for longer gets its own entry; a layer or image change always does.
 */
export const PATH_COALESCE_MS = 1000;

interface HashSyncState {
  deps: HashSyncDeps;
  /** What the URL shows now, as we last wrote or read it. */
  last: HashState;
  /** Applying a hash to the store: store changes must not be written back meanwhile. */
  applying: boolean;
  /** A hash to apply to the archive being loaded (its path waits for `ready`). */
  pending: HashState | null;
  /** When the last path-only change was written (PATH_COALESCE_MS), -Infinity after any other. */
  lastPathChangeAt: number;
  /** A link made for another image than the one opened: kept for the next image opened (linkNotice.ts). */
  unmatched: HashState | null;
  /** The id of the last ready load seen: a load that becomes ready with it again was restored by Cancel. */
  readyId: number | null;
}

/** The page's sync (one per window), for dismissUnmatchedLink. */
let sync: HashSyncState | null = null;

/** The hash keys this module writes; any other key (a comparison's, ui/Compare/compareHash.ts) is kept as it is. */
const OWN_KEYS = new Set(['id', 'image', 'layer', 'path', 'q', 'mode', 'show', 'only', 'deleted', 'sort']);

function foreignKeys(hash: string): string[] {
  return (hash.startsWith('#') ? hash.slice(1) : hash).split('&').filter((p) => p && !OWN_KEYS.has(decode(p.split('=')[0] ?? '')));
}

function withApplying(st: HashSyncState, f: () => void) {
  const was = st.applying;
  st.applying = true;
  try {
    f();
  } finally {
    st.applying = was;
  }
}

/**
 * The URL's view for the next load, in the store (`urlLink`): a load restoring the
 * URL's view opens the image it names; a link made for another image applies to
 * any load until one matches it.
 */
function publishLink(st: HashSyncState) {
  const { store } = st.deps;
  const next = st.unmatched ? { view: st.unmatched, anyLoad: true } : { view: st.last, anyLoad: false };
  const cur = store.getState().urlLink;
  if (cur && cur.anyLoad === next.anyLoad && sameHashState(cur.view, next.view)) return;
  // Not a view change to write back: applying while it is stored.
  withApplying(st, () => store.setState({ urlLink: next }));
}

function setLast(st: HashSyncState, h: HashState) {
  st.last = h;
  publishLink(st);
}

function setUnmatched(st: HashSyncState, h: HashState | null) {
  st.unmatched = h;
  publishLink(st);
}

function writeHistory(st: HashSyncState, next: HashState, mode: 'push' | 'replace') {
  const { win } = st.deps;
  const own = serializeHash(next);
  const rest = foreignKeys(win.location.hash);
  const hash = rest.length ? `${own || '#'}${own ? '&' : ''}${rest.join('&')}` : own;
  const url = win.location.pathname + win.location.search + hash;
  if (mode === 'push') win.history.pushState(null, '', url);
  else win.history.replaceState(null, '', url);
  setLast(st, next);
}

/**
 * A pending view with an `id` applies only to that image; another image keeps the
 * link for later and the page names the image it was made for.
 */
function checkLinkIdentity(st: HashSyncState): void {
  const h = st.pending;
  if (h?.id === undefined) return;
  const digest = selectImageInfo(st.deps.store.getState())?.configDigest;
  if (linkMatches(h.id, digest)) {
    setUnmatched(st, null);
    setLinkMismatch(null);
  } else {
    setUnmatched(st, h);
    st.pending = null;
    setLinkMismatch({ linkId: h.id, openedId: linkIdOf(digest) ?? null });
  }
}

/** Which file the image came from, so that a reloaded page's landing can name the file its link needs. */
function rememberOpenedFile(s: AppState): void {
  const image = selectImageInfo(s);
  const id = linkIdOf(image?.configDigest);
  const a = s.slots.a;
  if (id === undefined || a.kind !== 'ready') return;
  rememberLinkFile(pageStorage(), { id, fileName: a.fileName, image: image?.tags[0] ?? null });
}

/**
 * Slot a's load changed: the URL follows it.
 *  - a load starts: a link that matched no image so far is pending for it;
 *    otherwise 'restore' (the first file in this page, the same file again)
 *    takes the URL's view as pending; 'reset' (another file) clears the URL;
 *    'switch' (another image chosen in the page) drops any pending view; 'url'
 *    (another image named by the URL) keeps the one that asked for it;
 *  - its structure is known: the link's identity checked, then the pending
 *    layer, search and filters (or the defaults);
 *  - it is ready: the pending path revealed, then the canonical hash written
 *    (pushState when the image changed: a new place to go back from);
 *  - it failed or was cancelled: the pending view is forgotten.
 */
function onLoadChange(st: HashSyncState, a: LoadState, pa: LoadState) {
  const { store, win } = st.deps;
  const began = a.kind === 'loading' && (pa.kind !== 'loading' || pa.id !== a.id);
  if (a.kind === 'loading') {
    if (began) {
      if (st.unmatched) {
        st.pending = st.unmatched;
      } else if (a.view === 'restore') {
        const h = parseHash(win.location.hash);
        setLast(st, h);
        st.pending = Object.keys(h).length ? h : null;
      } else if (a.view === 'reset') {
        st.pending = null;
        writeHistory(st, {}, 'replace');
      } else if (a.view === 'switch') {
        st.pending = null;
      }
    }
    if (a.structure && (began || pa.kind !== 'loading' || !pa.structure)) {
      checkLinkIdentity(st);
      withApplying(st, () => applyStructureView(store, st.pending));
    }
    return;
  }
  if (a.kind === 'ready') {
    if (pa.kind === 'ready' && pa.id === a.id) return; // the same load (its digests checked)
    const restored = a.id === st.readyId;
    st.readyId = a.id;
    const h = st.pending;
    st.pending = null;
    if (restored) return; // Cancel put back the page shown before, view included
    withApplying(st, () => applyPathView(store, h));
    const s = store.getState();
    rememberOpenedFile(s);
    const next = hashStateFromStore(s);
    const switched = st.last.image !== undefined && st.last.layer !== undefined && st.last.image !== next.image;
    writeHistory(st, next, switched ? 'push' : 'replace');
    return;
  }
  st.pending = null;
}

function onStoreChange(st: HashSyncState, changed: AppState, prev: AppState) {
  let s = changed;
  if (s.slots.a !== prev.slots.a) {
    onLoadChange(st, s.slots.a, prev.slots.a);
    s = st.deps.store.getState(); // what applying the load's view made of it
  }
  // While loading (or with a hash still waiting to be applied) the store does not
  // yet reflect the intended view: writing it now would erase the hash's path.
  if (st.applying || st.pending || selectStatus(s) !== 'ready') return;
  const next = hashStateFromStore(s);
  if (sameHashState(next, st.last)) return;
  const firstView = st.last.image === undefined || st.last.layer === undefined;
  let mode: 'push' | 'replace' = !firstView && isSelectionChange(st.last, next) ? 'push' : 'replace';
  const pathOnly = st.last.image === next.image && st.last.layer === next.layer && st.last.path !== next.path;
  if (pathOnly) {
    const now = (st.deps.now ?? (() => performance.now()))();
    if (now - st.lastPathChangeAt < PATH_COALESCE_MS) mode = 'replace';
    st.lastPathChangeAt = now;
  } else if (mode === 'push') {
    st.lastPathChangeAt = -Infinity;
  }
  writeHistory(st, next, mode);
}

function onLocationChange(st: HashSyncState) {
  const h = parseHash(st.deps.win.location.hash);
  if (sameHashState(h, st.last)) return;
  setLast(st, h);
  const s = st.deps.store.getState();
  const archive = s.slots.a.kind === 'ready' ? s.slots.a.loaded.info : null;
  const image = selectImageInfo(s);
  if (!archive || !image) return; // applied when a file is opened
  const target = imageForLink(archive.images, h);
  if (h.id !== undefined && target === undefined) {
    // A link for an image this archive does not hold: the view stays, the page says so.
    setUnmatched(st, h);
    setLinkMismatch({ linkId: h.id, openedId: linkIdOf(image.configDigest) ?? null });
    return;
  }
  if (h.id !== undefined) {
    setUnmatched(st, null);
    setLinkMismatch(null);
  }
  if (target !== undefined && target !== image.index) {
    st.pending = h;
    void s.chooseImage(target, { fromUrl: true });
    return;
  }
  withApplying(st, () => {
    applyStructureView(st.deps.store, h);
    applyPathView(st.deps.store, h);
  });
}

/** Start syncing (once per page). Returns a function that stops it. */
export function installHashSync(deps: HashSyncDeps): () => void {
  const st: HashSyncState = { deps, last: {}, applying: false, pending: null, lastPathChangeAt: -Infinity, unmatched: null, readyId: null };
  sync = st;
  setLast(st, parseHash(deps.win.location.hash));
  const unsub = deps.store.subscribe((s, prev) => onStoreChange(st, s, prev));
  const onLoc = () => onLocationChange(st);
  deps.win.addEventListener('popstate', onLoc);
  deps.win.addEventListener('hashchange', onLoc);
  return () => {
    unsub();
    deps.win.removeEventListener('popstate', onLoc);
    deps.win.removeEventListener('hashchange', onLoc);
    if (sync === st) sync = null;
  };
}

/** Forget a link that matched no image (the user dismissed its notice). */
export function dismissUnmatchedLink(): void {
  if (sync) setUnmatched(sync, null);
  setLinkMismatch(null);
}
