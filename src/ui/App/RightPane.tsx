/**
 * The right-hand pane: the selected path's details, or the image panel (tags,
 * config, reconstructed Dockerfile, totals). Tabs per the WAI-ARIA tabs
 * pattern: arrow keys move between tabs, the panel is labelled by its tab.
 */
import { useRef, type KeyboardEvent } from 'react';
import { useStore } from '../../state/store';
import type { RightPane as Pane } from '../../state/viewSlice';
import { Details } from '../Details/Details';
import { ImagePanel } from '../ImagePanel/ImagePanel';

const TABS: ReadonlyArray<{ id: Pane; label: string }> = [
  { id: 'details', label: 'Path' },
  { id: 'image', label: 'Image' },
];

export function RightPane() {
  const pane = useStore((s) => s.rightPane);
  const setPane = useStore((s) => s.setRightPane);
  const refs = useRef<Record<string, HTMLButtonElement | null>>({});

  const onKey = (e: KeyboardEvent) => {
    const i = TABS.findIndex((t) => t.id === pane);
    let j = -1;
    if (e.key === 'ArrowRight') j = (i + 1) % TABS.length;
    else if (e.key === 'ArrowLeft') j = (i - 1 + TABS.length) % TABS.length;
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = TABS.length - 1;
    if (j < 0) return;
    e.preventDefault();
    setPane(TABS[j]!.id);
    refs.current[TABS[j]!.id]?.focus();
  };

  return (
    <div className="right-pane">
      <div className="tabs" role="tablist" aria-label="Right pane" onKeyDown={onKey}>
        {TABS.map((t) => (
          <button
            key={t.id}
            ref={(el) => {
              refs.current[t.id] = el;
            }}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            data-testid={`tab-${t.id}`}
            aria-selected={pane === t.id}
            aria-controls={`tabpanel-${t.id}`}
            tabIndex={pane === t.id ? 0 : -1}
            className="tab"
            onClick={() => setPane(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div className="tabpanel" role="tabpanel" id={`tabpanel-${pane}`} aria-labelledby={`tab-${pane}`} tabIndex={-1} data-pane-focus>
        {pane === 'details' ? <Details /> : <ImagePanel />}
      </div>
    </div>
  );
}
