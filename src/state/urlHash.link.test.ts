/**
 * Links carry the image they were made for (`id`): the view applies to that
 * image only; another image opened instead leaves the view unapplied, raises
 * the notice, and keeps the link for the next image opened.
 */
import { describe, expect, it } from 'vitest';
import type { StoreApi } from 'zustand/vanilla';
import { createAppStore, type AppState } from './store';
import { inProcessHost } from './inProcessHost';
import type { LoadState } from './loadSlice';
import { buildUnion } from '../core/model/union';
import { layer } from '../core/model/union.testkit';
import type { ImageInfo, LayerIndex } from '../core/types';
import type { LoadedImage } from '../core/session';
import { dismissUnmatchedLink, installHashSync } from './urlHash';
import { useLinkNotice } from './linkNotice';

const A = `sha256:${'ab12cd34ef56'.padEnd(64, '0')}`;
const B = `sha256:${'0123456789ab'.padEnd(64, 'f')}`;

const LAYERS: LayerIndex[] = [
  layer([
    ['etc/', 'dir'],
    ['etc/motd', 'file', 12],
  ]),
  layer([['usr/bin/tool', 'file', 100]]),
];

function imageInfo(index: number, configDigest: string): ImageInfo {
  return {
    index,
    tags: [],
    platform: null,
    manifestDigest: null,
    configDigest,
    created: null,
    author: null,
    config: {},
    history: [],
    layers: LAYERS.map((_, i) => ({
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

class FakeWindow {
  location = { pathname: '/', search: '', hash: '' };
  private listeners = new Map<string, Set<() => void>>();
  history = {
    pushState: (_: unknown, __: string, url: string) => this.set(url),
    replaceState: (_: unknown, __: string, url: string) => this.set(url),
  };
  private set(url: string) {
    const i = url.indexOf('#');
    this.location.hash = i < 0 ? '' : url.slice(i);
  }
  addEventListener(t: string, f: () => void) {
    if (!this.listeners.has(t)) this.listeners.set(t, new Set());
    this.listeners.get(t)!.add(f);
  }
  removeEventListener(t: string, f: () => void) {
    this.listeners.get(t)?.delete(f);
  }
  navigate(hash: string) {
    this.location.hash = hash;
    for (const f of this.listeners.get('hashchange') ?? []) f();
  }
}

function setup(initialHash: string) {
  const store = createAppStore(inProcessHost());
  const win = new FakeWindow();
  win.location.hash = initialHash;
  const chosen: number[] = [];
  useLinkNotice.setState({ mismatch: null });
  // The load action the sync calls when the URL names another image: recorded here.
  store.setState({
    chooseImage: (i: number) => {
      chosen.push(i);
      return Promise.resolve();
    },
  });
  const stop = installHashSync({ store, win: win as unknown as Window });
  return { store, win, chosen, stop };
}

let nextId = 1;

/** The states slot a goes through in a load of one image (archive: images with these digests); the sync only watches them. */
function simulateLoad(store: StoreApi<AppState>, mode: 'restore' | 'reset', digests: string[], index = 0) {
  const id = nextId++;
  const image = imageInfo(index, digests[index]!);
  const info = { format: 'oci' as const, outerCompression: 'none' as const, images: digests.map((d, i) => imageInfo(i, d)), platforms: [], warnings: [] };
  const loaded = { union: buildUnion(LAYERS), image, layers: LAYERS, info } as unknown as LoadedImage;
  const common = { id, file: new Blob([]), fileName: 'x.tar', startedAt: 0, view: mode };
  const set = (a: LoadState) => store.setState({ slots: { ...store.getState().slots, a } });
  const loading = { ...common, kind: 'loading' as const, opened: null, archiveProgress: null, structure: null, layers: [], indexes: [], partial: null };
  set(loading);
  set({ ...loading, structure: image });
  set({ ...common, kind: 'ready', finishedAt: 0, opened: { info, outer: loaded.outer }, loaded, layers: [], digests: 'checked' });
}

describe('a link with an image identity', () => {
  it('applies to its image, and the URL keeps the identity', () => {
    const { store, win, stop } = setup('#id=ab12cd34ef56&layer=0&path=/etc/motd&q=motd');
    simulateLoad(store, 'restore', [A]);
    expect(store.getState().selectedLayer).toBe(0);
    expect(store.getState().selectedPath).toBe('/etc/motd');
    expect(store.getState().search).toBe('motd');
    expect(useLinkNotice.getState().mismatch).toBeNull();
    expect(win.location.hash).toBe('#id=ab12cd34ef56&image=0&layer=0&path=/etc/motd&q=motd');
    stop();
  });

  it('is not applied to another image: the notice names both, and the next image opened gets the link', () => {
    const { store, win, stop } = setup('#id=ab12cd34ef56&layer=0&path=/etc/motd&q=motd');
    simulateLoad(store, 'restore', [B]);
    let s = store.getState();
    expect([s.selectedLayer, s.selectedPath, s.search]).toEqual([1, null, '']);
    expect(useLinkNotice.getState().mismatch).toEqual({ linkId: 'ab12cd34ef56', openedId: '0123456789ab' });
    expect(win.location.hash).toBe('#id=0123456789ab&image=0&layer=1');
    // A different file, the right one this time: the link's view applies and the notice goes.
    simulateLoad(store, 'reset', [A]);
    s = store.getState();
    expect([s.selectedLayer, s.selectedPath, s.search]).toEqual([0, '/etc/motd', 'motd']);
    expect(useLinkNotice.getState().mismatch).toBeNull();
    stop();
  });

  it('dismissed, the link is forgotten', () => {
    const { store, stop } = setup('#id=ab12cd34ef56&layer=0');
    simulateLoad(store, 'restore', [B]);
    dismissUnmatchedLink();
    expect(useLinkNotice.getState().mismatch).toBeNull();
    simulateLoad(store, 'reset', [A]);
    expect(store.getState().selectedLayer).toBe(1);
    stop();
  });

  it('opens the image of the archive it names, whatever index it says', () => {
    const { store, win, chosen, stop } = setup('');
    simulateLoad(store, 'restore', [B, A]);
    win.navigate('#id=ab12cd34ef56&image=0&layer=0');
    expect(chosen).toEqual([1]);
    // Edited to an image this archive does not hold: nothing applied, the notice.
    win.navigate('#id=ffffffffffff&layer=0');
    expect(chosen).toEqual([1]);
    expect(useLinkNotice.getState().mismatch?.linkId).toBe('ffffffffffff');
    expect(store.getState().selectedLayer).toBe(1);
    stop();
  });

  it('a link without an identity (written before them) still applies as before', () => {
    const { store, stop } = setup('#layer=0&path=/etc/motd');
    simulateLoad(store, 'restore', [B]);
    expect(store.getState().selectedPath).toBe('/etc/motd');
    expect(useLinkNotice.getState().mismatch).toBeNull();
    stop();
  });
});
