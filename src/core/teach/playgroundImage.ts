/**
 * The image as the container playground shows it: the loaded image plus the
 * layers made in the page (committed layers, then the running container's
 * read-write layer on top), and the `docker save` archive of the committed
 * result.
 *
 * The extra layers are real uncompressed tars appended (by reference, as Blob
 * parts) to the outer archive's Blob, with LayerRefs pointing at them, so every
 * consumer of a LoadedImage — union model, statistics, the tree, content reads
 * by offset — handles them exactly like the image's own layers.
 */
import type { HistoryStep, ImageInfo, LayerIndex, LayerRef } from '../types';
import type { LoadedImage } from '../session';
import { checkIntegrity } from '../session';
import { blobOf, type OuterArchive } from '../read/archive';
import { buildUnion } from '../model/union';
import { computeStats } from '../model/stats';
import { decompressBlob } from '../read/compression';
import { writeDockerArchive, type DockerArchiveHistory } from '../write/dockerArchive';
import { LayerscopeError, throwIfAborted } from '../errors';
import { createHasher } from '../sha256';

/** Media type of an uncompressed layer in a docker-archive (Docker image manifest v2 schema 2). */
export const PLAYGROUND_LAYER_MEDIA_TYPE = 'application/vnd.docker.image.rootfs.diff.tar';

/**
 * Refuse to build a download above this many bytes: the writer assembles the
 * archive in one Uint8Array (each layer decompressed in memory), and browsers
 * cap a single ArrayBuffer at about 2 GiB (4 GiB in recent Chromium, less on
 * 32-bit and mobile); above that the tab would crash instead of failing clearly.
 */
export const MAX_EXPORT_BYTES = 1.5 * 1024 * 1024 * 1024;

export interface ExtraLayer {
  kind: 'container' | 'commit';
  /** Uncompressed layer tar. */
  tar: Uint8Array;
  index: LayerIndex;
  createdBy: string;
  /** RFC 3339 time of the commit. */
  created: string;
  comment?: string;
  /** sha256 of `tar` (`sha256:<hex>`), known for committed layers. */
  diffId: string | null;
}

/** Name under which an extra layer's bytes appear in the composed outer archive's entry map. */
const extraEntryName = (i: number) => `layerscope-playground/${i}/layer.tar`;

/**
 * `base` plus `extras` on top, as a new LoadedImage (base is not modified).
 * Committed layers extend the image's history and config (rootfs.diff_ids);
 * a container layer does not (a container is not part of its image).
 */
export function composeImage(base: LoadedImage, extras: ExtraLayer[]): LoadedImage {
  if (extras.length === 0) return base;
  const baseSize = base.outer.blob.size;
  const parts: BlobPart[] = [base.outer.blob];
  const entries = new Map(base.outer.entries);
  const refs: LayerRef[] = [...base.image.layers];
  const history: HistoryStep[] = [...base.image.history];
  const diffIds: string[] = [];
  const rawHistory: DockerArchiveHistory[] = [];
  let offset = baseSize;
  extras.forEach((x, k) => {
    const index = refs.length;
    const name = extraEntryName(k);
    parts.push(x.tar as Uint8Array<ArrayBuffer>);
    entries.set(name, { name, kind: 0, offset, size: x.tar.length, linkname: '' });
    refs.push({
      index,
      digest: x.diffId,
      diffId: x.diffId,
      mediaType: PLAYGROUND_LAYER_MEDIA_TYPE,
      blob: { entryName: name, offset, size: x.tar.length },
      compression: 'none',
      createdBy: x.createdBy,
      sharedWith: [],
      synthetic: x.kind,
    });
    offset += x.tar.length;
    if (x.kind === 'commit') {
      history.push({ created: x.created, createdBy: x.createdBy, comment: x.comment, emptyLayer: false, layerIndex: index });
      if (x.diffId) diffIds.push(x.diffId);
      rawHistory.push({ created: x.created, created_by: x.createdBy, ...(x.comment ? { comment: x.comment } : {}) });
    }
  });
  const outer: OuterArchive = { ...base.outer, blob: new Blob(parts), entries };
  const lastCommit = [...extras].reverse().find((x) => x.kind === 'commit');
  const image: ImageInfo = {
    ...base.image,
    layers: refs,
    history,
    created: lastCommit?.created ?? base.image.created,
    rawConfig: extendRawConfig(base.image.rawConfig, diffIds, rawHistory, lastCommit?.created),
  };
  const layers = [...base.layers, ...extras.map((x) => ({ ...x.index, diffIdComputed: x.diffId, digestComputed: x.diffId }))];
  const union = buildUnion(layers);
  const stats = computeStats(union, layers);
  return {
    ...base,
    info: { ...base.info, images: base.info.images.map((im) => (im.index === base.image.index ? image : im)) },
    outer,
    image,
    layers,
    layerErrors: [...base.layerErrors, ...extras.map(() => null)],
    union,
    stats,
    integrity: checkIntegrity(image, layers),
  };
}

function extendRawConfig(raw: unknown, diffIds: string[], history: DockerArchiveHistory[], created: string | undefined): unknown {
  if (diffIds.length === 0 || !raw || typeof raw !== 'object') return raw;
  const cfg = raw as Record<string, unknown>;
  const rootfs = (cfg.rootfs ?? {}) as { type?: string; diff_ids?: string[] };
  return {
    ...cfg,
    ...(created ? { created } : {}),
    rootfs: { type: rootfs.type ?? 'layers', diff_ids: [...(rootfs.diff_ids ?? []), ...diffIds] },
    history: [...(Array.isArray(cfg.history) ? cfg.history : []), ...history],
  };
}

/** `sha256:<hex>` of `bytes`: a committed layer's diff_id (OCI config.md "rootfs"). */
export async function sha256Digest(bytes: Uint8Array): Promise<string> {
  const h = await createHasher();
  h.update(bytes);
  return h.digest();
}

/** The whole of a stream, concatenated. */
async function readAll(stream: ReadableStream<Uint8Array>, signal?: AbortSignal): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader();
  try {
    for (;;) {
      throwIfAborted(signal);
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
    }
  } catch (e) {
    await reader.cancel().catch(() => {});
    throw e;
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/**
 * History for the written config: the image's own (so `docker history` shows
 * the same steps) when it matches its layers one to one, else one step per
 * layer from what the archive said (some images carry no history at all).
 */
function historyFor(image: ImageInfo, baseLayerCount: number): DockerArchiveHistory[] {
  const raw = (image.rawConfig as { history?: unknown } | null)?.history;
  const baseSteps: DockerArchiveHistory[] = [];
  if (Array.isArray(raw)) {
    for (const h of raw as Array<Record<string, unknown>>) {
      baseSteps.push({
        created_by: typeof h.created_by === 'string' ? h.created_by : '',
        ...(h.empty_layer === true ? { empty_layer: true } : {}),
        ...(typeof h.created === 'string' ? { created: h.created } : {}),
        ...(typeof h.author === 'string' ? { author: h.author } : {}),
        ...(typeof h.comment === 'string' ? { comment: h.comment } : {}),
      });
    }
  }
  if (baseSteps.filter((h) => !h.empty_layer).length === baseLayerCount) return baseSteps;
  return image.layers.slice(0, baseLayerCount).map((l) => ({ created_by: l.createdBy ?? '' }));
}

export interface ExportOptions {
  repoTag: string;
  signal?: AbortSignal;
  onProgress?(layer: number, layers: number): void;
}

/**
 * A `docker save` archive of `base` plus the committed layers: each original
 * layer decompressed to its tar (the diff_id is the sha256 of exactly these
 * bytes, so `docker load` and skopeo accept them), the committed layers' tars,
 * and the config with the new diff_ids and history entries.
 */
export async function exportDockerArchive(base: LoadedImage, commits: ExtraLayer[], opts: ExportOptions): Promise<Uint8Array> {
  const n = base.image.layers.length;
  let total = commits.reduce((s, c) => s + c.tar.length, 0);
  for (let i = 0; i < n; i++) {
    const idx = base.layers[i];
    if (!idx || idx.error || base.layerErrors[i])
      throw new LayerscopeError('IO', `layer ${i} could not be read, so it cannot be written back faithfully`, { layer: i });
    total += idx.tarSize;
  }
  if (total > MAX_EXPORT_BYTES)
    throw new LayerscopeError(
      'LIMIT',
      `the image is ${Math.round(total / 2 ** 20)} MiB uncompressed; the page can assemble at most ${MAX_EXPORT_BYTES / 2 ** 20} MiB in memory`,
    );

  const tars: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    opts.onProgress?.(i, n + commits.length);
    const ref = base.image.layers[i]!;
    const blob = blobOf(base.outer, ref.blob);
    const c = base.layers[i]!.compression;
    tars.push(c === 'none' ? new Uint8Array(await blob.arrayBuffer()) : await readAll(decompressBlob(blob, c, { signal: opts.signal }), opts.signal));
  }
  const history = historyFor(base.image, n);
  for (const c of commits) {
    tars.push(c.tar);
    history.push({ created_by: c.createdBy, created: c.created, ...(c.comment ? { comment: c.comment } : {}) });
  }
  opts.onProgress?.(n + commits.length, n + commits.length);
  const lastCreated = commits.length > 0 ? commits[commits.length - 1]!.created : undefined;
  const rawCfg = { ...((base.image.rawConfig ?? {}) as Record<string, unknown>) };
  delete rawCfg.rootfs;
  delete rawCfg.history;
  if (lastCreated) rawCfg.created = lastCreated;
  return writeDockerArchive({ layers: tars.map((tar) => ({ tar })), config: rawCfg, history, repoTag: opts.repoTag });
}

/**
 * A `repo:tag` for the committed image: the loaded image's first tag with the
 * tag replaced (docker commit needs a name; docker's registry prefix dropped).
 */
export function defaultCommitTag(image: ImageInfo): string {
  const t = image.tags[0];
  let repo = 'layerscope/playground';
  if (t) {
    const slash = t.lastIndexOf('/');
    const colon = t.lastIndexOf(':');
    repo = (colon > slash ? t.slice(0, colon) : t).replace(/^docker\.io\//, '').replace(/^library\//, '');
  }
  return `${repo}:committed`;
}
