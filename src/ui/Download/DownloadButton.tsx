/**
 * A button that prepares a Blob (possibly decoding a layer: seconds for a large
 * one), shows progress with Cancel meanwhile, then saves it. One component for
 * every archive download of the explorer (a layer, a directory).
 */
import { useEffect, useRef, useState } from 'react';
import { describeError, isCancelled } from '../../core/errors';
import { formatBytes } from '../../core/formatBytes';
import { saveBlob } from './save';
import './Download.css';

export interface Prepared {
  blob: Blob;
  name: string;
}

interface Props {
  label: string;
  /** Shown on hover / to screen readers. */
  title?: string;
  testId: string;
  prepare(signal: AbortSignal, progress: (done: number, total: number) => void): Promise<Prepared>;
  className?: string;
}

export function PreparedDownload({ label, title, testId, prepare, className = 'btn btn-sm' }: Props) {
  const [busy, setBusy] = useState<{ done: number; total: number } | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const ctl = useRef<AbortController | null>(null);
  useEffect(() => () => ctl.current?.abort(), []);

  const start = async () => {
    const c = new AbortController();
    ctl.current = c;
    setErr(null);
    setBusy({ done: 0, total: 0 });
    try {
      const p = await prepare(c.signal, (done, total) => setBusy({ done, total }));
      if (!c.signal.aborted) saveBlob(p.blob, p.name);
    } catch (e) {
      if (!isCancelled(e) && !c.signal.aborted) setErr(describeError(e));
    } finally {
      if (ctl.current === c) ctl.current = null;
      setBusy(null);
    }
  };

  return (
    <span className="dl" data-testid={testId}>
      {busy ? (
        <>
          <span className="dl__progress" role="status" data-testid={`${testId}-progress`}>
            Preparing{busy.total > 0 ? ` ${formatBytes(busy.done)} of ${formatBytes(busy.total)}` : busy.done > 0 ? ` ${formatBytes(busy.done)}` : '…'}
          </span>
          <button type="button" className="btn btn-sm btn-ghost" onClick={() => ctl.current?.abort()}>
            Cancel
          </button>
        </>
      ) : (
        <button type="button" className={className} title={title} onClick={() => void start()}>
          {label}
        </button>
      )}
      {err && (
        <span className="dl__error" role="alert">
          {err}
        </span>
      )}
    </span>
  );
}
