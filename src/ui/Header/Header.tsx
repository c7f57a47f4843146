/**
 * The explorer's header: the app mark, the open file (name, size, format),
 * the image and platform choosers, the teaching tools (TeachPanel mounts in
 * the actions area) and "Open another file". Theme follows the system.
 */
import { useStore } from '../../state/store';
import type { ArchiveFormat, Compression } from '../../core/types';
import { Choosers } from '../Choosers/Choosers';
import { TeachPanel } from '../Teach/TeachPanel';
import { ExportReport } from '../Report/ExportReport';
import { StackIcon } from '../DropZone/DropOverlay';
import { formatBytes } from '../format/format';
import { useServedSource } from '../../state/served';
import './Header.css';
import { displayName } from '../format/displayName';
import { SafeText } from '../format/SafeText';
import { HeaderCompare } from '../Compare/CompareMount';
import { failingLayers, failingSentence } from '../StackDiagram/integrity';
import { SHOW_LAYER_DETAILS } from '../App/RightPane';
import { selectArchive, selectFile, selectFileName, selectShown } from '../../state/selectors';

const FORMAT_NAMES: Record<ArchiveFormat, string> = {
  'docker-legacy': 'docker save (Docker ≤ 24)',
  'docker-oci': 'docker save (Docker ≥ 25)',
  oci: 'OCI image layout',
  tarball: 'crane / kaniko tarball',
};

export function formatName(format: ArchiveFormat, outer: Compression): string {
  const name = FORMAT_NAMES[format] ?? format;
  return outer === 'none' ? name : `${name}, ${outer}-compressed`;
}

export function Header({ onOpen }: { onOpen(): void }) {
  const fileName = useStore(selectFileName);
  const size = useStore((s) => selectFile(s)?.size ?? 0);
  const archive = useStore(selectArchive);
  const served = useServedSource();

  return (
    <header className="header">
      <div className="header__brand">
        <StackIcon size={22} />
        <span className="header__title">Layerscope</span>
      </div>
      <div className="header__file" data-testid="file-name">
        <span className="header__file-name" title={displayName(fileName ?? '')}>
          <SafeText text={fileName ?? ''} />
        </span>
        <span className="header__file-meta num" title={`${size.toLocaleString('en-US')} bytes`}>
          {formatBytes(size)}
        </span>
        {archive && <span className="chip header__format">{formatName(archive.format, archive.outerCompression)}</span>}
        {served && (
          <span
            className="chip header__source"
            data-testid="served-source"
            title={`${displayName(served.label)}: served by layerscope ${served.version} on this machine, nothing was uploaded`}
          >
            from layerscope view: <SafeText text={served.label} />
          </span>
        )}
        <IntegrityBadge />
      </div>
      <Choosers />
      <div className="header__spacer" />
      <div className="header__actions" data-testid="header-actions">
        <TeachPanel />
        <HeaderCompare />
        <ExportReport />
        <button type="button" className="btn" onClick={onOpen} data-testid="open-another" aria-label="Open another image archive">
          <OpenIcon />
          <span className="header__open-text">Open…</span>
        </button>
      </div>
    </header>
  );
}

/**
 * The image shown has layers whose bytes fail their digest check: said where the
 * file is named, not only in the status bar. A click shows the first such layer.
 */
function IntegrityBadge() {
  const integrity = useStore((s) => selectShown(s)?.integrity);
  const containerLayer = useStore((s) => selectShown(s)?.image.layers.findIndex((l) => l.synthetic === 'container') ?? -1);
  const bad = [...failingLayers(integrity)].filter((l) => l !== containerLayer);
  if (bad.length === 0) return null;
  return (
    <button
      type="button"
      className="chip header__integrity"
      data-testid="header-integrity"
      title={`Layer${bad.length === 1 ? '' : 's'} ${bad.join(', ')}: the bytes in this archive are not those the image's digests name (altered or damaged). Click to see the first.`}
      onClick={() => {
        useStore.getState().selectLayer(bad[0]!);
        document.dispatchEvent(new CustomEvent(SHOW_LAYER_DETAILS));
      }}
    >
      ⚠ {failingSentence(bad.length)}
    </button>
  );
}

function OpenIcon() {
  return (
    <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M1.5 3A1.5 1.5 0 0 1 3 1.5h3.1c.4 0 .78.16 1.06.44L8.2 3H13a1.5 1.5 0 0 1 1.5 1.5V6H3.3a1 1 0 0 0-.95.68L1.5 9.2V3Zm.2 10.9 1.9-5.8A.5.5 0 0 1 4.1 7.7h10.6a.5.5 0 0 1 .47.66l-1.8 5.3a1 1 0 0 1-.95.84H2.2a.5.5 0 0 1-.48-.6Z"
      />
    </svg>
  );
}
