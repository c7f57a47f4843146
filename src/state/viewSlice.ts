/**
 * What the user is looking at: selected layer and path, expanded directories,
 * filters, sort and search. Mirrored into the URL hash (src/state/urlHash.ts).
 */
import type { StateCreator } from 'zustand';
import type { AppState } from './store';
import type { HashState } from './urlHash';

export type SearchMode = 'substring' | 'glob' | 'regex';
export type SortKey = 'name' | 'size';
export type RightPane = 'details' | 'image' | 'audit';

export interface ChangeFilters {
  added: boolean;
  modified: boolean;
  deleted: boolean;
  unchanged: boolean;
}

export interface ViewSlice {
  /** Layer whose filesystem is shown (0 = bottom); -1 until an image is loaded (then the top). */
  selectedLayer: number;
  /** Absolute path ('/etc/motd') of the selected tree row, or null. */
  selectedPath: string | null;
  /** Absolute paths of expanded directories. Replaced whole on change. */
  expanded: ReadonlySet<string>;
  filters: ChangeFilters;
  /** Show only what the selected layer changed. */
  onlyLayerChanges: boolean;
  /** Show deleted paths struck through. */
  showDeleted: boolean;
  sort: SortKey;
  search: string;
  searchMode: SearchMode;
  /** Stack diagram scale. */
  logScale: boolean;
  /** What the right-hand pane shows: the selected path's details, or the image panel. */
  rightPane: RightPane;
  /**
   * The URL's view for the next load (written only by the hash sync, urlHash.ts): a
   * load that restores the URL's view opens the image it names; a link made for
   * another image (`anyLoad`) applies to any load until one matches it.
   */
  urlLink: { view: HashState; anyLoad: boolean } | null;

  selectLayer(n: number): void;
  selectPath(p: string | null): void;
  setExpanded(s: ReadonlySet<string>): void;
  toggleExpanded(p: string): void;
  setFilters(f: Partial<ChangeFilters>): void;
  setView(patch: Partial<Pick<ViewSlice, 'onlyLayerChanges' | 'showDeleted' | 'sort' | 'search' | 'searchMode' | 'logScale'>>): void;
  setRightPane(p: RightPane): void;
}

export const DEFAULT_FILTERS: ChangeFilters = { added: true, modified: true, deleted: true, unchanged: true };

/** The tree's view: what a load of slot 'a' resets, and Cancel restores. */
export type TreeView = Pick<
  ViewSlice,
  'selectedLayer' | 'selectedPath' | 'expanded' | 'filters' | 'onlyLayerChanges' | 'showDeleted' | 'sort' | 'search' | 'searchMode'
>;

/**
 * The view a new file starts with (the URL's view, if it applies, sets it once the
 * structure is known): the store's start, a new load and the bench harness use this one
 * definition. A fresh `expanded` each time, so no two states share the Set.
 */
export function defaultView(): TreeView {
  return {
    selectedLayer: -1,
    selectedPath: null,
    expanded: new Set(['/']),
    filters: DEFAULT_FILTERS,
    onlyLayerChanges: false,
    showDeleted: true,
    sort: 'name',
    search: '',
    searchMode: 'substring',
  };
}

export const createViewSlice: StateCreator<AppState, [], [], ViewSlice> = (set) => ({
  ...defaultView(),
  logScale: false,
  rightPane: 'details',
  urlLink: null,
  selectLayer: (n) => set({ selectedLayer: n }),
  selectPath: (p) => set({ selectedPath: p }),
  setExpanded: (s) => set({ expanded: s }),
  toggleExpanded: (p) =>
    set((st) => {
      const next = new Set(st.expanded);
      if (next.has(p)) next.delete(p);
      else next.add(p);
      return { expanded: next };
    }),
  setFilters: (f) => set((st) => ({ filters: { ...st.filters, ...f } })),
  setView: (patch) => set(patch),
  setRightPane: (p) => set({ rightPane: p }),
});
