/**
 * The comparison's tree: differing paths under their directories (rows from
 * diffRows.ts, only the ones on screen in the DOM), filters by category with
 * counts, sort by name or by size delta, per-directory roll-ups (+X / −Y), the
 * totals, and the content proof's progress.
 *
 * Keyboard as in the file tree (WAI-ARIA tree pattern): Up/Down, Right opens or
 * goes to the first child, Left closes or goes to the parent, Home/End,
 * PageUp/PageDown, Enter/Space toggles a directory, and type-ahead by name.
 */
import { useCallback, useLayoutEffect, useMemo, useRef } from 'react';
import { useStore } from 'zustand';
import { useVirtualizer } from '@tanstack/react-virtual';
import { CATEGORIES, flagNames, type Category } from '../../core/compare/flags';
import { formatBytes, formatCount } from '../format/format';
import { SafeText } from '../format/SafeText';
import { displayName } from '../format/displayName';
import { ancestorPaths, diffRows, type DiffRow } from './diffRows';
import type { Comparison } from './compareStore';

/** Row height in px (the file tree's). */
export const DIFF_ROW_HEIGHT = 22;
const OVERSCAN = 12;
/** Type-ahead: keys typed within this long extend the prefix. */
const TYPEAHEAD_RESET_MS = 700;

const CATEGORY_LABEL: Record<Category, string> = {
  added: 'Added',
  removed: 'Removed',
  changed: 'Changed',
  metadata: 'Metadata',
  pending: 'Checking',
  unknown: 'Unknown',
  unchanged: 'Unchanged',
};
export const CATEGORY_MARK: Record<Category, string> = { added: '+', removed: '−', changed: '~', metadata: 'm', pending: '…', unknown: '?', unchanged: '' };

const signed = (plus: number, minus: number) => {
  const parts: string[] = [];
  if (plus > 0) parts.push(`+${formatBytes(plus)}`);
  if (minus > 0) parts.push(`−${formatBytes(minus)}`);
  return parts.join(' ');
};

export function DiffTreeView({ cmp }: { cmp: Comparison }) {
  const s = useStore(cmp.store);
  const { diff, tree, sideA, sideB, filter, sort, expanded, selected, totals, status, progress } = s;
  const rows: DiffRow[] = useMemo(
    () => (diff && tree && sideA && sideB ? diffRows({ diff, tree, a: sideA, b: sideB }, { filter, sort, expanded }) : []),
    [diff, tree, sideA, sideB, filter, sort, expanded],
  );
  const activeIndex = selected ? rows.findIndex((r) => r.path === selected) : -1;
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => DIFF_ROW_HEIGHT,
    overscan: OVERSCAN,
  });
  useLayoutEffect(() => {
    if (activeIndex >= 0) virtualizer.scrollToIndex(activeIndex, { align: 'auto' });
  }, [activeIndex, virtualizer]);

  // a selection restored from the URL: open its directories
  useLayoutEffect(() => {
    if (!selected || activeIndex >= 0) return;
    const anc = ancestorPaths(selected);
    if (anc.some((p) => !expanded.has(p))) cmp.expandAll(anc);
  }, [selected, activeIndex, expanded, cmp]);

  const typeahead = useRef({ text: '', at: -Infinity });
  const onKey = useCallback(
    (e: React.KeyboardEvent) => {
      if (rows.length === 0 || e.ctrlKey || e.metaKey || e.altKey) return;
      const cur = activeIndex;
      const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 400) / DIFF_ROW_HEIGHT) - 1);
      const go = (i: number) => cmp.select(rows[Math.max(0, Math.min(rows.length - 1, i))]!.path);
      const row = cur >= 0 ? rows[cur]! : null;
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
          go(rows.length - 1);
          break;
        case 'PageDown':
          go(cur + page);
          break;
        case 'PageUp':
          go(cur - page);
          break;
        case 'ArrowRight':
          if (!row) go(0);
          else if (row.hasChildren) {
            if (!row.expanded) cmp.toggle(row.path, true);
            else go(cur + 1);
          }
          break;
        case 'ArrowLeft':
          if (!row) go(0);
          else if (row.expanded) cmp.toggle(row.path, false);
          else if (row.depth > 0) cmp.select(row.path.slice(0, row.path.lastIndexOf('/')));
          break;
        case 'Enter':
        case ' ':
          if (row?.hasChildren) cmp.toggle(row.path);
          break;
        default: {
          if (e.key.length !== 1 || e.key === ' ') return;
          const ta = typeahead.current;
          const now = performance.now();
          const fresh = now - ta.at > TYPEAHEAD_RESET_MS;
          ta.text = fresh ? e.key : ta.text + e.key;
          ta.at = now;
          const from = cur < 0 ? 0 : fresh ? cur + 1 : cur;
          const want = ta.text.toLowerCase();
          for (let k = 0; k < rows.length; k++) {
            const i = (from + k) % rows.length;
            if (rows[i]!.name.toLowerCase().startsWith(want)) {
              go(i);
              break;
            }
          }
        }
      }
      e.preventDefault();
    },
    [rows, activeIndex, cmp],
  );

  const toggleFilter = (c: Category) => {
    const f = new Set(filter);
    if (f.has(c)) f.delete(c);
    else f.add(c);
    cmp.setFilter(f);
  };

  const counts = totals?.counts;
  const activeId = activeIndex >= 0 ? `cmp-row-${activeIndex}` : undefined;
  return (
    <section className="cmp-tree" aria-label="What differs" data-testid="compare-tree" data-status={status}>
      <div className="cmp-tree__toolbar" role="toolbar" aria-label="Filters">
        <fieldset className="cmp-filters">
          <legend className="sr-only">Show</legend>
          {CATEGORIES.filter((c) => (c !== 'pending' && c !== 'unknown') || (counts?.[c] ?? 0) > 0).map((c) => (
            <label key={c} className={`cmp-chip cmp-chip--${c}${filter.has(c) ? ' cmp-chip--on' : ''}`}>
              <input type="checkbox" checked={filter.has(c)} onChange={() => toggleFilter(c)} data-testid={`compare-filter-${c}`} />
              <span>{CATEGORY_LABEL[c]}</span>
              <span className="cmp-chip__count">{formatCount(counts?.[c] ?? 0)}</span>
            </label>
          ))}
        </fieldset>
        <label className="cmp-sort">
          Sort
          <select value={sort} onChange={(e) => cmp.setSort(e.target.value as 'name' | 'delta')} data-testid="compare-sort">
            <option value="name">by name</option>
            <option value="delta">by size change</option>
          </select>
        </label>
        <label className="cmp-mtime" title="Count modification times as a change (ignored by default, as dive does)">
          <input type="checkbox" checked={s.mtime} onChange={(e) => void cmp.setMtime(e.target.checked)} data-testid="compare-mtime" />
          mtime
        </label>
      </div>
      <p className="cmp-tree__totals" data-testid="compare-totals">
        {totals &&
          (totals.differing === 0 && status === 'ready'
            ? `Identical trees (${formatCount(totals.compared)} paths compared).`
            : `${formatCount(totals.differing)} of ${formatCount(totals.compared)} paths differ · +${formatBytes(totals.bytesAdded)} / −${formatBytes(totals.bytesRemoved)}`)}
        {status === 'hashing' && progress && (
          <span className="cmp-tree__progress" role="status">
            {' '}
            · checking {formatCount(progress.filesTotal)} equal-size files ({formatBytes(progress.fileBytes)}):{' '}
            {progress.total > 0 ? Math.round((100 * progress.done) / progress.total) : 0}%
          </span>
        )}
        {diff?.provisional && (
          <span
            className="cmp-tree__provisional"
            title="Until the layers' sha256 is checked, shared layers are taken as identical by the diff_id their configs claim"
          >
            {' '}
            · shared layers not yet verified
          </span>
        )}
      </p>
      <div ref={scrollRef} className="cmp-tree__scroll">
        <div
          className="cmp-tree__rows"
          role="tree"
          aria-label="Differing paths"
          aria-activedescendant={activeId}
          tabIndex={0}
          onKeyDown={onKey}
          onFocus={() => {
            if (rows.length > 0 && !cmp.state.selected) cmp.select(rows[0]!.path);
          }}
          style={{ height: virtualizer.getTotalSize() }}
        >
          {virtualizer.getVirtualItems().map((vi) => {
            const r = rows[vi.index]!;
            const what = r.record >= 0 && diff ? flagNames(diff.flags[r.record]!).filter((n) => n !== 'added' && n !== 'removed') : [];
            return (
              // biome-ignore lint/a11y/useKeyWithClickEvents lint/a11y/useFocusableInteractive: the tree has focus and names the active row by aria-activedescendant; its onKeyDown moves the selection (WAI-ARIA APG tree view)
              <div
                key={r.path}
                id={`cmp-row-${vi.index}`}
                aria-label={`${displayName(r.name)}, ${r.category}`}
                onMouseDown={(e) => e.preventDefault() /* keep focus on the tree element */}
                role="treeitem"
                aria-level={r.depth + 1}
                aria-expanded={r.hasChildren ? r.expanded : undefined}
                aria-selected={vi.index === activeIndex}
                className={`cmp-row cmp-row--${r.category}${vi.index === activeIndex ? ' cmp-row--active' : ''}`}
                data-path={r.path}
                data-category={r.category}
                style={{ transform: `translateY(${vi.start}px)`, height: DIFF_ROW_HEIGHT, paddingLeft: 8 + r.depth * 16 }}
                onClick={() => cmp.select(r.path)}
                onDoubleClick={() => r.hasChildren && cmp.toggle(r.path)}
              >
                <button
                  type="button"
                  tabIndex={-1}
                  className="cmp-row__twisty"
                  aria-hidden="true"
                  onClick={(e) => {
                    e.stopPropagation();
                    if (r.hasChildren) cmp.toggle(r.path);
                  }}
                >
                  {r.hasChildren ? (r.expanded ? '▾' : '▸') : ''}
                </button>
                <span className="cmp-row__mark" aria-hidden="true">
                  {CATEGORY_MARK[r.category]}
                </span>
                <span className={`cmp-row__name${r.isDir ? ' cmp-row__name--dir' : ''}`}>
                  <SafeText text={r.name} />
                </span>
                {what.length > 0 && <span className="cmp-row__what">{what.join(', ')}</span>}
                {r.below > 0 && <span className="cmp-row__below">{formatCount(r.below)}</span>}
                <span className="cmp-row__delta">{signed(r.plus, r.minus)}</span>
              </div>
            );
          })}
        </div>
        {rows.length === 0 && status !== 'idle' && (
          <p className="cmp-tree__empty">{totals?.differing === 0 ? 'Nothing differs.' : 'Nothing matches the filters.'}</p>
        )}
      </div>
    </section>
  );
}
