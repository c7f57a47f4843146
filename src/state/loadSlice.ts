/**
 * Loading an archive: file, progress per layer, cancel, errors, and the
 * LoadedImage the rest of the page reads. Results are replaced whole (new
 * objects), never mutated, so components re-render by reference equality.
 */
import type { StateCreator } from 'zustand';
import type { AppState } from './store';
import type { ArchiveInfo, ImageInfo, LayerIndex } from '../core/types';
import type { LayerState, LoadedImage, Progress } from '../core/session';
import type { OuterArchive } from '../core/read/archive';

export type LoadStatus = 'empty' | 'loading' | 'ready' | 'error';

export interface LayerLoad {
  state: LayerState;
  bytesRead: number;
  bytesTotal: number;
  error: string | null;
}

export interface LoadSlice {
  status: LoadStatus;
  file: File | Blob | null;
  fileName: string | null;
  /** A plain-words message for role="alert" (what was recognized and what went wrong). */
  error: string | null;
  archive: ArchiveInfo | null;
  image: ImageInfo | null;
  layerLoads: LayerLoad[];
  /** Layer indexes known so far (filled as layers finish), for the partial view while loading. */
  partialLayers: (LayerIndex | null)[];
  /** Outer archive progress (index read / .tar.gz decompression). */
  archiveProgress: Progress | null;
  startedAt: number;
  finishedAt: number;
  loaded: LoadedImage | null;
  /** The archive as opened (its index and entry map), kept to switch image or platform without re-reading it, and to read file contents. */
  opened: { info: ArchiveInfo; outer: OuterArchive } | null;
  /** True after every layer is indexed while the engine still hashes uncompressed layers (a pass it reports no progress for). */
  verifying: boolean;

  setLoadState(patch: Partial<Omit<LoadSlice, 'setLoadState'>>): void;
}

export const createLoadSlice: StateCreator<AppState, [], [], LoadSlice> = (set) => ({
  status: 'empty',
  file: null,
  fileName: null,
  error: null,
  archive: null,
  image: null,
  layerLoads: [],
  partialLayers: [],
  archiveProgress: null,
  startedAt: 0,
  finishedAt: 0,
  loaded: null,
  opened: null,
  verifying: false,
  setLoadState: (patch) => set(patch),
});
