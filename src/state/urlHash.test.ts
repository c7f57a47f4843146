import { describe, expect, it } from 'vitest';
import { isSelectionChange, normalizeHashPath, parseHash, sameHashState, serializeHash, type HashState } from './urlHash';

describe('parseHash', () => {
  it('reads the documented keys', () => {
    expect(parseHash('#image=1&layer=3&path=/etc/motd&q=conf&mode=glob&show=amd&only=1&deleted=0&sort=size')).toEqual({
      image: 1,
      layer: 3,
      path: '/etc/motd',
      q: 'conf',
      mode: 'glob',
      filters: { added: true, modified: true, deleted: true, unchanged: false },
      only: true,
      deleted: false,
      sort: 'size',
    });
  });

  it('accepts the testing contract form without image', () => {
    expect(parseHash('#layer=2&path=/bin/sh')).toEqual({ layer: 2, path: '/bin/sh' });
  });

  it('works without the leading #', () => {
    expect(parseHash('layer=0')).toEqual({ layer: 0 });
  });

  it('is empty for an empty hash', () => {
    expect(parseHash('')).toEqual({});
    expect(parseHash('#')).toEqual({});
  });

  it('ignores bad numbers, unknown keys and unknown enum values', () => {
    expect(parseHash('#layer=-1&image=x&foo=bar&mode=fuzzy&sort=date&show=xyz&only=maybe')).toEqual({});
    expect(parseHash('#layer=3.5')).toEqual({});
    expect(parseHash('#layer=99999999')).toEqual({});
  });

  it('percent-decodes, but keeps + as a literal (a legal file name character)', () => {
    expect(parseHash('#path=/usr/lib/libstdc++.so.6').path).toBe('/usr/lib/libstdc++.so.6');
    expect(parseHash('#path=/a%20b/%C3%A9t%C3%A9').path).toBe('/a b/été');
    expect(parseHash('#q=a%26b%3Dc').q).toBe('a&b=c');
  });

  it('keeps the raw text of a malformed escape', () => {
    expect(parseHash('#path=/100%').path).toBe('/100%');
  });

  it('normalizes paths: leading slash, duplicate slashes, dot segments, trailing slash', () => {
    expect(parseHash('#path=etc//apt/./sources.list/').path).toBe('/etc/apt/sources.list');
    expect(parseHash('#path=/../../etc').path).toBe('/etc');
    expect(parseHash('#path=/').path).toBe('/');
    expect(parseHash('#path=').path).toBeUndefined();
  });

  it('show= with no letters hides every change kind', () => {
    expect(parseHash('#show=').filters).toEqual({ added: false, modified: false, deleted: false, unchanged: false });
  });
});

describe('serializeHash', () => {
  it('omits defaults and writes keys in a fixed order', () => {
    expect(serializeHash({})).toBe('');
    expect(serializeHash({ path: '/etc/motd', layer: 3, image: 0 })).toBe('#image=0&layer=3&path=/etc/motd');
    expect(
      serializeHash({
        mode: 'substring',
        sort: 'name',
        deleted: true,
        only: false,
        filters: { added: true, modified: true, deleted: true, unchanged: true },
      }),
    ).toBe('');
  });

  it('escapes what would break the hash but keeps slashes readable', () => {
    expect(serializeHash({ path: '/a b/c&d=e#f' })).toBe('#path=/a%20b/c%26d%3De%23f');
    expect(serializeHash({ q: '**/*.so' })).toBe('#q=**/*.so');
  });

  it('round-trips', () => {
    const cases: HashState[] = [
      { image: 2, layer: 0, path: '/' },
      { layer: 13, path: '/usr/lib/libstdc++.so.6', q: 'a&b', mode: 'regex' },
      { filters: { added: false, modified: true, deleted: false, unchanged: true }, only: true, deleted: false, sort: 'size' },
      { path: '/été/日本/file with spaces' },
    ];
    for (const c of cases) expect(parseHash(serializeHash(c))).toEqual(c);
  });
});

describe('comparisons', () => {
  it('treats defaults as equal to absent values', () => {
    expect(sameHashState({ mode: 'substring', sort: 'name' }, {})).toBe(true);
    expect(sameHashState({ layer: 1 }, { layer: 2 })).toBe(false);
  });

  it('a selection change is a change of image, layer or path', () => {
    expect(isSelectionChange({ layer: 1, q: 'a' }, { layer: 1, q: 'ab' })).toBe(false);
    expect(isSelectionChange({ layer: 1 }, { layer: 2 })).toBe(true);
    expect(isSelectionChange({ layer: 1, path: '/a' }, { layer: 1, path: '/b' })).toBe(true);
    expect(isSelectionChange({ image: 0 }, { image: 1 })).toBe(true);
  });
});

describe('paths', () => {
  it('normalizeHashPath', () => {
    expect(normalizeHashPath('a/b')).toBe('/a/b');
    expect(normalizeHashPath('/')).toBe('/');
    expect(normalizeHashPath('')).toBeUndefined();
  });
});

/* ------------------------------------------------ applying to a store, and the sync */

import type { StoreApi } from 'zustand/vanilla';
import { createAppStore, type AppState } from './store';
import { inProcessHost } from './inProcessHost';
import type { LoadingLoad, ReadyLoad, ViewIntent } from './loadSlice';
import { buildUnion } from '../core/model/union';
import { layer } from '../core/model/union.testkit';
import type { ImageInfo, LayerIndex } from '../core/types';
import type { LoadedImage } from '../core/session';
import { applyPathView, applyStructureView, installHashSync, PATH_COALESCE_MS } from './urlHash';

function makeStore(): StoreApi<AppState> {
  return createAppStore(inProcessHost());
}

const LAYERS: LayerIndex[] = [
  layer([
    ['etc/', 'dir'],
    ['etc/motd', 'file', 12],
    ['etc/apt/sources.list', 'file', 40],
  ]),
  layer([
    ['etc/motd', 'file', 20],
    ['usr/bin/tool', 'file', 100],
  ]),
  layer([['etc/.wh.motd', 'whiteout']]),
];

function imageInfo(index = 0, n = LAYERS.length): ImageInfo {
  return {
    index,
    tags: [],
    platform: null,
    manifestDigest: null,
    configDigest: null,
    created: null,
    author: null,
    config: {},
    history: [],
    layers: Array.from({ length: n }, (_, i) => ({
      index: i,
      digest: null,
      diffId: null,
      mediaType: null,
      blob: { entryName: `l${i}`, offset: 0, size: 0 },
      compression: 'none' as const,
      createdBy: null,
      sharedWith: [],
    })),
    rawConfig: {},
  };
}

const ARCHIVE = { format: 'oci' as const, outerCompression: 'none' as const, images: [imageInfo(0), imageInfo(1)], platforms: [], warnings: [] };
let nextId = 100;

/** Slot a as a load of image `index` (with the `id` of the load it ends) ready. */
function loadInto(store: StoreApi<AppState>, index = 0, id = nextId++, view: ViewIntent = 'restore') {
  const union = buildUnion(LAYERS);
  const image = imageInfo(index);
  const loaded = { union, image, layers: LAYERS, info: ARCHIVE } as unknown as LoadedImage;
  const ready: ReadyLoad = {
    kind: 'ready',
    id,
    file: new Blob([]),
    fileName: 'x.tar',
    startedAt: 0,
    finishedAt: 0,
    view,
    opened: { info: ARCHIVE, outer: loaded.outer },
    loaded,
    layers: [],
    digests: 'checked',
  };
  store.setState({ slots: { ...store.getState().slots, a: ready } });
}

/** Slot a loading image `index` (its structure known, or not yet). */
function loadingInto(store: StoreApi<AppState>, id: number, view: ViewIntent, index: number | null) {
  const loading: LoadingLoad = {
    kind: 'loading',
    id,
    file: new Blob([]),
    fileName: 'x.tar',
    startedAt: 0,
    view,
    opened: null,
    archiveProgress: null,
    structure: index === null ? null : imageInfo(index),
    layers: [],
    indexes: [],
    partial: null,
  };
  store.setState({ slots: { ...store.getState().slots, a: loading } });
}

describe('applying a hash to the store', () => {
  it('selects the layer, or the top layer when the hash names none or one out of range', () => {
    const store = makeStore();
    loadInto(store);
    applyStructureView(store, { layer: 1, q: 'motd', mode: 'glob', sort: 'size', deleted: false });
    let s = store.getState();
    expect([s.selectedLayer, s.search, s.searchMode, s.sort, s.showDeleted]).toEqual([1, 'motd', 'glob', 'size', false]);
    applyStructureView(store, { layer: 7 });
    s = store.getState();
    expect([s.selectedLayer, s.search, s.searchMode, s.sort, s.showDeleted]).toEqual([2, '', 'substring', 'name', true]);
    store.getState().setView({ search: 'kept' });
    store.getState().selectLayer(0);
    applyStructureView(store, null);
    // No hash: the top layer; search and filters left as they were.
    expect([store.getState().selectedLayer, store.getState().search]).toEqual([2, 'kept']);
  });

  it('reveals a path (ancestors expanded) and selects it; a path the image never had selects nothing', () => {
    const store = makeStore();
    loadInto(store);
    applyPathView(store, { path: '/etc/apt/sources.list' });
    let s = store.getState();
    expect(s.selectedPath).toBe('/etc/apt/sources.list');
    expect([...s.expanded].sort()).toEqual(['/', '/etc', '/etc/apt']);
    // A deleted path still exists in the union (its history is worth showing).
    applyPathView(store, { path: '/etc/motd' });
    expect(store.getState().selectedPath).toBe('/etc/motd');
    applyPathView(store, { path: '/no/such/file' });
    s = store.getState();
    expect(s.selectedPath).toBeNull();
  });
});

/** Just enough of `window` for the sync: location, history with Back, events. */
class FakeWindow {
  location = { pathname: '/', search: '', hash: '' };
  private stack: string[] = [''];
  private pos = 0;
  private listeners = new Map<string, Set<() => void>>();
  pushes = 0;
  replaces = 0;
  history = {
    pushState: (_: unknown, __: string, url: string) => {
      this.pushes++;
      this.stack = this.stack.slice(0, this.pos + 1);
      this.stack.push(this.hashOf(url));
      this.pos++;
      this.location.hash = this.stack[this.pos]!;
    },
    replaceState: (_: unknown, __: string, url: string) => {
      this.replaces++;
      this.stack[this.pos] = this.hashOf(url);
      this.location.hash = this.stack[this.pos]!;
    },
  };
  private hashOf(url: string) {
    const i = url.indexOf('#');
    return i < 0 ? '' : url.slice(i);
  }
  addEventListener(t: string, f: () => void) {
    if (!this.listeners.has(t)) this.listeners.set(t, new Set());
    this.listeners.get(t)!.add(f);
  }
  removeEventListener(t: string, f: () => void) {
    this.listeners.get(t)?.delete(f);
  }
  back() {
    this.pos--;
    this.location.hash = this.stack[this.pos]!;
    for (const f of this.listeners.get('popstate') ?? []) f();
  }
  /** The user edits the hash in the address bar (a new entry, then hashchange). */
  navigate(hash: string) {
    this.stack = this.stack.slice(0, this.pos + 1);
    this.stack.push(hash);
    this.pos++;
    this.location.hash = hash;
    for (const f of this.listeners.get('hashchange') ?? []) f();
  }
  forward() {
    this.pos++;
    this.location.hash = this.stack[this.pos]!;
    for (const f of this.listeners.get('popstate') ?? []) f();
  }
}

describe('hash sync', () => {
  function setup(initialHash = '') {
    const store = makeStore();
    const win = new FakeWindow();
    win.location.hash = initialHash;
    const chosen: number[] = [];
    const clock = { t: 0 };
    // The load action the sync calls when the URL names another image: recorded here.
    store.setState({
      chooseImage: (i: number) => {
        chosen.push(i);
        return Promise.resolve();
      },
    });
    const stop = installHashSync({ store, win: win as unknown as Window, now: () => clock.t });
    return { store, win, chosen, stop, clock };
  }

  /** The states slot a goes through in a load (the sync only watches them): started, structure known, ready. */
  function simulateLoad(store: StoreApi<AppState>, mode: 'restore' | 'reset') {
    const id = nextId++;
    loadingInto(store, id, mode, null);
    loadingInto(store, id, mode, 0);
    loadInto(store, 0, id, mode);
  }

  it('restores #layer=N&path=… on load: selects the layer, reveals and selects the path', () => {
    const { store, win, stop } = setup('#layer=1&path=/etc/apt/sources.list');
    simulateLoad(store, 'restore');
    const s = store.getState();
    expect(s.selectedLayer).toBe(1);
    expect(s.selectedPath).toBe('/etc/apt/sources.list');
    expect(s.expanded.has('/etc/apt')).toBe(true);
    // The URL gets the canonical form (image added), by replaceState: no extra history entry.
    expect(win.location.hash).toBe('#image=0&layer=1&path=/etc/apt/sources.list');
    expect(win.pushes).toBe(0);
    stop();
  });

  it("keys it does not own (a comparison's, ui/Compare/compareHash.ts) are kept when it writes", () => {
    const { store, win, stop } = setup('#layer=1&cmp=layers&la=0&lb=1&cpath=/etc/motd');
    simulateLoad(store, 'restore');
    expect(win.location.hash).toBe('#image=0&layer=1&cmp=layers&la=0&lb=1&cpath=/etc/motd');
    store.getState().selectLayer(0);
    expect(win.location.hash).toBe('#image=0&layer=0&cmp=layers&la=0&lb=1&cpath=/etc/motd');
    stop();
  });

  it('a different file clears the previous view from the URL', () => {
    const { store, win, stop } = setup('#layer=0&path=/etc/motd');
    simulateLoad(store, 'reset');
    expect(store.getState().selectedLayer).toBe(2);
    expect(store.getState().selectedPath).toBeNull();
    expect(win.location.hash).toBe('#image=0&layer=2');
    stop();
  });

  it('selection changes push history entries; Back and Forward restore them', () => {
    const { store, win, stop } = setup();
    simulateLoad(store, 'restore');
    expect(win.location.hash).toBe('#image=0&layer=2');
    store.getState().selectLayer(0);
    expect(win.location.hash).toBe('#image=0&layer=0');
    store.getState().selectPath('/etc/motd');
    expect(win.location.hash).toBe('#image=0&layer=0&path=/etc/motd');
    expect(win.pushes).toBe(2);

    win.back();
    expect(store.getState().selectedPath).toBeNull();
    expect(store.getState().selectedLayer).toBe(0);
    win.back();
    expect(store.getState().selectedLayer).toBe(2);
    win.forward();
    win.forward();
    expect(store.getState().selectedLayer).toBe(0);
    expect(store.getState().selectedPath).toBe('/etc/motd');
    // Applying a popped state must not push new entries.
    expect(win.pushes).toBe(2);
    stop();
  });

  it('path changes in quick succession (arrow keys) share one entry; a path looked at longer, or a layer change, gets its own', () => {
    const { store, win, stop, clock } = setup();
    simulateLoad(store, 'restore');
    const pushes0 = win.pushes;
    clock.t = 10_000;
    store.getState().selectPath('/etc');
    for (const p of ['/etc/apt', '/etc/apt/sources.list', '/etc/motd']) {
      clock.t += 80; // key repeat
      store.getState().selectPath(p);
    }
    expect(win.pushes).toBe(pushes0 + 1);
    expect(win.location.hash).toContain('path=/etc/motd');
    clock.t += PATH_COALESCE_MS + 1; // read /etc/motd for a while, then move on
    store.getState().selectPath('/etc/apt');
    expect(win.pushes).toBe(pushes0 + 2);
    store.getState().selectLayer(0);
    clock.t += 10;
    store.getState().selectPath('/etc/motd'); // right after a layer change: still a new place
    expect(win.pushes).toBe(pushes0 + 4);
    win.back();
    expect(store.getState().selectedLayer).toBe(0);
    expect(store.getState().selectedPath).toBe('/etc/apt');
    win.back();
    win.back();
    expect(store.getState().selectedPath).toBe('/etc/motd');
    win.back();
    expect(store.getState().selectedPath).toBeNull();
    stop();
  });

  it('typing in the search field replaces the entry instead of pushing', () => {
    const { store, win, stop } = setup();
    simulateLoad(store, 'restore');
    const pushes = win.pushes;
    store.getState().setView({ search: 'm' });
    store.getState().setView({ search: 'mo' });
    store.getState().setView({ search: 'motd' });
    expect(win.pushes).toBe(pushes);
    expect(win.location.hash).toBe('#image=0&layer=2&q=motd');
    stop();
  });

  it('a hash naming another image of the archive asks the loader to switch, then applies the rest', () => {
    const { store, win, chosen, stop } = setup();
    simulateLoad(store, 'restore');
    win.navigate('#image=1&layer=0&path=/usr/bin/tool');
    expect(chosen).toEqual([1]);
    // The loader re-opens image 1 (the pending view is kept for it) …
    const id = nextId++;
    loadingInto(store, id, 'url', null);
    loadingInto(store, id, 'url', 1);
    expect(store.getState().selectedLayer).toBe(0);
    loadInto(store, 1, id, 'url');
    // … and the path is revealed once it is loaded.
    expect(store.getState().selectedPath).toBe('/usr/bin/tool');
    expect(win.location.hash).toBe('#image=1&layer=0&path=/usr/bin/tool');
    stop();
  });

  it('a hash naming the same image applies directly (layer and path)', () => {
    const { store, win, chosen, stop } = setup();
    simulateLoad(store, 'restore');
    win.navigate('#layer=1&path=/etc/apt/sources.list');
    expect(chosen).toEqual([]);
    expect(store.getState().selectedLayer).toBe(1);
    expect(store.getState().selectedPath).toBe('/etc/apt/sources.list');
    stop();
  });

  it('does not write the URL while loading (the pending path would be lost)', () => {
    const { store, win, stop } = setup('#layer=1&path=/usr/bin/tool');
    loadingInto(store, 1, 'restore', null);
    loadingInto(store, 1, 'restore', 0);
    store.getState().selectLayer(0);
    expect(win.location.hash).toBe('#layer=1&path=/usr/bin/tool');
    stop();
  });
});
