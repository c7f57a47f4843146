/**
 * OCI image layout (image-spec image-layout.md): `index.json` at the root lists
 * descriptors of manifests or of further image indexes (image-index.md), blobs
 * live at `blobs/<alg>/<encoded>`. Docker ≥ 25 and containerd saves use the same
 * layout next to their manifest.json, so this walker serves both.
 *
 * Whether a blob is an index or a manifest is decided from its content
 * (`manifests` array vs `config` + `layers`), not from its media type: Docker
 * v2s2 lists and manifests appear inside OCI layouts with Docker media types.
 */
import type { Platform, EngineWarning } from '../../types';
import { LayerscopeError } from '../../errors';
import { isObject, readJson, resolveEntry, str, type OuterArchive, type OuterEntry } from './entries';
import { platformOf } from './config';

/** Index nesting followed (index → index → manifest). Real archives nest 1–2 deep; deeper is refused as LIMIT. */
export const MAX_INDEX_DEPTH = 8;
/**
 * Descriptors visited across all indexes. A multi-platform index has tens;
 * 10 000 allows big multi-image layouts while stopping a crafted fan-out
 * (indexes listing the same huge index many times) from running forever.
 */
export const MAX_DESCRIPTORS = 10_000;

/** Annotation keys that name an image (image-spec annotations.md; containerd's own key). */
const ANNOTATION_REF_NAME = 'org.opencontainers.image.ref.name';
const ANNOTATION_CONTAINERD_NAME = 'io.containerd.image.name';
/** BuildKit marks attestation manifests this way (docker/buildx docs, "Attestation storage"). */
const ANNOTATION_REFERENCE_TYPE = 'vnd.docker.reference.type';

/**
 * Digest grammar of descriptor.md ("Digests"): `algorithm ":" encoded`. Checked
 * before a digest is turned into a path so that `../` can never be smuggled in.
 */
const DIGEST_RE = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export interface Descriptor {
  digest: string;
  mediaType: string | null;
  size: number | null;
  platform: Platform | null;
  annotations: Record<string, string>;
}

export interface OciManifest {
  digest: string;
  /** Platform of the descriptor that led here (image-index.md "platform"), if any. */
  platform: Platform | null;
  /** True when the manifest was listed in an index with a platform (a platform choice). */
  isPlatformChoice: boolean;
  tags: string[];
  configPath: string | null;
  configDigest: string | null;
  layers: { path: string | null; digest: string; mediaType: string | null; size: number | null }[];
  /** Blobs (config or layers) that the archive lacks. */
  missing: string[];
}

export interface PlatformListing {
  platform: Platform;
  manifestDigest: string;
  /** The manifest blob exists in the archive (its layers may still be missing). */
  present: boolean;
}

export interface OciScan {
  manifests: OciManifest[];
  platforms: PlatformListing[];
  /** Digests named by index.json (top level) whose blobs are absent. */
  missingTop: string[];
}

export function blobPath(digest: string): string | null {
  if (!DIGEST_RE.test(digest)) return null;
  const i = digest.indexOf(':');
  return `blobs/${digest.slice(0, i)}/${digest.slice(i + 1)}`;
}

/** Entry holding a digest's blob, or null when the digest is malformed or absent. */
export function blobEntry(outer: OuterArchive, digest: string): OuterEntry | null {
  const p = blobPath(digest);
  return p === null ? null : resolveEntry(outer.entries, p);
}

export function parseDescriptor(v: unknown): Descriptor | null {
  if (!isObject(v)) return null;
  const digest = str(v.digest);
  if (!digest) return null;
  const annotations: Record<string, string> = {};
  if (isObject(v.annotations)) for (const [k, a] of Object.entries(v.annotations)) if (typeof a === 'string') annotations[k] = a;
  return {
    digest,
    mediaType: str(v.mediaType),
    size: typeof v.size === 'number' ? v.size : null,
    platform: platformOf(v.platform),
    annotations,
  };
}

/** Attestation manifests (SBOM, provenance) sit in indexes next to images but hold no filesystem. */
export function isAttestation(d: Descriptor): boolean {
  if (d.annotations[ANNOTATION_REFERENCE_TYPE] === 'attestation-manifest') return true;
  return d.platform !== null && d.platform.os === 'unknown' && d.platform.architecture === 'unknown';
}

export function tagsOf(d: Descriptor): string[] {
  // containerd's annotation holds the full reference; ref.name is often just the tag.
  const full = d.annotations[ANNOTATION_CONTAINERD_NAME];
  if (full) return [full];
  const ref = d.annotations[ANNOTATION_REF_NAME];
  return ref ? [ref] : [];
}

/** Walk index.json and every index below it, collecting image manifests and platform listings. */
export async function scanOciLayout(outer: OuterArchive, indexEntry: OuterEntry, warnings: EngineWarning[]): Promise<OciScan> {
  const index = await readJson(outer, indexEntry);
  if (!isObject(index)) throw new LayerscopeError('BAD_MANIFEST', '"index.json" is not a JSON object (OCI image-layout.md requires an image index)');
  const scan: OciScan = { manifests: [], platforms: [], missingTop: [] };
  const byDigest = new Map<string, OciManifest>();
  // Each blob is parsed once, however often indexes name it (diamonds, repeats).
  const parsed = new Map<string, unknown>();
  const listed = new Set<string>();
  const addListing = (l: PlatformListing): void => {
    const key = `${l.manifestDigest} ${l.platform.os}/${l.platform.architecture}/${l.platform.variant ?? ''}`;
    if (listed.has(key)) return;
    listed.add(key);
    scan.platforms.push(l);
  };
  let visited = 0;

  const visitIndex = async (idx: Record<string, unknown>, where: string, depth: number, stack: string[], inherited: string[]): Promise<void> => {
    // Docker 25 writes `"manifests": null` for an untagged save; treat like an empty list.
    const list = Array.isArray(idx.manifests) ? idx.manifests : [];
    for (const raw of list) {
      const d = parseDescriptor(raw);
      if (!d) {
        warnings.push({ code: 'BAD_DESCRIPTOR', message: `${where} lists a descriptor without a digest; skipped` });
        continue;
      }
      if (++visited > MAX_DESCRIPTORS) {
        throw new LayerscopeError('LIMIT', `The image indexes list more than ${MAX_DESCRIPTORS} descriptors; refused`);
      }
      if (isAttestation(d)) continue;
      await visitDescriptor(d, where, depth, stack, inherited.length ? inherited : tagsOf(d));
    }
  };

  const visitDescriptor = async (d: Descriptor, where: string, depth: number, stack: string[], tags: string[]): Promise<void> => {
    if (stack.includes(d.digest)) {
      throw new LayerscopeError('LOOP', `Image index loop: ${[...stack, d.digest].join(' → ')}`);
    }
    const entry = blobEntry(outer, d.digest);
    const listing: PlatformListing | null = d.platform ? { platform: d.platform, manifestDigest: d.digest, present: entry !== null } : null;
    if (!entry) {
      if (listing) addListing(listing);
      else if (depth === 0) scan.missingTop.push(d.digest);
      else warnings.push({ code: 'MISSING_BLOB', message: `${where} lists ${d.digest}, which is not in the archive` });
      return;
    }
    let json = parsed.get(d.digest);
    if (json === undefined) {
      json = await readJson(outer, entry);
      parsed.set(d.digest, json);
    }
    if (isObject(json) && Array.isArray(json.manifests)) {
      if (depth + 1 > MAX_INDEX_DEPTH) {
        throw new LayerscopeError('LIMIT', `Image indexes nested more than ${MAX_INDEX_DEPTH} deep (at ${d.digest}); refused`);
      }
      await visitIndex(json, `index ${d.digest}`, depth + 1, [...stack, d.digest], tags);
      return;
    }
    if (!isObject(json) || !isObject(json.config) || !Array.isArray(json.layers)) {
      const what = isObject(json) && json.schemaVersion === 1 ? 'a Docker schema 1 manifest (unsupported)' : 'neither an image index nor an image manifest';
      warnings.push({ code: 'UNSUPPORTED_MANIFEST', message: `${d.digest} (listed by ${where}) is ${what}; skipped` });
      return;
    }
    if (listing) addListing(listing);
    const seen = byDigest.get(d.digest);
    if (seen) {
      for (const t of tags) if (!seen.tags.includes(t)) seen.tags.push(t);
      return;
    }
    const m = readManifest(outer, d, json, tags, listing !== null);
    byDigest.set(d.digest, m);
    scan.manifests.push(m);
  };

  await visitIndex(index, '"index.json"', 0, [], []);
  return scan;
}

function readManifest(outer: OuterArchive, d: Descriptor, json: Record<string, unknown>, tags: string[], isPlatformChoice: boolean): OciManifest {
  const missing: string[] = [];
  const cfg = parseDescriptor(json.config);
  let configPath: string | null = null;
  if (cfg) {
    const e = blobEntry(outer, cfg.digest);
    if (e) configPath = e.name;
    else missing.push(cfg.digest);
  } else {
    missing.push(`config of manifest ${d.digest}`);
  }
  const layers: OciManifest['layers'] = [];
  for (const raw of json.layers as unknown[]) {
    const l = parseDescriptor(raw);
    if (!l) {
      missing.push(`layer ${layers.length} of manifest ${d.digest} (no digest)`);
      continue;
    }
    const e = blobEntry(outer, l.digest);
    if (!e) missing.push(l.digest);
    layers.push({ path: e ? e.name : null, digest: l.digest, mediaType: l.mediaType, size: l.size });
  }
  return {
    digest: d.digest,
    platform: d.platform,
    isPlatformChoice,
    tags: [...tags],
    configPath,
    configDigest: cfg ? cfg.digest : null,
    layers,
    missing,
  };
}
