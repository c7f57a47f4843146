/**
 * The comparison page: both images named at the top, their layer stacks side by
 * side (shared layers aligned and linked, the first difference marked, the bytes
 * shared), the tree of what differs, and the selected path's two versions with
 * their content diff. Mounted by the App in place of the explorer while a
 * comparison is open; everything it shows comes from the Comparison store.
 */
import { useStore } from 'zustand';
import { formatBytes } from '../format/format';
import { SafeText } from '../format/SafeText';
import { DiffTreeView } from './DiffTreeView';
import { LayerStacks } from './LayerStacks';
import { PathCompare } from './PathCompare';
import type { Comparison } from './compareStore';
import './Compare.css';

interface Props {
  cmp: Comparison;
  onClose(): void;
  /** Compare as of another layer of one side (the stacks' layers are buttons). */
  onPickLayer?(side: 'a' | 'b', layer: number): void;
  /** Swap the two sides. */
  onSwap?(): void;
}

function SideTitle({ name, label, sub }: { name: 'A' | 'B'; label: string; sub: string }) {
  return (
    <div className={`cmp-side cmp-side--${name.toLowerCase()}`}>
      <span className="cmp-side__name">{name}</span>
      <span className="cmp-side__label">
        <SafeText text={label} />
      </span>
      <span className="cmp-side__sub">{sub}</span>
    </div>
  );
}

export function CompareView({ cmp, onClose, onPickLayer, onSwap }: Props) {
  const a = useStore(cmp.store, (s) => s.a);
  const b = useStore(cmp.store, (s) => s.b);
  const layers = useStore(cmp.store, (s) => s.layers);
  const status = useStore(cmp.store, (s) => s.status);
  const error = useStore(cmp.store, (s) => s.error);
  const failures = useStore(cmp.store, (s) => s.failures);
  if (!a || !b) return null;
  // Layers that could not be read (when the side was opened, or to hash their files for the proof).
  const unread: { side: 'A' | 'B'; layer: number; message: string }[] = [];
  for (const [name, t] of [
    ['A', a],
    ['B', b],
  ] as const) {
    t.img.image.layers.forEach((_, i) => {
      if (i > t.layer) return;
      const msg = t.img.layerErrors[i] ?? (t.img.layers[i] === null ? 'not read' : null);
      if (msg) unread.push({ side: name, layer: i, message: msg });
    });
  }
  for (const f of failures) {
    const side = f.side === 'a' ? 'A' : 'B';
    if (!unread.some((u) => u.side === side && u.layer === f.layer)) unread.push({ side, layer: f.layer, message: f.message });
  }
  const sub = (t: typeof a) => {
    const n = t.img.image.layers.length;
    const tags = t.img.image.tags.join(', ') || 'untagged';
    return `${tags} · ${n} layer${n === 1 ? '' : 's'}${t.layer < n - 1 ? `, as of layer ${t.layer}` : ''} · ${formatBytes(t.img.stats.imageSize)}`;
  };
  return (
    <main className="cmp" aria-label="Comparison of two images" data-testid="compare" data-status={status}>
      <header className="cmp__head">
        <SideTitle name="A" label={a.label} sub={sub(a)} />
        <span className="cmp__vs" aria-hidden="true">
          →
        </span>
        <SideTitle name="B" label={b.label} sub={sub(b)} />
        <div className="cmp__actions">
          {onSwap && (
            <button type="button" className="btn" onClick={onSwap} data-testid="compare-swap">
              Swap
            </button>
          )}
          <button type="button" className="btn" onClick={onClose} data-testid="compare-close">
            Close comparison
          </button>
        </div>
      </header>
      {error && (
        <p className="cmp-note cmp-note--error" role="alert">
          The comparison failed: {error}
        </p>
      )}
      {unread.length > 0 && (
        <div className="cmp-note cmp-note--warn" role="status" data-testid="compare-unread">
          {unread.map((u) => (
            <p key={`${u.side}${u.layer}`}>
              Layer {u.layer} of {u.side} could not be read (<SafeText text={u.message} />
              ): every path it may have changed is marked unknown, never claimed unchanged.
            </p>
          ))}
        </div>
      )}
      <div className="cmp__body">
        <div className="cmp__pane cmp__pane--layers">
          {layers && <LayerStacks layers={layers} a={a.img} b={b.img} topA={a.layer} topB={b.layer} onPickLayer={onPickLayer} />}
        </div>
        <div className="cmp__pane cmp__pane--tree">
          <DiffTreeView cmp={cmp} />
        </div>
        <div className="cmp__pane cmp__pane--path">
          <PathCompare cmp={cmp} />
        </div>
      </div>
    </main>
  );
}
