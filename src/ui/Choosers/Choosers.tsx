/**
 * Which image (an archive may hold several: `docker save a b`, `podman save -m`,
 * or thousands in one manifest.json) and which platform (an OCI image index
 * lists several; platforms whose blobs were not saved are listed, disabled).
 * Images: a filterable, virtualized list (ImageChooser.tsx); platforms, a few
 * at most: a native <select>. Switching re-uses the opened archive's index.
 */
import { useStore } from '../../state/store';
import { choosePlatform } from '../../state/actions';
import { formatPlatform } from '../../core/read/archive';
import type { ArchiveInfo } from '../../core/types';
import { ImageChooser } from './ImageChooser';
import { displayName } from '../format/displayName';
import './Choosers.css';
import { selectArchive, selectImageInfo, selectStatus } from '../../state/selectors';

/** Images that are platform variants of an image index (chosen with the platform chooser instead). */
function platformVariants(info: ArchiveInfo): Set<number> {
  const s = new Set<number>();
  for (const p of info.platforms) if (p.available && p.imageIndex !== null) s.add(p.imageIndex);
  return s;
}

export function Choosers() {
  const archive = useStore(selectArchive);
  const image = useStore(selectImageInfo);
  const busy = useStore((s) => selectStatus(s) === 'loading');
  if (!archive) return null;

  const variants = platformVariants(archive);
  const showImages = archive.images.length > 1 && !archive.images.every((im) => variants.has(im.index));
  const showPlatforms = archive.platforms.length > 1;
  if (!showImages && !showPlatforms) return null;
  const distinctPlatforms = new Set(archive.images.map((im) => (im.platform ? formatPlatform(im.platform) : ''))).size > 1;
  const currentPlatform = image?.platform ? formatPlatform(image.platform) : '';

  return (
    <div className="choosers">
      {showImages && (
        <div className="chooser">
          <span className="chooser__label" aria-hidden="true">
            Image
          </span>
          <ImageChooser images={archive.images} current={image} withPlatform={distinctPlatforms} />
        </div>
      )}
      {showPlatforms && (
        <label className="chooser">
          <span className="chooser__label">Platform</span>
          <select
            className="select chooser__select"
            data-testid="platform-chooser"
            aria-label={`Platform (${archive.platforms.filter((p) => p.available).length} of ${archive.platforms.length} in this archive)`}
            value={currentPlatform}
            disabled={busy && !image}
            onChange={(e) => void choosePlatform(e.target.value)}
          >
            {!archive.platforms.some((p) => formatPlatform(p.platform) === currentPlatform) && (
              <option value={currentPlatform}>{displayName(currentPlatform) || '…'}</option>
            )}
            {archive.platforms.map((p) => {
              const name = formatPlatform(p.platform);
              return (
                <option key={`${name}@${p.manifestDigest}`} value={name} disabled={!p.available}>
                  {p.available ? displayName(name) : `${displayName(name)} — blobs not in archive`}
                </option>
              );
            })}
          </select>
        </label>
      )}
    </div>
  );
}
