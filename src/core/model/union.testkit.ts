/**
 * Test helper (used by union/listing/stats tests only): build a LayerIndex by
 * hand from a short list, e.g.
 *   layer([['etc/', 'dir'], ['etc/motd', 'file', 12], ['etc/.wh.motd', 'whiteout']])
 * Paths are written like tar names (a trailing '/' is dropped, as the tar
 * reader normalizes them). Default modes: dir 0755, file 0644, symlink 0777.
 */
import { EntryKind, type LayerIndex } from '../types';
import { emptyLayerIndex } from '../read/layerScan';
import type { UnionModel } from './union';

export type KindName = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo' | 'whiteout' | 'opaque' | 'meta';

export interface EntryOpts {
  mode?: number;
  uid?: number;
  gid?: number;
  /** Symlink target (raw) or hardlink target (normalized, no leading '/'). */
  link?: string;
}

export type EntrySpec = [path: string, kind: KindName, size?: number, opts?: EntryOpts];

const KIND: Record<KindName, EntryKind> = {
  file: EntryKind.File,
  dir: EntryKind.Dir,
  symlink: EntryKind.Symlink,
  hardlink: EntryKind.Hardlink,
  char: EntryKind.Char,
  block: EntryKind.Block,
  fifo: EntryKind.Fifo,
  whiteout: EntryKind.Whiteout,
  opaque: EntryKind.Opaque,
  meta: EntryKind.WhiteoutMeta,
};

const DEFAULT_MODE: Partial<Record<KindName, number>> = { dir: 0o755, symlink: 0o777 };

export function layer(spec: EntrySpec[]): LayerIndex {
  const idx = emptyLayerIndex(spec.map(([path]) => path.replace(/\/+$/, '')));
  spec.forEach(([, kind, size = 0, o = {}], i) => {
    idx.kinds[i] = KIND[kind];
    idx.sizes[i] = kind === 'file' ? size : 0;
    idx.modes[i] = o.mode ?? DEFAULT_MODE[kind] ?? 0o644;
    idx.uids[i] = o.uid ?? 0;
    idx.gids[i] = o.gid ?? 0;
    if (o.link !== undefined) {
      idx.linkIds[i] = idx.links.length;
      idx.links.push(o.link);
    }
  });
  return idx;
}

/**
 * A union whose evLayer column counts how often it is read: the work of finding a
 * layer's event, without timing anything.
 */
export function countingEvLayer(u: UnionModel): { u: UnionModel; reads: () => number } {
  let n = 0;
  const evLayer = new Proxy(u.evLayer, {
    get(t, k) {
      if (typeof k === 'string' && /^\d+$/.test(k)) n++;
      return t[k as unknown as number];
    },
  });
  return { u: { ...u, evLayer }, reads: () => n };
}
