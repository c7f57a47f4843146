/**
 * Writes a `docker save` archive in the legacy layout (Docker ≤ 24, moby
 * image/tarexport/save.go), the one every `docker load`, skopeo
 * (`docker-archive:`), podman and Layerscope itself read:
 *
 *   <v1-id>/VERSION       "1.0"
 *   <v1-id>/json          legacy v1 image JSON (id, parent; the top one also carries the config)
 *   <v1-id>/layer.tar     the uncompressed layer tar
 *   <config-hex>.json     the image config; its name is the sha256 of its bytes
 *   manifest.json         [{ Config, RepoTags, Layers }]
 *   repositories          { "<repo>": { "<tag>": "<top v1-id>" } }
 *
 * The config's rootfs.diff_ids are the sha256 of each uncompressed layer tar
 * (OCI image-spec config.md "rootfs"; Docker image spec v1.2), which is what
 * `docker load` and skopeo verify. Pure: Uint8Array in, Uint8Array out, so the
 * teaching features can build an image in the page (hash-wasm works in the
 * browser, workers and Node).
 */
import { createSHA256, type IHasher } from 'hash-wasm';
import { writeTar, type TarWriteEntry } from './tarWriter';

export interface DockerArchiveLayer {
  /** Uncompressed layer tar (e.g. from writeTar). */
  tar: Uint8Array;
}

export interface DockerArchiveHistory {
  created_by: string;
  /** True for metadata-only steps (ENV, CMD, …) that made no layer. */
  empty_layer?: boolean;
  created?: string;
  author?: string;
  comment?: string;
}

export interface WriteDockerArchiveOptions {
  layers: DockerArchiveLayer[];
  /** Image config JSON (OCI config.md / Docker image spec) WITHOUT rootfs: the writer fills rootfs.diff_ids and history. */
  config: object;
  /** One entry per step; the entries without empty_layer must match `layers` one to one, in order. */
  history: DockerArchiveHistory[];
  /** `name[:tag]`, e.g. `layerscope/example:1.0` (tag defaults to `latest`, as in docker). */
  repoTag: string;
}

/** `VERSION` of each legacy layer directory: the only value moby ever wrote (image/tarexport: legacyLayerFileName… "1.0"). */
const LEGACY_LAYER_VERSION = '1.0';
/** Members are plain files readable by all; directories traversable (what docker save writes). */
const FILE_MODE = 0o644;
const DIR_MODE = 0o755;

const utf8 = new TextEncoder();

async function sha256Hex(h: IHasher, data: Uint8Array | string): Promise<string> {
  h.init();
  h.update(data);
  return h.digest('hex');
}

/**
 * Splits `repo[:tag]` the way docker's reference grammar does: the tag is after
 * the last `:` that follows the last `/` (so `localhost:5000/app` has no tag).
 */
function splitRepoTag(repoTag: string): { repo: string; tag: string } {
  if (repoTag.includes('@')) throw new RangeError(`docker archive: RepoTags cannot hold a digest reference: ${repoTag}`);
  const slash = repoTag.lastIndexOf('/');
  const colon = repoTag.lastIndexOf(':');
  const [repo, tag] = colon > slash ? [repoTag.slice(0, colon), repoTag.slice(colon + 1)] : [repoTag, 'latest'];
  // docker reference grammar (distribution/reference): lowercase path components; tag [\w][\w.-]{0,127}.
  const component = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
  const domain = '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?/)?';
  if (!new RegExp(`^${domain}${component}(?:/${component})*$`).test(repo) || !/^[\w][\w.-]{0,127}$/.test(tag)) {
    throw new RangeError(`docker archive: not a valid image reference: ${repoTag}`);
  }
  return { repo, tag };
}

function epochOf(created: unknown): number {
  const t = typeof created === 'string' ? Date.parse(created) : Number.NaN;
  return Number.isFinite(t) && t >= 0 ? Math.floor(t / 1000) : 0;
}

export async function writeDockerArchive(opts: WriteDockerArchiveOptions): Promise<Uint8Array> {
  const { layers, history, repoTag } = opts;
  const made = history.filter((h) => !h.empty_layer).length;
  if (made !== layers.length) {
    throw new RangeError(`docker archive: history has ${made} layer-making steps for ${layers.length} layers`);
  }
  const { repo, tag } = splitRepoTag(repoTag);
  const h = await createSHA256();

  // diff_id: sha256 of the uncompressed layer tar (config.md "rootfs").
  const diffIds: string[] = [];
  for (const l of layers) diffIds.push(`sha256:${await sha256Hex(h, l.tar)}`);

  const base = { ...(opts.config as Record<string, unknown>) };
  delete base.rootfs;
  delete base.history;
  const config = { ...base, rootfs: { type: 'layers', diff_ids: diffIds }, history };
  const configBytes = utf8.encode(JSON.stringify(config));
  const configName = `${await sha256Hex(h, configBytes)}.json`;
  const mtime = epochOf(base.created);

  // Legacy v1 ids, as moby's v1.CreateID does: sha256 of the v1 JSON plus the
  // layer's ChainID and the parent id, so that the same layer stack always gets
  // the same ids. ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln))
  // (OCI image-spec config.md, "Layer ChainID").
  const entries: TarWriteEntry[] = [];
  const layerPaths: string[] = [];
  let chainId = '';
  let parent = '';
  for (let i = 0; i < layers.length; i++) {
    chainId = i === 0 ? diffIds[0]! : `sha256:${await sha256Hex(h, `${chainId} ${diffIds[i]}`)}`;
    const top = i === layers.length - 1;
    // The top layer's v1 JSON carries the image config (what old `docker load` used); lower ones only ids.
    const v1: Record<string, unknown> = top
      ? { ...base, ...(parent ? { parent } : {}) }
      : { ...(parent ? { parent } : {}), created: '1970-01-01T00:00:00Z', container_config: { Cmd: null } };
    const id = await sha256Hex(h, JSON.stringify({ ...v1, layer_id: chainId, parent: parent ? `sha256:${parent}` : '' }));
    const json = utf8.encode(JSON.stringify({ id, ...v1 }));
    entries.push(
      { path: id, kind: 'dir', mode: DIR_MODE, uid: 0, gid: 0, mtime },
      { path: `${id}/VERSION`, kind: 'file', data: utf8.encode(LEGACY_LAYER_VERSION), mode: FILE_MODE, uid: 0, gid: 0, mtime },
      { path: `${id}/json`, kind: 'file', data: json, mode: FILE_MODE, uid: 0, gid: 0, mtime },
      { path: `${id}/layer.tar`, kind: 'file', data: layers[i]!.tar, mode: FILE_MODE, uid: 0, gid: 0, mtime },
    );
    layerPaths.push(`${id}/layer.tar`);
    parent = id;
  }

  const manifest = [{ Config: configName, RepoTags: [`${repo}:${tag}`], Layers: layerPaths }];
  // `repositories` (the pre-1.10 index): repo -> tag -> top layer's v1 id; an image without layers has none to name.
  const repositories = parent ? { [repo]: { [tag]: parent } } : {};
  entries.push(
    { path: configName, kind: 'file', data: configBytes, mode: FILE_MODE, uid: 0, gid: 0, mtime },
    { path: 'manifest.json', kind: 'file', data: utf8.encode(JSON.stringify(manifest)), mode: FILE_MODE, uid: 0, gid: 0, mtime },
    { path: 'repositories', kind: 'file', data: utf8.encode(JSON.stringify(repositories)), mode: FILE_MODE, uid: 0, gid: 0, mtime },
  );
  return writeTar(entries);
}
