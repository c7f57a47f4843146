// Types of hostile.mjs (plain JavaScript so that node scripts can import it too).
export const KiB: number;
export const MiB: number;
export const GiB: number;
export const BLOCK: number;
export function pad512(n: number): number;
export function concat(parts: Uint8Array[]): Uint8Array;
export function ustarHeader(h: { name: string; size?: number; type?: string; mode?: number; linkname?: string; mtime?: number }): Uint8Array;
export interface HostileEntry {
  name: string;
  data?: string | Uint8Array;
  type?: string;
  linkname?: string;
  mode?: number;
}
export function tarOf(entries: HostileEntry[]): Uint8Array;
export function sha256(b: Uint8Array): string;
export function dockerSave(o: {
  layers: { name: string; data: Uint8Array; diffId?: string }[];
  manifest?: unknown;
  diffIds?: string[];
  config?: Record<string, unknown>;
  tags?: string[];
}): Uint8Array;
export const ZSTD_BLOCK_MAX: number;
export function zstdZeroTar(zeroBytes: number, o?: { windowLog?: number; name?: string }): Uint8Array;
export function zstdDeclaringContentSize(size: number): Uint8Array;
export function crc32AppendZeros(crc: number, len: number): number;
export function gzipPrefixAndZeros(prefix: Uint8Array, zeroBytes: number): Uint8Array[];
export function gzipZeroTar(zeroBytes: number, o?: { name?: string }): Uint8Array;
export function writeGzippedArchiveWithZeroEntry(path: string, entryBytes: number): void;
export function manyImages(n: number, o?: { files?: number }): Uint8Array;
export function oneLayerManyTimes(times: number, o?: { files?: number }): Uint8Array;
export function writeSparseArchiveWithBigFile(path: string, fileBytes: number, o?: { name?: string }): { dataOffsetInFile: number };
