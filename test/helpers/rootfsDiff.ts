/**
 * Ground truth for the comparison tests, independent of the code under test:
 * skopeo converts an archive to an OCI layout and umoci applies its layers onto
 * disk (whiteouts, opaque directories, hardlinks — their implementation, not
 * ours), then the two root filesystems are walked with lstat and every regular
 * file hashed with node:crypto, and diffed path by path with the rules the issue
 * states: only in B → added; only in A → removed; type, size, bytes, symlink
 * target or device numbers differ → changed; else mode, uid or gid → metadata.
 * Needs root, skopeo and umoci (apt-get install -y skopeo umoci).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const ENV = { ...process.env, LC_ALL: 'C.UTF-8', TZ: 'UTC' };
export const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
export const CAN_UNPACK = have('skopeo') && have('umoci') && typeof process.getuid === 'function' && process.getuid() === 0;

function run(cmd: string, args: string[]): Buffer {
  const r = spawnSync(cmd, args, { env: ENV, maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr?.toString()}`);
  return r.stdout;
}

export interface FsEntry {
  type: 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'other';
  size: number;
  mode: number;
  uid: number;
  gid: number;
  link: string;
  rdev: number;
  sha256: string;
}

/**
 * The merged root filesystem of an archive (`transport` docker-archive or
 * oci-archive; `source` e.g. '@1' or a tag), as path → entry. Unpacked under
 * `work`, which the caller removes.
 */
export function unpackedRootfs(
  archive: string,
  work: string,
  transport: 'docker-archive' | 'oci-archive' = 'docker-archive',
  source = '',
): Map<string, FsEntry> {
  const w = mkdtempSync(join(work, 'unpack-'));
  try {
    run('skopeo', ['copy', '-q', '--dest-decompress', `${transport}:${archive}${source ? `:${source}` : ''}`, `dir:${w}/dir`]);
    run('skopeo', ['copy', '-q', `dir:${w}/dir`, `oci:${w}/oci:img`]);
    run('umoci', ['unpack', '--image', `${w}/oci:img`, `${w}/b`]);
    return walk(join(w, 'b', 'rootfs'));
  } finally {
    rmSync(w, { recursive: true, force: true });
  }
}

function walk(root: string): Map<string, FsEntry> {
  const out = new Map<string, FsEntry>();
  const visit = (dir: string, rel: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      const p = `${rel}/${name}`;
      const st = lstatSync(full);
      const type: FsEntry['type'] = st.isFile()
        ? 'file'
        : st.isDirectory()
          ? 'dir'
          : st.isSymbolicLink()
            ? 'symlink'
            : st.isCharacterDevice()
              ? 'char'
              : st.isBlockDevice()
                ? 'block'
                : st.isFIFO()
                  ? 'fifo'
                  : 'other';
      out.set(p, {
        type,
        size: type === 'file' ? st.size : 0,
        mode: st.mode & 0o7777,
        uid: st.uid,
        gid: st.gid,
        link: type === 'symlink' ? readlinkSync(full) : '',
        rdev: type === 'char' || type === 'block' ? st.rdev : 0,
        sha256: type === 'file' ? `sha256:${createHash('sha256').update(readFileSync(full)).digest('hex')}` : '',
      });
      if (type === 'dir') visit(full, p);
    }
  };
  visit(root, '');
  return out;
}

export type OracleChange = 'added' | 'removed' | 'changed' | 'metadata';

/** path → change for every differing path, the issue's rules over two walked trees. */
export function diffRootfs(a: Map<string, FsEntry>, b: Map<string, FsEntry>): Map<string, OracleChange> {
  const out = new Map<string, OracleChange>();
  for (const [p, x] of a) {
    const y = b.get(p);
    if (!y) {
      out.set(p, 'removed');
      continue;
    }
    const changed = x.type !== y.type || x.size !== y.size || x.sha256 !== y.sha256 || x.link !== y.link || x.rdev !== y.rdev;
    if (changed) out.set(p, 'changed');
    else if (x.mode !== y.mode || x.uid !== y.uid || x.gid !== y.gid) out.set(p, 'metadata');
  }
  for (const p of b.keys()) if (!a.has(p)) out.set(p, 'added');
  return out;
}

/**
 * The reference listing of an archive, in the form of test/fixtures/expected (what
 * /work/shared/tools/oracle-listing.sh prints, without reading it): the rootfs
 * skopeo + umoci unpack, one line per path but the root, sorted bytewise,
 * `path type size mode uid gid link` (mode: 4 octal digits).
 */
export function oracleListing(archive: string, work: string, transport: 'docker-archive' | 'oci-archive' = 'docker-archive'): string[] {
  const fs = unpackedRootfs(archive, work, transport);
  return [...fs]
    .map(([p, e]) => [p, `${p}\t${e.type}\t${e.size}\t${e.mode.toString(8).padStart(4, '0')}\t${e.uid}\t${e.gid}\t${e.link}`] as const)
    .sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map(([, l]) => l);
}
