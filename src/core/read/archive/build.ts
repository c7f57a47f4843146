/**
 * From an entry map to ArchiveInfo: detect the variant from the archive's
 * content, turn each image (a manifest.json entry or an OCI manifest) into an
 * ImageInfo, and cross-link images (platform choices, shared layers).
 */
import { sha256 } from 'hash-wasm';
import type { ArchiveFormat, ArchiveInfo, BlobRef, Compression, EngineWarning, ImageInfo, LayerRef, Platform, PlatformChoice } from '../../types';
import { EntryKind } from '../../types';
import { LayerscopeError, isLayerscopeError } from '../../errors';
import { sniffCompression, COMPRESSION_SNIFF_BYTES } from '../compression';
import { mapHistory, parseConfig, type RawHistory } from './config';
import { hasLegacyMarkers, legacyHistory, readDockerManifest, type LayerSource } from './docker';
import { describeTopLevel, parseJson, readHead, readSmall, refOf, resolveEntry, type OuterArchive, type OuterEntry } from './entries';
import { scanOciLayout, type OciManifest, type OciScan } from './oci';
import { MAX_LAYERS } from '../../model/union';

/** What is needed to build one image, whichever format it came from. */
interface ImageDraft {
  /** How to name this image in messages. */
  label: string;
  tags: string[];
  configPath: string;
  layers: { path: string; digest: string | null; mediaType: string | null }[];
  manifestDigest: string | null;
  descriptorPlatform: Platform | null;
  layerSources: Map<string, LayerSource> | null;
  /** Legacy formats may carry per-layer v1 json with build commands. */
  legacy: boolean;
  /** Blobs the manifest names that the archive lacks (known before building). */
  missing: string[];
}

function fileEntry(entries: Map<string, OuterEntry>, name: string): OuterEntry | null {
  const e = resolveEntry(entries, name);
  return e && e.kind === EntryKind.File ? e : null;
}

/** `blobs/<alg>/<encoded>` is content-addressed (image-layout.md "Blobs"), so its path is its digest. */
function digestFromBlobPath(name: string): string | null {
  const m = /^blobs\/([a-z0-9]+(?:[+._-][a-z0-9]+)*)\/([a-zA-Z0-9=_-]+)$/.exec(name);
  return m ? `${m[1]}:${m[2]}` : null;
}

/** "1 layer", "3 layers". */
function layersWord(n: number): string {
  return `${n} layer${n === 1 ? '' : 's'}`;
}

function missingBlob(label: string, what: string, name: string): LayerscopeError {
  return new LayerscopeError('MISSING_BLOB', `${label}: ${what} "${name}" is not in the archive`);
}

/**
 * What images of one archive share is read once: a config and a layer's first
 * bytes are read, parsed and hashed per entry, not per image naming them (one
 * manifest.json may list thousands of images using one config: issue 9, point 5).
 */
interface BuildCache {
  configs: Map<string, Promise<{ bytes: Uint8Array; raw: unknown; digest: string }>>;
  heads: Map<string, Promise<Uint8Array>>;
}

const newBuildCache = (): BuildCache => ({ configs: new Map(), heads: new Map() });

async function buildImage(
  outer: OuterArchive,
  d: ImageDraft,
  index: number,
  warnings: EngineWarning[],
  cache: BuildCache = newBuildCache(),
): Promise<ImageInfo> {
  if (d.missing.length) {
    const more = d.missing.length > 1 ? ` (and ${d.missing.length - 1} more)` : '';
    throw new LayerscopeError('MISSING_BLOB', `${d.label}: blob ${d.missing[0]}${more} is not in the archive`);
  }
  // Refused before anything is read for them: a forged manifest listing tens of
  // thousands of layers would cost a read per layer here and a scan per layer
  // later, only for the union to refuse them at the end.
  if (d.layers.length > MAX_LAYERS) {
    throw new LayerscopeError('LIMIT', `${d.label} lists ${d.layers.length} layers; at most ${MAX_LAYERS} are supported (real images have well under 200)`);
  }
  const cfgEntry = resolveEntry(outer.entries, d.configPath);
  if (!cfgEntry) throw missingBlob(d.label, 'its config', d.configPath);
  const layerEntries = d.layers.map((l) => {
    const e = resolveEntry(outer.entries, l.path);
    if (!e) throw missingBlob(d.label, 'layer', l.path);
    return e;
  });
  let cfgRead = cache.configs.get(cfgEntry.name);
  if (!cfgRead) {
    cfgRead = (async () => {
      const bytes = await readSmall(outer, cfgEntry);
      const raw = parseJson(bytes, cfgEntry.name, cfgEntry.offset);
      // The config digest is the image ID (config.md "ImageID"); computing it is cheap and
      // matches Docker's `<id>.json` names and OCI descriptors without trusting either.
      return { bytes, raw, digest: `sha256:${await sha256(bytes)}` };
    })();
    cache.configs.set(cfgEntry.name, cfgRead);
  }
  const { raw: rawConfig, digest: configDigest } = await cfgRead;
  const cfg = parseConfig(rawConfig);

  const n = layerEntries.length;
  if (cfg.diffIds.length !== n) {
    warnings.push({
      code: 'LAYER_COUNT_MISMATCH',
      message: `${d.label}: the manifest lists ${layersWord(n)} but the config's rootfs.diff_ids has ${cfg.diffIds.length}`,
    });
  }

  let raw: RawHistory[] | null = cfg.history;
  let fromLegacy = false;
  if (raw === null && d.legacy) {
    const v1 = await legacyHistory(
      outer,
      layerEntries.map((e) => e.name),
    );
    if (v1.some((s) => s !== null)) {
      raw = v1.map((s) => s ?? { emptyLayer: false });
      fromLegacy = true;
    }
  }
  const mapped = raw ? mapHistory(raw, n) : { steps: [], createdBy: new Array<string | null>(n).fill(null), mismatch: false };
  if (raw && mapped.mismatch && !fromLegacy) {
    const made = raw.filter((s) => !s.emptyLayer).length;
    warnings.push({
      code: 'HISTORY_MISMATCH',
      message: `${d.label}: history has ${made} layer-making step${made === 1 ? '' : 's'} for ${layersWord(n)}; build commands may be misattributed`,
    });
  }

  const heads = await Promise.all(
    layerEntries.map((e) => {
      let h = cache.heads.get(e.name);
      if (!h) {
        h = readHead(outer, e, COMPRESSION_SNIFF_BYTES);
        cache.heads.set(e.name, h);
      }
      return h;
    }),
  );
  const layers: LayerRef[] = layerEntries.map((e, i) => {
    const diffId = cfg.diffIds[i] ?? null;
    let digest = d.layers[i]!.digest;
    let mediaType = d.layers[i]!.mediaType;
    // moby's LayerSources describe the registry blob; only trust them when they
    // describe the bytes actually stored here (same size).
    const src = diffId !== null ? d.layerSources?.get(diffId) : undefined;
    if (src && src.size === e.size) {
      digest ??= src.digest;
      mediaType ??= src.mediaType;
    }
    digest ??= digestFromBlobPath(e.name);
    const compression: Compression = sniffCompression(heads[i]!);
    return { index: i, digest, diffId, mediaType, blob: refOf(e), compression, createdBy: mapped.createdBy[i] ?? null, sharedWith: [] };
  });

  return {
    index,
    tags: d.tags,
    platform: cfg.platform ?? d.descriptorPlatform,
    manifestDigest: d.manifestDigest,
    configDigest,
    created: cfg.created,
    author: cfg.author,
    config: cfg.summary,
    history: mapped.steps,
    layers,
    rawConfig,
  };
}

function draftFromOci(m: OciManifest): ImageDraft {
  return {
    label: `Image ${m.tags[0] ?? m.digest}`,
    tags: m.tags,
    configPath: m.configPath ?? '',
    layers: m.layers.map((l) => ({ path: l.path ?? '', digest: l.digest, mediaType: l.mediaType })),
    manifestDigest: m.digest,
    descriptorPlatform: m.platform,
    layerSources: null,
    legacy: false,
    missing: m.missing,
  };
}

function platformName(p: Platform): string {
  return p.variant ? `${p.os}/${p.architecture}/${p.variant}` : `${p.os}/${p.architecture}`;
}

/**
 * The layers an image will have, known from its manifest alone: per image draft, its
 * layers' stored byte ranges in stack order, or null when the image cannot be built
 * (a blob missing, too many layers: buildImage refuses it), and the tar they are
 * ranges of (a compressed archive's unpacked tar). Nothing of the configs or the
 * layers has been read yet.
 */
export type LayersListed = (lists: (BlobRef[] | null)[], tar: Blob) => void;

/** A draft's layers as byte ranges, when buildImage would find them all (the same checks, in the same order). */
function listedLayers(outer: OuterArchive, d: ImageDraft): BlobRef[] | null {
  if (d.missing.length || d.layers.length > MAX_LAYERS || !resolveEntry(outer.entries, d.configPath)) return null;
  const refs: BlobRef[] = [];
  for (const l of d.layers) {
    const e = resolveEntry(outer.entries, l.path);
    if (!e) return null;
    refs.push(refOf(e));
  }
  return refs;
}

/**
 * Analyse an archive already indexed into `outer.entries`. `onLayersListed`: told the
 * images' layers as soon as the manifests are read, before any config is read, parsed
 * or hashed (the page starts the largest layer's scan then: core/session.ts).
 */
export async function readArchiveInfo(outer: OuterArchive, outerCompression: Compression, onLayersListed?: LayersListed): Promise<ArchiveInfo> {
  const warnings: EngineWarning[] = [];
  const manifestJson = fileEntry(outer.entries, 'manifest.json');
  const indexJson = fileEntry(outer.entries, 'index.json');
  const ociLayout = fileEntry(outer.entries, 'oci-layout');
  if (!manifestJson && !indexJson) {
    throw new LayerscopeError(
      'NOT_AN_IMAGE',
      `This tar has no manifest.json or index.json, so it is not a saved image (found ${describeTopLevel(outer.entries)})`,
    );
  }

  let oci: OciScan | null = null;
  if (indexJson) {
    try {
      oci = await scanOciLayout(outer, indexJson, warnings);
    } catch (err) {
      // With a manifest.json to fall back on, a broken OCI index costs only the
      // extra detail (digests, platforms) it would have given.
      if (!manifestJson || !isLayerscopeError(err) || err.code === 'CANCELLED') throw err;
      warnings.push({ code: err.code, message: `${err.message}; using manifest.json only` });
    }
  }
  let format: ArchiveFormat;
  const drafts: ImageDraft[] = [];
  /** OCI manifests already represented by a draft (by manifest digest). */
  const used = new Set<string>();

  if (manifestJson) {
    const entries = await readDockerManifest(outer, manifestJson);
    const intoBlobs = entries.some((m) => m.config.replace(/^\.?\//, '').startsWith('blobs/'));
    format = indexJson || ociLayout || intoBlobs ? 'docker-oci' : hasLegacyMarkers(outer.entries) ? 'docker-legacy' : 'tarball';
    for (const m of entries) {
      const label = `Image ${m.repoTags[0] ?? m.position} (manifest.json entry ${m.position})`;
      const draft: ImageDraft = {
        label,
        tags: m.repoTags,
        configPath: m.config,
        layers: m.layers.map((p) => ({ path: p, digest: null, mediaType: null })),
        manifestDigest: null,
        descriptorPlatform: null,
        layerSources: m.layerSources,
        legacy: format === 'docker-legacy',
        missing: [],
      };
      if (oci) await attachOciManifest(outer, draft, oci, used);
      drafts.push(draft);
    }
  } else {
    format = 'oci';
  }

  if (oci) {
    for (const m of oci.manifests) {
      if (used.has(m.digest)) continue;
      // An absent platform of a multi-platform index is normal (a save of one
      // platform); it only shows as unavailable in the chooser.
      if (m.missing.length && m.isPlatformChoice) continue;
      drafts.push(draftFromOci(m));
    }
  }

  onLayersListed?.(
    drafts.map((d) => listedLayers(outer, d)),
    outer.blob,
  );
  const images: ImageInfo[] = [];
  const failures: LayerscopeError[] = [];
  const cache = newBuildCache();
  for (const d of drafts) {
    try {
      images.push(await buildImage(outer, d, images.length, warnings, cache));
    } catch (err) {
      if (!isLayerscopeError(err) || err.code === 'CANCELLED') throw err;
      failures.push(err);
      // Said while another image of the archive is shown: "this image" would name the wrong one,
      // and "that image" must say which (a config's parse error names only its file).
      const named = err.message.startsWith(d.label) ? err.message : `${d.label}: ${err.message}`;
      warnings.push({ code: err.code, message: `${named}; that image cannot be opened (the archive's other images can)` });
    }
  }

  if (images.length === 0) {
    if (failures.length) throw failures[0];
    const absent = oci?.platforms.find((p) => !p.present);
    const partial = oci?.manifests.find((m) => m.isPlatformChoice && m.missing.length > 0);
    if (oci && (absent || partial)) {
      const example = partial
        ? `${partial.platform ? platformName(partial.platform) : partial.digest} lacks blob ${partial.missing[0]}`
        : `${platformName(absent!.platform)}: manifest ${absent!.manifestDigest} is missing`;
      throw new LayerscopeError(
        'MISSING_BLOB',
        `None of the ${oci.platforms.length} platforms listed by the image index is complete in the archive (e.g. ${example})`,
      );
    }
    if (oci?.missingTop.length) throw new LayerscopeError('MISSING_BLOB', `index.json lists manifest ${oci.missingTop[0]}, which is not in the archive`);
    throw new LayerscopeError('NOT_AN_IMAGE', `The archive lists no image (found ${describeTopLevel(outer.entries)})`);
  }
  for (const dg of oci?.missingTop ?? []) {
    warnings.push({ code: 'MISSING_BLOB', message: `index.json lists manifest ${dg}, which is not in the archive` });
  }

  linkSharedLayers(images);
  const platforms: PlatformChoice[] = (oci?.platforms ?? []).map((p) => {
    const imageIndex = images.findIndex((im) => im.manifestDigest === p.manifestDigest);
    return { platform: p.platform, manifestDigest: p.manifestDigest, available: imageIndex >= 0, imageIndex: imageIndex >= 0 ? imageIndex : null };
  });
  return { format, outerCompression, images, platforms, warnings };
}

/**
 * Docker ≥ 25 saves an OCI manifest next to each manifest.json entry: find it
 * by config digest (the OCI manifest's config descriptor) to learn the layers'
 * stored digests, media types and the manifest digest.
 */
async function attachOciManifest(outer: OuterArchive, d: ImageDraft, oci: OciScan, used: Set<string>): Promise<void> {
  const cfg = resolveEntry(outer.entries, d.configPath);
  if (!cfg) return; // reported as MISSING_BLOB when the image is built
  const configDigest = digestFromBlobPath(cfg.name) ?? `sha256:${await sha256(await readSmall(outer, cfg))}`;
  const m = oci.manifests.find((x) => x.configDigest === configDigest && x.layers.length === d.layers.length && !used.has(x.digest));
  if (!m) return;
  used.add(m.digest);
  d.manifestDigest = m.digest;
  d.descriptorPlatform = m.platform;
  if (d.tags.length === 0) d.tags = [...m.tags];
  d.layers.forEach((l, i) => {
    const ol = m.layers[i]!;
    const e = resolveEntry(outer.entries, l.path);
    // Take the descriptor only when it designates the same stored bytes.
    if (ol.path !== null && e !== null && e.name === ol.path) {
      l.digest = ol.digest;
      l.mediaType = ol.mediaType;
    }
  });
}

/**
 * LayerRef.sharedWith: other images with a layer of the same diff_id or the same
 * stored blob. Grouped by layer key in one pass (linear in the layers listed); each
 * layer's list is made when it is first read, from the one or two groups it
 * belongs to. Listing every other image up front is quadratic: one manifest.json
 * of 20,000 images sharing a layer (2.8 MB) meant 400 million entries, past 60 s
 * and 1.4 GB in the command line (issue 9, point 5). Only the shown image's layers
 * are ever read in practice.
 */
export function linkSharedLayers(images: ImageInfo[]): void {
  const owners = new Map<string, number[]>();
  const keys = (l: LayerRef): string[] => (l.diffId ? [`blob:${l.blob.entryName}`, `diff:${l.diffId}`] : [`blob:${l.blob.entryName}`]);
  for (const im of images) {
    for (const l of im.layers) {
      for (const k of keys(l)) {
        let s = owners.get(k);
        if (!s) {
          s = [];
          owners.set(k, s);
        }
        // images are visited in index order: a list holds each image once, sorted, if its last entry is checked
        if (s[s.length - 1] !== im.index) s.push(im.index);
      }
    }
  }
  for (const im of images) {
    for (const l of im.layers) {
      const groups = keys(l).map((k) => owners.get(k) ?? []);
      let memo: number[] | null = null;
      Object.defineProperty(l, 'sharedWith', {
        enumerable: true,
        configurable: true,
        get(): number[] {
          if (memo) return memo;
          const [a = [], b = []] = groups;
          const out: number[] = [];
          // merge two sorted lists, without this image
          let i = 0;
          let j = 0;
          while (i < a.length || j < b.length) {
            const x = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!;
            if (x !== im.index && out[out.length - 1] !== x) out.push(x);
          }
          memo = out;
          return out;
        },
      });
    }
  }
}
