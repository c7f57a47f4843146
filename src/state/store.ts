/**
 * The one zustand store, built from slices (load, view, and the teaching
 * features add theirs). Components select narrowly: `useStore((s) => s.x)`.
 */
import { create } from 'zustand';
import { createLoadSlice, type LoadSlice } from './loadSlice';
import { createViewSlice, type ViewSlice } from './viewSlice';

export type AppState = LoadSlice & ViewSlice;

export const useStore = create<AppState>()((...a) => ({
  ...createLoadSlice(...a),
  ...createViewSlice(...a),
}));
