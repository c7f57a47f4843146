/**
 * The comparison's pieces as the App mounts them, bound to compareRun's store:
 *  - ComparePage: the comparison in place of the explorer while one is open;
 *  - HeaderCompare: the header's "Compare…" control (and its file picker);
 *  - CompareOverlays: the choice offered for a second dropped file, and a status
 *    line while side B (the store's slot b) opens or when it could not be opened
 *    (naming the side), both read through the selectors.
 */
import { useRef } from 'react';
import { useStore } from '../../state/store';
import { formatBytes } from '../format/format';
import { SafeText } from '../format/SafeText';
import { CompareMenu, SecondFileChoice } from './CompareLaunch';
import { CompareView } from './CompareView';
import {
  cancelCompare,
  chooseCompare,
  chooseOpenInstead,
  closeComparison,
  compareLayers,
  compareOtherImage,
  compareWithFile,
  dismissCompareError,
  dismissOffer,
  pickLayer,
  swapSides,
  useCompareRun,
} from './compareRun';
import { selectArchive, selectFileName, selectImageInfo, selectLoadProgress, selectSideError, selectStatus } from '../../state/selectors';

export function ComparePage() {
  const cmp = useCompareRun((s) => s.comparison);
  if (!cmp) return null;
  return <CompareView cmp={cmp} onClose={closeComparison} onPickLayer={pickLayer} onSwap={swapSides} />;
}

export function HeaderCompare() {
  const info = useStore(selectArchive);
  const image = useStore(selectImageInfo);
  const ready = useStore((s) => selectStatus(s) === 'ready');
  const input = useRef<HTMLInputElement>(null);
  if (!ready) return null;
  return (
    <>
      <input
        ref={input}
        type="file"
        className="sr-only"
        tabIndex={-1}
        aria-label="Choose an image archive to compare with"
        data-testid="compare-file-input"
        onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (f) void compareWithFile(f);
        }}
      />
      <CompareMenu
        info={info}
        image={image}
        onPickFile={() => input.current?.click()}
        onOtherImage={(sel) => void compareOtherImage(sel)}
        onLayers={(a, b) => void compareLayers(a, b)}
      />
    </>
  );
}

export function CompareOverlays() {
  const offered = useCompareRun((s) => s.offered);
  // Side B is the store's slot b: its load's progress and error are the slice's.
  const openingName = useStore((s) => (selectStatus(s, 'b') === 'loading' ? selectFileName(s, 'b') : null));
  const progress = useStore((s) => selectLoadProgress(s, 'b'));
  const error = useStore((s) => selectSideError(s, 'b'));
  const openName = useStore((s) => selectFileName(s) ?? 'An image');
  return (
    <>
      <SecondFileChoice fileName={offered?.name ?? null} openName={openName} onCompare={chooseCompare} onOpen={chooseOpenInstead} onCancel={dismissOffer} />
      {openingName !== null && (
        <div className="cmp-banner" role="status" data-testid="compare-opening">
          Opening B, <SafeText text={openingName} />, to compare
          {progress && progress.bytesTotal > 0 ? ` — ${formatBytes(progress.bytesRead)} of ${formatBytes(progress.bytesTotal)}` : '…'}
          <button type="button" className="btn btn-sm btn-ghost" onClick={cancelCompare}>
            Cancel
          </button>
        </div>
      )}
      {error && (
        <div className="cmp-banner cmp-banner--error" role="alert" data-testid="compare-error">
          <span>
            <SafeText text={error} />
          </span>
          <button type="button" className="btn btn-sm btn-ghost" aria-label="Dismiss" onClick={dismissCompareError}>
            ×
          </button>
        </div>
      )}
    </>
  );
}
