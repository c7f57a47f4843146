/**
 * The container playground in the store: a container started from the loaded
 * image (a read-write layer on top, src/core/teach/playground.ts), the layers
 * committed from it, and the log of what each operation did.
 *
 * The playground is an overlay: `pg.overlay` (the commits, then the running
 * container's layer) sits on top of slot a's ready image, and the selectors
 * (selectors.ts selectShown) compose the two, so the stack diagram, tree,
 * details, statistics and content reads show the container's layer like any
 * other. It never rewrites the load; it belongs to one load (`pg.loadId`), and
 * a load that replaces it (or fails) ends it.
 */
import type { StateCreator } from 'zustand';
import type { AppState } from './store';
import type { LoadedImage } from '../core/session';
import { mergedAt } from '../core/model/union';
import {
  buildLayer,
  chmodPath,
  lowerContent,
  makeDir,
  removePath,
  renamePath,
  resolvePath,
  startContainer,
  touchPath,
  writeFile,
  normalizeUserPath,
  type BuiltLayer,
  type Container,
  type OpRecord,
  type OpResult,
} from '../core/teach/playground';
import { composeImage, defaultCommitTag, exportDockerArchive, sha256Digest, type ExtraLayer } from '../core/teach/playgroundImage';
import { describeError, LayerscopeError } from '../core/errors';
import { formatBytes } from '../core/formatBytes';

export type PlaygroundEvent =
  | { id: number; at: number; type: 'start'; layer: number; base: string }
  | { id: number; at: number; type: 'op'; record: OpRecord; layer: number }
  | { id: number; at: number; type: 'commit'; layer: number; diffId: string; bytes: number; members: number; createdBy: string }
  | { id: number; at: number; type: 'stop'; discarded: number }
  | { id: number; at: number; type: 'error'; message: string };

/** An event before it gets its id and time (Omit distributed over the union). */
type EventInput = PlaygroundEvent extends infer E ? (E extends PlaygroundEvent ? Omit<E, 'id' | 'at'> : never) : never;

export interface PlaygroundState {
  /** The load (slot a's `id`) the playground is on; null until the playground is first used. */
  loadId: number | null;
  /** Layers committed in the page, bottom first, above the original layers. */
  commits: ExtraLayer[];
  /** The running container, or null. */
  container: Container | null;
  /** The container's read-write layer as a tar and index (rebuilt after each operation). */
  layer: BuiltLayer | null;
  /** The layers shown on top of the load: the commits, then the container's layer while one runs. Replaced when they change. */
  overlay: readonly ExtraLayer[];
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
  /**
   * `chmod MODE path`, `touch path`, `mv from to`: attribute changes and renames.
   * Async because a file from the image is copied up whole first (its bytes are
   * read from its layer), as overlayfs without metacopy does. Rejects with the
   * reason (also logged) when the operation is refused.
   */
  pgChmod(path: string, mode: number): Promise<OpRecord | null>;
  pgTouch(path: string): Promise<OpRecord | null>;
  pgRename(from: string, to: string): Promise<OpRecord | null>;
  /** Turn the read-write layer into a new read-only image layer (`docker commit`). */
  pgCommit(message: string): Promise<void>;
  /** A `docker save` archive of the image plus the committed layers. */
  pgExport(repoTag: string): Promise<Blob | null>;
  /** The current text of a file in the container (read-write copy, or the image's bytes). */
  pgReadText(path: string): Promise<{ text: string; binary: boolean; size: number; truncated: boolean }>;
}

/** Files larger than this are not opened in the editor: a textarea with megabytes of text is unusable, and this is a teaching tool. */
export const MAX_EDIT_BYTES = 256 * 1024;
/**
 * Largest lower file chmod, touch or rename copies up in the page. The
 * read-write layer lives in memory and is rewritten as a tar after every
 * operation (buildLayer), so each later click would copy this much again; the
 * playground is for seeing what a copy-up costs, which a few MB already show.
 */
export const MAX_COPY_UP_BYTES = 16 * 1024 * 1024;
/** Events kept in the log: enough for a session, bounded so a script of thousands of operations cannot grow it forever. */
export const MAX_EVENTS = 200;

/** What the container's layer is called in the diagram (its "created_by"). */
export const CONTAINER_LAYER_LABEL = 'container layer (read-write) — docker run';

const EMPTY: PlaygroundState = { loadId: null, commits: [], container: null, layer: null, overlay: [], events: [], busy: null, open: false };

const nowSeconds = () => Math.floor(Date.now() / 1000);

export const createPlaygroundSlice: StateCreator<AppState, [], [], PlaygroundSlice> = (set, get, api) => {
  let nextEventId = 1;
  // A load that replaces the one the playground is on (a new file, another image or
  // platform), or fails, ends the playground. While a load runs, wait for its outcome
  // (Cancel restores the load the playground is on).
  api.subscribe((s, prev) => {
    const a = s.slots.a;
    if (s.pg.loadId === null || a === prev.slots.a || a.kind === 'loading') return;
    if (a.kind !== 'ready' || a.id !== s.pg.loadId) set({ pg: { ...EMPTY, open: s.pg.open } });
  });

  /** The load the playground is on (slot a's image as loaded), if it still shows. */
  const original = (loadId = get().pg.loadId): LoadedImage | null => {
    const s = get();
    return s.slots.a.kind === 'ready' && s.slots.a.id === loadId ? s.slots.a.loaded : null;
  };

  const log = (pg: PlaygroundState, e: EventInput): PlaygroundEvent[] =>
    [...pg.events, { ...e, id: nextEventId++, at: Date.now() } as PlaygroundEvent].slice(-MAX_EVENTS);

  /** Show `original + commits (+ container layer)`: the overlay replaced, the top layer selected if asked. */
  const publish = (pg: PlaygroundState, selectTop: boolean): PlaygroundState => {
    const base = original(pg.loadId);
    if (!base) return pg;
    const overlay: ExtraLayer[] = [...pg.commits];
    if (pg.container && pg.layer) {
      overlay.push({
        kind: 'container',
        tar: pg.layer.tar,
        index: pg.layer.index,
        createdBy: CONTAINER_LAYER_LABEL,
        created: new Date().toISOString(),
        diffId: null,
      });
    }
    const next = { ...pg, overlay };
    const top = base.layers.length + overlay.length - 1;
    set({ pg: next, ...(selectTop || get().selectedLayer > top ? { selectedLayer: top } : {}) });
    return next;
  };

  const apply = (op: (c: Container) => OpResult): OpRecord | null => {
    const pg = get().pg;
    if (!pg.container) return null;
    try {
      const r = op(pg.container);
      const layer = buildLayer(r.container.entries);
      const idx = (original()?.layers.length ?? 0) + pg.commits.length;
      publish({ ...pg, container: r.container, layer, events: log(pg, { type: 'op', record: r.record, layer: idx }) }, false);
      return r.record;
    } catch (e) {
      set({ pg: { ...pg, events: log(pg, { type: 'error', message: describeError(e) }) } });
      throw e;
    }
  };

  /**
   * The bytes a copy-up of `userPath` needs: its lower file's contents when the
   * path is a file (or hardlink) from the image not yet in the read-write layer;
   * undefined when nothing is copied up (already in the layer, a directory, a
   * symlink, a path that does not exist: the operation itself says what is wrong).
   */
  const copyUpBytes = async (c: Container, userPath: string): Promise<Uint8Array | undefined> => {
    const path = normalizeUserPath(userPath);
    const r = resolvePath(c, path);
    if (!r || r.rw || !r.lower || (r.lower.kind !== 'file' && r.lower.kind !== 'hardlink')) return undefined;
    const ref = lowerContent(c.lower, path);
    if (!ref) return undefined;
    if (ref.size > MAX_COPY_UP_BYTES)
      throw new LayerscopeError(
        'LIMIT',
        `/${path} is ${formatBytes(ref.size)}: the playground copies up files up to ${formatBytes(MAX_COPY_UP_BYTES)} (overlayfs would copy all of it into the read-write layer first)`,
      );
    // Layer indexes of the container's lower image are those of the image shown (the overlay sits above them).
    return get().readEntry(ref.layer, ref.entry);
  };

  /** An operation that may need a lower file's bytes first: read them (busy meanwhile), then apply to the same container. */
  const applyWithCopyUp = async (label: string, paths: string[], op: (c: Container, data: Uint8Array | undefined) => OpResult): Promise<OpRecord | null> => {
    const pg = get().pg;
    const c = pg.container;
    if (!c || pg.busy) return null;
    let data: Uint8Array | undefined;
    try {
      set({ pg: { ...pg, busy: label } });
      for (const p of paths) data ??= await copyUpBytes(c, p);
    } catch (e) {
      set((s) => ({ pg: { ...s.pg, busy: null, events: log(s.pg, { type: 'error', message: describeError(e) }) } }));
      throw e;
    }
    set((s) => ({ pg: { ...s.pg, busy: null } }));
    // Removed or restarted while the bytes were read: they belong to another container's view.
    if (get().pg.container?.lower !== c.lower) return null;
    return apply((cur) => op(cur, data));
  };

  return {
    pg: EMPTY,
    pgSetOpen: (open) => set((s) => ({ pg: { ...s.pg, open } })),

    pgStart: () => {
      const s = get();
      const a = s.slots.a;
      if (a.kind !== 'ready' || s.pg.container) return;
      const commits = s.pg.loadId === a.id ? s.pg.commits : [];
      const below = composeImage(a.loaded, commits);
      const top = below.layers.length - 1;
      const container = startContainer({ union: below.union, layers: below.layers, view: mergedAt(below.union, below.layers, top) });
      const pg: PlaygroundState = { ...s.pg, loadId: a.id, commits, container, layer: buildLayer(container.entries), open: true };
      const base = below.image.tags[0] ?? 'the image';
      publish({ ...pg, events: log(pg, { type: 'start', layer: top + 1, base }) }, true);
    },

    pgStop: () => {
      const pg = get().pg;
      if (!pg.container || !original()) return;
      const discarded = pg.layer?.index.count ?? 0;
      publish({ ...pg, container: null, layer: null, events: log(pg, { type: 'stop', discarded }) }, true);
    },

    pgWrite: (path, text) => apply((c) => writeFile(c, path, new TextEncoder().encode(text), nowSeconds())),
    pgMkdir: (path) => apply((c) => makeDir(c, path, nowSeconds())),
    pgRemove: (path) => apply((c) => removePath(c, path, nowSeconds())),
    pgChmod: (path, mode) => applyWithCopyUp('Copying up…', [path], (c, data) => chmodPath(c, path, mode, nowSeconds(), data)),
    pgTouch: (path) => applyWithCopyUp('Copying up…', [path], (c, data) => touchPath(c, path, nowSeconds(), data)),
    pgRename: (from, to) => applyWithCopyUp('Copying up…', [from], (c, data) => renamePath(c, from, to, nowSeconds(), data)),

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
        const layerIdx = (original()?.layers.length ?? 0) + cur.commits.length;
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
      const base = original();
      if (!base || pg.busy) return null;
      set({ pg: { ...pg, busy: 'Writing the archive…' } });
      try {
        const bytes = await exportDockerArchive(base, pg.commits, { repoTag: repoTag.trim() || defaultCommitTag(base.image) });
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
        bytes = await get().readEntry(ref.layer, ref.entry, MAX_EDIT_BYTES);
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
