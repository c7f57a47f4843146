/**
 * Where the bytes go: a treemap of the merged filesystem, each cell's area its
 * bytes, coloured by the layer that owns it, with the bytes that ship but are
 * hidden by later layers as hatched cells of their own (so the picture adds up
 * to what the layers' tars hold, not only what a container sees). The layout is
 * d3-hierarchy's squarified treemap (Bruls, Huizing, van Wijk); the data is
 * core/audit/space.ts. A directory opens on click (a breadcrumb goes back); a
 * file is revealed in the tree.
 */
import { hierarchy, treemap, treemapSquarify, type HierarchyRectangularNode } from 'd3-hierarchy';
import { useEffect, useMemo, useRef, useState } from 'react';
import { lookup, pathOf } from '../../core/model/union';
import { spaceTree, type SpaceCell } from '../../core/audit/space';
import type { LoadedImage } from '../../core/session';
import { layerColor, layerTint } from '../colors';
import { formatBytes } from '../format/format';
import { displayName } from '../format/displayName';
import { SafeText } from '../format/SafeText';
import { spaceOf } from './auditRun';
import { revealInTree } from './reveal';

/** Levels drawn below the current directory: enough to see structure, few enough to read. */
const DEPTH = 2;
/** Children per directory before the rest is one "N more" cell (keeps a million-file image to a few hundred cells). */
const MAX_CHILDREN = 30;
/** Height of a directory's title strip, px. */
const HEADER_PX = 15;
/** Cells smaller than this (px) are drawn but not labelled. */
const LABEL_MIN_W = 46;
const LABEL_MIN_H = 14;

export function SpaceTreemap({ loaded }: { loaded: LoadedImage }) {
  const model = useMemo(() => spaceOf(loaded), [loaded]);
  const u = loaded.union;
  const [root, setRoot] = useState(0);
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(360);
  useEffect(() => {
    const el = box.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => setWidth(Math.max(200, Math.floor(el.clientWidth))));
    ro.observe(el);
    setWidth(Math.max(200, Math.floor(el.clientWidth)));
    return () => ro.disconnect();
  }, []);
  const height = Math.round(Math.min(560, Math.max(260, width * 0.8)));

  const layout = useMemo(() => {
    const tree = spaceTree(model, u, root, { depth: DEPTH, maxChildren: MAX_CHILDREN, minShare: 0.001 });
    const h = hierarchy<SpaceCell>(tree, (c) => c.children)
      .sum((c) => (c.children ? 0 : c.bytes))
      .sort((a, b) => (b.value ?? 0) - (a.value ?? 0));
    return treemap<SpaceCell>()
      .tile(treemapSquarify)
      .size([width, height])
      .paddingInner(1)
      .paddingTop((d) => (d.depth > 0 && d.children ? HEADER_PX : 0))
      .round(true)(h);
  }, [model, u, root, width, height]);

  const crumbs: number[] = [];
  for (let x = root; x > 0; x = u.parent[x]!) crumbs.unshift(x);
  const rootPath = pathOf(u, root);
  const layersShown = useMemo(() => {
    const s = new Set<number>();
    for (const d of layout.descendants()) if (d.data.owner >= 0 && (d.data.kind === 'file' || !d.children)) s.add(d.data.owner);
    return [...s].sort((a, b) => a - b);
  }, [layout]);

  const open = (d: HierarchyRectangularNode<SpaceCell>) => {
    const c = d.data;
    if (c.kind === 'dir' && d.depth > 0) setRoot(c.node);
    else if (c.kind === 'file') revealInTree(pathOf(u, c.node));
    else revealInTree(pathOf(u, c.node));
  };

  return (
    <div className="au-space">
      <p className="muted au-space__total">
        {formatBytes(model.totalVisible)} visible
        {model.totalHidden > 0 && (
          <>
            {' '}
            + <span className="au-hatch-key" aria-hidden="true" /> {formatBytes(model.totalHidden)} shipped but hidden by later layers
          </>
        )}
      </p>
      <nav className="au-crumbs" aria-label="Treemap folder">
        <button type="button" className="au-link" onClick={() => setRoot(0)} aria-current={root === 0 ? 'page' : undefined}>
          /
        </button>
        {crumbs.map((x) => (
          <span key={x}>
            <span aria-hidden="true"> › </span>
            <button type="button" className="au-link" onClick={() => setRoot(x)} aria-current={x === root ? 'page' : undefined}>
              <SafeText text={u.names[u.nameId[x]!]!} />
            </button>
          </span>
        ))}
        {root > 0 && (
          <button type="button" className="btn btn-sm btn-ghost au-crumbs__reveal" onClick={() => revealInTree(rootPath)}>
            Reveal in tree
          </button>
        )}
      </nav>
      <div className="au-space__box" ref={box}>
        <svg width={width} height={height} role="group" aria-label={`Bytes under ${displayName(rootPath)}`} data-testid="treemap" className="au-treemap">
          <defs>
            <pattern id="au-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
              <rect width="6" height="6" fill="var(--deleted-soft)" />
              <line x1="0" y1="0" x2="0" y2="6" stroke="var(--deleted)" strokeWidth="2" />
            </pattern>
          </defs>
          {layout.descendants().map((d) => {
            if (d.depth === 0) return null;
            const c = d.data;
            const w = d.x1 - d.x0;
            const h = d.y1 - d.y0;
            if (w < 1 || h < 1) return null;
            const fill =
              c.kind === 'hidden'
                ? 'url(#au-hatch)'
                : c.kind === 'other'
                  ? 'var(--surface-2)'
                  : c.owner < 0
                    ? 'var(--surface)'
                    : d.children
                      ? layerTint(c.owner, 10)
                      : layerTint(c.owner, c.kind === 'dir' ? 30 : 45);
            const path = c.kind === 'file' || c.kind === 'dir' ? pathOf(u, c.node) : null;
            const label =
              c.kind === 'hidden'
                ? `hidden by later layers in ${displayName(pathOf(u, c.node))}: ${formatBytes(c.bytes)}`
                : c.kind === 'other'
                  ? `${c.name} in ${displayName(pathOf(u, c.node))}: ${formatBytes(c.bytes)}`
                  : `${displayName(path!)}: ${formatBytes(c.bytes)}${c.hiddenBytes ? ` (${formatBytes(c.hiddenBytes)} of it hidden by later layers)` : ''}${c.owner >= 0 ? `, mostly from layer ${c.owner}` : ''}`;
            const showLabel = w >= LABEL_MIN_W && h >= LABEL_MIN_H;
            return (
              <g
                key={`${c.kind}:${c.node}:${d.depth}`}
                transform={`translate(${d.x0},${d.y0})`}
                role="button"
                tabIndex={0}
                aria-label={label}
                className={`au-cell au-cell--${c.kind}`}
                data-testid="treemap-cell"
                data-kind={c.kind}
                data-path={path ?? ''}
                onClick={() => open(d)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' || e.key === ' ') {
                    e.preventDefault();
                    open(d);
                  }
                }}
              >
                <title>{label}</title>
                <rect width={w} height={h} fill={fill} stroke={c.owner >= 0 ? layerColor(c.owner) : 'var(--border)'} strokeWidth={d.children ? 1 : 0.5} />
                {showLabel && (
                  <text x={3} y={11} className="au-cell__label">
                    {clip(c.kind === 'hidden' ? 'hidden' : displayName(c.name), w)}
                    {!d.children && h >= 28 && (
                      <tspan x={3} dy={12} className="au-cell__size">
                        {formatBytes(c.bytes)}
                      </tspan>
                    )}
                  </text>
                )}
              </g>
            );
          })}
        </svg>
      </div>
      {layersShown.length > 0 && (
        <ul className="au-legend" aria-label="Layers in the treemap">
          {layersShown.map((L) => (
            <li key={L}>
              <span className="au-swatch" style={{ background: layerColor(L) }} aria-hidden="true" /> layer {L}
            </li>
          ))}
          <li>
            <span className="au-hatch-key" aria-hidden="true" /> hidden by later layers
          </li>
        </ul>
      )}
      {lookup(u, rootPath) < 0 && <p className="muted">This folder is not in the image.</p>}
    </div>
  );
}

/** Cut a label to the cell's width (~6.5 px per character at the label's size). */
function clip(s: string, w: number): string {
  const n = Math.max(1, Math.floor((w - 6) / 6.5));
  return s.length <= n ? s : `${s.slice(0, Math.max(1, n - 1))}…`;
}
