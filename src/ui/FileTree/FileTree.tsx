/**
 * The merged file tree of the selected layer: a virtualized ARIA tree (rows are
 * computed by src/state/treeModel.ts, only the rows on screen are in the DOM),
 * with dive-like change filters, "only this layer's changes", deleted paths
 * struck through, sort, and search (substring / glob / regex).
 *
 * Keyboard (WAI-ARIA tree pattern): Up/Down move, Right expands or goes to the
 * first child, Left collapses or goes to the parent, Home/End, PageUp/PageDown,
 * Enter toggles a directory or opens a file's details, `/` focuses the search,
 * Escape in the search clears it. Focus stays on the tree element and the active
 * row is announced through aria-activedescendant, so rows can come and go as the
 * list scrolls without losing focus.
 */
import { memo, useCallback, useEffect, useEffectEvent, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { elementScroll, useVirtualizer, type Rect, type Virtualizer, type VirtualizerOptions } from '@tanstack/react-virtual';
import { useResetState } from '../hooks/useResetState';
import { useStore } from '../../state/store';
import { selectWithPreview } from '../Preview/target';
import { hasMerged, mergedOf, useDeferredMerged, type Layers } from '../../state/hooks';
import {
  compileSearch,
  expandedFlags,
  filterTree,
  flattenTree,
  type SearchProgress,
  type SearchStopped,
  modeString,
  isOpen,
  nodeFlags,
  nodeInfo,
  rowOf,
  subtreeSize,
  warmUpSteps,
  F_HAS_CHILD,
  F_INCLUDED,
  autoOpen,
  F_OPEN,
  F_MATCH,
  F_PASS,
  type FlattenOptions,
  type TreeFilter,
  type TreeRows,
} from '../../state/treeModel';
import { ancestorsOf, lookup, pathOf, type MergedView, type UnionModel } from '../../core/model/union';
import { EntryKind } from '../../core/types';
import type { SearchMode, SortKey } from '../../state/viewSlice';
import { layerColor, layerTint } from '../colors';
import { formatBytes, formatCount, formatDuration } from '../format/format';
import { displayName } from '../format/displayName';
import { SafeText } from '../format/SafeText';
import { descendantsChanged, firstLayerWithMatch, splitName, throughOf } from './rowModel';
import { useTreeSearch } from './useTreeSearch';
import { revealDetailsIfStacked } from '../Layout/Explorer';
import { OPEN_KEY_HELP, TYPEAHEAD_RESET_MS, findByPrefix, isTypeaheadKey, matchShortcut } from '../Keys/keys';
import { failingLayers } from '../StackDiagram/integrity';
import './FileTree.css';
import { selectImageInfo, selectShown, selectStatus } from '../../state/selectors';

/** Indentation per tree level; it shrinks (down to INDENT_MIN_PX) before a name gives way. */
const INDENT_PX = 16;
const INDENT_MIN_PX = 6;
/** Ctrl+B (attributes column) is remembered across visits. */
const ATTRS_PREF_KEY = 'layerscope.tree.attributes';
function readAttrsPref(): boolean {
  try {
    return globalThis.localStorage?.getItem(ATTRS_PREF_KEY) !== 'off';
  } catch {
    return true;
  }
}
export function writeAttrsPref(on: boolean): void {
  try {
    globalThis.localStorage?.setItem(ATTRS_PREF_KEY, on ? 'on' : 'off');
  } catch {
    // storage disabled: the choice lasts for this page
  }
}

/** Row height in px. 22 px keeps 1.5 M rows under Chromium's ~33.5 M px element height limit. */
export const ROW_HEIGHT = 22;
/**
 * Rows rendered beyond the viewport on each side: half a screen covers a wheel
 * notch without blank flashes, while every extra row costs style and layout on
 * each change (about ten elements per row).
 */
const OVERSCAN = 12;
/** Pause after the last keystroke before searching: one search per burst of typing, well inside the 100 ms budget. */
export const SEARCH_DEBOUNCE_MS = 60;
/** Where requestIdleCallback is missing (Safari), the warm-up's slice per timer: well inside a frame. */
const WARM_UP_TIMER_SLICE_MS = 10;
/** No directory collapsed by hand (one shared value, so that a reset keeps the rows' memo). */
const NONE_COLLAPSED: ReadonlySet<number> = new Set();

/** "Only this layer's changes" opens every directory when it shows at most this many rows (a base layer's thousands stay collapsed). */
export const ONLY_CHANGES_AUTO_EXPAND_MAX = 4000;
/** Expanding a whole subtree (`*`, Expand all) stops after this many directories: the expanded set is kept as path strings. */
export const EXPAND_SUBTREE_MAX_DIRS = 20_000;

const CHANGE_MARK: Record<string, string> = { added: '+', modified: '~', deleted: '−', unchanged: '' };
const SEARCH_MODE_LABEL: Record<SearchMode, string> = { substring: 'Text', glob: 'Glob', regex: 'Regex' };
const SEARCH_HELP =
  'Without “/” the pattern is tested against names; with “/” against the full path. ' +
  'Glob: * and ? stay within a name, ** spans directories, [a-z] classes; a pattern starting with “/” is anchored at the root.';

/**
 * The tree scroller's last size (its ResizeObserver's last report): a tree mounted
 * again (back from the comparison view) lays out its first frame with it. The first
 * mount starts from the window's height, which reads no layout: a few rows too many
 * for one frame, never a blank tree.
 */
let lastScrollerRect: Rect | null = null;

/**
 * The virtualizer's viewport size, from a ResizeObserver only. @tanstack/virtual's
 * default also reads clientWidth/clientHeight as it starts observing, in the
 * commit's layout effect: the explorer's first render (the drop) has just built
 * the whole page, so that read forced its style and layout inside the change
 * event's task (33–62 ms of the drop's 88–122 ms on the benchmark images, issue
 * 13). The observer's first report comes in the same frame, after the browser's
 * own layout, where the read costs nothing.
 */
export function observeScrollerRect(instance: Virtualizer<HTMLDivElement, Element>, cb: (rect: Rect) => void): (() => void) | undefined {
  const el = instance.scrollElement;
  if (!el) return undefined;
  const ro = new ResizeObserver(() => {
    lastScrollerRect = { width: el.clientWidth, height: el.clientHeight };
    cb(lastScrollerRect);
  });
  ro.observe(el, { box: 'content-box' });
  return () => ro.disconnect();
}

/** Tree scrollers the virtualizer has written a position to. */
const scrolledOnce = new WeakSet<Element>();

/**
 * The virtualizer's scroll writes, but for a new scroller's first one when it is 0:
 * @tanstack/virtual writes its initial offset as it starts observing (in the commit's
 * layout effect), and scrollTo() lays the page out first — at the drop that was the
 * whole page just built, inside the change event's task (issue 13). A new element is
 * at 0 already, and no scroll by the user can come before the commit that mounts it.
 */
export const scrollScroller: VirtualizerOptions<HTMLDivElement, Element>['scrollToFn'] = (offset, options, instance) => {
  const el = instance.scrollElement;
  if (el && !scrolledOnce.has(el)) {
    scrolledOnce.add(el);
    if (offset + (options.adjustments ?? 0) === 0) return;
  }
  elementScroll(offset, options, instance);
};

export function FileTree() {
  // A new union's rows come in a second commit (useDeferredMerged).
  const ms = useDeferredMerged();
  const image = useStore(selectImageInfo);
  const status = useStore(selectStatus);
  const expanded = useStore((s) => s.expanded);
  const selectedPath = useStore((s) => s.selectedPath);
  const filters = useStore((s) => s.filters);
  const onlyLayerChanges = useStore((s) => s.onlyLayerChanges);
  const showDeleted = useStore((s) => s.showDeleted);
  const sort = useStore((s) => s.sort);
  const search = useStore((s) => s.search);
  const searchMode = useStore((s) => s.searchMode);
  const [caseSensitive, setCaseSensitive] = useState(false);

  const union = ms?.union ?? null;
  const [attrs, setAttrs] = useState(() => readAttrsPref());
  const loadedUnion = useStore((s) => selectShown(s)?.union === union);
  // Layers whose bytes fail their digest check: the rows they provide are flagged.
  const integrity = useStore((s) => selectShown(s)?.integrity);
  const badLayers = useMemo(() => failingLayers(integrity), [integrity]);
  const layers = ms?.layers ?? null;
  const merged = ms?.merged ?? null;
  const layer = ms?.layer ?? -1;
  const layerCount = union?.layerCount ?? image?.layers.length ?? 0;

  // per-union preparation for search, when the page is idle after a load
  // Once per loaded union (not per layer): the merged view of the moment only lends the filter pass real data.
  // In steps, each idle callback doing what its deadline leaves room for (warmUpSteps).
  const startWarmUp = useEffectEvent((u: UnionModel) => warmUpSteps(u, merged ?? undefined));
  useEffect(() => {
    if (!union || !loadedUnion) return;
    const ric =
      window.requestIdleCallback ??
      ((f: IdleRequestCallback) => window.setTimeout(() => f({ didTimeout: false, timeRemaining: () => WARM_UP_TIMER_SLICE_MS }), 200));
    const cancel = window.cancelIdleCallback ?? window.clearTimeout;
    let steps: ReturnType<typeof warmUpSteps> | null = null;
    let id = 0;
    const tick = (deadline: IdleDeadline) => {
      steps ??= startWarmUp(union);
      if (!steps.run(performance.now() + deadline.timeRemaining())) id = ric(tick);
    };
    id = ric(tick);
    return () => cancel(id);
  }, [union, loadedUnion]);

  // Stepping through the stack (Up/Down in the diagram) is the common way to move between
  // layers: compute the neighbours' merged views (and their directory sizes) while idle.
  useEffect(() => {
    if (!union || !layers || !loadedUnion || layer < 0) return;
    const ric = window.requestIdleCallback ?? ((f: () => void) => window.setTimeout(f, 100));
    const cancel = window.cancelIdleCallback ?? window.clearTimeout;
    const ids: number[] = [];
    for (const n of [layer + 1, layer - 1]) {
      if (n < 0 || n >= union.layerCount || hasMerged(union, n)) continue;
      ids.push(ric(() => subtreeSize(union, layers, mergedOf(union, layers, n, false), 0), { timeout: 2000 }));
    }
    return () => {
      for (const id of ids) cancel(id);
    };
  }, [union, layers, layer, loadedUnion]);

  /* ---- search, filters, rows (each step memoized on what it depends on) */
  const compiled = useMemo(() => compileSearch({ text: search, mode: searchMode, caseSensitive }), [search, searchMode, caseSensitive]);
  // In slices, within a budget: no pattern or image freezes the page (useTreeSearch.ts).
  const searched = useTreeSearch(union, compiled);
  const match = searched.match;
  const flt = useMemo(
    () => (union && merged ? filterTree(union, merged, { filters, onlyLayerChanges, showDeleted, match }) : null),
    [union, merged, filters, onlyLayerChanges, showDeleted, match],
  );
  const expFlags = useMemo(() => (union ? expandedFlags(union, expanded, lookup) : null), [union, expanded]);
  const autoExpand = !!match || (onlyLayerChanges && !!flt && flt.includedCount !== null && flt.includedCount <= ONLY_CHANGES_AUTO_EXPAND_MAX);
  // Directories the user collapsed while everything is auto-expanded; a new query starts over.
  const [collapsed, setCollapsed] = useResetState<ReadonlySet<number>>(NONE_COLLAPSED, [union, match, onlyLayerChanges, autoExpand]);
  const fopts: FlattenOptions | null = useMemo(
    () => (expFlags ? { sort, expanded: expFlags, autoExpand, collapsed } : null),
    [sort, expFlags, autoExpand, collapsed],
  );
  const rows = useMemo(
    () => (union && layers && merged && flt && fopts ? flattenTree(union, layers, merged, flt, fopts) : null),
    [union, layers, merged, flt, fopts],
  );

  const selectedNode = useMemo(() => (union && selectedPath ? lookup(union, selectedPath) : -1), [union, selectedPath]);
  const activeIndex = useMemo(() => (rows && selectedNode >= 0 ? rowOf(rows, selectedNode) : -1), [rows, selectedNode]);

  /* ---- actions */
  const selectPath = useStore((s) => s.selectPath);
  const toggleExpandedPath = useStore((s) => s.toggleExpanded);
  const setExpanded = useStore((s) => s.setExpanded);

  const flagsOf = useCallback((node: number) => (union && flt ? nodeFlags(union, flt, node) : 0), [union, flt]);
  const isNodeOpen = useCallback((node: number) => !!fopts && isOpen(node, flagsOf(node), fopts), [fopts, flagsOf]);
  const setOpen = useCallback(
    (node: number, open: boolean) => {
      if (!union || !(flagsOf(node) & F_HAS_CHILD)) return;
      if (isNodeOpen(node) === open) return;
      if (autoExpand) {
        // `collapsed` holds the directories flipped from their automatic state (treeModel.isOpen).
        const next = new Set(collapsed);
        if (next.has(node)) next.delete(node);
        else next.add(node);
        setCollapsed(next);
      } else toggleExpandedPath(pathOf(union, node));
    },
    [union, flagsOf, isNodeOpen, autoExpand, collapsed, toggleExpandedPath, setCollapsed],
  );
  // the preview's read starts here, not in the Preview's effect after the selection rendered (Preview/target.ts)
  const selectNode = useCallback(
    (node: number) => (union && layers && merged ? selectWithPreview(union, layers, merged, node) : union && selectPath(pathOf(union, node))),
    [union, layers, merged, selectPath],
  );
  // dive's aggregated marker: a directory whose subtree the layer changed (computed per view, once).
  const below = useMemo(() => (union && merged ? descendantsChanged(union, merged) : null), [union, merged]);
  const laterLayer = useMemo(
    () => (union && merged && match && flt && flt.matchCount === 0 ? firstLayerWithMatch(union, merged, match, layer) : -1),
    [union, merged, match, flt, layer],
  );

  /* ---- reveal: a path selected elsewhere (URL hash, stack, tour, image panel) gets its ancestors opened */
  const lastRevealed = useRef<string | null>(null);
  useEffect(() => {
    if (!union || !selectedPath || selectedNode < 0 || lastRevealed.current === selectedPath) return;
    lastRevealed.current = selectedPath;
    if (activeIndex >= 0 || autoExpand) return;
    const anc = ancestorsOf(selectedPath);
    if (anc.some((p) => !expanded.has(p))) setExpanded(new Set([...expanded, ...anc]));
  }, [union, selectedPath, selectedNode, activeIndex, autoExpand, expanded, setExpanded]);

  /* ---- virtual list */
  const scrollRef = useRef<HTMLDivElement>(null);
  const treeRef = useRef<HTMLDivElement>(null);
  const count = rows?.count ?? 0;
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: OVERSCAN,
    observeElementRect: observeScrollerRect,
    scrollToFn: scrollScroller,
    initialRect: lastScrollerRect ?? { width: 0, height: window.innerHeight },
  });
  // keep the active row on screen when it moves (keyboard, reveal, search)
  useLayoutEffect(() => {
    if (activeIndex >= 0) virtualizer.scrollToIndex(activeIndex, { align: 'auto' });
  }, [activeIndex, virtualizer]);

  /* ---- keyboard */
  const typeahead = useRef({ text: '', at: -Infinity });
  const onTreeKey = useCallback(
    (e: React.KeyboardEvent) => {
      if (!rows || !union || rows.count === 0) return;
      if (e.ctrlKey || e.metaKey || e.altKey) return; // dive's Ctrl keys and the browser's own
      const cur = activeIndex >= 0 ? activeIndex : -1;
      const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 400) / ROW_HEIGHT) - 1);
      const go = (i: number) => selectNode(rows.nodes[Math.max(0, Math.min(rows.count - 1, i))]!);
      const node = cur >= 0 ? (rows.nodes[cur] ?? -1) : -1;
      switch (e.key) {
        case 'ArrowDown':
          go(cur + 1);
          break;
        case 'ArrowUp':
          go(cur < 0 ? 0 : cur - 1);
          break;
        case 'Home':
          go(0);
          break;
        case 'End':
          go(rows.count - 1);
          break;
        case 'PageDown':
          go(cur + page);
          break;
        case 'PageUp':
          go(cur - page);
          break;
        case 'ArrowRight':
          if (node < 0) go(0);
          else if (flagsOf(node) & F_HAS_CHILD) {
            if (!isNodeOpen(node)) setOpen(node, true);
            else go(cur + 1);
          }
          break;
        case 'ArrowLeft':
          if (node < 0) go(0);
          else if (isNodeOpen(node)) setOpen(node, false);
          else if (union.parent[node]! > 0) selectNode(union.parent[node]!);
          break;
        case 'Enter':
        case ' ':
          if (node < 0) break;
          if (flagsOf(node) & F_HAS_CHILD) setOpen(node, !isNodeOpen(node));
          else if (e.key === 'Enter') {
            openDetails();
            revealDetailsIfStacked();
          }
          break;
        case '*':
          if (node >= 0) expandSubtree(union, node, flagsOf, expanded, setExpanded, autoExpand);
          break;
        default: {
          if (!isTypeaheadKey(e)) return;
          // Type-ahead (WAI-ARIA tree pattern): the next row whose name starts with what was typed.
          const ta = typeahead.current;
          const now = performance.now();
          const fresh = now - ta.at > TYPEAHEAD_RESET_MS;
          ta.text = fresh ? e.key : ta.text + e.key;
          ta.at = now;
          // A new prefix looks from the next row; a longer one may stay on the current row.
          const from = cur < 0 ? 0 : fresh ? cur + 1 : cur;
          const hit = findByPrefix(rows.count, (i) => union.names[union.nameId[rows.nodes[i]!]!] ?? '', ta.text, from);
          if (hit >= 0) go(hit);
        }
      }
      e.preventDefault();
    },
    [rows, union, activeIndex, selectNode, flagsOf, isNodeOpen, setOpen, expanded, setExpanded, autoExpand],
  );

  const expandAll = () => {
    if (!union) return;
    if (autoExpand) {
      // Open everything, the directories inside a matching one included (they start closed).
      const flip = new Set<number>();
      for (let node = 1; node < union.nodeCount; node++) {
        const fl = flagsOf(node);
        if (fl & F_INCLUDED && fl & F_HAS_CHILD && !autoOpen(fl)) flip.add(node);
      }
      setCollapsed(flip);
    } else expandSubtree(union, 0, flagsOf, expanded, setExpanded, false);
  };
  const collapseAll = () => {
    if (autoExpand && rows) {
      const top = new Set<number>();
      for (let i = 0; i < rows.count; i++) if (rows.depths[i] === 0 && rows.flags[i]! & F_OPEN) top.add(rows.nodes[i]!);
      setCollapsed(top);
    } else setExpanded(new Set(['/']));
  };
  /** Ctrl+Space: collapse everything; when nothing below the top level is open, expand everything instead (dive toggles). */
  const toggleCollapseAll = () => {
    if (!rows) return;
    let anyOpen = false;
    for (let i = 0; i < rows.count && !anyOpen; i++) if ((rows.flags[i] ?? 0) & F_OPEN) anyOpen = true;
    if (anyOpen) collapseAll();
    else expandAll();
  };

  /* ---- page-wide keys: `/` focuses the search; dive's Ctrl keys (src/ui/Keys/keys.ts) */
  const searchRef = useRef<HTMLInputElement>(null);
  const actions = useRef({ toggleCollapseAll, setAttrs });
  actions.current = { toggleCollapseAll, setAttrs };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const act = matchShortcut(e);
      if (!act || act === 'help') return;
      const st = useStore.getState();
      const status = selectStatus(st);
      if (status !== 'ready' && status !== 'loading') return;
      if (document.querySelector('dialog[open]')) return; // a modal (the key list) has the keyboard
      e.preventDefault();
      switch (act) {
        case 'search':
          searchRef.current?.focus();
          searchRef.current?.select();
          return;
        case 'filter-added':
          return st.setFilters({ added: !st.filters.added });
        case 'filter-deleted':
          return st.setFilters({ deleted: !st.filters.deleted });
        case 'filter-modified':
          return st.setFilters({ modified: !st.filters.modified });
        case 'filter-unchanged':
          return st.setFilters({ unchanged: !st.filters.unchanged });
        case 'layer-changes':
          return st.setView({ onlyLayerChanges: !st.onlyLayerChanges });
        case 'collapse-all':
          return actions.current.toggleCollapseAll();
        case 'attributes':
          return actions.current.setAttrs((on) => {
            writeAttrsPref(!on);
            return !on;
          });
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const focusTree = useCallback(() => treeRef.current?.focus(), []);

  /* ---- render */
  const items = virtualizer.getVirtualItems();
  const activeId = activeIndex >= 0 && rows ? `ft-row-${rows.nodes[activeIndex]}` : undefined;
  const waiting = !rows;
  const top = layerCount - 1;

  return (
    <section aria-label="Merged file tree" className="file-tree" data-pane="tree" data-attrs={attrs ? 'on' : 'off'}>
      <Toolbar
        layer={layer}
        isTop={layer === top}
        searchRef={searchRef}
        caseSensitive={caseSensitive}
        setCaseSensitive={setCaseSensitive}
        searchError={compiled && !compiled.ok ? compiled.error : null}
        searchStopped={searched.stopped}
        searchPending={searched.pending}
        matchCount={compiled?.ok && flt ? flt.matchCount : null}
        onSearchDone={(first) => {
          if (first && rows && rows.count > 0) {
            // Enter in the search: go to the first match
            for (let i = 0; i < rows.count; i++) {
              if (rows.flags[i]! & F_MATCH) {
                selectNode(rows.nodes[i]!);
                break;
              }
            }
          }
          focusTree();
        }}
        onExpandAll={expandAll}
        onCollapseAll={collapseAll}
      />
      <div className="ft-head" aria-hidden="true">
        <span className="ft-head-name">Name</span>
        <span className="ft-head-size">Size</span>
        <span className="ft-head-mode">Mode</span>
        <span className="ft-head-owner">uid:gid</span>
        <span className="ft-head-layer">Layer</span>
      </div>
      <div className="ft-scroll" ref={scrollRef}>
        {waiting ? (
          <div className="ft-empty">
            {status === 'loading'
              ? 'The tree appears as soon as the first layer is indexed…'
              : status === 'ready'
                ? 'No layers could be read.'
                : 'Open an image to see its files.'}
          </div>
        ) : count === 0 ? (
          <div className="ft-empty" data-testid="tree-empty">
            {emptyMessage(!!match, onlyLayerChanges, filters, layer)}
            {laterLayer >= 0 && (
              <p className="ft-later" data-testid="exists-from-layer">
                A matching path exists from layer {laterLayer}.{' '}
                <button type="button" className="btn btn-sm" onClick={() => useStore.getState().selectLayer(laterLayer)}>
                  Show layer {laterLayer}
                </button>
              </p>
            )}
          </div>
        ) : null}
        <div
          ref={treeRef}
          className="ft-rows"
          role="tree"
          aria-label={layer >= 0 ? `Files as of layer ${layer}` : 'Files'}
          aria-activedescendant={activeId}
          aria-multiselectable="false"
          tabIndex={0}
          onKeyDown={onTreeKey}
          onFocus={() => {
            // focusing the tree with nothing selected selects the first row (read the store: a
            // click on a row selects it in the same event, before this render's props catch up)
            if (rows && rows.count > 0 && !useStore.getState().selectedPath) selectNode(rows.nodes[0]!);
          }}
          style={{ height: virtualizer.getTotalSize() }}
        >
          {rows &&
            union &&
            layers &&
            merged &&
            flt &&
            items.map((it) => {
              const node = rows.nodes[it.index]!;
              return (
                <TreeRow
                  key={node}
                  top={it.start}
                  node={node}
                  depth={rows.depths[it.index]!}
                  open={!!(rows.flags[it.index]! & F_OPEN)}
                  flags={rows.flags[it.index]!}
                  searching={!!match}
                  selected={node === selectedNode}
                  union={union}
                  layers={layers}
                  merged={merged}
                  layerCount={layerCount}
                  createdBy={image?.layers[merged.provider[node]!]?.createdBy ?? null}
                  belowChanged={!!below?.[node]}
                  untrusted={badLayers.has(merged.provider[node]!)}
                  onSelect={selectNode}
                  onToggle={setOpen}
                />
              );
            })}
        </div>
      </div>
      <StatusLine rows={rows} flt={flt} searching={!!match} />
    </section>
  );
}

function openDetails() {
  const st = useStore.getState();
  st.setRightPane?.('details');
  requestAnimationFrame(() => document.querySelector<HTMLElement>('[data-pane="details"]')?.focus());
}

function expandSubtree(
  u: UnionModel,
  node: number,
  flagsOf: (node: number) => number,
  expanded: ReadonlySet<string>,
  setExpanded: (s: ReadonlySet<string>) => void,
  auto: boolean,
) {
  if (auto) return;
  const next = new Set(expanded);
  // breadth first, so hitting the limit leaves the upper levels open rather than one deep branch
  const queue = [node];
  let n = 0;
  for (let qi = 0; qi < queue.length && n < EXPAND_SUBTREE_MAX_DIRS; qi++) {
    const x = queue[qi]!;
    if (!(flagsOf(x) & F_HAS_CHILD)) continue;
    next.add(pathOf(u, x));
    n++;
    for (let c = u.childStart[x]!; c < u.childStart[x + 1]!; c++) queue.push(u.children[c]!);
  }
  setExpanded(next);
}

function emptyMessage(
  searching: boolean,
  only: boolean,
  f: { added: boolean; modified: boolean; deleted: boolean; unchanged: boolean },
  layer: number,
): string {
  if (searching) return `No path matches the search in layer ${layer}.`;
  if (only) return `Layer ${layer} changes no path that the filters show.`;
  if (!f.added && !f.modified && !f.deleted && !f.unchanged) return 'Every change filter is off.';
  return 'Nothing to show with these filters.';
}

/* ------------------------------------------------------------ toolbar */

interface ToolbarProps {
  layer: number;
  isTop: boolean;
  searchRef: React.RefObject<HTMLInputElement | null>;
  caseSensitive: boolean;
  setCaseSensitive(v: boolean): void;
  searchError: string | null;
  /** The search passed its budget (SEARCH_BUDGET_MS): what it covered. */
  searchStopped: SearchStopped | null;
  /** The search is still running: how far it got. */
  searchPending: SearchProgress | null;
  matchCount: number | null;
  onSearchDone(first: boolean): void;
  onExpandAll(): void;
  onCollapseAll(): void;
}

function Toolbar(p: ToolbarProps) {
  const filters = useStore((s) => s.filters);
  const setFilters = useStore((s) => s.setFilters);
  const onlyLayerChanges = useStore((s) => s.onlyLayerChanges);
  const showDeleted = useStore((s) => s.showDeleted);
  const sort = useStore((s) => s.sort);
  const search = useStore((s) => s.search);
  const searchMode = useStore((s) => s.searchMode);
  const setView = useStore((s) => s.setView);

  // The field is local so typing stays instant; the store (and the search) follows after a pause.
  const [text, setText] = useState(search);
  const pushed = useRef(search);
  useEffect(() => {
    if (search !== pushed.current) {
      pushed.current = search;
      setText(search);
    }
  }, [search]);
  useEffect(() => {
    if (text === pushed.current) return;
    const t = setTimeout(() => {
      pushed.current = text;
      setView({ search: text });
    }, SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [text, setView]);
  const flush = () => {
    if (text !== pushed.current) {
      pushed.current = text;
      setView({ search: text });
    }
  };

  const filterBtn = (key: keyof typeof filters, label: string, mark: string) => (
    <button
      type="button"
      className={`ft-filter ft-filter-${key}`}
      aria-pressed={filters[key]}
      title={`Show paths ${key === 'unchanged' ? 'this layer did not change' : `this layer ${key}`}`}
      onClick={() => setFilters({ [key]: !filters[key] })}
    >
      <span className="ft-mark" aria-hidden="true">
        {mark}
      </span>
      {label}
    </button>
  );

  return (
    <div className="ft-toolbar">
      <div className="ft-search" role="search">
        <input
          ref={p.searchRef}
          type="search"
          data-testid="search"
          className={p.searchError ? 'ft-search-input invalid' : 'ft-search-input'}
          placeholder="Search paths"
          aria-label="Search paths"
          aria-keyshortcuts="/"
          aria-invalid={!!p.searchError}
          aria-describedby="ft-search-status"
          title={SEARCH_HELP}
          spellCheck={false}
          autoComplete="off"
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.preventDefault();
              if (text) {
                setText('');
                pushed.current = '';
                setView({ search: '' });
              } else p.onSearchDone(false);
            } else if (e.key === 'Enter') {
              e.preventDefault();
              flush();
              requestAnimationFrame(() => p.onSearchDone(true));
            } else if (e.key === 'ArrowDown') {
              e.preventDefault();
              flush();
              p.onSearchDone(false);
            }
          }}
        />
        <select aria-label="Search mode" className="ft-select" value={searchMode} onChange={(e) => setView({ searchMode: e.target.value as SearchMode })}>
          {(Object.keys(SEARCH_MODE_LABEL) as SearchMode[]).map((m) => (
            <option key={m} value={m}>
              {SEARCH_MODE_LABEL[m]}
            </option>
          ))}
        </select>
        <button
          type="button"
          className="ft-case"
          aria-pressed={p.caseSensitive}
          aria-label="Match case"
          title="Match case"
          onClick={() => p.setCaseSensitive(!p.caseSensitive)}
        >
          Aa
        </button>
        <span id="ft-search-status" className="ft-count" data-testid="search-count" aria-live="polite">
          {p.searchError
            ? 'invalid'
            : p.searchPending
              ? `searching… ${p.searchPending.total > 0 ? Math.floor((100 * p.searchPending.tested) / p.searchPending.total) : 0} %`
              : p.matchCount !== null
                ? `${formatCount(p.matchCount)}${p.searchStopped ? '+' : ''} ${p.matchCount === 1 && !p.searchStopped ? 'match' : 'matches'}`
                : ''}
        </span>
        {!p.searchError && p.searchStopped && (
          <span className="ft-search-error ft-search-stopped" role="status" data-testid="search-stopped">
            Search stopped after {formatDuration(p.searchStopped.ms)} of work, {formatCount(p.searchStopped.tested)} of {formatCount(p.searchStopped.total)}{' '}
            {p.searchStopped.unit} searched: more may match. A pattern without “/” searches names only, which is faster.
          </span>
        )}
        {p.searchError && (
          // Over the filter row, not in it: an error message must not move the layout.
          <span className="ft-search-error" role="status" data-testid="search-error">
            {p.searchError}
          </span>
        )}
      </div>
      <div className="ft-filters" role="group" aria-label="Change filters">
        {filterBtn('added', 'Added', '+')}
        {filterBtn('modified', 'Modified', '~')}
        {filterBtn('deleted', 'Deleted', '−')}
        {filterBtn('unchanged', 'Unchanged', '=')}
        <label className="ft-check" title="Show only the paths the selected layer adds, modifies or deletes (and their directories)">
          <input type="checkbox" checked={onlyLayerChanges} onChange={(e) => setView({ onlyLayerChanges: e.target.checked })} />
          Only layer {p.layer >= 0 ? p.layer : ''} changes
        </label>
        <label className="ft-check" title="Show deleted paths, struck through, with the layer that deleted them">
          <input type="checkbox" checked={showDeleted} onChange={(e) => setView({ showDeleted: e.target.checked })} />
          Show deleted
        </label>
        <span className="ft-expand">
          <button
            type="button"
            className="ft-mini"
            onClick={p.onExpandAll}
            title={`Open every directory (up to ${formatCount(EXPAND_SUBTREE_MAX_DIRS)}); * opens the selected one's subtree`}
          >
            Expand all
          </button>
          <button type="button" className="ft-mini" onClick={p.onCollapseAll} title="Close every directory">
            Collapse all
          </button>
        </span>
        <label className="ft-sort">
          <span>Sort</span>
          <select className="ft-select" aria-label="Sort by" value={sort} onChange={(e) => setView({ sort: e.target.value as SortKey })}>
            <option value="name">Name</option>
            <option value="size">Size</option>
          </select>
        </label>
      </div>
    </div>
  );
}

function StatusLine({ rows, flt, searching }: { rows: TreeRows | null; flt: TreeFilter | null; searching: boolean }) {
  if (!rows || !flt) return <div className="ft-status" />;
  return (
    <div className="ft-status">
      <span className="ft-status-counts" aria-hidden="true">
        {formatCount(rows.count)} rows shown
        {flt.passCount !== null &&
          ` · ${formatCount(flt.passCount)} ${flt.passCount === 1 ? 'path' : 'paths'} ${searching ? (flt.passCount === 1 ? 'matches' : 'match') : flt.passCount === 1 ? 'passes the filters' : 'pass the filters'}`}
      </span>
      <button type="button" className="ft-keys" data-testid="keys-button" onClick={() => document.dispatchEvent(new CustomEvent(OPEN_KEY_HELP))}>
        <span className="ft-keys-long">↑↓ move · → open · Enter details · / search · </span>
        <kbd>?</kbd> all keys
      </button>
    </div>
  );
}

/* ------------------------------------------------------------ one row */

interface RowProps {
  top: number;
  node: number;
  depth: number;
  open: boolean;
  flags: number;
  searching: boolean;
  selected: boolean;
  union: UnionModel;
  layers: Layers;
  merged: MergedView;
  layerCount: number;
  createdBy: string | null;
  /** Something below this directory changed in the layer shown (dive's aggregated marker). */
  belowChanged: boolean;
  /** Provided by a layer that fails its digest check (integrity.ts). */
  untrusted: boolean;
  onSelect(node: number): void;
  onToggle(node: number, open: boolean): void;
}

const TreeRow = memo(function TreeRow(p: RowProps) {
  const info = nodeInfo(p.union, p.layers, p.merged, p.node);
  const path = pathOf(p.union, p.node);
  const hasChildren = !!(p.flags & F_HAS_CHILD);
  const deleted = info.status === 'deleted';
  const isDir = info.kind === EntryKind.Dir;
  const context = !(p.flags & F_PASS);
  const color = layerColor(info.layer);
  const aggregated = info.change === 'unchanged' && isDir && p.belowChanged;
  const [head, tail] = splitName(isDir && p.node !== 0 ? `${info.name}/` : info.name);
  const cls = [
    'ft-row',
    `ch-${info.change}`,
    deleted ? 'is-deleted' : '',
    isDir ? 'is-dir' : '',
    p.selected ? 'is-selected' : '',
    context ? 'is-context' : '',
    p.searching && p.flags & F_MATCH ? 'is-match' : '',
    aggregated ? 'is-below-changed' : '',
  ].join(' ');
  const linkText =
    info.link !== null ? (info.kind === EntryKind.Hardlink ? `⇒ ${info.link.startsWith('/') ? info.link : '/' + info.link}` : `→ ${info.link}`) : null;
  const sizeText = isDir ? (deleted ? '' : formatBytes(info.size)) : info.kind === EntryKind.File || deleted ? formatBytes(info.size) : '';
  // an entry whose parent path went through a symlink (union.ts): where the tar put it
  const through = throughOf(p.union, p.layers, info.versionLayer, info.entry);
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents lint/a11y/useFocusableInteractive: the tree has focus and names the active row by aria-activedescendant; its onKeyDown moves the selection (WAI-ARIA APG tree view)
    <div
      id={`ft-row-${p.node}`}
      role="treeitem"
      data-testid="tree-row"
      data-path={path}
      data-layer={info.layer}
      data-change={info.change}
      data-status={info.status}
      data-match={p.searching && p.flags & F_MATCH ? 'true' : undefined}
      data-below-changed={aggregated ? 'true' : undefined}
      data-integrity={p.untrusted ? 'mismatch' : undefined}
      aria-level={p.depth + 1}
      aria-expanded={hasChildren ? p.open : undefined}
      aria-selected={p.selected}
      aria-label={`${displayName(info.name)}${deleted ? `, deleted in layer ${info.layer}` : ''}${info.change !== 'unchanged' ? `, ${info.change}` : ''}${p.untrusted ? `, from layer ${info.layer}, which fails its digest check` : ''}`}
      className={cls}
      style={{ transform: `translateY(${p.top}px)`, height: ROW_HEIGHT }}
      onMouseDown={(e) => e.preventDefault() /* keep focus on the tree element */}
      onClick={() => {
        p.onSelect(p.node);
        (document.querySelector('.ft-rows') as HTMLElement | null)?.focus({ preventScroll: true });
        revealDetailsIfStacked();
      }}
      onDoubleClick={() => hasChildren && p.onToggle(p.node, !p.open)}
    >
      <span
        className={aggregated ? 'ft-marker is-aggregated' : 'ft-marker'}
        aria-hidden="true"
        title={aggregated ? 'something below this directory changed in this layer' : info.change}
      >
        {aggregated ? '~' : CHANGE_MARK[info.change]}
      </span>
      <span className="ft-name-cell">
        {p.depth > 0 && <span className="ft-indent" style={{ flexBasis: p.depth * INDENT_PX, minWidth: p.depth * INDENT_MIN_PX }} aria-hidden="true" />}
        <span
          className={hasChildren ? (p.open ? 'ft-twisty open' : 'ft-twisty') : 'ft-twisty none'}
          aria-hidden="true"
          onClick={(e) => {
            if (!hasChildren) return;
            e.stopPropagation();
            p.onToggle(p.node, !p.open);
          }}
        />
        <span className={`ft-icon k${info.kind}`} aria-hidden="true" />
        <span className="ft-name" data-testid="tree-name" title={displayName(path)}>
          <SafeText className="ft-name-head" text={head} />
          {tail && <SafeText className="ft-name-tail" text={tail} />}
        </span>
        {linkText && <SafeText className="ft-link" text={linkText} />}
        {deleted && <span className="ft-deleted-note">deleted in layer {info.layer}</span>}
        {through && (
          <span
            className="ft-badge ft-through"
            data-testid="tree-through"
            title={`Written through the symlink ${displayName(through.link)} → ${displayName(through.target)}: the layer's tar names it ${displayName(through.tarPath)}; extracted, it is here (as umoci and containerd apply the layer)`}
          >
            via <SafeText text={through.link} />
          </span>
        )}
        {p.untrusted && (
          <span
            className="ft-badge ft-badge-bad"
            data-testid="row-integrity"
            title={`Layer ${info.layer}, which ${deleted ? 'deletes' : 'provides'} this path, fails its digest check: what is shown is not necessarily what the image's digests name`}
          >
            ⚠ digest
          </span>
        )}
        {info.hiddenVersions > 0 && (
          <span
            className="ft-badge"
            title={`Hides ${info.hiddenVersions} lower version${info.hiddenVersions === 1 ? '' : 's'} (${formatBytes(info.hiddenBytes)} that still ship in lower layers)`}
          >
            hides {info.hiddenVersions} · {formatBytes(info.hiddenBytes)}
          </span>
        )}
      </span>
      <span className="ft-size" title={isDir && !deleted ? `${info.size} bytes in this directory` : `${info.size} bytes`}>
        {sizeText}
      </span>
      <span className="ft-mode">{info.versionLayer >= 0 || isDir ? modeString(info.kind, info.mode) : ''}</span>
      <span className="ft-owner">{info.versionLayer >= 0 || isDir ? `${info.uid}:${info.gid}` : ''}</span>
      <span
        className="ft-layer"
        style={{ borderColor: color, background: layerTint(info.layer) }}
        title={`${deleted ? 'Deleted by' : 'From'} layer ${info.layer}${p.createdBy ? `: ${displayName(p.createdBy)}` : ''}`}
      >
        {info.layer}
      </span>
    </div>
  );
});
