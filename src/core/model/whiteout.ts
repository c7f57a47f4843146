/**
 * Whiteouts, as a layer tar spells them (OCI image-spec layer.md, "Whiteouts"
 * and "Opaque Whiteout"). One place for the names and for what an entry is to
 * the union: the layer scan classifies entries with it, the union applies them,
 * the playground writes them.
 *  - `.wh.<name>` removes `<name>` (and everything under it) from the lower layers;
 *  - `.wh..wh..opq` in a directory hides every lower child of that directory;
 *  - other `.wh..wh.*` names (AUFS `.wh..wh.plnk`, `.wh..wh.aufs`) are metadata of
 *    the layer format, never part of the filesystem, and so is anything inside them.
 */
import { EntryKind } from '../types';

/** layer.md: "any file with the .wh. prefix" is a whiteout marker. */
export const WHITEOUT_PREFIX = '.wh.';
/** layer.md "Opaque Whiteout": the marker's basename. */
export const OPAQUE_MARKER = '.wh..wh..opq';
/** AUFS metadata (`.wh..wh.plnk`, `.wh..wh.aufs`, …): names with the whiteout prefix twice. */
export const WHITEOUT_META_PREFIX = '.wh..wh.';

/** What an entry is to the union. */
export const WhiteoutRole = {
  /** An ordinary entry: a file, directory, link, device… */
  None: 0,
  Whiteout: 1,
  Opaque: 2,
  /** AUFS metadata: ignored. */
  Meta: 3,
} as const;
export type WhiteoutRole = (typeof WhiteoutRole)[keyof typeof WhiteoutRole];

/**
 * The role of an entry from its basename and kind. Names decide, and a kind the
 * scanner already gave (EntryKind.Whiteout/Opaque/WhiteoutMeta) too, so a
 * hand-made index and a scanned one give the same union.
 */
export function whiteoutRole(base: string, kind: number): WhiteoutRole {
  if (kind === EntryKind.Opaque || base === OPAQUE_MARKER) return WhiteoutRole.Opaque;
  if (kind === EntryKind.WhiteoutMeta || base.startsWith(WHITEOUT_META_PREFIX)) return WhiteoutRole.Meta;
  if (kind === EntryKind.Whiteout || base.startsWith(WHITEOUT_PREFIX)) return WhiteoutRole.Whiteout;
  return WhiteoutRole.None;
}

const ROLE_KIND = [-1, EntryKind.Whiteout, EntryKind.Opaque, EntryKind.WhiteoutMeta] as const;

/** The entry kind the layer scan records for a normalized path: its tar kind, or the whiteout kind its basename gives. */
export function classifyWhiteout(path: string, kind: EntryKind): EntryKind {
  const base = baseOf(path);
  if (!base.startsWith(WHITEOUT_PREFIX)) return kind;
  const role = whiteoutRole(base, kind);
  return role === WhiteoutRole.None ? kind : (ROLE_KIND[role] as EntryKind);
}

/** The name a whiteout `.wh.<name>` removes ('' when it names nothing). */
export function whiteoutTarget(base: string): string {
  return base.slice(WHITEOUT_PREFIX.length);
}

/** Position of the first `.wh..wh.` segment that is not the path's last one (the path is inside AUFS metadata), or -1. */
export function metaSegmentAt(path: string): number {
  let i = path.indexOf(WHITEOUT_META_PREFIX);
  while (i >= 0) {
    if (i === 0 || path.charCodeAt(i - 1) === 47 /* '/' */) {
      if (path.indexOf('/', i) >= 0) return i;
    }
    i = path.indexOf(WHITEOUT_META_PREFIX, i + 1);
  }
  return -1;
}

/** The whiteout entry that deletes `path` ('etc/motd' -> 'etc/.wh.motd'). */
export function whiteoutPath(path: string): string {
  return join(parentOf(path), WHITEOUT_PREFIX + baseOf(path));
}

/** The opaque marker entry of directory `dir` ('' is the root). */
export function opaquePath(dir: string): string {
  return join(dir, OPAQUE_MARKER);
}

const join = (dir: string, name: string) => (dir === '' ? name : `${dir}/${name}`);
const parentOf = (p: string) => {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
};
const baseOf = (p: string) => p.slice(p.lastIndexOf('/') + 1);
