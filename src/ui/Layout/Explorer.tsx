/**
 * The explorer's three panes — the layer stack, the merged tree, the details —
 * with splitters between them. The side panes' widths grow with the window by
 * default and can be dragged or set with the keyboard; the choice is remembered
 * (paneSizes.ts). Below STACKED_MAX_WIDTH the panes stack vertically and the
 * page scrolls (Explorer.css); selecting a row then brings its details into view.
 */
import { useEffect, useLayoutEffect, useState, type CSSProperties } from 'react';
import { KeyHelp } from '../Keys/KeyHelp';
import { OPEN_KEY_HELP, matchShortcut } from '../Keys/keys';
import { StackDiagram } from '../StackDiagram/StackDiagram';
import { FileTree } from '../FileTree/FileTree';
import { RightPane } from '../App/RightPane';
import { Splitter } from './Splitter';
import { SPLITTER_PX, boundsOf, usePaneSizes, type PaneSide } from './paneSizes';
import './Explorer.css';

export function Explorer() {
  const { widths, windowWidth, set, setActive, stacked } = usePaneSizes();
  const [dragging, setDragging] = useState(false);
  const [help, setHelp] = useState(false);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Tab' && !e.ctrlKey && !e.metaKey && !e.altKey && movePane(e.target as HTMLElement, e.shiftKey ? -1 : 1)) e.preventDefault();
      else if (matchShortcut(e) === 'help' && !document.querySelector('dialog[open]')) {
        e.preventDefault();
        setHelp(true);
      }
    };
    const onOpen = () => setHelp(true);
    document.addEventListener('keydown', onKey);
    document.addEventListener(OPEN_KEY_HELP, onOpen);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener(OPEN_KEY_HELP, onOpen);
    };
  }, []);
  const active = (side: PaneSide) => (on: boolean) => {
    setActive(on ? side : null);
    setDragging(on);
  };
  const style = {
    '--pane-left-w': `${widths.left}px`,
    '--pane-right-w': `${widths.right}px`,
    '--splitter-w': `${SPLITTER_PX}px`,
  } as CSSProperties;
  // Panels that float over the details pane (the playground, in a portal outside this grid) take its width from the root.
  useLayoutEffect(() => {
    const root = document.documentElement.style;
    root.setProperty('--pane-right-w', `${widths.right}px`);
    root.setProperty('--pane-left-w', `${widths.left}px`);
    return () => {
      root.removeProperty('--pane-right-w');
      root.removeProperty('--pane-left-w');
    };
  }, [widths.right, widths.left]);
  const lb = boundsOf('left', widths.right, windowWidth);
  const rb = boundsOf('right', widths.left, windowWidth);

  return (
    <main className={`explorer${dragging ? ' is-resizing' : ''}`} aria-label="Image explorer" style={style} data-layout={stacked ? 'stacked' : 'columns'}>
      <section className="pane pane--left" id="pane-layers" aria-label="Layers">
        <StackDiagram />
      </section>
      {!stacked && (
        <Splitter
          side="left"
          value={widths.left}
          min={lb.min}
          max={lb.max}
          label="Resize the layers pane"
          controls="pane-layers"
          onChange={(w) => set('left', w)}
          onActive={active('left')}
        />
      )}
      <section className="pane pane--centre" id="pane-tree" aria-label="Merged filesystem">
        <FileTree />
      </section>
      {!stacked && (
        <Splitter
          side="right"
          value={widths.right}
          min={rb.min}
          max={rb.max}
          label="Resize the details pane"
          controls="pane-details"
          onChange={(w) => set('right', w)}
          onActive={active('right')}
        />
      )}
      <section className="pane pane--right" id="pane-details" aria-label="Details and image">
        <RightPane />
      </section>
      {help && <KeyHelp onClose={() => setHelp(false)} />}
    </main>
  );
}

/**
 * In the stacked layout the details sit below the tree: bring them into view
 * when a row is chosen (a click or Enter, not arrow-key browsing).
 */
export function revealDetailsIfStacked(): void {
  if (typeof window === 'undefined' || !window.matchMedia?.('(max-width: 959.98px)').matches) return;
  requestAnimationFrame(() => document.getElementById('pane-details')?.scrollIntoView({ block: 'start', behavior: 'smooth' }));
}

/**
 * dive's Tab: from the focused pane to the next one — the layer stack (its
 * selected band), the tree, the details. Only from a pane's own focus point, so
 * Tab inside a pane's controls still moves through them; Shift+Tab from the
 * stack and Tab from the details leave the panes as usual (the keyboard is
 * never trapped). Returns whether focus moved.
 */
export function movePane(from: HTMLElement | null, dir: 1 | -1): boolean {
  if (!from) return false;
  const roots = [
    () => document.querySelector<HTMLElement>('#pane-layers [role="option"][aria-selected="true"]'),
    () => document.querySelector<HTMLElement>('#pane-tree [role="tree"]'),
    () => document.querySelector<HTMLElement>('#pane-details [data-pane-focus]'),
  ];
  const at = from.matches('#pane-layers [role="option"]')
    ? 0
    : from.matches('#pane-tree [role="tree"]')
      ? 1
      : from.matches('#pane-details [data-pane-focus]')
        ? 2
        : -1;
  if (at < 0) return false;
  const to = at + dir;
  if (to < 0 || to >= roots.length) return false;
  const el = roots[to]?.();
  if (!el) return false;
  el.focus();
  return true;
}
