/**
 * Drop a file anywhere on the page: window-level drag listeners (so panes,
 * the header and the landing all accept it) and a full-page overlay while a
 * file is dragged over the window.
 */
import { useEffect, useRef, useState } from 'react';
import { SafeText } from '../format/SafeText';
import './DropZone.css';

/** Window event when more files were dropped at once than are used (the first two: opened and compared). */
export const DROPPED_EXTRA = 'layerscope:dropped-extra';
export interface DroppedExtra {
  opened: string;
  others: string[];
}
/** How long the "only the first was opened" note stays. */
export const DROP_NOTICE_MS = 12_000;

function hasFiles(e: DragEvent): boolean {
  const types = e.dataTransfer?.types;
  return !!types && Array.from(types).includes('Files');
}

/** How many dropped files are used: the first is opened, the second compared with it (issue 11). */
export const DROP_FILES_USED = 2;

/** Calls `onFiles` with the dropped files (at most DROP_FILES_USED); returns whether a file is being dragged over the window. */
export function useWindowFileDrop(onFiles: (f: File[]) => void): boolean {
  const [dragging, setDragging] = useState(false);
  const depth = useRef(0);
  const cb = useRef(onFiles);
  cb.current = onFiles;

  useEffect(() => {
    // dragenter/dragleave fire for every child element crossed: count them, so
    // the overlay stays up until the pointer really leaves the window.
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth.current++;
      setDragging(true);
    };
    const over = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault(); // allows the drop
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const leave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth.current = Math.max(0, depth.current - 1);
      if (depth.current === 0) setDragging(false);
    };
    const drop = (e: DragEvent) => {
      depth.current = 0;
      setDragging(false);
      const files = e.dataTransfer?.files;
      const f = files?.[0];
      if (!f) return;
      e.preventDefault(); // not: navigate to the file
      const all = Array.from(files);
      cb.current(all.slice(0, DROP_FILES_USED));
      // More than two: say which ones are used and which are not.
      if (all.length > DROP_FILES_USED) {
        const others = all.slice(DROP_FILES_USED).map((x) => x.name);
        const used = all
          .slice(0, DROP_FILES_USED)
          .map((x) => x.name)
          .join('” and “');
        window.dispatchEvent(new CustomEvent<DroppedExtra>(DROPPED_EXTRA, { detail: { opened: used, others } }));
      }
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragover', over);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragover', over);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
    };
  }, []);
  return dragging;
}

export function DropOverlay({ visible }: { visible: boolean }) {
  const [extra, setExtra] = useState<DroppedExtra | null>(null);
  useEffect(() => {
    let t: ReturnType<typeof setTimeout> | undefined;
    const on = (e: Event) => {
      setExtra((e as CustomEvent<DroppedExtra>).detail);
      clearTimeout(t);
      t = setTimeout(() => setExtra(null), DROP_NOTICE_MS);
    };
    window.addEventListener(DROPPED_EXTRA, on);
    return () => {
      window.removeEventListener(DROPPED_EXTRA, on);
      clearTimeout(t);
    };
  }, []);
  return (
    <>
      {extra && (
        <div className="drop-notice" role="status" data-testid="drop-notice">
          <span>
            {extra.others.length + DROP_FILES_USED} files were dropped: only the first two, “<SafeText text={extra.opened} />
            ”, were opened and compared (
            {extra.others.map((o, i) => (
              <span key={o}>
                {i > 0 && ', '}“<SafeText text={o} />”
              </span>
            ))}{' '}
            {extra.others.length === 1 ? 'was' : 'were'} not). Drop one or two files at a time.
          </span>
          <button type="button" className="btn btn-sm btn-ghost" aria-label="Dismiss" onClick={() => setExtra(null)}>
            ×
          </button>
        </div>
      )}
      <DropLayer visible={visible} />
    </>
  );
}

function DropLayer({ visible }: { visible: boolean }) {
  return (
    <div className={`drop-overlay${visible ? ' drop-overlay--on' : ''}`} aria-hidden={!visible} data-testid="drop-overlay">
      <div className="drop-overlay__card">
        <StackIcon size={44} />
        <p className="drop-overlay__title">Drop to open the image archive</p>
        <p className="drop-overlay__sub">It is read in this page; nothing is uploaded.</p>
      </div>
    </div>
  );
}

/** Three stacked bars: the layer stack (the app's mark). Decorative. */
export function StackIcon({ size = 24 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false" className="stack-icon">
      <rect x="4" y="20" width="24" height="6" rx="1.5" fill="#2f6fde" />
      <rect x="4" y="12" width="24" height="6" rx="1.5" fill="#4f9cf0" />
      <rect x="4" y="4" width="24" height="6" rx="1.5" fill="#8cc4ff" />
    </svg>
  );
}
