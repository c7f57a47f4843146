/**
 * Reveal a path in the tree from the audit without leaving it: expand the
 * ancestors, select the path, and optionally show the filesystem as of a layer
 * (a deleted secret is visible in the layer that added it). Unlike
 * Teach/reveal.ts the right pane stays on the audit, so the user can go on
 * through the list.
 */
import { ancestorsOf } from '../../core/model/union';
import { useStore } from '../../state/store';

export function revealInTree(path: string, opts: { layer?: number } = {}): void {
  const s = useStore.getState();
  if (opts.layer !== undefined && opts.layer >= 0) s.selectLayer(opts.layer);
  const next = new Set(s.expanded);
  let grew = false;
  for (const a of ancestorsOf(path)) {
    if (!next.has(a)) {
      next.add(a);
      grew = true;
    }
  }
  if (grew) s.setExpanded(next);
  s.selectPath(path);
  // In the stacked layout the tree is above: bring it into view.
  if (typeof window !== 'undefined' && window.matchMedia?.('(max-width: 959.98px)').matches) {
    requestAnimationFrame(() => document.getElementById('pane-tree')?.scrollIntoView({ block: 'start', behavior: 'smooth' }));
  }
}
