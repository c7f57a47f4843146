/**
 * Which image a link (the URL hash, state/urlHash.ts) was made for. The file is
 * never in the URL, so a view of "the file you drop" needs the image's identity
 * beside it: applied to a different image, `q=…` and `path=…` are noise ("No path
 * matches the search") and `layer=3` is another image's layer 3.
 *
 * The identity is a prefix of the config digest: the config digest IS the image
 * ID (OCI image-spec config.md, "ImageID"; `docker images` shows its first 12
 * hex digits), it covers every diff_id, so two images with the same prefix have
 * the same layers, and it is computed from the config's bytes, never taken from
 * a name in the archive (core/read/archive/build.ts).
 *
 * Pure (no DOM, no store): the remembered file names take the Storage to use.
 */
import type { ImageInfo } from '../core/types';

/**
 * Hex digits of the config digest written to the URL: 12, as `docker images`
 * abbreviates image IDs: 48 bits, so two different images a user opens collide
 * with a chance of about one in 10^14.
 */
export const LINK_ID_HEX = 12;
/** Shortest prefix accepted from a hand-edited URL: below 8 hex digits a prefix identifies nothing. */
export const LINK_ID_MIN_HEX = 8;

/** `sha256:0123456789ab…` → `0123456789ab`; undefined for a digest that is not sha256 hex. */
export function linkIdOf(configDigest: string | null | undefined): string | undefined {
  const m = /^sha256:([0-9a-f]{64})$/.exec(configDigest ?? '');
  return m ? m[1]!.slice(0, LINK_ID_HEX) : undefined;
}

/** A value of the hash's `id=` key, lower-cased; undefined unless 8–64 hex digits. */
export function parseLinkId(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const s = v.toLowerCase().replace(/^sha256:/, '');
  return new RegExp(`^[0-9a-f]{${LINK_ID_MIN_HEX},64}$`).test(s) ? s : undefined;
}

/** Whether the image whose config digest is `configDigest` is the one link `id` was made for. */
export function linkMatches(id: string, configDigest: string | null | undefined): boolean {
  const m = /^sha256:([0-9a-f]{64})$/.exec(configDigest ?? '');
  return !!m && m[1]!.startsWith(id);
}

/** How the page names a link's image: `sha256:0123456789ab…`. */
export function describeLinkId(id: string): string {
  return `sha256:${id.slice(0, LINK_ID_HEX)}${id.length < 64 ? '\u2026' : ''}`;
}

/**
 * Which image of an archive a link opens:
 *  - no `id` (links written before identities): the `image` index, if the archive has it;
 *  - an `id`: the image with that identity — the `image` index when it matches
 *    (one config shared by two tags), else the first that does; undefined when
 *    none does (the link is for another archive).
 */
export function imageForLink(images: readonly Pick<ImageInfo, 'index' | 'configDigest'>[], link: { id?: string; image?: number }): number | undefined {
  if (link.id === undefined) return link.image !== undefined && link.image < images.length ? link.image : undefined;
  const id = link.id;
  if (link.image !== undefined && linkMatches(id, images[link.image]?.configDigest)) return link.image;
  return images.find((im) => linkMatches(id, im.configDigest))?.index;
}

/* --------------------------------------------- the file a link's image came from */

/** localStorage key of the remembered files (identity → file name, image name). */
export const LINK_FILES_KEY = 'layerscope.linkFiles';
/**
 * Identities remembered, newest first: enough for the images one works with in a
 * week; the entry is a name and a tag, so the whole list stays a few kB.
 */
export const LINK_FILES_MAX = 50;
/** Longest file or image name kept (a hostile archive's tag is unbounded). */
const NAME_MAX = 200;

export interface LinkFile {
  id: string;
  /** The dropped file's name, as the browser gave it. */
  fileName: string;
  /** The image's first tag, or null when untagged. */
  image: string | null;
}

type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem'>;

function readAll(storage: KeyValueStorage): LinkFile[] {
  let raw: unknown;
  try {
    raw = JSON.parse(storage.getItem(LINK_FILES_KEY) ?? '[]');
  } catch {
    return [];
  }
  if (!Array.isArray(raw)) return [];
  const out: LinkFile[] = [];
  for (const e of raw) {
    if (!e || typeof e !== 'object') continue;
    const { id, fileName, image } = e as Record<string, unknown>;
    if (typeof id !== 'string' || parseLinkId(id) !== id || typeof fileName !== 'string') continue;
    out.push({ id, fileName: fileName.slice(0, NAME_MAX), image: typeof image === 'string' ? image.slice(0, NAME_MAX) : null });
  }
  return out.slice(0, LINK_FILES_MAX);
}

/** Remember that the image with identity `f.id` was opened from `f.fileName` (storage errors ignored: private mode, quota). */
export function rememberLinkFile(storage: KeyValueStorage | null, f: LinkFile): void {
  if (!storage) return;
  const entry: LinkFile = { id: f.id, fileName: f.fileName.slice(0, NAME_MAX), image: f.image?.slice(0, NAME_MAX) ?? null };
  const list = [entry, ...readAll(storage).filter((e) => e.id !== f.id)].slice(0, LINK_FILES_MAX);
  try {
    storage.setItem(LINK_FILES_KEY, JSON.stringify(list));
  } catch {
    // Not remembered: the landing then names the image only.
  }
}

/** The file the image with identity `id` (a prefix, as a link holds) was last opened from, or null. */
export function recallLinkFile(storage: KeyValueStorage | null, id: string): LinkFile | null {
  if (!storage) return null;
  return readAll(storage).find((e) => e.id.startsWith(id) || id.startsWith(e.id)) ?? null;
}

/** window.localStorage, or null where it is unavailable (Node, sandboxed frames, some private modes). */
export function pageStorage(): KeyValueStorage | null {
  try {
    return typeof localStorage !== 'undefined' ? localStorage : null;
  } catch {
    return null;
  }
}
