/**
 * Reveal a path in the tree the way a user would: expand its ancestors and
 * select it (the tree scrolls to the selection), and show its details.
 */
import { useStore } from '../../state/store';
import { ancestorsOf } from '../../core/model/union';

export function revealPath(path: string, opts: { expand?: boolean } = {}): void {
  const s = useStore.getState();
  const next = new Set(s.expanded);
  let grew = false;
  for (const a of opts.expand ? [...ancestorsOf(path), path] : ancestorsOf(path)) {
    if (!next.has(a)) {
      next.add(a);
      grew = true;
    }
  }
  if (grew) s.setExpanded(next);
  s.selectPath(path);
  if (s.rightPane !== 'details') s.setRightPane('details');
}
