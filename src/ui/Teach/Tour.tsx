/**
 * The guided tour: a card with one concept per step, shown on the loaded
 * image. Each step selects the real layer and path (through the store, as a
 * click would) and outlines the elements that show the concept. Next/Back,
 * arrow keys, and Esc to leave.
 */
import { useCallback, useEffect, useEffectEvent, useMemo, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { useStore } from '../../state/store';
import { planTour, type TourStep } from './tourPlan';
import { revealPath } from './reveal';
import { Spotlight } from './Spotlight';
import { Rich } from './Rich';
import { CONCEPT_BY_ID } from './concepts';
import './Teach.css';
import { selectShown } from '../../state/selectors';

/** Put the page in the state a step describes: its layer selected, its path revealed and selected. */
export function applyStep(step: TourStep): void {
  const s = useStore.getState();
  if (step.layer !== null && step.layer >= 0) s.selectLayer(step.layer);
  // Rows the step points at must not be filtered away.
  const f = s.filters;
  if (!f.added || !f.modified || !f.deleted || !f.unchanged) s.setFilters({ added: true, modified: true, deleted: true, unchanged: true });
  if (s.search || s.onlyLayerChanges || (step.showDeleted && !s.showDeleted)) {
    s.setView({ search: '', onlyLayerChanges: false, ...(step.showDeleted ? { showDeleted: true } : {}) });
  }
  if (step.path) revealPath(step.path);
}

/** Room (px) the card keeps from the status bar below and the header above, to decide where it goes. */
const BOTTOM_RESERVE = 52;
const TOP_RESERVE = 64;
const CARD_MARGIN = 12;

export function Tour({ onClose }: { onClose(): void }) {
  const loaded = useStore(selectShown);
  const steps = useMemo(() => (loaded ? planTour(loaded) : []), [loaded]);
  const [i, setI] = useState(0);
  const [found, setFound] = useState(true);
  const [placement, setPlacement] = useState<'bottom' | 'top'>('bottom');
  const card = useRef<HTMLDivElement>(null);
  const step = steps[Math.min(i, steps.length - 1)];

  // Applied when the step shown changes, and only then: re-applying on every store change would fight the user.
  const shownStep = step ? `${i}:${step.id}` : null;
  const applyShown = useEffectEvent(() => {
    if (step) applyStep(step);
  });
  useEffect(() => {
    if (shownStep !== null) applyShown();
  }, [shownStep]);

  useEffect(() => {
    card.current?.focus();
  }, []);

  const next = useCallback(() => setI((x) => Math.min(x + 1, steps.length - 1)), [steps.length]);
  const back = useCallback(() => setI((x) => Math.max(0, x - 1)), []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        onClose();
        return;
      }
      // Arrows move the tour only while focus is on the card (elsewhere they drive the tree and stack).
      if (!card.current?.contains(document.activeElement)) return;
      if (e.key === 'ArrowRight') next();
      if (e.key === 'ArrowLeft') back();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [onClose, next, back]);

  // The card sits at the bottom, unless the outlined element is under it: then at the top.
  const onFound = useCallback((f: boolean, r: { top: number; bottom: number; left: number; right: number } | null) => {
    setFound(f);
    const c = card.current?.getBoundingClientRect();
    if (!r || !c) return;
    const h = c.height + CARD_MARGIN;
    const underBottom = r.bottom > window.innerHeight - h - BOTTOM_RESERVE && r.right > c.left && r.left < c.right;
    const underTop = r.top < TOP_RESERVE + h;
    setPlacement(underBottom && !underTop ? 'top' : 'bottom');
  }, []);

  if (!loaded || !step) return null;
  const last = i >= steps.length - 1;
  const concept = CONCEPT_BY_ID[step.concept];

  return (
    <>
      <Spotlight key={`${i}:${step.id}`} targets={step.targets} onFound={onFound} />
      {createPortal(
        <div
          ref={card}
          className={`teach-tour teach-tour--${placement}`}
          role="dialog"
          aria-modal="false"
          aria-labelledby="teach-tour-title"
          tabIndex={-1}
          data-testid="tour"
          data-step={step.id}
          data-present={step.present}
        >
          <header className="teach-tour-head">
            <span className="teach-tour-count">
              Tour · {i + 1} / {steps.length}
            </span>
            {!step.present && (
              <span className="teach-badge" data-testid="tour-absent">
                not in this image
              </span>
            )}
            <button type="button" className="btn btn-sm btn-ghost teach-close" aria-label="Close the tour (Esc)" title="Close (Esc)" onClick={onClose}>
              ×
            </button>
          </header>
          <h2 id="teach-tour-title" className="teach-tour-title">
            {step.title}
          </h2>
          <div className="teach-tour-body" aria-live="polite">
            {step.body.map((p, k) => (
              <p key={k}>
                <Rich text={p} />
              </p>
            ))}
            {!found && step.targets[0] && (
              <p className="teach-note">
                ({step.targets[0].label} is not on screen right now{step.path ? ': it may be filtered out of the tree' : ''}.)
              </p>
            )}
          </div>
          <details className="teach-more">
            <summary>More about {concept.term.toLowerCase()}</summary>
            {concept.body.map((p, k) => (
              <p key={k}>
                <Rich text={p} />
              </p>
            ))}
            <p className="teach-source">Source: {concept.source}</p>
          </details>
          <nav className="teach-tour-nav" aria-label="Tour steps">
            <ol className="teach-dots" aria-hidden="true">
              {steps.map((s, k) => (
                <li key={s.id} className={`${k === i ? 'is-current' : ''}${s.present ? '' : ' is-absent'}`} />
              ))}
            </ol>
            <button type="button" className="btn btn-sm" onClick={back} disabled={i === 0} data-testid="tour-back">
              Back
            </button>
            {last ? (
              <button type="button" className="btn btn-sm btn-primary" onClick={onClose} data-testid="tour-done">
                Done
              </button>
            ) : (
              <button type="button" className="btn btn-sm btn-primary" onClick={next} data-testid="tour-next">
                Next
              </button>
            )}
          </nav>
        </div>,
        document.body,
      )}
    </>
  );
}
