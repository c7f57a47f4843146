/**
 * Go binaries' embedded build info (what `go version -m` prints): the module
 * path and version of the main module and of every dependency compiled in.
 *
 * Read in two steps, forward only (the audit reads a layer in one pass):
 *  1. The head (GO_HEAD_BYTES): the ELF header and program headers (ELF gABI,
 *     "ELF Header", "Program Header"). A Go binary carries a PT_NOTE with the
 *     Go build ID (name "Go\0\0", type 4 — cmd/link's ELF note), which sits right
 *     after the program headers, so the head says whether it is Go; the first
 *     writable PT_LOAD segment is where the linker puts `.go.buildinfo`.
 *  2. That segment's file bytes (at most MAX_GO_DATA_BYTES), searched for the
 *     build info magic `\xff Go buildinf:` on 16-byte boundaries (the section's
 *     alignment; Go's debug/buildinfo searches the same way). With an external
 *     linker (cgo) the section is not first in the segment — 93 KB into it in
 *     Debian's skopeo — hence the whole segment, not 64 KiB.
 * Layout after the magic (Go ≥ 1.18, flag bit 2 "version inline"): byte 14 the
 * pointer size, byte 15 the flags, then at offset 32 two uvarint-length-prefixed
 * strings: the Go version and the module info, whose lines are
 * `path`/`mod`/`dep`/`=>`/`build` records separated by tabs, framed by 16-byte
 * sentinels. Older binaries point into memory instead; they are reported as not read.
 */
import type { PackageRecord } from './types';

/** Upper bound on the writable segment bytes searched for the magic (Go's data segments of large binaries are a few MB). */
export const MAX_GO_DATA_BYTES = 8 * 1024 * 1024;

const PT_LOAD = 1;
const PT_NOTE = 4;
const PF_X = 1;
const PF_W = 2;
const NT_GO_BUILDID = 4;
const MAGIC = [0xff, 0x20, 0x47, 0x6f, 0x20, 0x62, 0x75, 0x69, 0x6c, 0x64, 0x69, 0x6e, 0x66, 0x3a]; // "\xff Go buildinf:"
const FLAG_VERSION_INLINE = 2;

export interface GoDataSegment {
  offset: number;
  size: number;
}

/** From the head of an ELF file: where its data segment is, if it is a Go binary; null otherwise. */
export function goDataSegment(head: Uint8Array): GoDataSegment | null {
  if (head.length < 52 || head[0] !== 0x7f || head[1] !== 0x45 || head[2] !== 0x4c || head[3] !== 0x46) return null;
  const is64 = head[4] === 2;
  if (!is64 && head[4] !== 1) return null;
  const le = head[5] === 1;
  if (!le && head[5] !== 2) return null;
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const u16 = (o: number) => dv.getUint16(o, le);
  const u32 = (o: number) => dv.getUint32(o, le);
  const word = (o: number) => (is64 ? Number(dv.getBigUint64(o, le)) : dv.getUint32(o, le));
  if (head.length < (is64 ? 64 : 52)) return null;
  const phoff = word(is64 ? 32 : 28);
  const phentsize = u16(is64 ? 54 : 42);
  const phnum = u16(is64 ? 56 : 44);
  if (phentsize < (is64 ? 56 : 32) || phoff + phnum * phentsize > head.length) return null;
  let isGo = false;
  let data: GoDataSegment | null = null;
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    const type = u32(p);
    const flags = is64 ? u32(p + 4) : u32(p + 24);
    const offset = word(is64 ? p + 8 : p + 4);
    const filesz = word(is64 ? p + 32 : p + 16);
    if (type === PT_NOTE && offset + filesz <= head.length) {
      // Notes: namesz, descsz, type, name (padded to 4), desc (padded to 4).
      let q = offset;
      while (q + 12 <= offset + filesz) {
        const namesz = u32(q);
        const descsz = u32(q + 4);
        const ntype = u32(q + 8);
        const name = head.subarray(q + 12, q + 12 + namesz);
        if (ntype === NT_GO_BUILDID && namesz === 4 && name[0] === 0x47 && name[1] === 0x6f && name[2] === 0 && name[3] === 0) isGo = true;
        q += 12 + ((namesz + 3) & ~3) + ((descsz + 3) & ~3);
      }
    }
    if (type === PT_LOAD && (flags & (PF_W | PF_X)) === PF_W && data === null) data = { offset, size: filesz };
  }
  return isGo && data && data.size > 0 ? { offset: data.offset, size: Math.min(data.size, MAX_GO_DATA_BYTES) } : null;
}

function uvarint(b: Uint8Array, o: number): [number, number] | null {
  let x = 0;
  let s = 1;
  for (let i = 0; i < 10 && o + i < b.length; i++) {
    const c = b[o + i]!;
    x += (c & 0x7f) * s;
    if (c < 0x80) return [x, o + i + 1];
    s *= 128;
  }
  return null;
}

export interface GoBuildInfo {
  goVersion: string;
  path: string | null;
  main: { path: string; version: string } | null;
  deps: { path: string; version: string; replacedBy?: string }[];
  settings: Record<string, string>;
}

/** Parse the build info out of the data segment's bytes; a string says why not. */
export function parseGoBuildInfo(seg: Uint8Array): GoBuildInfo | string {
  let at = -1;
  for (let o = 0; o + 32 <= seg.length; o += 16) {
    if (seg[o] !== 0xff || seg[o + 1] !== 0x20) continue;
    let ok = true;
    for (let k = 2; k < MAGIC.length; k++) if (seg[o + k] !== MAGIC[k]) ok = false;
    if (ok) {
      at = o;
      break;
    }
  }
  if (at < 0) return 'no build info found in the data segment';
  const flags = seg[at + 15]!;
  if ((flags & FLAG_VERSION_INLINE) === 0) return 'built with Go older than 1.18 (build info by pointer): not read';
  const dec = new TextDecoder();
  const v = uvarint(seg, at + 32);
  if (!v || v[1] + v[0] > seg.length) return 'truncated build info';
  const goVersion = dec.decode(seg.subarray(v[1], v[1] + v[0]));
  const m = uvarint(seg, v[1] + v[0]);
  if (!m || m[1] + m[0] > seg.length) return 'truncated build info';
  let mod = dec.decode(seg.subarray(m[1], m[1] + m[0]));
  // 16-byte sentinels around the module info (runtime/debug: modinfo framing).
  if (mod.length >= 33 && mod[mod.length - 17] === '\n') mod = mod.slice(16, -16);
  const info: GoBuildInfo = { goVersion, path: null, main: null, deps: [], settings: {} };
  for (const line of mod.split('\n')) {
    const f = line.split('\t');
    if (f[0] === 'path') info.path = f[1] ?? null;
    else if (f[0] === 'mod' && f[1]) info.main = { path: f[1], version: f[2] || '(devel)' };
    else if (f[0] === 'dep' && f[1]) info.deps.push({ path: f[1], version: f[2] ?? '' });
    else if (f[0] === '=>' && info.deps.length && f[1]) info.deps[info.deps.length - 1]!.replacedBy = `${f[1]}${f[2] ? `@${f[2]}` : ''}`;
    else if (f[0] === 'build' && f[1]) {
      const eq = f[1].indexOf('=');
      if (eq > 0) info.settings[f[1].slice(0, eq)] = f[1].slice(eq + 1);
    }
  }
  return info;
}

export const goKey = (binary: string, module: string) => `go:${binary}:${module}`;

/** Package records of one binary: the toolchain's standard library, the main module and each dependency. */
export function goRecords(info: GoBuildInfo, binary: string): PackageRecord[] {
  const base = (name: string, version: string, detail: Record<string, string>): PackageRecord => ({
    ecosystem: 'go',
    name,
    version,
    arch: info.settings.GOARCH ?? null,
    size: null,
    key: goKey(binary, name),
    source: binary,
    files: [binary],
    detail: { binary, ...detail },
  });
  const out: PackageRecord[] = [base('stdlib', info.goVersion, { kind: 'Go toolchain' })];
  if (info.main) out.push(base(info.main.path, info.main.version, { kind: 'main module', ...(info.path ? { package: info.path } : {}) }));
  for (const d of info.deps) out.push(base(d.path, d.version, d.replacedBy ? { replacedBy: d.replacedBy } : {}));
  return out;
}
