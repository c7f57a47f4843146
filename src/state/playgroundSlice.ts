/**
 * The container playground in the store: a container started from the loaded
 * image (a read-write layer on top, src/core/teach/playground.ts), the layers
 * committed from it, and the log of what each operation did.
 *
 * The rest of the page is not told about the playground: whenever it changes,
 * the image with the extra layers on top (core/teach/playgroundImage.composeImage)
 * is published as `loaded` (and `image`, `opened.outer`, the layer list), so
 * the stack diagram, tree, details, statistics and content reads show the
 * container's layer like any other. The image as the loader loaded it is kept
 * in `pg.original`; a new load (a `loaded` we did not publish) resets the
 * playground.
 */
import type { StateCreator } from 'zustand';
import type { AppState } from './store';
import type { LoadedImage } from '../core/session';
import { mergedAt } from '../core/model/union';
import {
  buildLayer,
  lowerContent,
  makeDir,
  removePath,
  resolvePath,
  startContainer,
  writeFile,
  normalizeUserPath,
  type BuiltLayer,
  type Container,
  type OpRecord,
  type OpResult,
} from '../core/teach/playground';
import { composeImage, defaultCommitTag, exportDockerArchive, sha256Digest, type ExtraLayer } from '../core/teach/playgroundImage';
import { describeError } from '../core/errors';

export type PlaygroundEvent =
  | { id: number; at: number; type: 'start'; layer: number; base: string }
  | { id: number; at: number; type: 'op'; record: OpRecord; layer: number }
  | { id: number; at: number; type: 'commit'; layer: number; diffId: string; bytes: number; members: number; createdBy: string }
  | { id: number; at: number; type: 'stop'; discarded: number }
  | { id: number; at: number; type: 'error'; message: string };

/** An event before it gets its id and time (Omit distributed over the union). */
type EventInput = PlaygroundEvent extends infer E ? (E extends PlaygroundEvent ? Omit<E, 'id' | 'at'> : never) : never;

export interface PlaygroundState {
  /** The image as the loader loaded it (before any playground layer); null until the playground is first used on it. */
  original: LoadedImage | null;
  /** Layers committed in the page, bottom first, above the original layers. */
  commits: ExtraLayer[];
  /** The running container, or null. */
  container: Container | null;
  /** The container's read-write layer as a tar and index (rebuilt after each operation). */
  layer: BuiltLayer | null;
  /** What we last published as `loaded`, to recognize a load that replaced it. */
  published: LoadedImage | null;
  events: PlaygroundEvent[];
  /** An operation in flight (reading a lower file, hashing, writing the archive). */
  busy: string | null;
  /** Whether the playground panel is open. */
  open: boolean;
}

export interface PlaygroundSlice {
  pg: PlaygroundState;
  pgSetOpen(open: boolean): void;
  /** Start a container from the image shown (the loaded image plus any commits). */
  pgStart(): void;
  /** Stop the container and throw its read-write layer away (`docker rm`). */
  pgStop(): void;
  /** Write a text file (create, or edit: copy-up first when it comes from the image). */
  pgWrite(path: string, text: string): OpRecord | null;
  pgMkdir(path: string): OpRecord | null;
  pgRemove(path: string): OpRecord | null;
  /** Turn the read-write layer into a new read-only image layer (`docker commit`). */
  pgCommit(message: string): Promise<void>;
  /** A `docker save` archive of the image plus the committed layers. */
  pgExport(repoTag: string): Promise<Blob | null>;
  /** The current text of a file in the container (read-write copy, or the image's bytes). */
  pgReadText(path: string): Promise<{ text: string; binary: boolean; size: number; truncated: boolean }>;
}

/** Files larger than this are not opened in the editor: a textarea with megabytes of text is unusable, and this is a teaching tool. */
export const MAX_EDIT_BYTES = 256 * 1024;
/** Events kept in the log: enough for a session, bounded so a script of thousands of operations cannot grow it forever. */
export const MAX_EVENTS = 200;

/** What the container's layer is called in the diagram (its "created_by"). */
export const CONTAINER_LAYER_LABEL = 'container layer (read-write) — docker run';

const EMPTY: PlaygroundState = { original: null, commits: [], container: null, layer: null, published: null, events: [], busy: null, open: false };

let nextEventId = 1;
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Lazily injected so that the slice does not import the loader (and its worker pool) at store creation. */
type ReadEntry = (layer: number, entry: number, maxBytes?: number) => Promise<Uint8Array>;
let readEntryImpl: ReadEntry | null = null;
async function readEntry(layer: number, entry: number, maxBytes?: number): Promise<Uint8Array> {
  if (!readEntryImpl) readEntryImpl = (await import('./loader')).readEntry;
  return readEntryImpl(layer, entry, maxBytes);
}

export const createPlaygroundSlice: StateCreator<AppState, [], [], PlaygroundSlice> = (set, get, api) => {
  // A load the playground did not publish (a new file, another image or platform,
  // a cancel restoring an older page) ends the playground for the old image.
  // While a load runs `loaded` is null: wait for its outcome (Cancel restores what we published).
  api.subscribe((s, prev) => {
    if (!s.pg?.original) return;
    const failed = s.status === 'error' && prev.status !== 'error';
    const replaced = s.loaded !== prev.loaded && s.loaded !== null && s.loaded !== s.pg.published && s.loaded !== s.pg.original;
    if (failed || replaced) set({ pg: { ...EMPTY, open: s.pg.open } });
  });

  const log = (pg: PlaygroundState, e: EventInput): PlaygroundEvent[] =>
    [...pg.events, { ...e, id: nextEventId++, at: Date.now() } as PlaygroundEvent].slice(-MAX_EVENTS);

  /** Publish `original + commits (+ container layer)` as the image the page shows. */
  const publish = (pg: PlaygroundState, selectTop: boolean): PlaygroundState => {
    const original = pg.original!;
    const extras: ExtraLayer[] = [...pg.commits];
    if (pg.container && pg.layer) {
      extras.push({
        kind: 'container',
        tar: pg.layer.tar,
        index: pg.layer.index,
        createdBy: CONTAINER_LAYER_LABEL,
        created: new Date().toISOString(),
        diffId: null,
      });
    }
    const composed = composeImage(original, extras);
    const s = get();
    const next = { ...pg, published: composed };
    const top = composed.layers.length - 1;
    const loads = composed.layers.map(
      (l, i) => s.layerLoads[i] ?? { state: 'indexed' as const, bytesRead: l?.storedSize ?? 0, bytesTotal: l?.storedSize ?? 0, error: null },
    );
    set({
      pg: next,
      loaded: composed,
      image: composed.image,
      archive: composed.info,
      opened: s.opened ? { info: s.opened.info, outer: composed.outer } : { info: composed.info, outer: composed.outer },
      partialLayers: composed.layers,
      layerLoads: loads.slice(0, composed.layers.length),
      ...(selectTop || s.selectedLayer > top ? { selectedLayer: top } : {}),
    });
    return next;
  };

  const apply = (op: (c: Container) => OpResult): OpRecord | null => {
    const pg = get().pg;
    if (!pg.container) return null;
    try {
      const r = op(pg.container);
      const layer = buildLayer(r.container.entries);
      const idx = pg.original!.layers.length + pg.commits.length;
      publish({ ...pg, container: r.container, layer, events: log(pg, { type: 'op', record: r.record, layer: idx }) }, false);
      return r.record;
    } catch (e) {
      set({ pg: { ...pg, events: log(pg, { type: 'error', message: describeError(e) }) } });
      throw e;
    }
  };

  return {
    pg: EMPTY,
    pgSetOpen: (open) => set((s) => ({ pg: { ...s.pg, open } })),

    pgStart: () => {
      const s = get();
      if (s.status !== 'ready' || !s.loaded || s.pg.container) return;
      const original = s.pg.original && s.loaded === s.pg.published ? s.pg.original : s.loaded;
      const commits = s.pg.original === original ? s.pg.commits : [];
      const below = composeImage(original, commits);
      const top = below.layers.length - 1;
      const container = startContainer({ union: below.union, layers: below.layers, view: mergedAt(below.union, below.layers, top) });
      const pg: PlaygroundState = { ...s.pg, original, commits, container, layer: buildLayer(container.entries), open: true };
      const base = below.image.tags[0] ?? 'the image';
      publish({ ...pg, events: log(pg, { type: 'start', layer: top + 1, base }) }, true);
    },

    pgStop: () => {
      const pg = get().pg;
      if (!pg.container || !pg.original) return;
      const discarded = pg.layer?.index.count ?? 0;
      publish({ ...pg, container: null, layer: null, events: log(pg, { type: 'stop', discarded }) }, true);
    },

    pgWrite: (path, text) => apply((c) => writeFile(c, path, new TextEncoder().encode(text), nowSeconds())),
    pgMkdir: (path) => apply((c) => makeDir(c, path, nowSeconds())),
    pgRemove: (path) => apply((c) => removePath(c, path, nowSeconds())),

    pgCommit: async (message) => {
      const pg = get().pg;
      if (!pg.container || !pg.layer || pg.busy) return;
      set({ pg: { ...pg, busy: 'Committing…' } });
      try {
        const { tar, index } = pg.layer;
        const diffId = await sha256Digest(tar);
        const msg = message.trim();
        const createdBy = msg ? `docker commit -m ${JSON.stringify(msg)}` : 'docker commit';
        const commit: ExtraLayer = { kind: 'commit', tar, index, createdBy, created: new Date().toISOString(), comment: msg || undefined, diffId };
        const cur = get().pg;
        const layerIdx = cur.original!.layers.length + cur.commits.length;
        const next: PlaygroundState = {
          ...cur,
          commits: [...cur.commits, commit],
          container: null,
          layer: null,
          busy: null,
          events: log(cur, { type: 'commit', layer: layerIdx, diffId, bytes: tar.length, members: index.count, createdBy }),
        };
        publish(next, true);
      } catch (e) {
        const cur = get().pg;
        set({ pg: { ...cur, busy: null, events: log(cur, { type: 'error', message: describeError(e) }) } });
      }
    },

    pgExport: async (repoTag) => {
      const pg = get().pg;
      if (!pg.original || pg.busy) return null;
      set({ pg: { ...pg, busy: 'Writing the archive…' } });
      try {
        const bytes = await exportDockerArchive(pg.original, pg.commits, { repoTag: repoTag.trim() || defaultCommitTag(pg.original.image) });
        set((s) => ({ pg: { ...s.pg, busy: null } }));
        return new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/x-tar' });
      } catch (e) {
        set((s) => ({ pg: { ...s.pg, busy: null, events: log(s.pg, { type: 'error', message: describeError(e) }) } }));
        return null;
      }
    },

    pgReadText: async (userPath) => {
      const pg = get().pg;
      if (!pg.container) throw new Error('no container is running');
      const path = normalizeUserPath(userPath);
      const r = resolvePath(pg.container, path);
      let bytes: Uint8Array;
      let size: number;
      if (r?.rw?.kind === 'file') {
        size = r.rw.data?.length ?? 0;
        bytes = (r.rw.data ?? new Uint8Array(0)).subarray(0, MAX_EDIT_BYTES);
      } else {
        const ref = lowerContent(pg.container.lower, path);
        if (!ref) return { text: '', binary: false, size: 0, truncated: false };
        size = ref.size;
        bytes = await readEntry(ref.layer, ref.entry, MAX_EDIT_BYTES);
      }
      return { ...decodeText(bytes), size, truncated: size > bytes.length };
    },
  };
};

/** Text for the editor: UTF-8 when it decodes, else flagged binary (NUL bytes or invalid UTF-8). */
function decodeText(bytes: Uint8Array): { text: string; binary: boolean } {
  if (bytes.includes(0)) return { text: new TextDecoder().decode(bytes), binary: true };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), binary: false };
  } catch {
    return { text: new TextDecoder().decode(bytes), binary: true };
  }
}

export { defaultCommitTag };
