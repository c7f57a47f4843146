/**
 * What differs between two versions of a path, as bits, and the one category a
 * set of bits falls into. The bits are kept (not only the category) so the page
 * can say WHAT changed ("mode 0644 → 0755, content") and so options such as
 * "count mtime" only re-classify.
 */

export const Diff = {
  /** Only in B. */
  Added: 1 << 0,
  /** Only in A. */
  Removed: 1 << 1,
  /** The kind of entry differs (file, directory, symlink, device, fifo; a resolved hardlink counts as a file). */
  Type: 1 << 2,
  /** Regular-file sizes differ. */
  Size: 1 << 3,
  /** Equal sizes, bytes proven different (sha256 of both). */
  Content: 1 << 4,
  /** Symlink targets differ. */
  Link: 1 << 5,
  /** Device numbers differ. */
  Device: 1 << 6,
  Mode: 1 << 7,
  Uid: 1 << 8,
  Gid: 1 << 9,
  /** Modification times differ (only recorded when DiffOptions.mtime). */
  Mtime: 1 << 10,
  Xattrs: 1 << 11,
  /** Same bytes, but one is a hardlink and the other not, or they link to different paths. */
  Hardlink: 1 << 12,
  /** Equal sizes from layers not proven identical: the bytes must be hashed before anything is claimed. */
  Pending: 1 << 13,
  /** A layer of A (B) that could not be read may have changed this path. */
  UnknownA: 1 << 14,
  UnknownB: 1 << 15,
  /** Hashing the bytes for the proof failed (a layer that cannot be read there). */
  Unreadable: 1 << 16,
} as const;

export const CHANGED_BITS = Diff.Type | Diff.Size | Diff.Content | Diff.Link | Diff.Device;
export const METADATA_BITS = Diff.Mode | Diff.Uid | Diff.Gid | Diff.Mtime | Diff.Xattrs | Diff.Hardlink;
export const UNKNOWN_BITS = Diff.UnknownA | Diff.UnknownB | Diff.Unreadable;

/**
 * Categories, in the order the page lists its filters. 'pending' exists only
 * while contents are being hashed; 'unknown' only when a layer could not be read.
 */
export const CATEGORIES = ['added', 'removed', 'changed', 'metadata', 'pending', 'unknown', 'unchanged'] as const;
export type Category = (typeof CATEGORIES)[number];

/** Category of a set of Diff bits. Unknown wins: nothing is claimed about a path a failed layer may have touched. */
export function categoryOf(flags: number): Category {
  if (flags & UNKNOWN_BITS) return 'unknown';
  if (flags & Diff.Added) return 'added';
  if (flags & Diff.Removed) return 'removed';
  if (flags & CHANGED_BITS) return 'changed';
  if (flags & Diff.Pending) return 'pending';
  if (flags & METADATA_BITS) return 'metadata';
  return 'unchanged';
}

export const CATEGORY_INDEX: Record<Category, number> = Object.fromEntries(CATEGORIES.map((c, i) => [c, i])) as Record<Category, number>;

/** Names of the bits set, for JSON and the page ("type", "size", "content", "mode", …). */
export function flagNames(flags: number): string[] {
  const out: string[] = [];
  for (const [name, bit] of Object.entries(Diff)) if (flags & bit) out.push(FLAG_NAMES[name as keyof typeof Diff]);
  return out;
}

const FLAG_NAMES: Record<keyof typeof Diff, string> = {
  Added: 'added',
  Removed: 'removed',
  Type: 'type',
  Size: 'size',
  Content: 'content',
  Link: 'link',
  Device: 'device',
  Mode: 'mode',
  Uid: 'uid',
  Gid: 'gid',
  Mtime: 'mtime',
  Xattrs: 'xattrs',
  Hardlink: 'hardlink',
  Pending: 'pending',
  UnknownA: 'unknown-a',
  UnknownB: 'unknown-b',
  Unreadable: 'unreadable',
};
