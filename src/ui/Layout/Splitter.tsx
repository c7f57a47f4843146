/**
 * A vertical splitter between two panes (WAI-ARIA "window splitter" pattern):
 * drag it with a pointer, or focus it and use ←/→ (Shift for bigger steps),
 * Home/End for the smallest and largest width, Enter or a double click for the
 * default. The width it controls is the pane on its `side` of the tree.
 */
import { useRef, type KeyboardEvent, type PointerEvent } from 'react';
import { KEY_STEP, KEY_STEP_LARGE, type PaneSide } from './paneSizes';

interface Props {
  side: PaneSide;
  /** Current width of the pane this splitter resizes. */
  value: number;
  min: number;
  max: number;
  label: string;
  controls: string;
  onChange(width: number | null): void;
  onActive(active: boolean): void;
}

export function Splitter({ side, value, min, max, label, controls, onChange, onActive }: Props) {
  const drag = useRef<{ x: number; w: number } | null>(null);
  // Moving right widens the left pane and narrows the right one.
  const dir = side === 'left' ? 1 : -1;
  const clamp = (w: number) => Math.max(min, Math.min(max, w));

  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    if (e.button !== 0) return;
    e.preventDefault();
    e.currentTarget.setPointerCapture(e.pointerId);
    drag.current = { x: e.clientX, w: value };
    onActive(true);
  };
  const onPointerMove = (e: PointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    if (!d) return;
    onChange(clamp(d.w + dir * (e.clientX - d.x)));
  };
  const end = (e: PointerEvent<HTMLDivElement>) => {
    if (!drag.current) return;
    drag.current = null;
    if (e.currentTarget.hasPointerCapture(e.pointerId)) e.currentTarget.releasePointerCapture(e.pointerId);
    onActive(false);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const step = e.shiftKey ? KEY_STEP_LARGE : KEY_STEP;
    let next: number | null | undefined;
    if (e.key === 'ArrowLeft') next = clamp(value - dir * step);
    else if (e.key === 'ArrowRight') next = clamp(value + dir * step);
    else if (e.key === 'Home') next = min;
    else if (e.key === 'End') next = max;
    else if (e.key === 'Enter') next = null;
    if (next === undefined) return;
    e.preventDefault();
    onActive(true);
    onChange(next);
    onActive(false);
  };

  return (
    <div
      role="separator"
      aria-orientation="vertical"
      aria-label={label}
      aria-controls={controls}
      aria-valuenow={Math.round(value)}
      aria-valuemin={Math.round(min)}
      aria-valuemax={Math.round(max)}
      aria-valuetext={`${Math.round(value)} pixels`}
      tabIndex={0}
      className={`splitter splitter--${side}`}
      data-testid={`splitter-${side}`}
      title="Drag to resize · ←/→ with the keyboard · double-click or Enter for the default width"
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={end}
      onPointerCancel={end}
      onKeyDown={onKeyDown}
      onDoubleClick={() => onChange(null)}
    />
  );
}
