/**
 * Tar archives assembled as Blobs from data that is not in memory: a directory
 * of the merged filesystem ("download this directory as .tar"), and a layer's
 * uncompressed tar. Nothing is read into one big buffer:
 *
 * - data in an uncompressed layer is a Blob slice of the opened archive (on
 *   disk, for a dropped file): the archive is a list of slices and headers;
 * - data in a compressed layer is decoded once per layer, the wanted ranges cut
 *   out of the stream as it passes and turned into Blobs of BLOB_PIECE_BYTES
 *   each (browsers keep large Blobs on disk), so at most one piece per file is
 *   in JS memory at a time.
 *
 * Member order is the tree's preorder (a parent before its children), names
 * are relative to the root (`etc/`, `etc/motd`), as `tar -C / -cf x.tar etc`
 * would write them. A hard link is written as the regular file it names (the
 * target may be outside the directory); device nodes, FIFOs and symlinks as
 * themselves (OCI image-spec layer.md, "Changesets").
 */
import { EntryKind, type Compression, type LayerIndex } from '../types';
import { throwIfAborted } from '../errors';
import { resolveHardlink } from '../model/listing';
import type { MergedView, UnionModel } from '../model/union';
import { decompressBlob } from '../read/compression';
import { TAR_END_BYTES, memberHeader, tarPadding, type TarWriteKind } from './tarWriter';

/** Decoded bytes gathered into one Blob piece: big enough that a 1 GB file is ~1000 parts, small enough to be no memory concern. */
export const BLOB_PIECE_BYTES = 1024 * 1024;
/** Headers and padding between data are batched into buffers of at most this size before they become a Blob part. */
const HEADER_BATCH_BYTES = 64 * 1024;

export interface LayerSource {
  /** The layer's blob as stored (compressed or not). */
  blob: Blob;
  compression: Compression;
}

export interface BlobTarOptions {
  signal?: AbortSignal;
  /** Bytes of file data gathered so far, of the total. */
  onProgress?(done: number, total: number): void;
}

interface DataRef {
  layer: number;
  offset: number;
  size: number;
  /** Filled by gather(): the file's bytes. */
  blob: Blob | null;
}

type Part = Uint8Array | DataRef;

const KIND: Partial<Record<number, TarWriteKind>> = {
  [EntryKind.File]: 'file',
  [EntryKind.Dir]: 'dir',
  [EntryKind.Symlink]: 'symlink',
  [EntryKind.Char]: 'char',
  [EntryKind.Block]: 'block',
  [EntryKind.Fifo]: 'fifo',
};

/** What the archive of a directory will hold, before any data is read. */
export interface DirectoryTarPlan {
  members: number;
  dataBytes: number;
  /** Tar members skipped: kinds a tar cannot carry here ('other'), broken hard links. */
  skipped: number;
}

/**
 * The merged filesystem under `node` (itself included) as of `view`, as a tar
 * Blob. `source(layer)` gives a layer's stored blob.
 */
export async function directoryTar(
  u: UnionModel,
  layers: readonly (LayerIndex | null)[],
  view: MergedView,
  node: number,
  source: (layer: number) => LayerSource | null,
  opts: BlobTarOptions = {},
): Promise<{ blob: Blob; plan: DirectoryTarPlan }> {
  const { parts, plan } = planDirectory(u, layers, view, node);
  await gather(parts, source, plan.dataBytes, opts);
  return { blob: assemble(parts), plan };
}

/** Members of the subtree in preorder, as header bytes and references to data. */
export function planDirectory(
  u: UnionModel,
  layers: readonly (LayerIndex | null)[],
  view: MergedView,
  node: number,
): { parts: Part[]; plan: DirectoryTarPlan } {
  const parts: Part[] = [];
  const plan: DirectoryTarPlan = { members: 0, dataBytes: 0, skipped: 0 };
  // Names relative to the root: the path of `node` without its leading '/'.
  const names: string[] = [];
  for (let n = node; n > 0; n = u.parent[n] ?? 0) names.push(u.names[u.nameId[n] ?? 0] ?? '');
  const base = names.reverse().join('/');
  const stack: Array<[number, string]> = [[node, base]];
  while (stack.length > 0) {
    const [n, path] = stack.pop()!;
    if (view.status[n] !== 1) continue;
    const L = view.provider[n] ?? -1;
    const e = view.entry[n] ?? -1;
    const li = L >= 0 ? layers[L] : null;
    const isDir = e < 0 || !li || li.kinds[e] === EntryKind.Dir;
    if (path !== '') {
      if (isDir) {
        parts.push(
          memberHeader(
            {
              path,
              kind: 'dir',
              mode: li && e >= 0 ? (li.modes[e] ?? 0o755) : 0o755,
              uid: li && e >= 0 ? (li.uids[e] ?? 0) : 0,
              gid: li && e >= 0 ? (li.gids[e] ?? 0) : 0,
              mtime: li && e >= 0 ? (li.mtimes[e] ?? 0) : 0,
              xattrs: li?.xattrs.get(e),
            },
            0,
          ),
        );
        plan.members++;
      } else if (li) {
        let kind = KIND[li.kinds[e] ?? -1];
        let dataLayer = L;
        let dataEntry = e;
        if (li.kinds[e] === EntryKind.Hardlink) {
          const t = resolveHardlink(u, layers, L, e);
          if (t) {
            kind = 'file';
            [dataLayer, dataEntry] = t;
          }
        }
        const dl = layers[dataLayer];
        if (!kind || !dl) plan.skipped++;
        else {
          const size = kind === 'file' ? (dl.sizes[dataEntry] ?? 0) : 0;
          const dev = li.devs.get(e);
          const link = li.linkIds[e] ?? -1;
          parts.push(
            memberHeader(
              {
                path,
                kind,
                mode: li.modes[e] ?? 0o644,
                uid: li.uids[e] ?? 0,
                gid: li.gids[e] ?? 0,
                mtime: li.mtimes[e] ?? 0,
                linkname: kind === 'symlink' && link >= 0 ? li.links[link] : undefined,
                devmajor: dev?.[0],
                devminor: dev?.[1],
                xattrs: li.xattrs.get(e),
              },
              size,
            ),
          );
          if (size > 0) {
            parts.push({ layer: dataLayer, offset: dl.dataOffsets[dataEntry] ?? 0, size, blob: null });
            const pad = tarPadding(size);
            if (pad) parts.push(new Uint8Array(pad));
            plan.dataBytes += size;
          }
          plan.members++;
        }
      }
    }
    if (isDir) {
      // Reverse push: children come off the stack in name order.
      const a = u.childStart[n] ?? 0;
      const b = u.childStart[n + 1] ?? 0;
      for (let c = b - 1; c >= a; c--) {
        const child = u.children[c] ?? 0;
        const nm = u.names[u.nameId[child] ?? 0] ?? '';
        stack.push([child, path === '' ? nm : `${path}/${nm}`]);
      }
    }
  }
  parts.push(new Uint8Array(TAR_END_BYTES));
  return { parts, plan };
}

/** Resolve every data reference to a Blob: slices of uncompressed layers, one decoding pass per compressed one. */
async function gather(parts: Part[], source: (layer: number) => LayerSource | null, total: number, opts: BlobTarOptions): Promise<void> {
  const byLayer = new Map<number, DataRef[]>();
  for (const p of parts) {
    if (p instanceof Uint8Array) continue;
    const list = byLayer.get(p.layer);
    if (list) list.push(p);
    else byLayer.set(p.layer, [p]);
  }
  let done = 0;
  const report = (n: number) => {
    done += n;
    opts.onProgress?.(done, total);
  };
  for (const [layer, refs] of byLayer) {
    throwIfAborted(opts.signal);
    const src = source(layer);
    if (!src) throw new Error(`layer ${layer} is not available`);
    if (src.compression === 'none') {
      for (const r of refs) {
        r.blob = src.blob.slice(r.offset, r.offset + r.size);
        report(r.size);
      }
      continue;
    }
    await cutFromStream(decompressBlob(src.blob, src.compression, { signal: opts.signal }), refs, report, opts.signal);
  }
}

/** One pass over a decoded layer: each ref's bytes, in BLOB_PIECE_BYTES pieces. Refs may share bytes (hard links to one file). */
async function cutFromStream(stream: ReadableStream<Uint8Array>, refs: DataRef[], report: (n: number) => void, signal?: AbortSignal): Promise<void> {
  const order = [...refs].sort((a, b) => a.offset - b.offset);
  const end = order.reduce((m, r) => Math.max(m, r.offset + r.size), 0);
  const pieces = new Map<DataRef, { blobs: Blob[]; buf: Uint8Array; fill: number; got: number }>();
  for (const r of order) pieces.set(r, { blobs: [], buf: new Uint8Array(0), fill: 0, got: 0 });
  let first = 0; // refs before this one are complete
  let pos = 0;
  const reader = stream.getReader();
  try {
    while (pos < end) {
      throwIfAborted(signal);
      const { done, value } = await reader.read();
      if (done) throw new Error('the layer ends before the file data');
      const cEnd = pos + value.length;
      for (let i = first; i < order.length; i++) {
        const r = order[i]!;
        if (r.offset >= cEnd) break;
        const st = pieces.get(r)!;
        const from = Math.max(r.offset + st.got, pos);
        const to = Math.min(r.offset + r.size, cEnd);
        if (to <= from) continue;
        let chunk = value.subarray(from - pos, to - pos);
        while (chunk.length > 0) {
          if (st.buf.length === 0) st.buf = new Uint8Array(Math.min(BLOB_PIECE_BYTES, r.size - st.got));
          const n = Math.min(chunk.length, st.buf.length - st.fill);
          st.buf.set(chunk.subarray(0, n), st.fill);
          st.fill += n;
          st.got += n;
          chunk = chunk.subarray(n);
          report(n);
          if (st.fill === st.buf.length) {
            st.blobs.push(new Blob([st.buf as Uint8Array<ArrayBuffer>]));
            st.buf = new Uint8Array(0);
            st.fill = 0;
          }
        }
        if (st.got === r.size) r.blob = new Blob(st.blobs);
      }
      while (first < order.length && order[first]!.blob) first++;
      pos = cEnd;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

function assemble(parts: Part[]): Blob {
  const out: BlobPart[] = [];
  let batch: Uint8Array[] = [];
  let batchBytes = 0;
  const flush = () => {
    if (batch.length === 0) return;
    const b = new Uint8Array(batchBytes);
    let o = 0;
    for (const x of batch) {
      b.set(x, o);
      o += x.length;
    }
    out.push(b as Uint8Array<ArrayBuffer>);
    batch = [];
    batchBytes = 0;
  };
  for (const p of parts) {
    if (p instanceof Uint8Array) {
      batch.push(p);
      batchBytes += p.length;
      if (batchBytes >= HEADER_BATCH_BYTES) flush();
    } else {
      flush();
      if (!p.blob) throw new Error('file data missing');
      out.push(p.blob);
    }
  }
  flush();
  return new Blob(out, { type: 'application/x-tar' });
}

/** A layer's uncompressed tar as a Blob: the stored blob itself when uncompressed, else decoded in BLOB_PIECE_BYTES pieces. */
export async function layerTar(src: LayerSource, opts: BlobTarOptions & { size?: number } = {}): Promise<Blob> {
  if (src.compression === 'none') return src.blob.slice(0, src.blob.size, 'application/x-tar');
  const reader = decompressBlob(src.blob, src.compression, { signal: opts.signal }).getReader();
  const blobs: Blob[] = [];
  let buf = new Uint8Array(BLOB_PIECE_BYTES);
  let fill = 0;
  let done = 0;
  try {
    for (;;) {
      throwIfAborted(opts.signal);
      const r = await reader.read();
      if (r.done) break;
      let chunk = r.value;
      while (chunk.length > 0) {
        const n = Math.min(chunk.length, buf.length - fill);
        buf.set(chunk.subarray(0, n), fill);
        fill += n;
        chunk = chunk.subarray(n);
        if (fill === buf.length) {
          blobs.push(new Blob([buf]));
          buf = new Uint8Array(BLOB_PIECE_BYTES);
          fill = 0;
        }
      }
      done += r.value.length;
      opts.onProgress?.(done, opts.size ?? 0);
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  if (fill > 0) blobs.push(new Blob([buf.subarray(0, fill)]));
  return new Blob(blobs, { type: 'application/x-tar' });
}
