/**
 * Small image archives written by the tests themselves (no fixture needed): a
 * legacy `docker save` layout (manifest.json, a config with rootfs.diff_ids —
 * the sha256 of each uncompressed layer, image-spec config.md — and
 * `<n>/layer.tar`), written with the engine's tar writer.
 */
import { createHash } from 'node:crypto';
import { writeTar, type TarWriteEntry } from '../../src/core/write/tarWriter';

const te = new TextEncoder();

export const tfile = (path: string, data: string | Uint8Array = '', extra: Partial<TarWriteEntry> = {}): TarWriteEntry => ({
  path,
  kind: 'file',
  data: typeof data === 'string' ? te.encode(data) : data,
  mode: 0o644,
  uid: 0,
  gid: 0,
  mtime: 0,
  ...extra,
});
export const tdir = (path: string, extra: Partial<TarWriteEntry> = {}): TarWriteEntry => ({
  path,
  kind: 'dir',
  mode: 0o755,
  uid: 0,
  gid: 0,
  mtime: 0,
  ...extra,
});
export const tlink = (kind: 'symlink' | 'hardlink', path: string, linkname: string): TarWriteEntry => ({
  path,
  kind,
  linkname,
  mode: 0o777,
  uid: 0,
  gid: 0,
  mtime: 0,
});

export const sha256hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

export interface DockerArchiveOptions {
  /** Tags of the one image (RepoTags). */
  tags?: string[];
  /** Config fields merged over the default (architecture, os, rootfs, history). */
  config?: Record<string, unknown>;
  /** history[].created_by of each layer (default "step N"). */
  createdBy?: (string | null)[];
  /** Layer member names (default `l<i>/layer.tar`). */
  layerNames?: string[];
  /** diff_ids (default the sha256 of each layer). */
  diffIds?: string[];
  /** The manifest.json value, replacing the default one-image manifest. */
  manifest?: unknown;
  /** More members of the outer tar. */
  extra?: TarWriteEntry[];
}

/** A legacy `docker save` of the given layer tars (bottom first). */
export function dockerArchive(layers: Uint8Array[], o: DockerArchiveOptions = {}): Uint8Array {
  const diffIds = o.diffIds ?? layers.map((l) => `sha256:${sha256hex(l)}`);
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: layers.map((_, i) => ({ created_by: o.createdBy?.[i] ?? `step ${i}` })),
    ...o.config,
  });
  const names = o.layerNames ?? layers.map((_, i) => `l${i}/layer.tar`);
  const manifest = JSON.stringify(o.manifest ?? [{ Config: 'config.json', RepoTags: o.tags ?? ['test:latest'], Layers: names }]);
  const seen = new Set<string>();
  const layerEntries: TarWriteEntry[] = [];
  layers.forEach((l, i) => {
    if (seen.has(names[i]!)) return;
    seen.add(names[i]!);
    layerEntries.push(tfile(names[i]!, l));
  });
  return writeTar([tfile('manifest.json', manifest), tfile('config.json', config), ...layerEntries, ...(o.extra ?? [])]);
}
