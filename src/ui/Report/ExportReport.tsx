/**
 * The header's "Export report": one self-contained HTML file about the image
 * shown (src/report/render.ts), saved with the page's download helper
 * (Download/save.ts). Shown once an image is ready. While the audit still runs
 * the export waits for it, saying so, with Cancel.
 */
import { useEffect, useRef, useState } from 'react';
import { describeError, isCancelled } from '../../core/errors';
import { useStore } from '../../state/store';
import { saveBlob } from '../Download/save';
import { useAudit } from '../Audit/auditRun';
import { exportReport } from './exportReport';
import './Report.css';
import { selectShown, selectStatus } from '../../state/selectors';

export function ExportReport() {
  const ready = useStore((s) => selectStatus(s) === 'ready' && selectShown(s) !== null);
  const auditRunning = useAudit((s) => s.status === 'running');
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const ctl = useRef<AbortController | null>(null);
  useEffect(() => () => ctl.current?.abort(), []);
  if (!ready) return null;

  const start = async () => {
    const c = new AbortController();
    ctl.current = c;
    setErr(null);
    setBusy(true);
    try {
      const r = await exportReport(c.signal);
      if (!c.signal.aborted) saveBlob(r.blob, r.name);
    } catch (e) {
      if (!isCancelled(e) && !c.signal.aborted) setErr(describeError(e));
    } finally {
      if (ctl.current === c) ctl.current = null;
      setBusy(false);
    }
  };

  return (
    <span className="export-report" data-testid="export-report">
      {busy ? (
        <>
          <span className="export-report__progress" role="status">
            {auditRunning ? 'Report: waiting for the audit…' : 'Writing the report…'}
          </span>
          <button type="button" className="btn btn-sm btn-ghost" onClick={() => ctl.current?.abort()}>
            Cancel
          </button>
        </>
      ) : (
        <button
          type="button"
          className="btn"
          onClick={() => void start()}
          aria-label="Export report"
          title="Save one HTML file about this image — layers, efficiency, packages, redacted secrets — that opens offline in any browser"
        >
          <ReportIcon />
          <span className="export-report__text">Export report</span>
        </button>
      )}
      {err && (
        <span className="export-report__error" role="alert">
          {err}
        </span>
      )}
    </span>
  );
}

function ReportIcon() {
  return (
    <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M3.5 1A1.5 1.5 0 0 0 2 2.5v11A1.5 1.5 0 0 0 3.5 15h9a1.5 1.5 0 0 0 1.5-1.5V5.6a1.5 1.5 0 0 0-.44-1.06l-3.1-3.1A1.5 1.5 0 0 0 9.4 1H3.5ZM9 2.3 12.7 6H9.5a.5.5 0 0 1-.5-.5V2.3ZM5 8.5h6v1H5v-1Zm0 2.5h6v1H5v-1Z"
      />
    </svg>
  );
}
