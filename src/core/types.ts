/**
 * Shared data model of the engine. Pure types: no DOM, React or store imports,
 * so the same module serves the page, the workers, the command line and tests.
 *
 * Everything that scales with the number of files is stored column-wise in typed
 * arrays (see LayerIndex, UnionModel) rather than as one object per file: a
 * million-entry image must fit in a few hundred MB of heap and cross the worker
 * boundary cheaply (typed arrays are transferable).
 */
import type { TocInfo } from './read/toc/types';

/** Kinds of tar entry the engine distinguishes (tar typeflag, POSIX.1-2001 ustar). */
export const EntryKind = {
  File: 0,
  Dir: 1,
  Symlink: 2,
  Hardlink: 3,
  Char: 4,
  Block: 5,
  Fifo: 6,
  /** `.wh.<name>`: deletes `<name>` from lower layers (OCI image-spec layer.md, "Whiteouts"). */
  Whiteout: 7,
  /** `.wh..wh..opq`: hides all lower children of its directory (layer.md, "Opaque Whiteout"). */
  Opaque: 8,
  /** Other `.wh..wh.*` entries (e.g. AUFS `.wh..wh.plnk`): metadata, never shown as files. */
  WhiteoutMeta: 9,
  /** Anything else (GNU sparse already resolved to File; contiguous files map to File). */
  Other: 10,
} as const;
export type EntryKind = (typeof EntryKind)[keyof typeof EntryKind];

export const ENTRY_KIND_NAMES: Record<EntryKind, string> = {
  0: 'file',
  1: 'dir',
  2: 'symlink',
  3: 'hardlink',
  4: 'char',
  5: 'block',
  6: 'fifo',
  7: 'whiteout',
  8: 'opaque',
  9: 'whiteout-meta',
  10: 'other',
};

/**
 * One entry as decoded by the tar reader (src/core/read/tar/parser.ts), before whiteout
 * interpretation. `path` is normalized: no leading `./` or `/`, no trailing `/`,
 * `.`/`..` segments resolved against the archive root (a `..` that would climb
 * above the root is dropped and reported by the caller as a warning); `''` is the root.
 */
export interface TarEntry {
  path: string;
  /** File/Dir/Symlink/Hardlink/Char/Block/Fifo/Other; whiteouts are classified later. */
  kind: EntryKind;
  /** Size of the data that follows the header in the stream (0 for non-files). For GNU sparse, the real (expanded) size. */
  size: number;
  mode: number; // permission bits incl. setuid/setgid/sticky (mode & 0o7777)
  uid: number;
  gid: number;
  mtime: number; // seconds since epoch (may be fractional with PAX)
  /** Symlink or hardlink target, normalized like `path` for hardlinks; raw for symlinks. */
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  /** PAX SCHILY.xattr.* / LIBARCHIVE.xattr.* records; values are raw bytes (security.capability is binary). */
  xattrs: Record<string, Uint8Array> | null;
  /** Offset of this entry's first header (incl. PAX/GNU extension headers) in the tar stream. */
  headerOffset: number;
  /** Offset of the entry's data in the (uncompressed) tar stream. */
  dataOffset: number;
  /** Bytes the data occupies in the stream (size rounded up to 512 for regular files; for sparse files, the stored size). */
  storedSize: number;
  /** True when the entry is a GNU sparse file (its data cannot be read by a plain slice). */
  sparse: boolean;
}

/** Compression of a blob, detected by magic bytes only. */
export type Compression = 'none' | 'gzip' | 'zstd';

/** A range of bytes of the outer archive (the file the user dropped). */
export interface BlobRef {
  /** Name of the entry inside the outer archive (after symlink resolution). */
  entryName: string;
  offset: number;
  size: number;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** Config fields shown to users (OCI image-spec config.md / Docker image spec v1.2). */
export interface ImageConfigSummary {
  Env?: string[];
  Cmd?: string[];
  Entrypoint?: string[];
  WorkingDir?: string;
  User?: string;
  ExposedPorts?: Record<string, unknown>;
  Volumes?: Record<string, unknown>;
  Labels?: Record<string, string>;
  Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; Retries?: number };
  Shell?: string[];
  StopSignal?: string;
  OnBuild?: string[];
}

export interface HistoryStep {
  created?: string;
  createdBy?: string;
  comment?: string;
  author?: string;
  emptyLayer: boolean;
  /** Index of the layer this step made, or, for empty (metadata-only) steps, the layer below which it sits (-1 = before any layer). */
  layerIndex: number;
}

export interface LayerRef {
  index: number;
  /** Blob digest (sha256:… of the stored, possibly compressed, bytes) when known. */
  digest: string | null;
  /** Uncompressed digest from the config's rootfs.diff_ids. */
  diffId: string | null;
  mediaType: string | null;
  blob: BlobRef;
  /** Detected by magic bytes when the archive is opened (null until then). */
  compression: Compression | null;
  /** Steps of history that made this layer (normally one). */
  createdBy: string | null;
  /** Indexes of other images in the same archive that share this layer (same diff_id or same blob). */
  sharedWith: number[];
  /**
   * Set only on layers the container playground adds in the page (src/core/teach/playground.ts):
   * 'container' = a running container's read-write layer (not part of the image, drawn
   * where the dashed container band is), 'commit' = a layer made by Commit (`docker commit`).
   */
  synthetic?: 'container' | 'commit';
}

export interface ImageInfo {
  index: number;
  tags: string[];
  platform: Platform | null;
  manifestDigest: string | null;
  configDigest: string | null;
  created: string | null;
  author: string | null;
  config: ImageConfigSummary;
  history: HistoryStep[];
  layers: LayerRef[];
  /** Raw config JSON (for the image panel and writers). */
  rawConfig: unknown;
}

/** What opening an archive yields: its variant, its images and platform choices. */
export type ArchiveFormat =
  | 'docker-legacy' // docker save (≤ 24): manifest.json + <id>/layer.tar
  | 'docker-oci' // docker save (≥ 25): OCI layout + manifest.json into blobs/
  | 'oci' // OCI image layout only (skopeo, podman, buildah, buildx, containerd)
  | 'tarball'; // crane / kaniko / go-containerregistry: manifest.json + sha256:<hex> config + <hex>.tar.gz

export interface PlatformChoice {
  platform: Platform;
  manifestDigest: string;
  /** False when the manifest or one of its blobs is absent from the archive. */
  available: boolean;
  /** Index into ArchiveInfo.images when available. */
  imageIndex: number | null;
}

export interface ArchiveInfo {
  format: ArchiveFormat;
  /** Whole archive was gzip-compressed (.tar.gz). */
  outerCompression: Compression;
  images: ImageInfo[];
  /** Platforms listed by image indexes (including absent ones), for the chooser. */
  platforms: PlatformChoice[];
  warnings: EngineWarning[];
}

export interface EngineWarning {
  code: string;
  message: string;
  layer?: number;
  offset?: number;
}

/**
 * Compact per-layer index, produced by scanning one layer's tar (in a worker).
 * Column i describes entry i in stream order. Whiteouts are kept as entries
 * (kind Whiteout/Opaque/WhiteoutMeta) with `paths[i]` the whiteout file's own path.
 */
export interface LayerIndex {
  count: number;
  /** Normalized paths (see TarEntry.path). */
  paths: string[];
  kinds: Uint8Array;
  sizes: Float64Array;
  modes: Uint16Array;
  uids: Uint32Array;
  gids: Uint32Array;
  mtimes: Float64Array;
  /** Offset of the entry's data in the uncompressed layer stream (for content reads). */
  dataOffsets: Float64Array;
  /** Index into `links`, or -1. */
  linkIds: Int32Array;
  links: string[];
  /** Sparse: entry index -> xattrs (few entries have any). */
  xattrs: Map<number, Record<string, Uint8Array>>;
  devs: Map<number, [number, number]>;
  /** Uncompressed tar stream length in bytes. */
  tarSize: number;
  /** Stored (compressed) length. */
  storedSize: number;
  compression: Compression;
  /** sha256 of the uncompressed stream, `sha256:<hex>` (null if not computed). */
  diffIdComputed: string | null;
  /** sha256 of the stored blob, `sha256:<hex>` (null if not computed). */
  digestComputed: string | null;
  /** What was odd but readable in this layer (unsafe paths, unknown entry types, …), in stream order. */
  warnings: EngineWarning[];
  /**
   * Set when the layer could not be read to the end; entries before the failure are kept.
   * `afterTarEnd`: the tar's end-of-archive marker had been read before the failure (a bad
   * gzip trailer, junk after the stream): every entry of the tar is in this index.
   */
  error: { code: string; message: string; offset: number; afterTarEnd?: boolean } | null;
  /**
   * Independent gzip members / zstd frames known without decoding, from the layer's
   * table of contents (eStargz, zstd:chunked: then the listing came from it too) or a
   * zstd seek table: content reads start there (read/toc/).
   */
  toc?: TocInfo | null;
  /**
   * gzip layers: (compressed bytes fed to the decoder, uncompressed bytes out) pairs noted
   * by the load's scan every SEEK_HINT_SPACING of output, flattened [in0, out0, in1, out1, …]:
   * where a speculative read of a file deep in the layer may start before the digest check
   * has recorded checkpoints (read/speculativeRead.ts). Absent for other layers.
   */
  seekHints?: Float64Array | null;
  /**
   * gzip layers: the true 32 KiB of output before a point every SCAN_WINDOW_SPACING, kept by
   * the load's scan (read/scanWindows.ts) for the anchored first read (read/anchoredRead.ts).
   * The page moves them out of the index when it arrives (they are large and never shown).
   */
  seekWindows?: SeekWindow[] | null;
}

/** A window kept by the scan: `window` is output [out − 32 KiB, out), after `in` compressed bytes had been fed to the decoder. */
export interface SeekWindow {
  in: number;
  out: number;
  window: Uint8Array;
}
