/**
 * A multi-platform OCI image layout (image-spec image-layout.md: oci-layout,
 * index.json, blobs/sha256/…) written by the tests: one manifest per platform,
 * layers stored once however many manifests name them (uncompressed tars).
 */
import { createHash } from 'node:crypto';
import { writeTar, type TarWriteEntry } from '../../src/core/write/tarWriter';

const te = new TextEncoder();
const sha = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const file = (path: string, data: Uint8Array): TarWriteEntry => ({ path, kind: 'file', data, mode: 0o644, uid: 0, gid: 0, mtime: 0 });

export interface PlatformImage {
  os: string;
  architecture: string;
  variant?: string;
  /** Uncompressed layer tars, bottom first. */
  layers: Uint8Array[];
}

export function ociIndexArchive(images: PlatformImage[]): Uint8Array {
  const blobs = new Map<string, Uint8Array>();
  const put = (b: Uint8Array) => {
    const d = sha(b);
    blobs.set(d, b);
    return { digest: d, size: b.length };
  };
  const manifests = images.map((im) => {
    const layers = im.layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...put(l) }));
    const config = te.encode(
      JSON.stringify({
        architecture: im.architecture,
        os: im.os,
        ...(im.variant ? { variant: im.variant } : {}),
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
        history: layers.map((_, i) => ({ created_by: `step ${i}` })),
      }),
    );
    const manifest = te.encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...put(config) },
        layers,
      }),
    );
    return {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      ...put(manifest),
      platform: { os: im.os, architecture: im.architecture, ...(im.variant ? { variant: im.variant } : {}) },
    };
  });
  const index = te.encode(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }));
  return writeTar([
    file('oci-layout', te.encode('{"imageLayoutVersion":"1.0.0"}')),
    file('index.json', index),
    ...[...blobs].map(([d, b]) => file(`blobs/sha256/${d.slice(7)}`, b)),
  ]);
}
