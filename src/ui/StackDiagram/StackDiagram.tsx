/**
 * The layer stack: one band per layer, base at the bottom, as a union mount
 * stacks them — with the parts that are NOT in the image drawn dashed around
 * it: the host's bootfs below, the container's read-write layer above.
 *
 * It is a listbox (role="listbox", bands role="option"): clicking a band or
 * moving with Up/Down selects that layer, and the tree shows the filesystem as
 * of it. Testing contract: bands carry data-testid="layer", data-index (0 =
 * bottom) and aria-selected.
 *
 * Everything is derived from the store on each render; nothing from inside the
 * image is rendered other than as React text (created_by strings, tags).
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type CSSProperties, type KeyboardEvent, type ReactElement } from 'react';
import { stepLabel } from '../../core/model/buildStep';
import { useStore } from '../../state/store';
import { effectiveLayer } from '../../state/hooks';
import type { LayerLoad } from '../../state/loadSlice';
import type { HistoryStep, ImageInfo } from '../../core/types';
import { layerColor, layerTint } from '../colors';
import { formatBytes, formatCount, shortDigest } from '../format/format';
import { displayName } from '../format/displayName';
import {
  bandHeights,
  blobCopies,
  metadataMarkers,
  stackColumns,
  stackLayout,
  bandLines,
  sharedCaption,
  sizeBudget,
  COLUMN_NAMES,
  MARKER_PX,
  type BlobCopies,
  type ColName,
  type LayerFigures,
} from './stackModel';
import { OVERSCAN_PX, ROW_GAP_PX, WINDOW_ABOVE_ROWS, rowsIn, stackBandsPx, windowParts, type WindowPart } from './stackWindow';
import { layerFigures } from './figures';
import { layerIntegrity, mismatchText, type IntegrityState } from './integrity';
import { ExplainButton } from '../Teach/Explain';
import { SHOW_LAYER_DETAILS } from '../App/RightPane';
import './StackDiagram.css';
import { selectArchive, selectDigestsChecking, selectImageInfo, selectIndexes, selectLayerLoads, selectShown, selectStatus } from '../../state/selectors';

/** A hidden-bytes hatch narrower than this (percent of the band) would be invisible. */
const MIN_HATCH_PERCENT = 3;
/** Selected-band keyboard paging: how many layers PageUp/PageDown move. */
const PAGE_LAYERS = 5;
/** The columns' gap, from the constant a windowed stack's spacers are sized with. */
const GAP_STYLE: CSSProperties = { gap: ROW_GAP_PX };

export function StackDiagram() {
  const loaded = useStore(selectShown);
  const storeImage = useStore(selectImageInfo);
  const archive = useStore(selectArchive);
  const loads = useStore(selectLayerLoads);
  const partial = useStore(selectIndexes);
  const status = useStore(selectStatus);
  const digestsChecking = useStore(selectDigestsChecking);
  const selectedLayer = useStore((s) => s.selectedLayer);
  const logScale = useStore((s) => s.logScale);
  const selectLayer = useStore((s) => s.selectLayer);
  const setView = useStore((s) => s.setView);

  const listRef = useRef<HTMLDivElement>(null);
  const [availablePx, setAvailablePx] = useState(0);
  // Height of everything in the stack but the bands (markers, dashed bands, rootfs frame, gaps), measured;
  // null until the stack's first ResizeObserver report (the stack is drawn hidden until then).
  const [fixedPx, setFixedPx] = useState<number | null>(null);
  const focusPending = useRef(false);

  // The loaded image (with statistics, and with the playground's layers when a
  // container runs), else the structure known so far while layers load.
  const image = loaded?.image ?? storeImage;
  const images: ImageInfo[] = loaded?.info.images ?? archive?.images ?? [];
  const n = image?.layers.length ?? 0;
  const selected = effectiveLayer(selectedLayer, n);
  // The playground's running container: its read-write layer sits on top, where the dashed band is.
  const layout = useMemo(() => stackLayout(image?.layers ?? [], image?.history ?? []), [image]);
  const containerIndex = layout.container;
  const imageLayerCount = layout.rootfsTop + 1;

  // A stack of more than WINDOW_ABOVE_ROWS layers draws only the bands in view (stackWindow.ts).
  const windowed = n > WINDOW_ABOVE_ROWS;
  const windowedRef = useRef(windowed);
  windowedRef.current = windowed;
  const scrollRef = useRef<HTMLDivElement | null>(null);
  const [scrollTop, setScrollTop] = useState(0);
  // Where each column's first row sits in the scroll area (measured: the frames' padding and captions are CSS).
  const [colTops, setColTops] = useState<Record<ColName, number>>({ own: 0, base: 0, below: 0 });

  // The scroll area exists only while an image is shown: observed from when it mounts (a ref callback) to when it goes.
  const observeScroll = useCallback((el: HTMLDivElement | null) => {
    if (!el) return;
    scrollRef.current = el;
    // Only in the observer (its first report comes in the frame that lays the new stack out): a read
    // here, in the commit, would force the style and layout of everything the render just built.
    const ro = new ResizeObserver(() => setAvailablePx(el.clientHeight));
    ro.observe(el);
    // The window follows the scroll position, once a frame; a stack drawn whole does not re-render on scroll.
    let frame = 0;
    const onScroll = () => {
      if (frame || !windowedRef.current) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        setScrollTop(el.scrollTop);
      });
    };
    el.addEventListener('scroll', onScroll, { passive: true });
    return () => {
      ro.disconnect();
      el.removeEventListener('scroll', onScroll);
      cancelAnimationFrame(frame);
      if (scrollRef.current === el) scrollRef.current = null;
    };
  }, []);

  const figures = useMemo(() => (image ? layerFigures(image.layers, loaded ? loaded.layers : partial, loaded?.stats ?? null) : []), [image, loaded, partial]);
  const markers = useMemo(() => metadataMarkers(image?.history ?? []), [image]);
  const { baseTop } = layout;

  const budget = sizeBudget(n, availablePx - (fixedPx ?? 0));
  const heights = useMemo(
    () =>
      bandHeights(
        figures.map((f) => f.bytes),
        logScale,
        budget,
      ),
    [figures, logScale, budget],
  );

  // Every layer is one band (in a column, or the container's on top) and a windowed stack's
  // spacers stand for the bands they replace, so the bands of the stack as committed take
  // exactly these pixels (their explicit style heights).
  const bandsPx = useMemo(() => stackBandsPx(heights), [heights]);
  const bandsPxRef = useRef(bandsPx);
  useLayoutEffect(() => {
    bandsPxRef.current = bandsPx;
  }, [bandsPx]);
  // The rest is the stack's height minus the bands'; it does not depend on the budget, so this
  // settles after one extra render. Measured only in a ResizeObserver (when the stack's size
  // changes, after the frame's layout, before paint): reading offsetHeight in the commit
  // that builds the stack forced its style and layout inside that task (52–59 ms of CPU on
  // the benchmark image, issue 13), and progress updates re-render this component ~4 times
  // a second while loading.
  const observeStack = useCallback((el: HTMLDivElement | null) => {
    if (!el) return;
    const ro = new ResizeObserver(() => {
      const f = el.offsetHeight - bandsPxRef.current;
      setFixedPx((old) => (old === null || Math.abs(f - old) > 1 ? f : old));
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const errorOf = useCallback((i: number) => (loaded ? (loaded.layerErrors[i] ?? null) : (loads[i]?.error ?? null)), [loaded, loads]);
  // The total counts what was read; a layer that failed is left out rather than holding the total back.
  // Memoized: a windowed stack re-renders on scroll, and these walk every layer.
  const { totalBytes, allKnown } = useMemo(() => {
    let total = 0;
    let known = true;
    figures.forEach((f, i) => {
      if (i === containerIndex) return;
      if (!f.estimated) total += f.bytes;
      else if (errorOf(i) === null) known = false;
    });
    return { totalBytes: total, allKnown: known };
  }, [figures, containerIndex, errorOf]);
  // Rows of the rootfs frame, of the base image's frame and below them, with their offsets (stackWindow.ts).
  const columns = useMemo(() => stackColumns(layout, markers, image?.history ?? [], heights), [layout, markers, image, heights]);
  // Layers listed more than once (the same stored bytes): "same blob as layer 0".
  const copies = useMemo(() => blobCopies(image?.layers ?? []), [image]);
  const anyShared = useMemo(() => (image?.layers ?? []).some((l) => l.sharedWith.length > 0), [image]);

  // A windowed stack: where its columns start, measured after each render (before paint, so a
  // wrong first guess is never shown), and the scroll position the window was drawn for.
  useLayoutEffect(() => {
    const sc = scrollRef.current;
    const list = listRef.current;
    if (!windowed || !sc || !list) return;
    if (sc.scrollTop !== scrollTop) setScrollTop(sc.scrollTop);
    const origin = sc.getBoundingClientRect().top - sc.scrollTop;
    let next: Record<ColName, number> | null = null;
    for (const c of COLUMN_NAMES) {
      const first = list.querySelector<HTMLElement>(`[data-col="${c}"]`);
      if (!first) continue;
      const top = first.getBoundingClientRect().top - origin - columns[c].tops[Number(first.dataset.row)]!;
      if (Math.abs(top - colTops[c]) <= 1) continue;
      next ??= { ...colTops };
      next[c] = top;
    }
    if (next) setColTops(next);
  });

  const move = useCallback(
    (to: number) => {
      if (n === 0) return;
      focusPending.current = true;
      selectLayer(Math.max(0, Math.min(n - 1, to)));
    },
    [n, selectLayer],
  );

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    // Keys act on the band that has focus (the selection may have moved elsewhere
    // meanwhile, from the tree or the details pane); Up = the layer above (the list
    // is drawn top layer first, as the stack stands).
    const focused = (e.target as HTMLElement).closest?.('[data-testid="layer"]');
    const at = focused ? Number(focused.getAttribute('data-index')) : selected;
    const keys: Record<string, number> = {
      ArrowUp: at + 1,
      ArrowDown: at - 1,
      PageUp: at + PAGE_LAYERS,
      PageDown: at - PAGE_LAYERS,
      Home: n - 1,
      End: 0,
    };
    const to = keys[e.key];
    if (to !== undefined && !e.altKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      move(to);
    } else if ((e.key === 'Enter' || e.key === ' ') && focused && at !== selected) {
      e.preventDefault();
      move(at);
    } else if (e.key === 'Enter' && focused) {
      // Enter on the selected band: its details (digests, sizes, downloads) in the right pane.
      e.preventDefault();
      document.dispatchEvent(new CustomEvent(SHOW_LAYER_DETAILS));
    }
  };

  // Keep the selected band in view (selection may come from the tree, the URL or the tour) and focused after keyboard moves.
  // `n`: a band appears once the structure is known, possibly after the selection.
  useEffect(() => {
    if (selected < 0 || selected >= n) return;
    const el = listRef.current?.querySelector<HTMLElement>(`[data-testid="layer"][data-index="${selected}"]`);
    if (!el) return;
    // In the next frame, before its layout: scrolling needs one, and here (a sync commit's effects
    // run in the render's task) it would lay out everything the render changed inside the task.
    const frame = requestAnimationFrame(() => el.scrollIntoView({ block: 'nearest' }));
    if (focusPending.current) {
      focusPending.current = false;
      el.focus({ preventScroll: true });
    }
    return () => cancelAnimationFrame(frame);
  }, [selected, n]);

  if (!image) {
    return (
      <section aria-label="Layer stack" className="stack-diagram sd sd-empty" data-part="stack">
        <p className="muted">{status === 'loading' ? 'Reading the archive…' : 'No image loaded.'}</p>
      </section>
    );
  }

  const band = (i: number, col?: ColName, row?: number) => (
    <Band
      key={i}
      index={i}
      col={col}
      row={row}
      copies={copies}
      image={image}
      images={images}
      figures={figures[i]!}
      load={loaded ? undefined : loads[i]}
      error={errorOf(i)}
      integrity={image.layers[i]?.synthetic === 'container' ? 'unchecked' : layerIntegrity(loaded?.integrity[i], !loaded || digestsChecking)}
      mismatch={loaded?.integrity[i] ? mismatchText(loaded.integrity[i]) : ''}
      height={heights[i]!}
      selected={i === selected}
      above={i > selected}
      base={i <= baseTop}
      onSelect={() => selectLayer(i)}
      onOpen={() => document.dispatchEvent(new CustomEvent(SHOW_LAYER_DETAILS))}
    />
  );
  /**
   * A column's rows as drawn: every row, or (windowed) those within OVERSCAN_PX of the
   * viewport and the selected band, with spacers for the rest.
   */
  const drawColumn = (c: ColName): ReactElement[] => {
    const col = columns[c];
    let parts: WindowPart[];
    if (!windowed) parts = col.rows.map((_, k) => ({ row: k }));
    else {
      const top = scrollTop - colTops[c];
      const [from, to] = rowsIn(col.tops, ROW_GAP_PX, top - OVERSCAN_PX, top + availablePx + OVERSCAN_PX);
      const keep = col.rowOfBand.get(selected);
      parts = windowParts(col.tops, from, to, keep === undefined ? [] : [keep]);
    }
    return parts.map((p) => {
      if ('spacer' in p) {
        const [a, b] = p.spacer;
        return <div key={`s${a}`} className="sd-spacer" aria-hidden="true" data-col={c} data-row={a} data-rows={b - a} style={{ height: p.px }} />;
      }
      const r = col.rows[p.row]!;
      return 'band' in r ? band(r.band, c, p.row) : <Marker key={r.key} step={r.step} col={c} row={p.row} />;
    });
  };
  const own = drawColumn('own');
  const base = drawColumn('base');
  const below = drawColumn('below');

  return (
    <section aria-label="Layer stack" className="stack-diagram sd" data-part="stack">
      <header className="sd-head">
        {/* The title and the total wrap inside this group (the total under the title when the pane is narrow); the switch stays right. */}
        <div className="sd-head-main">
          <h2 className="sd-title">Layers</h2>
          <ExplainButton id="layers" />
          <span
            className="sd-total num"
            title={allKnown ? `${formatCount(totalBytes)} bytes of files in the image's layers (uncompressed)` : 'The total is shown once every layer is read'}
          >
            {imageLayerCount} {imageLayerCount === 1 ? 'layer' : 'layers'}
            {allKnown && n > 0 && <> · {formatBytes(totalBytes)}</>}
          </span>
        </div>
        <button
          type="button"
          className="sd-scale"
          aria-label="log scale"
          aria-pressed={logScale}
          title="Band heights in proportion to each layer's size, or to its logarithm (small layers stay visible next to a large base)"
          onClick={() => setView({ logScale: !logScale })}
        >
          log
        </button>
      </header>

      <div className="sd-scroll" ref={observeScroll}>
        <div className="sd-stack" ref={observeStack} data-measuring={fixedPx === null || undefined}>
          {containerIndex < 0 && (
            <div className="sd-dashed sd-container" data-part="container">
              <span>
                <strong>container layer</strong> (read-write) — added by <code>docker run</code>
              </span>
              <ExplainButton id="container" className="sd-explain" />
            </div>
          )}

          <div
            ref={listRef}
            role="listbox"
            aria-label="Image layers, top to bottom"
            aria-orientation="vertical"
            className="sd-list"
            style={GAP_STYLE}
            onKeyDown={onKeyDown}
            data-windowed={windowed || undefined}
          >
            {containerIndex >= 0 && band(containerIndex)}
            {layout.rootfsTop >= 0 && (
              <div
                role="group"
                aria-label={rootfsCaption(layout.rootfsTop)}
                className="sd-rootfs"
                style={GAP_STYLE}
                data-part="rootfs"
                data-top={layout.rootfsTop}
              >
                {own}
                {base.length > 0 && (
                  <div
                    role="group"
                    aria-label={`base image layers${baseTop > 0 ? ` 0–${baseTop}` : ' 0'}: inherited from the image it was built FROM`}
                    className="sd-base"
                    style={GAP_STYLE}
                    data-part="base-image"
                    data-top={baseTop}
                  >
                    {base}
                    <div className="sd-frame-caption" aria-hidden="true">
                      <strong>base image layers</strong> {baseTop > 0 ? `0–${baseTop}` : '0'} — from <code>FROM</code>
                    </div>
                  </div>
                )}
                {below}
                <div className="sd-frame-caption sd-rootfs-caption" aria-hidden="true" data-testid="rootfs-caption">
                  <span>
                    <strong>rootfs</strong> = {layout.rootfsTop > 0 ? `the union of layers 0–${layout.rootfsTop}` : 'layer 0'}, what a container sees at{' '}
                    <code>/</code>
                  </span>
                </div>
              </div>
            )}
          </div>

          <div className="sd-dashed sd-bootfs" data-part="bootfs">
            <span>
              <strong>bootfs</strong> — the host's kernel, not in the image
            </span>
            <ExplainButton id="bootfs" className="sd-explain" />
          </div>
        </div>
      </div>

      <footer className="sd-legend">
        <span>
          <b className="sd-add">+</b>added <b className="sd-mod">~</b>modified <b className="sd-del">−</b>deleted
        </span>
        <span title="Hatched: bytes of the layer that a later layer overwrites or deletes. They are hidden from the merged view but still ship in the image.">
          <i className="sd-swatch-hatch" aria-hidden="true" /> hidden <ExplainButton id="whiteout" className="teach-info--inline" />
        </span>
        {layout.rootfsTop >= 0 && (
          <span>
            <i className="sd-swatch-rootfs" aria-hidden="true" /> rootfs <ExplainButton id="rootfs" className="teach-info--inline" />
          </span>
        )}
        {anyShared && (
          <span>
            <i className="sd-swatch-shared" aria-hidden="true" /> shared <ExplainButton id="sharing" className="teach-info--inline" />
          </span>
        )}
      </footer>
    </section>
  );
}

function Marker({ step, col, row }: { step: HistoryStep; col: ColName; row: number }) {
  const text = displayName(stepLabel(step.createdBy) || step.comment || 'metadata-only step');
  return (
    <div
      className="sd-marker"
      data-testid="history-marker"
      data-part="marker"
      data-col={col}
      data-row={row}
      data-below={step.layerIndex}
      style={{ height: MARKER_PX }}
      title={`Metadata-only step (no layer): ${step.createdBy ? displayName(step.createdBy) : text}`}
      aria-hidden="true"
    >
      <span className="sd-marker-text">{text}</span>
    </div>
  );
}

const STATE_TEXT: Record<string, string> = {
  waiting: 'waiting',
  decompressing: 'reading',
  indexed: '',
  failed: 'failed',
};

interface BandProps {
  index: number;
  /** The column and row it is drawn at (stackColumns), for a windowed stack's measurements. */
  col: ColName | undefined;
  row: number | undefined;
  /** Layers listed more than once in the image (the same stored bytes). */
  copies: BlobCopies;
  image: ImageInfo;
  images: ImageInfo[];
  figures: LayerFigures;
  load: LayerLoad | undefined;
  error: string | null;
  /** Its digests against the image's (integrity.ts); `mismatch` says what failed. */
  integrity: IntegrityState;
  mismatch: string;
  height: number;
  selected: boolean;
  /** Above the selected layer: not part of the filesystem the tree shows. */
  above: boolean;
  /** One of the base image's layers (inherited from FROM). */
  base: boolean;
  onSelect(): void;
  /** Double click: the layer's details in the right pane. */
  onOpen(): void;
}

function Band({
  index,
  col,
  row,
  copies,
  image,
  images,
  figures: f,
  load,
  error,
  integrity,
  mismatch,
  height,
  selected,
  above,
  base,
  onSelect,
  onOpen,
}: BandProps) {
  const ref = image.layers[index]!;
  // The same stored bytes as an earlier layer (one blob listed again): read once, stored once.
  const first = copies.first[index] ?? index;
  const listed = copies.count[first] ?? 1;
  const repeat = listed > 1 ? (first === index ? `listed ${formatCount(listed)} times` : `same blob as layer ${first}`) : '';
  const repeatTitle =
    listed > 1
      ? `${first === index ? 'This layer' : `The same stored bytes as layer ${first}`}: one blob listed ${formatCount(listed)} times in this image's layers, stored once in this archive and read once`
      : '';
  // Build steps, entry names and error messages come from the image: hidden characters shown (displayName).
  const full = displayName(ref.createdBy ?? '');
  const short = displayName(stepLabel(ref.createdBy));
  const state = error ? 'failed' : (load?.state ?? 'indexed');
  const shared = sharedCaption(ref.sharedWith, images);
  const pct = load && load.bytesTotal > 0 ? Math.min(100, Math.round((100 * load.bytesRead) / load.bytesTotal)) : 0;
  const hidden = f.hiddenBytes ?? 0;
  const hatch = hidden > 0 && f.bytes > 0 ? Math.max(MIN_HATCH_PERCENT, Math.min(100, (100 * hidden) / f.bytes)) : 0;
  const failed = state === 'failed';
  // A failed layer keeps what was read before the error: counts only when something was.
  const counted = f.added !== null && !(failed && !f.entries);
  const fallbackName = ref.diffId ? `sha256:${shortDigest(ref.diffId)}` : displayName(ref.blob.entryName);
  const container = ref.synthetic === 'container';
  const committed = ref.synthetic === 'commit';

  const sizeText = f.estimated || failed ? `${formatBytes(f.estimated ? f.bytes : ref.blob.size)} stored` : formatBytes(f.bytes);
  const stateText = state === 'decompressing' ? `reading ${pct}%` : STATE_TEXT[state];
  const label = [
    container ? `Layer ${index}: the container's read-write layer` : `Layer ${index}`,
    short || 'no history',
    committed ? 'committed in this page' : '',
    sizeText,
    counted ? `${f.added} added, ${f.modified} modified, ${f.deleted} deleted` : '',
    hidden > 0 ? `${formatBytes(hidden)} hidden by later layers` : '',
    shared,
    repeat,
    base ? 'from the base image' : '',
    integrity === 'mismatch' ? 'fails its digest check' : '',
    state === 'failed' ? `failed: ${error ? displayName(error) : 'could not be read'}` : stateText,
  ]
    .filter(Boolean)
    .join(', ');

  const title = [
    container
      ? `Layer ${index}: the running container's read-write layer. Changes made in the container land here; the image's layers below stay read-only. Commit turns it into an image layer.`
      : `Layer ${index}${base ? ' (base image layer: inherited from FROM)' : ''}${committed ? ' (committed in this page, like docker commit)' : ''}`,
    full ? `Created by: ${full}` : 'No history step recorded for this layer',
    `Size: ${f.estimated ? `${formatBytes(f.bytes)} stored${state === 'failed' ? '; the layer could not be read' : ' (as in the archive); not read yet'}` : `${formatBytes(f.bytes)} of files`}`,
    f.entries !== null ? `Entries: ${formatCount(f.entries)}` : '',
    counted ? `Changes: +${f.added} added, ~${f.modified} modified, −${f.deleted} deleted${f.metadataOnly ? `, ${f.metadataOnly} metadata-only` : ''}` : '',
    hidden > 0 ? `Hidden: ${formatBytes(hidden)} of this layer is overwritten or deleted by later layers, but still ships in the image` : '',
    shared ? `Shared: ${shared} (stored once in this archive)` : '',
    repeatTitle ? `Listed again: ${repeatTitle}` : '',
    ref.diffId ? `diff_id: ${ref.diffId}` : '',
    integrity === 'mismatch' ? `Digest check failed: ${mismatch}. These bytes are not the layer the image names: altered or damaged.` : '',
    state === 'failed' ? `Failed: ${error ? displayName(error) : 'could not be read'}` : '',
  ]
    .filter(Boolean)
    .join('\n');

  const bad = integrity === 'mismatch';
  const badges = committed || shared !== '' || repeat !== '' || stateText !== '' || bad;
  const badgeEls = (
    <>
      {bad && (
        <span className="sd-badge sd-integrity-bad" data-testid="integrity-badge">
          ⚠ digest mismatch
        </span>
      )}
      {committed && <span className="sd-badge sd-committed">committed</span>}
      {shared && (
        <span className="sd-badge sd-shared" data-testid="shared-marker">
          {shared}
        </span>
      )}
      {repeat && (
        <span className="sd-badge sd-shared sd-repeat" data-testid="same-blob" data-first={first} title={repeatTitle}>
          {repeat}
        </span>
      )}
      {stateText && (
        <span className={`sd-badge sd-state sd-state-${state}`} data-testid="layer-state">
          {state === 'failed' ? '⚠ failed' : stateText}
        </span>
      )}
    </>
  );
  const lines = bandLines(height);
  const badgeLine = badges && lines >= 3;
  const cmdLines = Math.max(1, lines - 1 - (badgeLine ? 1 : 0));

  const style = {
    height,
    '--cmd-lines': cmdLines,
    '--layer': layerColor(index),
    '--layer-tint': layerTint(index),
    '--hatch': `${hatch}%`,
  } as CSSProperties;

  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: the listbox's onKeyDown moves the selection (roving tabindex, WAI-ARIA APG listbox)
    <div
      role="option"
      data-testid="layer"
      data-index={index}
      data-col={col}
      data-row={row}
      data-load={state}
      data-integrity={integrity}
      data-base={base || undefined}
      data-above={above || undefined}
      data-shared={ref.sharedWith.length > 0 || undefined}
      aria-selected={selected}
      aria-label={label}
      tabIndex={selected ? 0 : -1}
      data-synthetic={ref.synthetic}
      data-part={container ? 'container' : undefined}
      className={container ? 'sd-band sd-band-container' : 'sd-band'}
      style={style}
      title={title}
      onClick={onSelect}
      onDoubleClick={onOpen}
    >
      {hatch > 0 && <div className="sd-hatch" aria-hidden="true" />}
      {state === 'decompressing' && <div className="sd-progress" aria-hidden="true" style={{ transform: `scaleX(${pct / 100})` }} />}
      <div className="sd-line sd-line1">
        <span className="sd-idx num">{index}</span>
        {container ? (
          <span className="sd-cmd sd-cmd-container">
            <strong>container layer</strong> (read-write)
          </span>
        ) : (
          <span className={`sd-cmd${short ? '' : ' sd-cmd-none'}${cmdLines > 1 ? ' sd-cmd-wrap' : ''}`}>{short || fallbackName}</span>
        )}
      </div>
      <div className="sd-line sd-line2">
        <span className="sd-size num">{sizeText}</span>
        {counted && (
          <span className="sd-counts num">
            <span className={f.added ? 'sd-add' : 'sd-zero'}>+{formatCount(f.added!)}</span>
            <span className={f.modified ? 'sd-mod' : 'sd-zero'}>~{formatCount(f.modified!)}</span>
            <span className={f.deleted ? 'sd-del' : 'sd-zero'}>−{formatCount(f.deleted!)}</span>
          </span>
        )}
        {hidden > 0 && <span className="sd-hidden-text num">{formatBytes(hidden)} hidden</span>}
        {!badgeLine && badgeEls}
      </div>
      {badgeLine && <div className="sd-line sd-line3">{badgeEls}</div>}
    </div>
  );
}

/** The rootfs frame's accessible name: its meaning does not change with commits (config.md "rootfs"). */
function rootfsCaption(top: number): string {
  return `rootfs: the union of ${top > 0 ? `layers 0–${top}` : 'layer 0'} (the image's rootfs.diff_ids), what a container sees at /`;
}
