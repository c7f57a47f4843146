/**
 * The image chooser for an archive of several images (`docker save a b`,
 * `podman save -m`, one manifest.json listing thousands): a button naming the
 * image shown that opens a filterable list. Type to filter by tag, digest,
 * platform or `#index`; ↑/↓ (PageUp/PageDown) move, Enter opens the image,
 * Escape closes and gives focus back. The list is virtualized, so an archive
 * of 20,000 images (issue 9, point 5) renders a screenful of rows.
 *
 * ARIA: the filter is a combobox (aria-activedescendant names the active
 * option, focus stays in the field), the list a listbox whose options carry
 * aria-posinset/aria-setsize since only the visible ones exist (WAI-ARIA APG
 * "Editable Combobox With List Autocomplete").
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useId, useMemo, useRef, useState, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import { createPortal } from 'react-dom';
import type { ImageInfo } from '../../core/types';
import { chooseImage } from '../../state/actions';
import { formatCount } from '../format/format';
import { SafeText } from '../format/SafeText';
import { filterImages, imageEntries, type ImageEntry } from './imageFilter';

/** Height of one option (two lines: the name, then platform · layers · digest), px; fixed so the list can be virtualized. */
const ROW_H = 44;
/** Tallest the list grows, px (then it scrolls); ~8 rows, and never past the window (see LIST_VIEWPORT_SHARE). */
const LIST_MAX_H = 8 * ROW_H;
/** Share of the window's height the list may take, so the filter and a row or two stay visible on a phone. */
const LIST_VIEWPORT_SHARE = 0.6;
/** Widest the popup grows, px; narrower windows get their width minus the margins. */
const POPUP_MAX_W = 560;
/** Gap kept between the popup and the window's edges, px. */
const EDGE_PX = 8;
/** Rows rendered beyond the visible ones, so a quick scroll does not show blanks. */
const OVERSCAN = 8;

export function ImageChooser({ images, current, withPlatform }: { images: readonly ImageInfo[]; current: ImageInfo | null; withPlatform: boolean }) {
  const [open, setOpen] = useState(false);
  const [initial, setInitial] = useState('');
  const trigger = useRef<HTMLButtonElement>(null);
  const entries = useMemo(() => imageEntries(images), [images]);
  const cur = current ? entries.find((e) => e.index === current.index) : undefined;
  const label = cur ? cur.label + (withPlatform && cur.platform ? ` (${cur.platform})` : '') : '…';

  const close = useCallback((refocus: boolean) => {
    setOpen(false);
    if (refocus) trigger.current?.focus();
  }, []);
  const openWith = (text: string) => {
    setInitial(text);
    setOpen(true);
  };

  const onTriggerKey = (e: ReactKeyboardEvent<HTMLButtonElement>) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp' || (e.altKey && e.key === 'ArrowDown')) {
      e.preventDefault();
      openWith('');
    } else if (e.key.length === 1 && e.key !== ' ' && !e.ctrlKey && !e.metaKey && !e.altKey) {
      // Type-to-find, as a native select had it: the key starts the filter.
      e.preventDefault();
      openWith(e.key);
    }
  };

  return (
    <>
      <button
        ref={trigger}
        type="button"
        className="select chooser__select chooser__trigger"
        data-testid="image-chooser"
        data-value={current ? String(current.index) : ''}
        aria-haspopup="listbox"
        aria-expanded={open}
        aria-label={`Image: ${label} (${formatCount(images.length)} in this archive)`}
        title={cur?.title}
        onClick={() => (open ? close(false) : openWith(''))}
        onKeyDown={onTriggerKey}
      >
        {label}
      </button>
      {open && (
        <ImagePopup
          entries={entries}
          current={current?.index ?? -1}
          initial={initial}
          anchor={trigger.current}
          onChoose={(index) => {
            close(true);
            if (index !== current?.index) void chooseImage(index);
          }}
          onClose={close}
        />
      )}
    </>
  );
}

/** Where the popup goes: under `anchor`, as wide as allowed, inside the window. */
function placeUnder(anchor: HTMLElement | null): { top: number; left: number; width: number; maxH: number } {
  const r = anchor?.getBoundingClientRect() ?? { left: EDGE_PX, bottom: EDGE_PX };
  const width = Math.min(POPUP_MAX_W, window.innerWidth - 2 * EDGE_PX);
  const left = Math.min(Math.max(EDGE_PX, r.left), window.innerWidth - width - EDGE_PX);
  return { top: r.bottom + 4, left, width, maxH: Math.min(LIST_MAX_H, Math.floor(window.innerHeight * LIST_VIEWPORT_SHARE)) };
}

function ImagePopup({
  entries,
  current,
  initial,
  anchor,
  onChoose,
  onClose,
}: {
  entries: readonly ImageEntry[];
  current: number;
  initial: string;
  anchor: HTMLElement | null;
  onChoose(index: number): void;
  onClose(refocus: boolean): void;
}) {
  const [q, setQ] = useState(initial);
  const shown = useMemo(() => filterImages(entries, q), [entries, q]);
  // The active option (a position in `shown`): the current image when the list opens unfiltered, else the first match.
  const [active, setActive] = useState(() =>
    initial
      ? 0
      : Math.max(
          0,
          entries.findIndex((e) => e.index === current),
        ),
  );
  const popup = useRef<HTMLDivElement>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const id = useId();
  const [pos, setPos] = useState(() => placeUnder(anchor));

  // Under the button, inside the window (fixed: the header clips nothing, a portal escapes its stacking).
  useEffect(() => {
    const place = () => setPos(placeUnder(anchor));
    window.addEventListener('resize', place);
    return () => window.removeEventListener('resize', place);
  }, [anchor]);

  // A click outside closes it (without choosing).
  useEffect(() => {
    const down = (e: MouseEvent) => {
      const t = e.target as Node;
      if (!popup.current?.contains(t) && !anchor?.contains(t)) onClose(false);
    };
    document.addEventListener('mousedown', down);
    return () => document.removeEventListener('mousedown', down);
  }, [anchor, onClose]);

  useEffect(() => input.current?.focus(), []);

  const virtualizer = useVirtualizer({ count: shown.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_H, overscan: OVERSCAN });
  const activeIdx = Math.min(active, shown.length - 1);
  // Keep the active option rendered and in view (aria-activedescendant must name an element that exists).
  useEffect(() => {
    if (activeIdx >= 0) virtualizer.scrollToIndex(activeIdx, { align: 'auto' });
  }, [activeIdx, virtualizer]);

  const page = Math.max(1, Math.floor(pos.maxH / ROW_H) - 1);
  const onKey = (e: ReactKeyboardEvent<HTMLInputElement>) => {
    const n = shown.length;
    const move = (to: number) => {
      e.preventDefault();
      if (n > 0) setActive(Math.max(0, Math.min(n - 1, to)));
    };
    if (e.key === 'ArrowDown') move(activeIdx + 1);
    else if (e.key === 'ArrowUp') move(activeIdx - 1);
    else if (e.key === 'PageDown') move(activeIdx + page);
    else if (e.key === 'PageUp') move(activeIdx - page);
    else if (e.key === 'Home' && e.ctrlKey) move(0);
    else if (e.key === 'End' && e.ctrlKey) move(n - 1);
    else if (e.key === 'Enter') {
      e.preventDefault();
      if (activeIdx >= 0) onChoose(entries[shown[activeIdx]!]!.index);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      onClose(true);
    } else if (e.key === 'Tab') onClose(false);
  };

  const optionId = (k: number) => `${id}-o${k}`;
  const total = entries.length;
  return createPortal(
    <div ref={popup} className="chooser-popup" data-testid="image-popup" style={{ top: pos.top, left: pos.left, width: pos.width }}>
      <input
        ref={input}
        className="input mono chooser-popup__filter"
        data-testid="image-filter"
        role="combobox"
        aria-expanded="true"
        aria-controls={`${id}-list`}
        aria-autocomplete="list"
        aria-activedescendant={activeIdx >= 0 ? optionId(activeIdx) : undefined}
        aria-label="Filter images by tag, digest or platform"
        placeholder="Filter by tag, digest, platform"
        spellCheck={false}
        autoComplete="off"
        value={q}
        onChange={(e) => {
          setQ(e.target.value);
          setActive(0);
        }}
        onKeyDown={onKey}
      />
      <p className="chooser-popup__count" data-testid="image-filter-count" aria-live="polite">
        {shown.length === total ? `${formatCount(total)} images` : `${formatCount(shown.length)} of ${formatCount(total)} images`}
      </p>
      {shown.length === 0 ? (
        <p className="chooser-popup__empty" data-testid="image-filter-empty">
          No image matches <SafeText text={`“${q.trim()}”`} />
        </p>
      ) : (
        <div
          ref={scroller}
          id={`${id}-list`}
          role="listbox"
          aria-label="Images in this archive"
          className="chooser-popup__list"
          data-testid="image-list"
          style={{ maxHeight: pos.maxH }}
        >
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((v) => {
              const e = entries[shown[v.index]!]!;
              return (
                // biome-ignore lint/a11y/useKeyWithClickEvents: the keyboard acts through the combobox (aria-activedescendant), as the APG pattern has it
                <div
                  key={e.index}
                  id={optionId(v.index)}
                  role="option"
                  tabIndex={-1}
                  aria-selected={e.index === current}
                  aria-posinset={v.index + 1}
                  aria-setsize={shown.length}
                  data-testid="image-option"
                  data-index={e.index}
                  data-active={v.index === activeIdx ? 'true' : undefined}
                  className={`chooser-option${v.index === activeIdx ? ' is-active' : ''}${e.index === current ? ' is-current' : ''}`}
                  style={{ transform: `translateY(${v.start}px)`, height: ROW_H }}
                  title={e.title}
                  onMouseDown={(ev) => ev.preventDefault() /* keep focus in the filter */}
                  onMouseMove={() => v.index !== activeIdx && setActive(v.index)}
                  onClick={() => onChoose(e.index)}
                >
                  {/* label and detail are displayName'd already (imageFilter.ts): hidden characters shown */}
                  <span className="chooser-option__name mono">{e.label}</span>
                  <span className="chooser-option__detail">
                    #{e.index} · {e.detail}
                  </span>
                </div>
              );
            })}
          </div>
        </div>
      )}
    </div>,
    document.body,
  );
}
