/**
 * Docker's `manifest.json` (written by `docker save` since Docker 1.10, by
 * skopeo/podman docker-archive, and by go-containerregistry's tarball package):
 * a JSON array of { Config, RepoTags, Layers, Parent?, LayerSources? } whose
 * paths name entries of the archive (moby image/tarexport/tarexport.go).
 */
import { EntryKind } from '../../types';
import { LayerscopeError } from '../../errors';
import type { RawHistory } from './config';
import { isObject, readJson, resolveEntry, str, strArray, type OuterArchive, type OuterEntry } from './entries';

export interface LayerSource {
  mediaType: string | null;
  size: number | null;
  digest: string | null;
}

export interface DockerManifestEntry {
  /** 0-based position in manifest.json. */
  position: number;
  config: string;
  repoTags: string[];
  layers: string[];
  /** LayerSources, keyed by diff_id (moby: foreign/non-distributable layer descriptors). */
  layerSources: Map<string, LayerSource>;
}

export async function readDockerManifest(outer: OuterArchive, entry: OuterEntry): Promise<DockerManifestEntry[]> {
  const json = await readJson(outer, entry);
  if (!Array.isArray(json)) {
    throw new LayerscopeError('BAD_MANIFEST', '"manifest.json" is not a JSON array of images (as docker save writes it)');
  }
  const out: DockerManifestEntry[] = [];
  json.forEach((item, position) => {
    if (!isObject(item) || typeof item.Config !== 'string' || !Array.isArray(item.Layers)) {
      throw new LayerscopeError('BAD_MANIFEST', `"manifest.json" entry ${position} has no Config/Layers`);
    }
    const layerSources = new Map<string, LayerSource>();
    if (isObject(item.LayerSources)) {
      for (const [diffId, v] of Object.entries(item.LayerSources)) {
        if (!isObject(v)) continue;
        layerSources.set(diffId, { mediaType: str(v.mediaType), size: typeof v.size === 'number' ? v.size : null, digest: str(v.digest) });
      }
    }
    out.push({
      position,
      config: item.Config,
      // RepoTags is null for an untagged save (docker save <id>).
      repoTags: strArray(item.RepoTags),
      layers: strArray(item.Layers),
      layerSources,
    });
  });
  return out;
}

/**
 * True when the archive has the per-layer directories of the legacy format
 * (`<id>/VERSION`, `<id>/json`, `<id>/layer.tar`) or a `repositories` file,
 * which crane/ggcr flat tarballs never write.
 */
export function hasLegacyMarkers(entries: Map<string, OuterEntry>): boolean {
  if (entries.get('repositories')?.kind === EntryKind.File) return true;
  for (const name of entries.keys()) {
    const parts = name.split('/');
    if (parts.length === 2 && (parts[1] === 'VERSION' || parts[1] === 'layer.tar' || parts[1] === 'json')) return true;
  }
  return false;
}

/**
 * Legacy per-layer v1 metadata: `<id>/json` next to `<id>/layer.tar`. Maps the
 * resolved layer entry name to its directory, following skopeo's symlinks
 * (`<id>/layer.tar -> ../<diffid>.tar`) backwards.
 */
export function legacyLayerDirs(entries: Map<string, OuterEntry>): Map<string, string> {
  const dirs = new Map<string, string>();
  for (const [name, e] of entries) {
    if (!name.endsWith('/layer.tar') || name.split('/').length !== 2) continue;
    let target: OuterEntry | null = null;
    try {
      target = e.kind === EntryKind.File ? e : resolveEntry(entries, name);
    } catch {
      continue; // a looping link is reported when a manifest actually uses it
    }
    if (target && !dirs.has(target.name)) dirs.set(target.name, name.slice(0, -'/layer.tar'.length));
  }
  return dirs;
}

/**
 * History from legacy v1 `<id>/json` files, for configs that have no `history`
 * (very old docker save). `container_config.Cmd` is the build command, e.g.
 * ["/bin/sh","-c","#(nop) ADD file:… in /"], joined the way Docker's history does.
 */
export async function legacyHistory(outer: OuterArchive, layerNames: string[]): Promise<(RawHistory | null)[]> {
  const dirs = legacyLayerDirs(outer.entries);
  const out: (RawHistory | null)[] = [];
  for (const layerName of layerNames) {
    const dir = dirs.get(layerName);
    const e = dir !== undefined ? resolveEntry(outer.entries, `${dir}/json`) : null;
    if (!e) {
      out.push(null);
      continue;
    }
    let v1: unknown;
    try {
      v1 = await readJson(outer, e);
    } catch {
      out.push(null); // optional metadata: a bad v1 json must not stop the image from opening
      continue;
    }
    if (!isObject(v1)) {
      out.push(null);
      continue;
    }
    const step: RawHistory = { emptyLayer: false };
    const cmd = isObject(v1.container_config) ? strArray(v1.container_config.Cmd) : [];
    if (cmd.length) step.createdBy = cmd.join(' ');
    if (typeof v1.created === 'string') step.created = v1.created;
    if (typeof v1.author === 'string') step.author = v1.author;
    if (typeof v1.comment === 'string') step.comment = v1.comment;
    out.push(step);
  }
  return out;
}
