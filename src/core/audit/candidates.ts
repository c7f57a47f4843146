/**
 * Which file versions of a layer the audit reads, chosen from the layer's index
 * alone (name, type, size) so that nothing else of the layer is decoded for it.
 *
 * - Package databases at their documented places: dpkg `var/lib/dpkg/status`,
 *   distroless `status.d/*`, the `info/*.list` file lists; apk
 *   `lib/apk/db/installed`; rpm `rpmdb.sqlite` (rpm ≥ 4.16), Berkeley DB
 *   `Packages` and SUSE's `Packages.db`, in `var/lib/rpm` or
 *   `usr/lib/sysimage/rpm`; Python `*.dist-info/METADATA` + `RECORD`
 *   (PEP 376/566), `*.egg-info/PKG-INFO` (and a bare `*.egg-info` file) +
 *   `installed-files.txt`, under a site-/dist-packages directory; npm
 *   `node_modules/[@scope/]name/package.json`.
 * - Go binaries: executables of at least MIN_GO_BINARY_BYTES, read at their head
 *   only (the ELF headers say whether it is Go and where its build info is).
 * - Secret candidates: files named like credentials anywhere (`id_rsa`,
 *   `.git-credentials`, `.netrc`, `.npmrc`, `.env`, `*.pem`, kubeconfig, …) and
 *   text/config files outside the trees a distribution's packages own
 *   (`usr/` but `usr/local`, `lib/`, `var/lib/dpkg`, …), node_modules and
 *   site-packages (third-party code, not the image's own credentials), each
 *   at most MAX_SECRET_FILE_BYTES.
 *
 * Every version counts: a layer's index holds the versions that layer ships,
 * including the ones a later layer deletes or hides, and the audit is run over
 * every layer's index.
 */
import { EntryKind, type LayerIndex } from '../types';
import { Role, type Candidate } from './types';

/** Secret candidates are read whole up to this size (the issue's bound: larger files are data, not credentials). */
export const MAX_SECRET_FILE_BYTES = 1024 * 1024;
/**
 * Package databases are read whole up to this size. A full Fedora rpmdb.sqlite is
 * ~60 MB and a large dpkg status ~5 MB; beyond this the file is reported as not read
 * rather than held in memory (a hostile image could name a 10 GB file `status`).
 */
export const MAX_PACKAGE_DB_BYTES = 256 * 1024 * 1024;
/** Bytes of an executable read to decide whether it is a Go binary: the ELF header and program headers (and, in Go binaries, the build-id note) sit in the first page. */
export const GO_HEAD_BYTES = 4096;
/** Smallest executable looked at for Go build info: a Go "hello world" is ~1.5 MB, and the many small C binaries of a distribution are skipped. */
export const MIN_GO_BINARY_BYTES = 1024 * 1024;

const DPKG_STATUS = 'var/lib/dpkg/status';
const DPKG_STATUS_D = 'var/lib/dpkg/status.d/';
const DPKG_INFO = 'var/lib/dpkg/info/';
const APK_INSTALLED = new Set(['lib/apk/db/installed', 'usr/lib/apk/db/installed']);
const RPM_DIRS = ['var/lib/rpm/', 'usr/lib/sysimage/rpm/'];

/** Names that are credentials wherever they are (basename, lower-cased). */
const SECRET_NAMES = new Set([
  'id_rsa',
  'id_dsa',
  'id_ecdsa',
  'id_ed25519',
  'id_ecdsa_sk',
  'id_ed25519_sk',
  '.git-credentials',
  '.netrc',
  '_netrc',
  '.npmrc',
  '.pypirc',
  '.pgpass',
  '.my.cnf',
  '.htpasswd',
  '.s3cfg',
  '.boto',
  '.dockercfg',
  '.env',
  '.envrc',
  '.vault-token',
  '.terraformrc',
  'terraform.tfvars',
  'terraform.tfstate',
  'kubeconfig',
  '.yarnrc',
  '.yarnrc.yml',
  'credentials',
  'credentials.json',
  'credentials.toml',
  'credentials.yml',
  'credentials.yaml',
  'auth.json',
  'secrets.json',
  'secrets.yml',
  'secrets.yaml',
  'secrets.toml',
  'secrets.env',
  'service-account.json',
  'wp-config.php',
  'application.properties',
  'application.yml',
  'application.yaml',
]);
/** Extensions that are key or credential containers. */
const SECRET_EXTS = new Set(['pem', 'key', 'ppk', 'p8', 'tfvars', 'tfstate', 'kubeconfig', 'env']);
/** Directories whose every file is a credential candidate (basename of the parent, lower-cased). */
const SECRET_DIRS = new Set(['.ssh', '.aws', '.docker', '.kube', '.gnupg', 'gcloud', '.azure', 'gh', 'hub']);
/** Files in a SECRET_DIR that are known to hold no secret. */
const NOT_SECRET_NAMES = new Set(['known_hosts', 'authorized_keys', 'pubring.kbx', 'trustdb.gpg']);

/** Text and configuration file extensions scanned outside the distribution's trees. */
const TEXT_EXTS = new Set([
  'json',
  'yml',
  'yaml',
  'toml',
  'ini',
  'cfg',
  'conf',
  'cnf',
  'properties',
  'xml',
  'env',
  'sh',
  'bash',
  'zsh',
  'py',
  'js',
  'mjs',
  'cjs',
  'ts',
  'rb',
  'php',
  'go',
  'java',
  'kt',
  'cs',
  'tf',
  'hcl',
  'sql',
  'gradle',
  'txt',
  'md',
  'config',
  'cred',
  'creds',
  'secret',
  'token',
]);

/**
 * Trees a distribution's packages own (their files are the distribution's, not
 * the image author's credentials), caches and logs. `usr/local/` and `usr/src/`
 * are the image author's, so they are scanned (Node images put apps in usr/src/app).
 */
const SYSTEM_PREFIXES = [
  'usr/bin/',
  'usr/sbin/',
  'usr/lib/',
  'usr/lib32/',
  'usr/lib64/',
  'usr/libx32/',
  'usr/libexec/',
  'usr/include/',
  'usr/share/',
  'usr/src/linux-',
  'usr/local/lib/python',
  'bin/',
  'sbin/',
  'lib/',
  'lib32/',
  'lib64/',
  'libx32/',
  'boot/',
  'proc/',
  'sys/',
  'dev/',
  'run/',
  'var/lib/dpkg/',
  'var/lib/apt/',
  'var/lib/rpm/',
  'var/lib/yum/',
  'var/lib/dnf/',
  'var/lib/apk/',
  'var/cache/',
  'var/log/',
  'etc/ssl/certs/',
  'etc/ca-certificates/',
  'etc/pki/',
];
/** Path segments below which files are third-party code or generated. */
const SKIP_SEGMENTS = new Set(['node_modules', 'site-packages', 'dist-packages', '__pycache__', '.git', '.cache', '.npm', '.m2', '.gradle', '.cargo']);
/** Files inside a skipped segment that are still credentials. */
const KEEP_IN_SKIPPED = new Set(['config', '.npmrc', 'credentials', 'credentials.toml']);

function baseName(p: string): string {
  const s = p.lastIndexOf('/');
  return s < 0 ? p : p.slice(s + 1);
}
function dirBase(p: string): string {
  const s = p.lastIndexOf('/');
  if (s < 0) return '';
  const t = p.lastIndexOf('/', s - 1);
  return p.slice(t + 1, s);
}
function extOf(base: string): string {
  const d = base.lastIndexOf('.');
  return d <= 0 ? '' : base.slice(d + 1).toLowerCase();
}

/** Whether the path is under a site-/dist-packages directory (Python's installation schemes). */
function pythonMetadataRole(p: string, base: string): number {
  if (!p.includes('-packages/')) return 0;
  const parent = dirBase(p);
  if (parent.endsWith('.dist-info')) {
    if (base === 'METADATA') return Role.PythonMetadata;
    if (base === 'RECORD') return Role.PythonRecord;
    return 0;
  }
  if (parent.endsWith('.egg-info')) {
    if (base === 'PKG-INFO') return Role.PythonMetadata;
    if (base === 'installed-files.txt') return Role.PythonInstalledFiles;
    return 0;
  }
  // distutils wrote a single file `<name>-<version>.egg-info` with PKG-INFO's content (Debian still ships some).
  if (base.endsWith('.egg-info') && /-packages\/[^/]+$/.test(p)) return Role.PythonMetadata;
  return 0;
}

/** `…/node_modules/name/package.json` or `…/node_modules/@scope/name/package.json`. */
function isNpmPackageJson(p: string): boolean {
  if (!p.endsWith('/package.json')) return false;
  const i = p.lastIndexOf('node_modules/');
  if (i < 0 || (i > 0 && p[i - 1] !== '/')) return false;
  const rest = p.slice(i + 'node_modules/'.length, p.length - '/package.json'.length);
  const parts = rest.split('/');
  if (parts.length === 1) return parts[0] !== '' && !parts[0]!.startsWith('.') && !parts[0]!.startsWith('@');
  return parts.length === 2 && parts[0]!.startsWith('@') && parts[1] !== '' && !parts[1]!.startsWith('.');
}

function isSystemPath(p: string): boolean {
  for (const pre of SYSTEM_PREFIXES) if (p.startsWith(pre)) return true;
  return false;
}

/** Whether a directory of the path is one of SKIP_SEGMENTS (no split: this runs once per entry of every layer). */
function inSkippedSegment(p: string): boolean {
  const end = p.lastIndexOf('/');
  let start = 0;
  while (start < end) {
    let slash = p.indexOf('/', start);
    if (slash < 0 || slash > end) slash = end;
    // A segment's first character says whether it can be one (all of them start with '.', '_', 'n', 's' or 'd').
    const c = p.charCodeAt(start);
    if ((c === 46 || c === 95 || c === 110 || c === 115 || c === 100) && SKIP_SEGMENTS.has(p.slice(start, slash))) return true;
    start = slash + 1;
  }
  return false;
}

/** Secret role of a regular file: 0 = not a candidate, 1 = weak (by type), 2 = strong (by name). */
export function secretStrength(p: string): 0 | 1 | 2 {
  const base = baseName(p);
  const lower = base.toLowerCase();
  const ext = extOf(lower);
  const parent = dirBase(p).toLowerCase();
  if (inSkippedSegment(p)) {
    // `.git/config` can hold `https://user:token@host` remotes; a package's own files cannot be the image's credentials.
    if (p.endsWith('.git/config') || (KEEP_IN_SKIPPED.has(lower) && (parent === '.npm' || parent === '.cargo' || parent === '.git'))) return 2;
    return 0;
  }
  if (NOT_SECRET_NAMES.has(lower) || lower.endsWith('.pub')) return 0;
  if (SECRET_NAMES.has(lower) || SECRET_DIRS.has(parent) || SECRET_EXTS.has(ext)) return 2;
  if (lower.startsWith('.env.') || lower.startsWith('id_rsa') || lower.includes('credentials') || lower.startsWith('service-account')) return 2;
  if (parent === 'secrets' || lower.startsWith('secret')) return 2;
  if (isSystemPath(p)) return 0;
  if (TEXT_EXTS.has(ext)) return 1;
  // No extension, or a dotfile: configuration in home and application directories.
  if (ext === '' || lower.startsWith('.')) return 1;
  return 0;
}

/**
 * Candidates of entries [from, to) of one layer (a range, so the page can choose
 * a million-entry layer's candidates in slices between frames).
 */
export function selectCandidates(idx: LayerIndex, from = 0, to = idx.count): Candidate[] {
  const out: Candidate[] = [];
  const end = Math.min(to, idx.count);
  for (let i = from; i < end; i++) {
    if (idx.kinds[i] !== EntryKind.File) continue;
    const p = idx.paths[i]!;
    const size = idx.sizes[i]!;
    const base = baseName(p);
    let roles = 0;
    if (p === DPKG_STATUS) roles |= Role.DpkgStatus;
    else if (p.startsWith(DPKG_STATUS_D)) {
      if (p.indexOf('/', DPKG_STATUS_D.length) < 0 && !base.endsWith('.md5sums')) roles |= Role.DpkgStatusD;
    } else if (p.startsWith(DPKG_INFO)) {
      if (base.endsWith('.list') && p.indexOf('/', DPKG_INFO.length) < 0) roles |= Role.DpkgList;
    } else if (APK_INSTALLED.has(p)) roles |= Role.ApkInstalled;
    else if (base === 'rpmdb.sqlite' || base === 'Packages' || base === 'Packages.db') {
      for (const d of RPM_DIRS) {
        if (p === d + base) roles |= base === 'rpmdb.sqlite' ? Role.RpmSqlite : base === 'Packages' ? Role.RpmBdb : Role.RpmNdb;
      }
    }
    if (base === 'package.json' && isNpmPackageJson(p)) roles |= Role.NpmPackage;
    roles |= pythonMetadataRole(p, base);

    const strength = secretStrength(p);
    const exec = (idx.modes[i]! & 0o111) !== 0;
    // A large executable is a program, not a text file: looked at for Go build info instead of read whole.
    if (exec && size >= MIN_GO_BINARY_BYTES && roles === 0 && strength < 2) roles |= Role.GoBinary;
    else if (strength > 0 && (size <= MAX_SECRET_FILE_BYTES || strength === 2)) roles |= Role.Secret;
    if (roles === 0) continue;

    let readBytes: number;
    if (roles & ~(Role.Secret | Role.GoBinary)) readBytes = Math.min(size, MAX_PACKAGE_DB_BYTES);
    // A credential-named file over the limit is reported as not scanned without reading it.
    else if (roles & Role.Secret) readBytes = size <= MAX_SECRET_FILE_BYTES ? size : 0;
    else readBytes = Math.min(size, GO_HEAD_BYTES);
    out.push({ entry: i, path: p, roles, dataOffset: idx.dataOffsets[i]!, size, readBytes, strong: strength === 2 });
  }
  return out;
}
