/**
 * The outer archive as an entry map, plus the few primitives every format
 * reader needs: path normalization, link resolution inside the archive, and
 * size-limited JSON reads. Data is never copied: an entry is a byte range of
 * the (uncompressed) outer tar, read with Blob.slice on demand.
 */
import { EntryKind, type BlobRef } from '../../types';
import { LayerscopeError } from '../../errors';
import { normalizeTarPath } from '../tar/parser';

export interface OuterEntry {
  /** Normalized path inside the outer archive (the map key). */
  name: string;
  kind: EntryKind;
  /** Offset of the entry's data in the outer tar (TarEntry.dataOffset). */
  offset: number;
  size: number;
  /** Symlink target (raw) or hardlink target (normalized), '' otherwise. */
  linkname: string;
}

export interface OuterArchive {
  /** The uncompressed outer tar. */
  blob: Blob;
  entries: Map<string, OuterEntry>;
}

/**
 * JSON documents (manifest.json, index.json, manifests, configs) are read whole
 * into memory. Real ones are a few KiB; a config with a huge history is still
 * well under 1 MiB. 16 MiB leaves room for anything legitimate while refusing
 * a multi-GB "manifest" that would exhaust a browser tab.
 */
export const MAX_JSON_BYTES = 16 * 1024 * 1024;

/**
 * Link hops followed when resolving a path inside the archive. Same bound as
 * Linux's path walk (MAXSYMLINKS = 40): no real chain is longer, and a cycle
 * is reported as LOOP instead of spinning.
 */
export const MAX_LINK_HOPS = 40;

/**
 * Normalize a path like TarEntry.path: no leading `./` or `/`, no trailing `/`,
 * `.` dropped, `..` resolved (a `..` above the root is dropped, as tar readers do).
 */
export function normalizePath(p: string): string {
  return normalizeTarPath(p).path;
}

function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}

/**
 * Find the regular file a path designates, following symlinks and hardlinks
 * (in the entry itself or in a parent directory). skopeo and podman write
 * `<id>/layer.tar` as a symlink to `../<diffid>.tar`; a symlink target is
 * relative to the link's own directory (POSIX symlink semantics), a hardlink
 * target is relative to the archive root (ustar linkname). Returns null when
 * nothing, or something other than a regular file, is there.
 */
export function resolveEntry(entries: Map<string, OuterEntry>, path: string): OuterEntry | null {
  let p = normalizePath(path);
  let hops = 0;
  const hop = (next: string): string => {
    if (++hops > MAX_LINK_HOPS) {
      throw new LayerscopeError('LOOP', `Link chain too long or circular while resolving "${path}" in the archive (more than ${MAX_LINK_HOPS} links)`);
    }
    return normalizePath(next);
  };
  for (;;) {
    const e = entries.get(p);
    if (e) {
      if (e.kind === EntryKind.File) return e;
      if (e.kind === EntryKind.Symlink) {
        p = hop(e.linkname.startsWith('/') ? e.linkname : `${dirname(p)}/${e.linkname}`);
        continue;
      }
      if (e.kind === EntryKind.Hardlink) {
        p = hop(e.linkname);
        continue;
      }
      return null;
    }
    // Not present as such: maybe one of its parent directories is a symlink.
    const segs = p.split('/');
    let rewritten: string | null = null;
    for (let i = 1; i < segs.length; i++) {
      const prefix = segs.slice(0, i).join('/');
      const pe = entries.get(prefix);
      if (pe && pe.kind === EntryKind.Symlink) {
        const target = pe.linkname.startsWith('/') ? pe.linkname : `${dirname(prefix)}/${pe.linkname}`;
        rewritten = `${target}/${segs.slice(i).join('/')}`;
        break;
      }
    }
    if (rewritten === null) return null;
    p = hop(rewritten);
  }
}

export function refOf(e: OuterEntry): BlobRef {
  return { entryName: e.name, offset: e.offset, size: e.size };
}

export function sliceEntry(outer: OuterArchive, e: OuterEntry): Blob {
  return outer.blob.slice(e.offset, e.offset + e.size);
}

export async function readHead(outer: OuterArchive, e: OuterEntry, n: number): Promise<Uint8Array> {
  return new Uint8Array(await outer.blob.slice(e.offset, e.offset + Math.min(n, e.size)).arrayBuffer());
}

/** Bytes of a small document, refusing anything above MAX_JSON_BYTES. */
export async function readSmall(outer: OuterArchive, e: OuterEntry): Promise<Uint8Array> {
  if (e.size > MAX_JSON_BYTES) {
    throw new LayerscopeError('LIMIT', `"${e.name}" is ${e.size} bytes; JSON documents over ${MAX_JSON_BYTES} bytes are refused`, { offset: e.offset });
  }
  // The entry's header was read but the archive was cut inside its data (see indexOuterTar).
  if (e.offset + e.size > outer.blob.size) {
    throw new LayerscopeError(
      'TRUNCATED',
      `"${e.name}" is cut short: the archive ends ${e.offset + e.size - outer.blob.size} bytes before the end of its data`,
      { offset: outer.blob.size },
    );
  }
  return new Uint8Array(await sliceEntry(outer, e).arrayBuffer());
}

const UTF8 = new TextDecoder('utf-8');

/** Parse a JSON document of the archive; invalid JSON throws BAD_JSON naming the file. */
export function parseJson(bytes: Uint8Array, name: string, offset?: number): unknown {
  // TextDecoder drops a leading UTF-8 BOM, which some Windows tools write.
  const text = UTF8.decode(bytes);
  try {
    return JSON.parse(text);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new LayerscopeError('BAD_JSON', `"${name}" is not valid JSON (${why})`, { offset, cause: err });
  }
}

export async function readJson(outer: OuterArchive, e: OuterEntry): Promise<unknown> {
  return parseJson(await readSmall(outer, e), e.name, e.offset);
}

/** A short description of the archive's top level, for "this is not an image" messages. */
export function describeTopLevel(entries: Map<string, OuterEntry>, max = 8): string {
  const top = new Set<string>();
  for (const [name, e] of entries) {
    if (name === '') continue;
    const i = name.indexOf('/');
    top.add(i >= 0 ? `${name.slice(0, i)}/` : e.kind === EntryKind.Dir ? `${name}/` : name);
  }
  if (top.size === 0) return 'an empty archive';
  const names = [...top].sort();
  const shown = names
    .slice(0, max)
    .map((n) => `"${n}"`)
    .join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

export function strArray(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
