/**
 * Outlines elements of the page (layer bands, tree rows, the diagram's dashed
 * bands) without touching them: fixed-position rings drawn over their boxes,
 * tracked every animation frame while shown (the tree scrolls, the stack
 * re-lays out while layers load). Targets are found by selector, so the
 * spotlight needs nothing from the components it points at beyond the
 * testing-contract attributes they already carry.
 */
import { useEffect, useState } from 'react';
import { createPortal } from 'react-dom';
import type { TourTarget } from './tourPlan';

interface Ring {
  selector: string;
  label: string;
  main: boolean;
  top: number;
  left: number;
  width: number;
  height: number;
}

/** Space between an element and its ring, px. */
const RING_GAP = 3;

/** The part of `el` not clipped by scrolling ancestors (the tree's and the stack's scroll areas). */
function visibleRect(el: Element): { top: number; left: number; right: number; bottom: number } | null {
  const r = el.getBoundingClientRect();
  if (r.width === 0 && r.height === 0) return null;
  let top = r.top;
  let left = r.left;
  let right = r.right;
  let bottom = r.bottom;
  for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
    const st = getComputedStyle(p);
    if (st.overflowX === 'visible' && st.overflowY === 'visible') continue;
    const c = p.getBoundingClientRect();
    top = Math.max(top, c.top);
    left = Math.max(left, c.left);
    right = Math.min(right, c.right);
    bottom = Math.min(bottom, c.bottom);
    if (right <= left || bottom <= top) return null;
  }
  return { top, left, right, bottom };
}

function sameRings(a: Ring[], b: Ring[]): boolean {
  return (
    a.length === b.length &&
    a.every((x, i) => {
      const y = b[i]!;
      return x.selector === y.selector && x.top === y.top && x.left === y.left && x.width === y.width && x.height === y.height;
    })
  );
}

/**
 * Find the first existing element for each target, scroll the main one into
 * view once, and outline them all. `onFound` reports whether the main target
 * exists (for the step's caption).
 */
export function Spotlight({
  targets,
  onFound,
}: {
  targets: TourTarget[];
  onFound?(found: boolean, rect: { top: number; bottom: number; left: number; right: number } | null): void;
}) {
  const [rings, setRings] = useState<Ring[]>([]);

  useEffect(() => {
    let raf = 0;
    let scrolled = false;
    let reported: string | null = null;
    let current: Ring[] = [];
    const tick = () => {
      const next: Ring[] = [];
      targets.forEach((t, i) => {
        for (const sel of t.selectors) {
          let el: Element | null = null;
          try {
            el = document.querySelector(sel);
          } catch {
            el = null; // a selector built from an unusual path; treat as absent
          }
          if (!el) continue;
          if (i === 0 && !scrolled) {
            scrolled = true;
            el.scrollIntoView({ block: 'nearest', inline: 'nearest' });
          }
          const v = visibleRect(el);
          if (v) {
            next.push({
              selector: sel,
              label: t.label,
              main: i === 0,
              top: Math.round(v.top - RING_GAP),
              left: Math.round(v.left - RING_GAP),
              width: Math.round(v.right - v.left + 2 * RING_GAP),
              height: Math.round(v.bottom - v.top + 2 * RING_GAP),
            });
          }
          break;
        }
      });
      const main = next.find((r) => r.main);
      const key = main ? `${main.top},${main.left},${main.width},${main.height}` : '';
      if (key !== reported) {
        reported = key;
        onFound?.(!!main, main ? { top: main.top, bottom: main.top + main.height, left: main.left, right: main.left + main.width } : null);
      }
      if (!sameRings(current, next)) {
        current = next;
        setRings(next);
      }
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(raf);
  }, [targets, onFound]);

  return createPortal(
    <div className="teach-spotlight" aria-hidden="true">
      {rings.map((r) => (
        <div
          key={r.selector}
          className={`teach-ring${r.main ? ' teach-ring--main' : ''}`}
          data-testid="tour-highlight"
          data-selector={r.selector}
          data-main={r.main || undefined}
          style={{ top: r.top, left: r.left, width: r.width, height: r.height }}
        >
          <span className="teach-ring-label">{r.label}</span>
        </div>
      ))}
    </div>,
    document.body,
  );
}
