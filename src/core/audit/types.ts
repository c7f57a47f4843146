/**
 * The audit's data model: packages per layer, secrets that ship, where the
 * bytes go. Pure types (no DOM, no Node), shared by the worker that reads a
 * layer's candidate files, the code that combines the layers, the page and the
 * command line (whose JSON output is a documented contract: README, "layerscope
 * audit").
 */

/** Package ecosystems, as named in the JSON contract. */
export type Ecosystem = 'deb' | 'apk' | 'rpm' | 'python' | 'npm' | 'go';

export const ECOSYSTEMS: readonly Ecosystem[] = ['deb', 'apk', 'rpm', 'python', 'npm', 'go'];

/**
 * What a candidate file is read for. A file may serve several purposes (an
 * `.npmrc` under a home directory is only a secret candidate; a dpkg `status`
 * file is only a database), so roles are bits.
 */
export const Role = {
  DpkgStatus: 1 << 0,
  /** distroless: one stanza file per package in var/lib/dpkg/status.d/ */
  DpkgStatusD: 1 << 1,
  /** var/lib/dpkg/info/<pkg>[:arch].list: the files a package installed. */
  DpkgList: 1 << 2,
  ApkInstalled: 1 << 3,
  RpmSqlite: 1 << 4,
  /** Berkeley DB hash `Packages` (RHEL ≤ 8, CentOS, Amazon Linux 2). */
  RpmBdb: 1 << 5,
  /** SUSE's `Packages.db` (rpm's own "ndb" format). */
  RpmNdb: 1 << 6,
  PythonMetadata: 1 << 7,
  PythonRecord: 1 << 8,
  /** `*.egg-info/installed-files.txt` (pip's list for legacy installs). */
  PythonInstalledFiles: 1 << 9,
  NpmPackage: 1 << 10,
  /** An executable read only at its head (ELF headers), then at its data segment when it is a Go binary. */
  GoBinary: 1 << 11,
  Secret: 1 << 12,
} as const;

/** Roles that are package databases or their file lists (read whole up to MAX_PACKAGE_DB_BYTES). */
export const PACKAGE_ROLES =
  Role.DpkgStatus |
  Role.DpkgStatusD |
  Role.DpkgList |
  Role.ApkInstalled |
  Role.RpmSqlite |
  Role.RpmBdb |
  Role.RpmNdb |
  Role.PythonMetadata |
  Role.PythonRecord |
  Role.PythonInstalledFiles |
  Role.NpmPackage;

/** One file version of one layer the audit reads. */
export interface Candidate {
  /** Entry index in the layer (LayerIndex column). */
  entry: number;
  /** Normalised tar path (no leading '/'). */
  path: string;
  roles: number;
  /** Offset of the data in the uncompressed layer stream. */
  dataOffset: number;
  /** The file's size. */
  size: number;
  /** How many bytes to read (GoBinary: only the head). */
  readBytes: number;
  /** For secret candidates: chosen by name (a credential file): a size over the limit is then reported as not scanned. */
  strong: boolean;
}

/** A package as one database (or one metadata file) of one layer records it. */
export interface PackageRecord {
  ecosystem: Ecosystem;
  name: string;
  version: string;
  /** dpkg/rpm/apk architecture where recorded. */
  arch: string | null;
  /** Installed size in bytes where the database records it (dpkg: Installed-Size KiB × 1024), else null. */
  size: number | null;
  /**
   * Identity across layers: ecosystem + name (+ arch for deb/rpm; + the
   * installation directory for python/npm, + the binary for go), so that two
   * copies of a package in different places are two packages.
   */
  key: string;
  /** Where the record came from (the database or metadata file), '/'-rooted. */
  source: string;
  /** Files the record lists ('/'-rooted), when the database lists them here (apk, rpm, RECORD); dpkg's come from .list files. */
  files?: string[];
  /** Extra facts worth showing (source package, license, module path…). */
  detail?: Record<string, string>;
}

/** A secret found in one file version, the config or the history. */
export interface RawSecret {
  /** Rule id: `<secretlint rule>/<message id>` or `layerscope/<rule>`. */
  rule: string;
  /** Short human title of the rule ("AWS secret access key"). */
  title: string;
  /** The secret value itself (never put in a URL; printed only on request). */
  value: string;
  /** 1-based line of the match in the file, when it has lines. */
  line: number | null;
}

/** A file the audit wanted to read and could not (or would not): never "clean". */
export interface NotScanned {
  path: string;
  layer: number;
  reason: string;
}

export interface AuditWarning {
  code: string;
  message: string;
  layer?: number;
  path?: string;
}

/** What one layer's candidate files yield (computed where the bytes are read: a worker in the page). */
export interface LayerAuditResult {
  layer: number;
  /** Package records per database / metadata file, by entry index of the file that holds them. */
  packages: { entry: number; path: string; records: PackageRecord[] }[];
  /** dpkg `.list` and pip `installed-files.txt`: package key (without ecosystem) -> files. */
  fileLists: { entry: number; path: string; owner: string; files: string[]; size?: number | null }[];
  secrets: { entry: number; path: string; findings: RawSecret[] }[];
  notScanned: NotScanned[];
  warnings: AuditWarning[];
  /** Counts for the progress line and the summary. */
  filesRead: number;
  bytesRead: number;
}

/* ------------------------------------------------------------------ the report */

export type PackageAction = 'installed' | 'upgraded' | 'downgraded' | 'changed' | 'removed';

export interface PackageEvent {
  layer: number;
  action: PackageAction;
  version: string;
  /** The version before (upgraded/downgraded/changed/removed). */
  from?: string;
}

export interface AuditPackage {
  ecosystem: Ecosystem;
  name: string;
  /** The version it ended with (the visible one, or the last before removal). */
  version: string;
  arch: string | null;
  /** Layer whose step installed it. */
  layer: number;
  /** Layer that removed it, null when it is in the final image. */
  removedBy: number | null;
  /** Installed size (bytes) as the database records it, or null. */
  size: number | null;
  key: string;
  /** The database or metadata file ('/'-rooted). */
  source: string;
  history: PackageEvent[];
  /** Files it installed ('/'-rooted), when a database lists them. */
  files: string[];
  detail?: Record<string, string>;
}

export interface LayerPackageSummary {
  layer: number;
  installed: number;
  upgraded: number;
  removed: number;
  /** Sum of the installed sizes of what it installed or upgraded (as recorded), minus what it removed. */
  sizeDelta: number;
}

export type SecretSource = 'file' | 'config' | 'history';

export interface SecretFinding {
  rule: string;
  title: string;
  source: SecretSource;
  /** '/root/.ssh/id_rsa', 'Env:NAME', 'Label:NAME', 'history[N]'. */
  path: string;
  /** The layer that added it (file: the lowest layer shipping it; history: the layer the step made, null for a metadata-only step; config: null). */
  layer: number | null;
  /** Every layer whose tar holds a copy (file findings). */
  layers: number[];
  /** The layer that deleted or overwrote the last copy, null when still visible (or config/history). */
  deletedBy: number | null;
  /** Whether the path still shows it in the final filesystem. */
  visible: boolean;
  /** Always true: the bytes are in the archive (a layer tar or the config blob). */
  shipped: true;
  /** "deleted in layer 3, still downloadable from layer 1", or null. */
  headline: string | null;
  /** Short prefix + length, e.g. `ghp_…(40 chars)`. */
  redacted: string;
  value: string;
  line: number | null;
}

export type WasteCause = 'deleted' | 'overwritten' | 'metadata-copy' | 'opaque' | 'replaced';

export interface WasteItem {
  /** '/'-rooted path. */
  path: string;
  /** Bytes that ship but are not visible. */
  bytes: number;
  /** Layer that created (this version of) the file. */
  createdBy: number;
  /** Layer that overwrote, deleted or otherwise hid it. */
  hiddenBy: number;
  cause: WasteCause;
  /** The fix, in Dockerfile terms. */
  advice: string;
  /** A key grouping items with the same cause and fix (for the advice list). */
  group: string;
}

export interface WasteGroup {
  group: string;
  advice: string;
  createdBy: number;
  hiddenBy: number;
  cause: WasteCause;
  /** Common directory of the items ('/'-rooted). */
  dir: string;
  files: number;
  bytes: number;
}

export interface AuditReport {
  packages: AuditPackage[];
  perLayer: LayerPackageSummary[];
  secrets: SecretFinding[];
  waste: WasteItem[];
  wasteGroups: WasteGroup[];
  /** Owner of each '/'-rooted file path: package key. Only files some database lists. */
  fileOwners: Map<string, string>;
  notScanned: NotScanned[];
  warnings: AuditWarning[];
  /** Databases and metadata files that were read, '/'-rooted, with their layer. */
  databases: { path: string; layer: number; ecosystem: Ecosystem | 'dpkg-list' | 'python-files'; packages: number }[];
  stats: { candidates: number; filesRead: number; bytesRead: number; secretCandidates: number };
}
