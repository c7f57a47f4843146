/**
 * Explanations one click away: an ⓘ button (ExplainButton) that any component
 * can put next to what it explains, and the Concepts popover of the teaching
 * toolbar listing every concept. "Show me" outlines the place in the page
 * that shows the concept (the Spotlight).
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type ReactNode, type RefObject } from 'react';
import { createPortal } from 'react-dom';
import { CONCEPTS, CONCEPT_BY_ID, type Concept, type ConceptId } from './concepts';
import { Rich } from './Rich';
import { Spotlight } from './Spotlight';
import './Teach.css';

/** Popover width, px: a comfortable line length for the texts (~60 characters). */
const POPOVER_W = 380;
/** Keep popovers this far from the viewport edges, px. */
const EDGE = 8;

/** A floating panel anchored below (or above) a button, closed by Esc or a click outside. */
export function Popover({
  anchor,
  onClose,
  label,
  children,
  testid,
}: {
  anchor: RefObject<HTMLElement | null>;
  onClose(): void;
  label: string;
  children: ReactNode;
  testid?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [pos, setPos] = useState<{ top: number; left: number; maxHeight: number } | null>(null);

  useLayoutEffect(() => {
    const place = () => {
      const a = anchor.current?.getBoundingClientRect();
      if (!a) return;
      const w = Math.min(POPOVER_W, window.innerWidth - 2 * EDGE);
      const left = Math.max(EDGE, Math.min(a.left, window.innerWidth - w - EDGE));
      const below = window.innerHeight - a.bottom - EDGE;
      const above = a.top - EDGE;
      if (below >= 240 || below >= above) setPos({ top: a.bottom + 6, left, maxHeight: below - 6 });
      else setPos({ top: Math.max(EDGE, a.top - 6 - Math.min(above, 520)), left, maxHeight: Math.min(above, 520) - 6 });
    };
    place();
    window.addEventListener('resize', place);
    window.addEventListener('scroll', place, true);
    return () => {
      window.removeEventListener('resize', place);
      window.removeEventListener('scroll', place, true);
    };
  }, [anchor]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        onClose();
        anchor.current?.focus();
      }
    };
    const onDown = (e: PointerEvent) => {
      const t = e.target as Node;
      if (ref.current?.contains(t) || anchor.current?.contains(t)) return;
      onClose();
    };
    document.addEventListener('keydown', onKey, true);
    document.addEventListener('pointerdown', onDown, true);
    return () => {
      document.removeEventListener('keydown', onKey, true);
      document.removeEventListener('pointerdown', onDown, true);
    };
  }, [anchor, onClose]);

  // Move focus into the popover so keyboard users land on its content.
  // Once it is placed (not at every re-placement while scrolling).
  const placed = pos !== null;
  useEffect(() => {
    if (placed) ref.current?.focus();
  }, [placed]);

  return createPortal(
    <div
      ref={ref}
      role="dialog"
      aria-label={label}
      tabIndex={-1}
      className="teach-popover"
      data-testid={testid}
      style={
        pos ? { top: pos.top, left: pos.left, maxHeight: pos.maxHeight, width: Math.min(POPOVER_W, window.innerWidth - 2 * EDGE) } : { visibility: 'hidden' }
      }
    >
      {children}
    </div>,
    document.body,
  );
}

/** One concept: title, text, source, and "Show me". */
export function ConceptCard({ concept, showing, onShow }: { concept: Concept; showing: boolean; onShow(on: boolean): void }) {
  return (
    <article className="teach-concept" data-testid="concept" data-concept={concept.id}>
      <h3 className="teach-concept-title">{concept.title}</h3>
      {concept.body.map((p, i) => (
        <p key={i}>
          <Rich text={p} />
        </p>
      ))}
      <p className="teach-source">Source: {concept.source}</p>
      <button type="button" className="btn btn-sm" aria-pressed={showing} onClick={() => onShow(!showing)}>
        {showing ? 'Hide outline' : 'Show me in the page'}
      </button>
      {showing && <Spotlight targets={[{ selectors: concept.shows, label: concept.term }]} />}
    </article>
  );
}

/** An ⓘ button that opens one concept's explanation. */
export function ExplainButton({ id, className }: { id: ConceptId; className?: string }) {
  const c = CONCEPT_BY_ID[id];
  const btn = useRef<HTMLButtonElement>(null);
  const [open, setOpen] = useState(false);
  const [showing, setShowing] = useState(false);
  const close = useCallback(() => {
    setOpen(false);
    setShowing(false);
  }, []);
  return (
    <>
      <button
        ref={btn}
        type="button"
        className={`teach-info ${className ?? ''}`}
        aria-label={`What is ${c.term}?`}
        aria-expanded={open}
        title={`What is ${c.term}?`}
        data-testid="explain"
        data-concept={id}
        onClick={() => setOpen((o) => !o)}
      >
        i
      </button>
      {open && (
        <Popover anchor={btn} onClose={close} label={c.title}>
          <ConceptCard concept={c} showing={showing} onShow={setShowing} />
        </Popover>
      )}
    </>
  );
}

/** Every concept, one click each: the teaching toolbar's "Concepts" popover. */
export function ConceptsMenu({ anchor, onClose, initial }: { anchor: RefObject<HTMLElement | null>; onClose(): void; initial?: ConceptId }) {
  const [sel, setSel] = useState<ConceptId>(initial ?? 'layers');
  const [showing, setShowing] = useState(false);
  const c = CONCEPT_BY_ID[sel];
  return (
    <Popover anchor={anchor} onClose={onClose} label="How images work: concepts" testid="concepts">
      <nav className="teach-terms" aria-label="Concepts">
        {CONCEPTS.map((x) => (
          <button
            key={x.id}
            type="button"
            className={`teach-term${x.id === sel ? ' is-active' : ''}`}
            aria-pressed={x.id === sel}
            data-testid="concept-term"
            data-concept={x.id}
            onClick={() => {
              setSel(x.id);
              setShowing(false);
            }}
          >
            {x.term}
          </button>
        ))}
      </nav>
      <ConceptCard concept={c} showing={showing} onShow={setShowing} />
    </Popover>
  );
}
