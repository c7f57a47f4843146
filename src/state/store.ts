/**
 * The one zustand store, built from slices (load, view, and the teaching
 * features add theirs). Components select narrowly: `useStore((s) => s.x)`.
 */
import { create } from 'zustand';
import { createLoadSlice, type LoadSlice } from './loadSlice';
import { createViewSlice, type ViewSlice } from './viewSlice';
import { createPlaygroundSlice, type PlaygroundSlice } from './playgroundSlice';

export type AppState = LoadSlice & ViewSlice & PlaygroundSlice;

export const useStore = create<AppState>()((...a) => ({
  ...createLoadSlice(...a),
  ...createViewSlice(...a),
  ...createPlaygroundSlice(...a),
}));
