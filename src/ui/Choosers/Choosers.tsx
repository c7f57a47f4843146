/**
 * Which image (an archive may hold several: `docker save a b`, `podman save -m`)
 * and which platform (an OCI image index lists several; platforms whose blobs
 * were not saved are listed, disabled). Native <select>s: keyboard and screen
 * reader behaviour for free. Switching re-uses the opened archive's index.
 */
import { useStore } from '../../state/store';
import { chooseImage, choosePlatform } from '../../state/actions';
import { formatPlatform } from '../../core/read/archive';
import type { ArchiveInfo, ImageInfo } from '../../core/types';
import { shortDigest } from '../format/format';
import { displayName } from '../format/displayName';
import './Choosers.css';
import { selectArchive, selectImageInfo, selectStatus } from '../../state/selectors';

/** "nginx:1.25", "nginx:1.25 +2 tags", or "untagged 1a2b3c4d5e6f"; hidden characters of a tag shown (displayName). */
export function imageName(im: ImageInfo): string {
  if (im.tags.length === 0) return `untagged ${shortDigest(im.manifestDigest ?? im.configDigest) || `#${im.index}`}`;
  const first = displayName(im.tags[0]!);
  return im.tags.length === 1 ? first : `${first} +${im.tags.length - 1} tag${im.tags.length > 2 ? 's' : ''}`;
}

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
        <label className="chooser">
          <span className="chooser__label">Image</span>
          <select
            className="select chooser__select"
            data-testid="image-chooser"
            aria-label={`Image (${archive.images.length} in this archive)`}
            title={image ? displayName(image.tags.join(', ')) || image.manifestDigest || '' : undefined}
            value={image ? String(image.index) : ''}
            onChange={(e) => void chooseImage(Number(e.target.value))}
          >
            {!image && <option value="">…</option>}
            {archive.images.map((im) => (
              <option key={im.index} value={String(im.index)} title={displayName(im.tags.join(', ')) || im.manifestDigest || ''}>
                {imageName(im)}
                {distinctPlatforms && im.platform ? ` (${displayName(formatPlatform(im.platform))})` : ''}
              </option>
            ))}
          </select>
        </label>
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
