/**
 * The one zustand store, built from slices (the load states, the view, the
 * playground). Components select narrowly, through the selectors
 * (selectors.ts) for anything about the loaded images: `useStore(selectShown)`.
 *
 * createAppStore(host) makes a store over any engine host (inProcessHost in
 * Node tests); `useStore` is the page's, over the worker pools.
 */
import { create } from 'zustand';
import { createLoadSlice, type LoadSlice } from './loadSlice';
import { createViewSlice, type ViewSlice } from './viewSlice';
import { createPlaygroundSlice, type PlaygroundSlice } from './playgroundSlice';
import { pageHost, type EngineHost } from './engineHost';

export type AppState = LoadSlice & ViewSlice & PlaygroundSlice;

export function createAppStore(host: EngineHost) {
  return create<AppState>()((...a) => ({
    ...createLoadSlice(host)(...a),
    ...createViewSlice(...a),
    ...createPlaygroundSlice(...a),
  }));
}

export type AppStore = ReturnType<typeof createAppStore>;

/** The page's store (its host starts no worker until a file is opened). */
export const useStore: AppStore = createAppStore(pageHost());
