/**
 * The status bar under the panes. While loading: a progress bar with bytes,
 * MB/s, one segment per layer showing its state (waiting / decompressing /
 * indexed / failed) and Cancel. When ready: what was opened and how fast,
 * failed layers, and the engine's warnings one click away. Fixed height in
 * both states, so the panes above never move.
 */
import { failingSentence, withoutLayerPrefix } from '../StackDiagram/integrity';
import { useEffect, useRef, useState } from 'react';
import { useStore } from '../../state/store';
import { cancelLoad } from '../../state/actions';
import type { LayerLoad } from '../../state/loadSlice';
import { formatBytes, formatCount, formatDuration, formatRate } from '../format/format';
import './LoadProgress.css';
import { layerSegments } from './segments';
import { displayName } from '../format/displayName';
import { SafeText } from '../format/SafeText';
import {
  selectArchiveProgress,
  selectBuilding,
  selectDigestsChecking,
  selectFinishedAt,
  selectImageInfo,
  selectLayerLoads,
  selectShown,
  selectStartedAt,
  selectStatus,
} from '../../state/selectors';

const STATE_TEXT: Record<LayerLoad['state'], string> = {
  waiting: 'waiting',
  decompressing: 'decompressing',
  indexed: 'indexed',
  failed: 'failed',
};

export function LoadProgress() {
  const status = useStore(selectStatus);
  return (
    <footer className="statusbar" data-testid="statusbar">
      {status === 'loading' ? <Loading /> : status === 'ready' ? <Ready /> : null}
    </footer>
  );
}

function sum(loads: readonly LayerLoad[], f: (l: LayerLoad) => number): number {
  let n = 0;
  for (const l of loads) n += f(l);
  return n;
}

function Loading() {
  const image = useStore(selectImageInfo);
  const loads = useStore(selectLayerLoads);
  const archiveProgress = useStore(selectArchiveProgress);
  const startedAt = useStore(selectStartedAt);
  const building = useStore(selectBuilding);

  let read: number;
  let total: number;
  let stage: string;
  if (!image) {
    read = archiveProgress?.bytesRead ?? 0;
    total = archiveProgress?.bytesTotal ?? 0;
    stage = 'Reading the archive';
  } else {
    read = sum(loads, (l) => Math.min(l.bytesRead, l.bytesTotal));
    total = sum(loads, (l) => l.bytesTotal);
    const done = loads.filter((l) => l.state === 'indexed' || l.state === 'failed').length;
    stage = building ? 'Building the merged view' : `Reading layers: ${done} of ${loads.length} done`;
  }
  const elapsed = Math.max(1, performance.now() - startedAt);
  const ratio = total > 0 ? Math.min(1, read / total) : 0;
  const rate = (read / elapsed) * 1000;

  return (
    <div className="statusbar__row">
      <div
        className={`progress${building || total === 0 ? ' progress--indeterminate' : ''}`}
        role="progressbar"
        aria-label={stage}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={building || total === 0 ? undefined : Math.round(ratio * 100)}
        aria-valuetext={total > 0 ? `${formatBytes(read)} of ${formatBytes(total)}` : undefined}
        data-testid="load-progress"
      >
        <div className="progress__fill" style={building || total === 0 ? undefined : { transform: `scaleX(${ratio})` }} />
      </div>
      <span className="statusbar__stage" aria-live="polite">
        {stage}
      </span>
      <span className="statusbar__figures num" data-testid="load-figures">
        {formatBytes(read)}
        {total > 0 && <> of {formatBytes(total)}</>}
        {elapsed > 250 && read > 0 && <> · {formatRate(rate)}</>}
      </span>
      {loads.length > 0 && <LayerStates loads={loads} />}
      <button type="button" className="btn btn-sm statusbar__cancel" onClick={() => cancelLoad()} data-testid="cancel-load" aria-label="Cancel loading">
        Cancel
      </button>
    </div>
  );
}

/**
 * Failed layers named by a chip of their own in the status bar; beyond, one "+N more
 * failed" chip. One damaged blob listed 10,000 times fails at 10,000 positions (issue 9,
 * point 6): a chip each would fill the bar with thousands of elements.
 */
const MAX_FAILED_CHIPS = 3;
/** Failed layers listed one by one in the warnings panel; beyond, one line for the rest (the stack marks each). */
const MAX_FAILED_LISTED = 100;

/** Below this, a read rate says more about start-up costs (workers, first reads) than about throughput: not shown. */
const RATE_MIN_BYTES = 1_000_000;

/** One segment per layer (per run of layers in a long stack: segments.ts), bottom layer first, filled as it is read. */
function LayerStates({ loads }: { loads: readonly LayerLoad[] }) {
  const segments = layerSegments(loads);
  return (
    <ol className="layer-states" aria-label="Layer states">
      {segments.map((g) => {
        const one = g.to - g.from === 1;
        const pct = Math.round(g.read * 100);
        const what = one
          ? `Layer ${g.from}: ${STATE_TEXT[g.state]}${g.state === 'decompressing' ? ` ${pct} %` : ''}`
          : `Layers ${g.from}–${g.to - 1}: ${(Object.keys(STATE_TEXT) as LayerLoad['state'][])
              .filter((st) => g.counts[st] > 0)
              .map((st) => `${formatCount(g.counts[st])} ${STATE_TEXT[st]}`)
              .join(', ')}${g.state === 'decompressing' ? `, ${pct} % read` : ''}`;
        const text = `${what}${g.error ? ` — ${displayName(g.error)}` : ''}`;
        return (
          <li
            key={g.from}
            className={`layer-state layer-state--${g.state}`}
            data-testid={one ? 'layer-load' : 'layer-load-group'}
            data-index={g.from}
            data-to={one ? undefined : g.to - 1}
            data-layer-state={g.state}
            title={text}
          >
            <span className="layer-state__fill" style={g.state === 'decompressing' ? { transform: `scaleX(${g.read})` } : undefined} />
            <span className="sr-only">{text}</span>
          </li>
        );
      })}
    </ol>
  );
}

function Ready() {
  const loaded = useStore(selectShown);
  const verifying = useStore(selectDigestsChecking);
  const loads = useStore(selectLayerLoads);
  const startedAt = useStore(selectStartedAt);
  const finishedAt = useStore(selectFinishedAt);
  const [open, setOpen] = useState(false);
  const panelRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setOpen(false);
        buttonRef.current?.focus();
      }
    };
    const onDown = (e: MouseEvent) => {
      const t = e.target as Node;
      if (!panelRef.current?.contains(t) && !buttonRef.current?.contains(t)) setOpen(false);
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('mousedown', onDown);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('mousedown', onDown);
    };
  }, [open]);

  if (!loaded) return null;
  const failed = loads.map((l, i) => ({ l, i })).filter(({ l }) => l.state === 'failed');
  const stored = sum(loads, (l) => l.bytesTotal);
  const uncompressed = loaded.layers.reduce((n, l) => n + (l?.tarSize ?? 0), 0);
  const ms = finishedAt - startedAt;
  const warnings = loaded.warnings;
  // A running playground container's read-write layer is not an image layer: it has no digest and is counted apart.
  const containerLayer = loaded.image.layers.findIndex((l) => l.synthetic === 'container');
  const imageChecks = loaded.integrity.filter((c) => c.layer !== containerLayer);
  const imageLayers = imageChecks.length;
  const mismatches = imageChecks.filter((c) => c.diffId === 'mismatch' || c.digest === 'mismatch').length;
  const problems = warnings.length + failed.length;

  return (
    <div className="statusbar__row">
      <span className={`statusbar__dot ${failed.length || mismatches ? 'statusbar__dot--warn' : 'statusbar__dot--ok'}`} aria-hidden="true" />
      <span className="statusbar__summary" role="status" data-testid="load-summary">
        {failed.length > 0 ? (
          <>
            Opened with {failed.length} of {loads.length} layer{loads.length === 1 ? '' : 's'} unreadable; the rest is shown.
          </>
        ) : (
          <>
            {formatCount(imageLayers)} layer{imageLayers === 1 ? '' : 's'}
            {containerLayer >= 0 && ' + the container’s read-write layer'} · {formatCount(Math.max(0, loaded.union.nodeCount - 1))} paths ·{' '}
            <span title={`${formatCount(loaded.stats.imageSize)} bytes of files in all layers; ${formatCount(uncompressed)} bytes of uncompressed tar`}>
              {formatBytes(loaded.stats.imageSize)} of files
            </span>
          </>
        )}
      </span>
      {failed.slice(0, MAX_FAILED_CHIPS).map(({ l, i }) => (
        <span
          key={i}
          className="chip statusbar__failed"
          data-testid="layer-load"
          data-index={i}
          data-layer-state="failed"
          title={l.error ? displayName(l.error) : undefined}
        >
          layer {i} failed
        </span>
      ))}
      {failed.length > MAX_FAILED_CHIPS && (
        <span className="chip statusbar__failed" data-testid="more-failed">
          +{formatCount(failed.length - MAX_FAILED_CHIPS)} more failed
        </span>
      )}
      <span className="statusbar__figures num muted">
        read {formatBytes(stored)} in {formatDuration(ms)}
        {ms > 0 && stored >= RATE_MIN_BYTES && <> ({formatRate((stored / ms) * 1000)})</>}
      </span>
      <span className="statusbar__figures muted" data-testid="integrity-status">
        {verifying
          ? 'checking layer digests…'
          : mismatches > 0
            ? failingSentence(mismatches)
            : `${imageChecks.filter((c) => c.diffId === 'ok' || c.digest === 'ok').length}/${imageLayers} layers verified`}
      </span>
      <div className="statusbar__spacer" />
      {problems > 0 && (
        <div className="statusbar__warnings">
          <button
            ref={buttonRef}
            type="button"
            className="btn btn-sm btn-ghost statusbar__warn-btn"
            aria-expanded={open}
            aria-controls="load-warnings"
            onClick={() => setOpen((o) => !o)}
            data-testid="warnings-button"
          >
            <span className="statusbar__warn-icon" aria-hidden="true">
              !
            </span>
            {problems} {problems === 1 ? 'warning' : 'warnings'}
          </button>
          {open && (
            <div className="statusbar__panel" id="load-warnings" ref={panelRef} role="region" aria-label="Warnings">
              <ul>
                {failed.slice(0, MAX_FAILED_LISTED).map(({ l, i }) => (
                  <li key={`f${i}`} className="statusbar__panel-failed">
                    <strong>Layer {i} could not be read to the end.</strong> <SafeText text={withoutLayerPrefix(l.error ?? '', i)} />
                  </li>
                ))}
                {failed.length > MAX_FAILED_LISTED && (
                  <li className="statusbar__panel-failed" data-testid="more-failed-listed">
                    <strong>{formatCount(failed.length - MAX_FAILED_LISTED)} more layers could not be read to the end</strong> (layers{' '}
                    {failed[MAX_FAILED_LISTED]!.i}–{failed.at(-1)!.i}; the stack marks each).
                  </li>
                )}
                {warnings.map((w, i) => (
                  <li key={i}>
                    {w.layer !== undefined && (
                      <>
                        <span className="chip">layer {w.layer}</span>{' '}
                      </>
                    )}
                    <SafeText text={withoutLayerPrefix(w.message, w.layer)} />
                  </li>
                ))}
              </ul>
            </div>
          )}
        </div>
      )}
    </div>
  );
}
