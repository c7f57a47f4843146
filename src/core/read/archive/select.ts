/**
 * Choosing one image of an archive: by index, tag or digest, and by platform.
 * Errors list what the archive does contain, so the user can correct the choice.
 */
import type { ArchiveInfo, ImageInfo, Platform } from '../../types';
import { LayerscopeError } from '../../errors';

/** Default platform when an index offers several: the one most users run. */
const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

/** Shortest digest prefix (hex characters) accepted as an image selector, as `docker images` shows 12. */
const MIN_DIGEST_PREFIX = 12;

export function formatPlatform(p: Platform): string {
  return p.variant ? `${p.os}/${p.architecture}/${p.variant}` : `${p.os}/${p.architecture}`;
}

/** Parses `os/arch[/variant]` (the syntax of `docker --platform`). */
export function parsePlatform(s: string): Platform {
  const parts = s.trim().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((x) => x === '')) {
    throw new LayerscopeError('UNKNOWN_PLATFORM', `"${s}" is not a platform; write os/architecture[/variant], e.g. linux/amd64 or linux/arm/v7`);
  }
  // two or three non-empty parts (checked above)
  const os = parts[0]!;
  const architecture = parts[1]!;
  const variant = parts[2];
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** A platform without variant matches any variant (linux/arm64 matches linux/arm64/v8). */
export function platformMatches(p: Platform | null, want: Platform): boolean {
  if (!p || p.os !== want.os || p.architecture !== want.architecture) return false;
  return want.variant === undefined || p.variant === want.variant;
}

/** `alpine` ≡ `alpine:latest` ≡ `docker.io/library/alpine:latest` (Docker's reference normalization). */
export function normalizeRef(ref: string): string {
  let r = ref.trim();
  for (const prefix of ['docker.io/', 'index.docker.io/']) if (r.startsWith(prefix)) r = r.slice(prefix.length);
  if (r.startsWith('library/')) r = r.slice('library/'.length);
  const lastSlash = r.lastIndexOf('/');
  if (!r.includes('@') && !r.slice(lastSlash + 1).includes(':')) r += ':latest';
  return r;
}

function digestMatches(digest: string | null, want: string): boolean {
  if (!digest) return false;
  if (digest === want) return true;
  const hex = want.startsWith('sha256:') ? want.slice(7) : want;
  return /^[0-9a-f]+$/.test(hex) && hex.length >= MIN_DIGEST_PREFIX && digest.startsWith(`sha256:${hex}`);
}

function describeImage(im: ImageInfo): string {
  const name = im.tags.length ? im.tags.join(', ') : (im.manifestDigest ?? im.configDigest ?? 'untagged').slice(0, 19);
  return im.platform ? `${im.index}: ${name} (${formatPlatform(im.platform)})` : `${im.index}: ${name}`;
}

function listImages(info: ArchiveInfo): string {
  return info.images.map(describeImage).join('; ');
}

export function selectImage(info: ArchiveInfo, sel: { image?: number | string; platform?: string } = {}): ImageInfo {
  if (info.images.length === 0) throw new LayerscopeError('UNKNOWN_IMAGE', 'This archive holds no image that can be opened');
  let cands: ImageInfo[] = info.images;
  const byIndex = (i: number): ImageInfo[] => {
    if (!Number.isInteger(i) || i < 0 || i >= info.images.length) {
      throw new LayerscopeError('UNKNOWN_IMAGE', `There is no image #${i}; this archive has ${info.images.length}: ${listImages(info)}`);
    }
    return [info.images[i]!];
  };
  if (typeof sel.image === 'number') {
    cands = byIndex(sel.image);
  } else if (typeof sel.image === 'string' && sel.image !== '') {
    const want = sel.image;
    cands = info.images.filter(
      (im) =>
        im.tags.some((t) => t === want || normalizeRef(t) === normalizeRef(want)) ||
        digestMatches(im.manifestDigest, want) ||
        digestMatches(im.configDigest, want),
    );
    if (cands.length === 0 && /^\d+$/.test(want)) cands = byIndex(Number(want));
    if (cands.length === 0) {
      throw new LayerscopeError('UNKNOWN_IMAGE', `No image is tagged "${want}"; this archive has: ${listImages(info)}`);
    }
  }

  if (sel.platform !== undefined && sel.platform !== '') {
    const want = parsePlatform(sel.platform);
    const hit = cands.find((im) => platformMatches(im.platform, want));
    if (hit) return hit;
    const present = [...new Set(cands.map((im) => (im.platform ? formatPlatform(im.platform) : 'unknown platform')))].join(', ');
    const listed = info.platforms.find((p) => platformMatches(p.platform, want));
    const why = listed
      ? `${formatPlatform(listed.platform)} is listed by the image index, but its blobs are not in this archive`
      : `no image for ${formatPlatform(want)}`;
    throw new LayerscopeError('UNKNOWN_PLATFORM', `${why}; available: ${present}`);
  }

  if (cands.length === 1) return cands[0]!;
  // Images that are platform variants of one index: default to linux/amd64, else the first present.
  const variants = cands.filter((im) => info.platforms.some((p) => p.imageIndex === im.index));
  if (variants.length > 0 && variants[0] === cands[0]) {
    return variants.find((im) => platformMatches(im.platform, DEFAULT_PLATFORM)) ?? variants[0]!;
  }
  return cands[0]!;
}
