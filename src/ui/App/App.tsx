/**
 * The page: the landing (drop zone, example, errors) until an archive is
 * opened, then the explorer — header (file, image/platform choosers, teaching
 * tools), the layer stack on the left, the merged tree in the centre, the
 * selected path's details or the image panel on the right, and a status bar
 * with load progress. A file can be dropped anywhere at any time.
 *
 * Testing contract: the root element carries data-state (empty | loading |
 * ready | error) and the page always has <input type="file" data-testid="file-input">.
 */
import { useCallback, useEffect, useRef } from 'react';
import { useStore } from '../../state/store';
import { installLoader, openExample, openFile } from '../../state/actions';
import { openServed, viewToken } from '../../state/served';
import { Header } from '../Header/Header';
import { Landing } from '../DropZone/DropZone';
import { DropOverlay, useWindowFileDrop } from '../DropZone/DropOverlay';
import { LoadProgress } from '../LoadProgress/LoadProgress';
import { Explorer } from '../Layout/Explorer';
import { installAudit } from '../Audit/auditRun';
import { LinkMismatchNotice } from '../LinkNotice/LinkNotice';
import { ComparePage, CompareOverlays } from '../Compare/CompareMount';
import { compareDropped, fileArrived, installCompare, useCompareRun } from '../Compare/compareRun';
import { installServiceWorker } from '../Update/serviceWorker';
import { UpdatePrompt } from '../Update/UpdatePrompt';
import './App.css';
import { selectStatus } from '../../state/selectors';
import { warmWorkers } from '../../state/engineHost';

/**
 * At most this long after the page is shown, the workers are started even if it was
 * never idle (Safari, without requestIdleCallback: after this long). A person takes longer
 * to choose a file; a load started sooner starts them itself.
 */
const WARM_WORKERS_TIMEOUT_MS = 500;

/** `?example` in the URL opens the built-in example once, at start (a module flag survives StrictMode's double effects). */
let exampleRequested = false;

export function App() {
  const status = useStore(selectStatus);
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => installLoader(window), []);
  // The audit (packages, secrets, waste) starts in the workers once an image is shown.
  useEffect(() => installAudit(), []);
  // A comparison of two layers named by the URL is restored once the image is shown.
  useEffect(() => installCompare(), []);
  // The app shell cached for offline use, and the prompt when a new version is ready.
  useEffect(() => installServiceWorker(window), []);
  // The workers start while this page is idle, so a load finds them running (engineHost.ts warmWorkers).
  useEffect(() => {
    if (typeof window.requestIdleCallback !== 'function') {
      const t = window.setTimeout(warmWorkers, WARM_WORKERS_TIMEOUT_MS);
      return () => window.clearTimeout(t);
    }
    const id = window.requestIdleCallback(warmWorkers, { timeout: WARM_WORKERS_TIMEOUT_MS });
    return () => window.cancelIdleCallback(id);
  }, []);
  const comparing = useCompareRun((s) => s.comparison !== null);

  useEffect(() => {
    if (exampleRequested) return;
    const served = viewToken(window.location.search);
    if (served) {
      // Opened by `layerscope view`: the archive comes from the local server that served the page.
      exampleRequested = true;
      void openServed(served);
    } else if (new URLSearchParams(window.location.search).has('example')) {
      exampleRequested = true;
      void openExample();
    }
  }, []);

  const pickFile = useCallback(() => inputRef.current?.click(), []);
  // One file: opened, or offered for comparison when an image is shown; two: the first opened, compared with the second.
  const dragging = useWindowFileDrop((files) => (files.length > 1 ? void compareDropped(files) : files[0] && fileArrived(files[0])));

  const explorer = status === 'loading' || status === 'ready';

  return (
    <div className={`app ${explorer ? 'app--explorer' : 'app--landing'}`} data-state={status}>
      <input
        ref={inputRef}
        type="file"
        data-testid="file-input"
        className="sr-only"
        tabIndex={-1}
        aria-label="Open an image archive"
        accept=".tar,.tar.gz,.tgz,.oci,.docker,application/x-tar,application/gzip,application/x-gzip,application/octet-stream"
        onChange={(e) => {
          const f = e.target.files?.[0];
          // Reset so picking the same file again fires change again.
          e.target.value = '';
          if (f) void openFile(f);
        }}
      />
      {explorer ? (
        <>
          <Header onOpen={pickFile} />
          {comparing ? <ComparePage /> : <Explorer />}
          <LoadProgress />
          <LinkMismatchNotice />
        </>
      ) : (
        <Landing onPick={pickFile} />
      )}
      <CompareOverlays />
      <DropOverlay visible={dragging} />
      <UpdatePrompt />
    </div>
  );
}
