/**
 * The one download button of the explorer (a file, a layer as stored or as a tar,
 * a directory as .tar). At the click it asks where to save (save.ts chooseTarget:
 * the save-file picker where the browser has one), then prepares the body (a
 * directory's tar gathers its files first: seconds for a large one) and writes it
 * chunk by chunk, showing progress with Cancel throughout. Memory stays bounded
 * whatever the size (issue 9 point 4).
 */
import { useEffect, useRef, useState } from 'react';
import { describeError, isCancelled } from '../../core/errors';
import { formatBytes } from '../../core/formatBytes';
import { chooseTarget, saveBody, type DownloadBody, type SaveTarget } from './save';
import './Download.css';

interface Props {
  label: string;
  /** Shown on hover. */
  title?: string;
  /** For screen readers, when the label alone does not say what is downloaded. */
  ariaLabel?: string;
  testId: string;
  /** Test id of the button itself (the wrapper has `testId`). */
  buttonTestId?: string;
  /** Suggested file name (shown with hidden characters marked: downloadName). */
  name: string;
  /** Blob type for the browser's download (save.ts DOWNLOAD_TYPE unless given). */
  type?: string;
  /** Bytes expected, for the progress (0: unknown). */
  size: number;
  prepare(signal: AbortSignal, progress: (done: number, total: number) => void): Promise<DownloadBody>;
  className?: string;
}

type Busy = { phase: 'preparing' | 'saving'; done: number; total: number };

export function PreparedDownload({ label, title, ariaLabel, testId, buttonTestId, name, type, size, prepare, className = 'btn btn-sm' }: Props) {
  const [busy, setBusy] = useState<Busy | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const ctl = useRef<AbortController | null>(null);
  useEffect(() => () => ctl.current?.abort(), []);

  const start = async () => {
    const c = new AbortController();
    ctl.current = c;
    setErr(null);
    setSaved(null);
    let target: SaveTarget | null = null;
    try {
      // First, while the click's activation lasts: where to.
      target = await chooseTarget(name);
      if (!target || c.signal.aborted) return;
      setBusy({ phase: 'preparing', done: 0, total: 0 });
      const body = await prepare(c.signal, (done, total) => setBusy({ phase: 'preparing', done, total }));
      const total = body instanceof Blob ? body.size : body.size || size;
      setBusy({ phase: 'saving', done: 0, total });
      const n = await saveBody(target, body, name, { signal: c.signal, type, onProgress: (done) => setBusy({ phase: 'saving', done, total }) });
      if (!c.signal.aborted) setSaved(target.kind === 'picker' ? `Saved ${formatBytes(n)}` : `Downloading ${formatBytes(n)}`);
    } catch (e) {
      if (target?.kind === 'picker') await target.writable.abort().catch(() => {});
      if (!isCancelled(e) && !c.signal.aborted) setErr(describeError(e));
    } finally {
      if (ctl.current === c) ctl.current = null;
      setBusy(null);
    }
  };

  return (
    <span className="dl" data-testid={testId} data-saved={saved ? 'true' : undefined}>
      {busy ? (
        <>
          <span className="dl__progress" role="status" data-testid={`${testId}-progress`}>
            {progressText(busy)}
          </span>
          <button type="button" className="btn btn-sm btn-ghost" data-testid={`${testId}-cancel`} onClick={() => ctl.current?.abort()}>
            Cancel
          </button>
        </>
      ) : (
        <button type="button" className={className} title={title} aria-label={ariaLabel} data-testid={buttonTestId} onClick={() => void start()}>
          {label}
        </button>
      )}
      {saved && !busy && (
        <span className="dl__done" role="status" data-testid={`${testId}-done`}>
          {saved}
        </span>
      )}
      {err && (
        <span className="dl__error" role="alert">
          {err}
        </span>
      )}
    </span>
  );
}

function progressText(b: Busy): string {
  const verb = b.phase === 'preparing' ? 'Preparing' : 'Saving';
  if (b.total > 0) return `${verb} ${formatBytes(b.done)} of ${formatBytes(b.total)} (${Math.floor((100 * Math.min(b.done, b.total)) / b.total)} %)`;
  return b.done > 0 ? `${verb} ${formatBytes(b.done)}` : `${verb}…`;
}
