/**
 * Test helper (audit tests only): build a real `docker save` archive from a
 * short description of its layers, with the engine's own writers (tarWriter,
 * dockerArchive), and open it with the engine — so the audit is tested on the
 * same bytes a user would drop, not on hand-made indexes.
 */
import { gzipSync } from 'node:zlib';
import { writeDockerArchive, type DockerArchiveHistory } from '../../src/core/write/dockerArchive';
import { writeTar, type TarWriteEntry } from '../../src/core/write/tarWriter';
import { openImage, type LoadedImage } from '../../src/core/session';

export interface FileSpec {
  path: string;
  data?: string | Uint8Array;
  kind?: 'file' | 'dir' | 'symlink' | 'hardlink';
  mode?: number;
  uid?: number;
  link?: string;
}

export interface LayerSpec {
  files: FileSpec[];
  createdBy: string;
  gzip?: boolean;
}

const enc = new TextEncoder();

export function layerTar(files: FileSpec[]): Uint8Array {
  const entries: TarWriteEntry[] = files.map((f) => ({
    path: f.path,
    kind: f.kind ?? 'file',
    data: f.kind && f.kind !== 'file' ? undefined : typeof f.data === 'string' ? enc.encode(f.data) : (f.data ?? new Uint8Array(0)),
    mode: f.mode ?? (f.kind === 'dir' ? 0o755 : 0o644),
    uid: f.uid ?? 0,
    gid: 0,
    mtime: 1_700_000_000,
    linkname: f.link,
  }));
  return writeTar(entries);
}

export async function buildImage(opts: {
  layers: LayerSpec[];
  config?: Record<string, unknown>;
  /** Metadata-only steps, inserted after the layer-making step with that index (-1: before all). */
  emptySteps?: { after: number; createdBy: string }[];
}): Promise<Uint8Array> {
  const history: DockerArchiveHistory[] = [];
  for (const s of opts.emptySteps ?? []) if (s.after === -1) history.push({ created_by: s.createdBy, empty_layer: true });
  opts.layers.forEach((l, i) => {
    history.push({ created_by: l.createdBy });
    for (const s of opts.emptySteps ?? []) if (s.after === i) history.push({ created_by: s.createdBy, empty_layer: true });
  });
  return writeDockerArchive({
    layers: opts.layers.map((l) => {
      const tar = layerTar(l.files);
      return { tar: l.gzip ? new Uint8Array(gzipSync(tar)) : tar };
    }),
    config: { architecture: 'amd64', os: 'linux', config: {}, ...(opts.config ?? {}) },
    history,
    repoTag: 'layerscope/audit-test:1',
  });
}

export async function openBuilt(bytes: Uint8Array): Promise<LoadedImage> {
  return openImage(new Blob([bytes as Uint8Array<ArrayBuffer>]));
}

/** A dpkg status stanza (Debian Policy §5.6 fields dpkg writes). */
export function dpkgStanza(name: string, version: string, o: { arch?: string; size?: number; status?: string; extra?: string } = {}): string {
  return [
    `Package: ${name}`,
    `Status: ${o.status ?? 'install ok installed'}`,
    'Priority: optional',
    'Section: misc',
    `Installed-Size: ${o.size ?? 100}`,
    'Maintainer: Test <test@example.org>',
    `Architecture: ${o.arch ?? 'amd64'}`,
    `Version: ${version}`,
    ...(o.extra ? [o.extra] : []),
    `Description: the ${name} package`,
    ' A longer description that continues',
    ' .',
    ' over several lines.',
  ].join('\n');
}

export const dpkgStatus = (...stanzas: string[]) => `${stanzas.join('\n\n')}\n`;

/** An apk installed-database record (wiki.alpinelinux.org "Apk spec"). */
export function apkRecord(name: string, version: string, files: string[] = [], size = 4096): string {
  const lines = [
    `C:Q1${'A'.repeat(27)}=`,
    `P:${name}`,
    `V:${version}`,
    'A:x86_64',
    'S:1234',
    `I:${size}`,
    `T:the ${name} package`,
    'U:https://example.org',
    'L:MIT',
    `o:${name}`,
  ];
  let dir = '';
  for (const f of files) {
    const d = f.slice(0, f.lastIndexOf('/'));
    if (d !== dir) {
      lines.push(`F:${d}`);
      dir = d;
    }
    lines.push(`R:${f.slice(f.lastIndexOf('/') + 1)}`, `Z:Q1${'B'.repeat(27)}=`);
  }
  return lines.join('\n');
}

/** Deterministic token-like text (so no real-looking credential is committed to the repository). */
export function pseudoRandom(n: number, seed = 1, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'): string {
  let x = seed >>> 0 || 1;
  let s = '';
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    s += alphabet[(x >>> 0) % alphabet.length];
  }
  return s;
}
