/**
 * The archive's JSON documents for the raw viewer: which ones an image has
 * (the layout's index.json, docker's manifest.json, the image's manifest and
 * config blobs), where a digest leads, and reading one, bounded. Pure apart
 * from the Blob read; unit-tested on fixtures.
 */
import { MAX_JSON_BYTES, resolveEntry, type OuterArchive, type OuterEntry } from '../../core/read/archive/entries';
import type { ImageInfo } from '../../core/types';

export interface RawDoc {
  /** Stable key: 'index.json', 'manifest.json', or a digest. */
  key: string;
  label: string;
  /** The entry in the archive, or null for a document known only parsed (a config whose file is not found by digest). */
  entry: OuterEntry | null;
  /** The parsed value when there is no entry to read (rawConfig). */
  parsed?: unknown;
}

export const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

/**
 * The archive entry holding the blob `digest`, in any of the layouts' naming
 * schemes: OCI `blobs/<alg>/<hex>` (image-layout.md "Blobs"), crane/kaniko's
 * `sha256:<hex>` config and `<hex>.tar.gz` layers, docker ≤ 24's `<hex>.json` config.
 */
export function findBlobEntry(entries: Map<string, OuterEntry>, digest: string): OuterEntry | null {
  if (!DIGEST_RE.test(digest)) return null;
  const hex = digest.slice(7);
  for (const name of [`blobs/sha256/${hex}`, digest, `${hex}.json`, `${hex}.tar.gz`, `${hex}.tar`]) {
    try {
      const e = resolveEntry(entries, name);
      if (e) return e;
    } catch {
      // a link loop under that name: not this one
    }
  }
  return null;
}

/** The documents worth showing for `image`, most general first. */
export function rawDocsOf(outer: OuterArchive, image: ImageInfo): RawDoc[] {
  const out: RawDoc[] = [];
  const idx = outer.entries.get('index.json');
  if (idx) out.push({ key: 'index.json', label: 'index.json (the layout’s index)', entry: idx });
  const mj = outer.entries.get('manifest.json');
  if (mj) out.push({ key: 'manifest.json', label: 'manifest.json (docker save’s list)', entry: mj });
  if (image.manifestDigest) {
    const e = findBlobEntry(outer.entries, image.manifestDigest);
    if (e) out.push({ key: image.manifestDigest, label: 'image manifest', entry: e });
  }
  const cfg = image.configDigest ? findBlobEntry(outer.entries, image.configDigest) : null;
  out.push({ key: image.configDigest ?? 'config', label: 'image config', entry: cfg, parsed: cfg ? undefined : image.rawConfig });
  return out;
}

/** Documents larger than this are shown as plain pretty-printed text, without the clickable tree (rendering cost). */
export const RAW_TREE_MAX_BYTES = 512 * 1024;

export async function readRawDoc(outer: OuterArchive, d: RawDoc): Promise<{ text: string; value: unknown; bytes: number }> {
  if (!d.entry) {
    const text = JSON.stringify(d.parsed ?? null, null, 2);
    return { text, value: d.parsed ?? null, bytes: text.length };
  }
  if (d.entry.size > MAX_JSON_BYTES)
    throw new Error(`${d.entry.name} is ${d.entry.size} bytes: larger than the ${MAX_JSON_BYTES} bytes a JSON document may be`);
  const text = new TextDecoder().decode(await outer.blob.slice(d.entry.offset, d.entry.offset + d.entry.size).arrayBuffer());
  return { text, value: JSON.parse(text) as unknown, bytes: d.entry.size };
}

/** What a digest is in this image and archive, for the viewer's links. */
export type DigestTarget = { kind: 'layer'; layer: number; as: 'digest' | 'diff_id' } | { kind: 'doc'; doc: RawDoc } | { kind: 'absent' };

/**
 * What a string of a document leads to: a digest (digestTarget), or the path of
 * an archive entry as docker's manifest.json names its config and layers
 * (`<hex>.json`, `<id>/layer.tar`) — the layer stored there, or that JSON file.
 */
export function refTarget(outer: OuterArchive, image: ImageInfo, s: string): DigestTarget {
  if (DIGEST_RE.test(s)) return digestTarget(outer, image, s);
  if (s.length > 1024 || !/\.(tar|json|gz|zst)$|^blobs\//.test(s)) return { kind: 'absent' };
  let e: OuterEntry | null = null;
  try {
    e = resolveEntry(outer.entries, s);
  } catch {
    return { kind: 'absent' };
  }
  if (!e) return { kind: 'absent' };
  const at = e.offset;
  const l = image.layers.findIndex((x) => x.blob.offset === at && x.blob.size === e.size);
  if (l >= 0) return { kind: 'layer', layer: l, as: 'digest' };
  if (e.size <= MAX_JSON_BYTES && e.name.endsWith('.json'))
    return { kind: 'doc', doc: { key: e.name, label: e.name.length > 24 ? `${e.name.slice(0, 12)}….json` : e.name, entry: e } };
  return { kind: 'absent' };
}

export function digestTarget(outer: OuterArchive, image: ImageInfo, digest: string): DigestTarget {
  const l = image.layers.findIndex((x) => x.digest === digest);
  if (l >= 0) return { kind: 'layer', layer: l, as: 'digest' };
  const d = image.layers.findIndex((x) => x.diffId === digest);
  if (d >= 0) return { kind: 'layer', layer: d, as: 'diff_id' };
  if (digest === image.configDigest) return { kind: 'doc', doc: rawDocsOf(outer, image).find((x) => x.label === 'image config')! };
  const e = findBlobEntry(outer.entries, digest);
  // A blob of the archive that is not one of this image's layers: another manifest, index or config (JSON-sized).
  if (e && e.size <= MAX_JSON_BYTES) return { kind: 'doc', doc: { key: digest, label: `blob ${digest.slice(7, 19)}…`, entry: e } };
  return { kind: 'absent' };
}
