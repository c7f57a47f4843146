/**
 * The image chooser's list: one entry per image of the archive (what a row
 * shows, what the filter looks in), and the filter itself. Pure, so it is
 * tested in Node and stays fast with the archives issue 9 (point 5) describes:
 * one manifest.json of 20,000 images. The haystacks are made once per archive;
 * each keystroke is then one substring test per term and image.
 */
import { formatPlatform } from '../../core/read/archive';
import type { ImageInfo } from '../../core/types';
import { displayName } from '../format/displayName';
import { shortDigest } from '../format/format';

export interface ImageEntry {
  /** Index into ArchiveInfo.images (what chooseImage takes). */
  index: number;
  /** "nginx:1.25", "nginx:1.25 +2 tags", "untagged 1a2b3c4d5e6f". */
  label: string;
  /** "linux/arm64/v8", or '' when the image names none. */
  platform: string;
  /** The second line: platform, layer count, short digest. */
  detail: string;
  /** Every tag in full, then the manifest (or config) digest: the row's tooltip. */
  title: string;
  /** Lower-cased text the filter looks in: every tag, both digests, the platform, `#<index>`. */
  hay: string;
}

/** "nginx:1.25", "nginx:1.25 +2 tags", or "untagged 1a2b3c4d5e6f"; hidden characters of a tag shown (displayName). */
export function imageName(im: ImageInfo): string {
  if (im.tags.length === 0) return `untagged ${shortDigest(im.manifestDigest ?? im.configDigest) || `#${im.index}`}`;
  const first = displayName(im.tags[0]!);
  return im.tags.length === 1 ? first : `${first} +${im.tags.length - 1} tag${im.tags.length > 2 ? 's' : ''}`;
}

export function imageEntries(images: readonly ImageInfo[]): ImageEntry[] {
  return images.map((im) => {
    const platform = im.platform ? displayName(formatPlatform(im.platform)) : '';
    const digest = im.manifestDigest ?? im.configDigest ?? '';
    const tags = im.tags.map(displayName);
    return {
      index: im.index,
      label: imageName(im),
      platform,
      detail: [platform, `${im.layers.length} layer${im.layers.length === 1 ? '' : 's'}`, shortDigest(digest)].filter(Boolean).join(' · '),
      title: [tags.join(', '), digest].filter(Boolean).join('\n'),
      hay: [`#${im.index}`, ...tags, im.manifestDigest ?? '', im.configDigest ?? '', platform].join('\n').toLowerCase(),
    };
  });
}

/**
 * Positions (into `entries`) of the images matching `query`: every
 * whitespace-separated term must occur, case-insensitively, in a tag, a
 * digest (with or without `sha256:`), the platform, or `#<index>`. An empty
 * query matches all, in archive order.
 */
export function filterImages(entries: readonly ImageEntry[], query: string): number[] {
  const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
  const out: number[] = [];
  for (let i = 0; i < entries.length; i++) {
    const hay = entries[i]!.hay;
    if (terms.every((t) => hay.includes(t))) out.push(i);
  }
  return out;
}
