// Hostile image archives, written byte by byte (issue 9): a few MB that expand
// to tens of GB, thousands of images, one layer listed thousands of times. Plain
// JavaScript so that both the unit tests (vitest) and the benchmarks
// (scripts/bench-hostile.mjs, plain node) build the same inputs. Every format
// detail cites its spec; nothing here uses the engine under test.
import { crc32 as zlibCrc32, deflateRawSync, constants as Z } from 'node:zlib';
import { createHash } from 'node:crypto';
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';

const te = new TextEncoder();
export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

/** Tar works in 512-byte blocks (POSIX ustar). */
export const BLOCK = 512;
export const pad512 = (n) => Math.ceil(n / BLOCK) * BLOCK;

export function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * One ustar header (POSIX.1-1988 ustar layout). Sizes above the 11-digit octal
 * field (8 GiB - 1) use GNU tar's base-256 form: the first byte's high bit set,
 * the number big-endian in the rest of the field.
 */
export function ustarHeader({ name, size = 0, type = '0', mode = 0o644, linkname = '', mtime = 0 }) {
  const h = new Uint8Array(BLOCK);
  const put = (s, off, len) => h.set(te.encode(s).subarray(0, len), off);
  const octal = (n, len) => n.toString(8).padStart(len - 1, '0') + '\0';
  put(name, 0, 100);
  put(octal(mode, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  if (size <= 0o77777777777) put(octal(size, 12), 124, 12);
  else {
    let v = BigInt(size);
    for (let i = 11; i >= 1; i--) {
      h[124 + i] = Number(v & 0xffn);
      v >>= 8n;
    }
    h[124] = 0x80;
  }
  put(octal(mtime, 12), 136, 12);
  h[156] = type.charCodeAt(0);
  put(linkname, 157, 100);
  put('ustar\x0000', 257, 8);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return h;
}

/** A small tar in memory: entries { name, data?, type?, linkname?, mode? }, then the end marker (two zero blocks). */
export function tarOf(entries) {
  const parts = [];
  for (const e of entries) {
    const data = typeof e.data === 'string' ? te.encode(e.data) : (e.data ?? new Uint8Array(0));
    parts.push(
      ustarHeader({ name: e.name, size: e.type && e.type !== '0' ? 0 : data.length, type: e.type ?? '0', linkname: e.linkname ?? '', mode: e.mode ?? 0o644 }),
    );
    if (data.length) {
      const d = new Uint8Array(pad512(data.length));
      d.set(data);
      parts.push(d);
    }
  }
  parts.push(new Uint8Array(2 * BLOCK));
  return concat(parts);
}

export const sha256 = (b) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/**
 * A legacy `docker save` (manifest.json, config with rootfs.diff_ids, layer
 * members). `layers`: [{ name, data }] stored once each; `manifest` overrides the
 * default one-image manifest; `diffIds` the config's list (default one per layer).
 */
export function dockerSave({ layers, manifest, diffIds, config = {}, tags = ['hostile:latest'] }) {
  const ids = diffIds ?? layers.map((l) => l.diffId ?? sha256(l.data));
  const cfg = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: ids }, ...config });
  const man = JSON.stringify(manifest ?? [{ Config: 'config.json', RepoTags: tags, Layers: layers.map((l) => l.name) }]);
  return tarOf([{ name: 'manifest.json', data: man }, { name: 'config.json', data: cfg }, ...layers.map((l) => ({ name: l.name, data: l.data }))]);
}

/* ------------------------------------------------------------------ zstd (RFC 8878) */

/** zstd frame magic 0xFD2FB528, little-endian (RFC 8878 §3.1.1). */
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
/** Block_Maximum_Size: 128 KiB (RFC 8878 §3.1.1.2.4). */
export const ZSTD_BLOCK_MAX = 128 * KiB;

function blockHeader(last, type, size) {
  const v = (last ? 1 : 0) | (type << 1) | (size << 3);
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff];
}

/**
 * A zstd frame whose content is a tar holding ONE file of `zeroBytes` zeros:
 * the tar header as a Raw block, every zero as RLE blocks of 128 KiB (4 bytes
 * each: a 32 GiB file is 1 MiB of frame). `windowLog`: the Window_Descriptor
 * (RFC 8878 §3.1.1.1.2: Window_Size = 2^(10 + Exponent)); above 27 a decoder
 * without --long must refuse it.
 */
export function zstdZeroTar(zeroBytes, { windowLog = 20, name = 'zeros' } = {}) {
  const parts = [new Uint8Array([...ZSTD_MAGIC, 0x00, (windowLog - 10) << 3])];
  const header = ustarHeader({ name, size: zeroBytes });
  parts.push(new Uint8Array([...blockHeader(false, 0, BLOCK), ...header]));
  let zeros = pad512(zeroBytes) + 2 * BLOCK;
  const blockSize = Math.min(ZSTD_BLOCK_MAX, 2 ** windowLog);
  const full = Math.floor(zeros / blockSize);
  const rle = new Uint8Array([...blockHeader(false, 1, blockSize), 0]);
  const out = new Uint8Array(full * 4);
  for (let i = 0; i < full; i++) out.set(rle, i * 4);
  zeros -= full * blockSize;
  parts.push(out);
  // the last block (possibly empty raw)
  if (zeros > 0) parts.push(new Uint8Array([...blockHeader(true, 1, zeros), 0]));
  else parts.push(new Uint8Array(blockHeader(true, 0, 0)));
  return concat(parts);
}

/** A zstd frame with a single-segment Frame_Content_Size of `size` bytes declared (RFC 8878 §3.1.1.1.1), followed by one raw block. */
export function zstdDeclaringContentSize(size) {
  // FCS_Field_Size flag 3 (8 bytes), Single_Segment_flag set: the window is the content size.
  const fcs = new Uint8Array(8);
  let v = BigInt(size);
  for (let i = 0; i < 8; i++) {
    fcs[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return concat([new Uint8Array([...ZSTD_MAGIC, 0xe0]), fcs, new Uint8Array([...blockHeader(true, 0, 4), 1, 2, 3, 4])]);
}

/* ------------------------------------------------------------------ gzip (RFC 1951/1952) */

/** CRC-32 register extended by `len` zero bytes, by GF(2) matrix powers (what zlib's crc32_combine does). */
export function crc32AppendZeros(crc, len) {
  const times = (mat, vec) => {
    let sum = 0;
    for (let i = 0; vec; i++, vec >>>= 1) if (vec & 1) sum ^= mat[i];
    return sum >>> 0;
  };
  const square = (mat) => mat.map((_, n) => times(mat, mat[n]));
  // operator for one zero bit (reflected polynomial 0xEDB88320)
  let op = new Array(32);
  op[0] = 0xedb88320;
  for (let n = 1; n < 32; n++) op[n] = (1 << (n - 1)) >>> 0;
  // ... for one zero byte: 8 bits
  op = square(square(square(op)));
  let reg = ~crc >>> 0;
  let n = len;
  while (n > 0) {
    if (n % 2 === 1) reg = times(op, reg);
    n = Math.floor(n / 2);
    if (n > 0) op = square(op);
  }
  return ~reg >>> 0;
}

const ZERO_SEGMENT_BYTES = 8 * MiB;
let zeroSegment = null;
/** Raw deflate of 8 MiB of zeros ending on a byte boundary, not final (a sync flush, RFC 1951 §3.2.4): it can be repeated. */
function zeroDeflateSegment() {
  zeroSegment ??= new Uint8Array(deflateRawSync(new Uint8Array(ZERO_SEGMENT_BYTES), { level: 9, finishFlush: Z.Z_SYNC_FLUSH }));
  return zeroSegment;
}

/**
 * gzip (RFC 1952) of `prefix` followed by `zeroBytes` zeros, without ever
 * holding the zeros: `prefix` deflated, then one repeated deflate segment of 8
 * MiB of zeros, then the rest; CRC-32 and ISIZE computed for the whole. Returns
 * the parts (write them out in order; 10 GiB of zeros are ~10 MB of parts).
 */
export function gzipPrefixAndZeros(prefix, zeroBytes) {
  const parts = [new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3])];
  parts.push(new Uint8Array(deflateRawSync(prefix, { finishFlush: Z.Z_SYNC_FLUSH })));
  const seg = zeroDeflateSegment();
  const n = Math.floor(zeroBytes / ZERO_SEGMENT_BYTES);
  for (let i = 0; i < n; i++) parts.push(seg);
  parts.push(new Uint8Array(deflateRawSync(new Uint8Array(zeroBytes - n * ZERO_SEGMENT_BYTES), { finishFlush: Z.Z_FINISH })));
  const crc = crc32AppendZeros(zlibCrc32(prefix), zeroBytes);
  const total = (prefix.length + zeroBytes) % 2 ** 32;
  const trailer = new Uint8Array(8);
  new DataView(trailer.buffer).setUint32(0, crc, true);
  new DataView(trailer.buffer).setUint32(4, total, true);
  parts.push(trailer);
  return parts;
}

/** A gzip layer: a tar holding one file `name` of `zeroBytes` zeros (then the tar's end marker). */
export function gzipZeroTar(zeroBytes, { name = 'zeros' } = {}) {
  return concat(gzipPrefixAndZeros(ustarHeader({ name, size: zeroBytes }), pad512(zeroBytes) + 2 * BLOCK));
}

/**
 * A whole `docker save` gzipped (`.tar.gz`) whose one layer member is
 * `entryBytes` zeros: it expands to that many bytes. Written to `path` part by
 * part (10 GiB of content is ~10 MB on disk).
 */
export function writeGzippedArchiveWithZeroEntry(path, entryBytes) {
  // manifest + config, then the header of a layer member whose data is all zeros
  const cfg = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: ['sha256:' + '0'.repeat(64)] } });
  const man = JSON.stringify([{ Config: 'config.json', RepoTags: ['bomb:latest'], Layers: ['zeros/layer.tar'] }]);
  const head = tarOf([
    { name: 'manifest.json', data: man },
    { name: 'config.json', data: cfg },
  ]).subarray(0, -2 * BLOCK);
  const prefix = concat([head, ustarHeader({ name: 'zeros/layer.tar', size: entryBytes })]);
  const parts = gzipPrefixAndZeros(prefix, pad512(entryBytes) + 2 * BLOCK);
  const fd = openSync(path, 'w');
  try {
    for (const p of parts) writeSync(fd, p);
  } finally {
    closeSync(fd);
  }
}

/* ------------------------------------------------------------------ many images, one layer many times */

/** One manifest.json listing `n` images (distinct tags) that all share one small layer (issue 9, point 5). */
export function manyImages(n, { files = 10 } = {}) {
  const layer = tarOf(Array.from({ length: files }, (_, i) => ({ name: `f${i}`, data: `file ${i}\n` })));
  const manifest = Array.from({ length: n }, (_, i) => ({ Config: 'config.json', RepoTags: [`img:${i}`], Layers: ['l/layer.tar'] }));
  return dockerSave({ layers: [{ name: 'l/layer.tar', data: layer }], manifest });
}

/** One image whose manifest lists the same layer `times` times (issue 9, point 6). */
export function oneLayerManyTimes(times, { files = 200 } = {}) {
  const layer = tarOf(Array.from({ length: files }, (_, i) => ({ name: `d/f${i}`, data: `file ${i}\n`.repeat(20) })));
  const id = sha256(layer);
  return dockerSave({
    layers: [{ name: 'l/layer.tar', data: layer }],
    manifest: [{ Config: 'config.json', RepoTags: ['repeat:latest'], Layers: new Array(times).fill('l/layer.tar') }],
    diffIds: new Array(times).fill(id),
  });
}

/**
 * An uncompressed `docker save` whose one layer holds one `fileBytes`-byte file
 * of zeros, written sparse (the zeros take no disk): for downloads of huge files.
 */
export function writeSparseArchiveWithBigFile(path, fileBytes, { name = 'model.bin' } = {}) {
  const layerLen = BLOCK + pad512(fileBytes) + 2 * BLOCK;
  const diffId = 'sha256:' + '0'.repeat(64); // not checked by the tests using this
  const cfg = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [diffId] } });
  const man = JSON.stringify([{ Config: 'config.json', RepoTags: ['big:latest'], Layers: ['l/layer.tar'] }]);
  const head = tarOf([
    { name: 'manifest.json', data: man },
    { name: 'config.json', data: cfg },
  ]).subarray(0, -2 * BLOCK);
  const fd = openSync(path, 'w');
  try {
    let off = 0;
    const w = (b) => {
      writeSync(fd, b, 0, b.length, off);
      off += b.length;
    };
    w(head);
    w(ustarHeader({ name: 'l/layer.tar', size: layerLen }));
    w(ustarHeader({ name, size: fileBytes }));
    // a recognisable first and last block, zeros (holes) between
    const first = new Uint8Array(BLOCK).fill(0x41);
    w(first);
    off += pad512(fileBytes) - 2 * BLOCK;
    w(new Uint8Array(BLOCK).fill(0x5a));
    off += 2 * BLOCK; // the layer's end marker (zeros)
    off += 2 * BLOCK; // the archive's end marker
    ftruncateSync(fd, off);
  } finally {
    closeSync(fd);
  }
  return { dataOffsetInFile: head.length + 2 * BLOCK };
}
