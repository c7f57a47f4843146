/**
 * An ELF binary's summary for the preview, from its header, program headers,
 * dynamic section and section names (System V ABI, "Object Files": ELF header,
 * program header, dynamic section; the Linux ABI supplement for DT_FLAGS_1) —
 * what `file` and `readelf -h -l -d` tell: class, byte order, machine, type
 * (executable, PIE, shared object…), interpreter, needed libraries, soname,
 * rpath/runpath, static or dynamic, stripped or not.
 *
 * The file is hostile input: every offset and count is checked against the
 * file's size and against the bounds below, and reading beyond the bytes
 * already at hand goes through `readAt` a bounded number of times. Nothing is
 * executed or interpreted beyond these tables.
 */

export interface ElfSummary {
  bits: 32 | 64;
  endian: 'little' | 'big';
  osAbi: string;
  /** 'executable', 'PIE executable', 'shared object', 'relocatable object', 'core dump', or the raw number. */
  type: string;
  machine: string;
  entry: string;
  interpreter: string | null;
  needed: string[];
  soname: string | null;
  rpath: string | null;
  runpath: string | null;
  linking: 'static' | 'static-pie' | 'dynamic';
  /** null when the section headers could not be read. */
  stripped: boolean | null;
  debugInfo: boolean | null;
  /** Non-executable stack (PT_GNU_STACK without PF_X); null when absent. */
  nxStack: boolean | null;
  relro: boolean;
  sections: number;
  segments: number;
  /** What could not be read (cut off, out of range): the summary is partial. */
  problems: string[];
}

/** Reads `len` bytes at `offset` of the file (fewer at its end). */
export type ReadAt = (offset: number, len: number) => Promise<Uint8Array>;

/** Program and section headers beyond these counts are not read (real binaries have tens; the format allows 65535). */
export const ELF_MAX_HEADERS = 4096;
/** Dynamic entries read at most (real ones: 20-60). */
export const ELF_MAX_DYNAMIC = 8192;
/** Longest string taken from a string table (library names, paths). */
export const ELF_MAX_STRING = 4096;
/** Bytes read for one table (headers, dynamic section, a string table). */
export const ELF_MAX_TABLE_BYTES = 1024 * 1024;
/** Reads beyond the first bytes: the program headers, the dynamic section, its strings, the section headers and their names. */
export const ELF_MAX_READS = 6;

const MACHINES: Record<number, string> = {
  2: 'SPARC',
  3: 'x86 (i386)',
  8: 'MIPS',
  20: 'PowerPC',
  21: 'PowerPC 64',
  22: 'IBM S/390',
  40: 'ARM (32-bit)',
  43: 'SPARC V9',
  50: 'IA-64',
  62: 'x86-64',
  183: 'AArch64 (ARM 64-bit)',
  243: 'RISC-V',
  258: 'LoongArch',
};
const OS_ABI: Record<number, string> = { 0: 'System V', 3: 'Linux (GNU)', 6: 'Solaris', 9: 'FreeBSD', 12: 'OpenBSD' };

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const PT_GNU_STACK = 0x6474e551;
const PT_GNU_RELRO = 0x6474e552;
const PF_X = 1;
const DT_NEEDED = 1;
const DT_STRTAB = 5;
const DT_STRSZ = 10;
const DT_SONAME = 14;
const DT_RPATH = 15;
const DT_RUNPATH = 29;
const DT_FLAGS_1 = 0x6ffffffb;
const DF_1_PIE = 0x08000000;

export function isElf(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46;
}

/** Summary of the ELF file whose first bytes are `head` (null when they are not an ELF header). */
export async function parseElf(head: Uint8Array, fileSize: number, readAt: ReadAt): Promise<ElfSummary | null> {
  if (!isElf(head) || head.length < 52) return null;
  const cls = head[4];
  const data = head[5];
  if ((cls !== 1 && cls !== 2) || (data !== 1 && data !== 2)) return null;
  const bits = cls === 2 ? 64 : 32;
  const le = data === 1;
  if (bits === 64 && head.length < 64) return null;
  const problems: string[] = [];
  let reads = 0;
  /** Bytes [off, off+len) of the file: from `head` when there, else one bounded read. */
  const bytes = async (off: number, len: number, what: string): Promise<DataView | null> => {
    if (!Number.isSafeInteger(off) || !Number.isSafeInteger(len) || off < 0 || len <= 0 || len > ELF_MAX_TABLE_BYTES || off + len > fileSize) {
      problems.push(`${what} lies outside the file`);
      return null;
    }
    if (off + len <= head.length) return new DataView(head.buffer, head.byteOffset + off, len);
    if (reads >= ELF_MAX_READS) {
      problems.push(`${what} not read (read limit)`);
      return null;
    }
    reads++;
    const b = await readAt(off, len);
    if (b.length < len) {
      problems.push(`${what} is cut off`);
      return null;
    }
    return new DataView(b.buffer, b.byteOffset, b.byteLength);
  };
  const h = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const u16 = (v: DataView, o: number) => v.getUint16(o, le);
  const u32 = (v: DataView, o: number) => v.getUint32(o, le);
  const word = (v: DataView, o: number) => (bits === 64 ? Number(v.getBigUint64(o, le)) : v.getUint32(o, le));
  const wordHex = (v: DataView, o: number) => `0x${(bits === 64 ? v.getBigUint64(o, le) : BigInt(v.getUint32(o, le))).toString(16)}`;

  const eType = u16(h, 16);
  const eMachine = u16(h, 18);
  const entry = wordHex(h, 24);
  const phoff = word(h, bits === 64 ? 32 : 28);
  const shoff = word(h, bits === 64 ? 40 : 32);
  const phentsize = u16(h, bits === 64 ? 54 : 42);
  const phnum = u16(h, bits === 64 ? 56 : 44);
  const shentsize = u16(h, bits === 64 ? 58 : 46);
  const shnum = u16(h, bits === 64 ? 60 : 48);
  const shstrndx = u16(h, bits === 64 ? 62 : 50);

  interface Seg {
    type: number;
    flags: number;
    offset: number;
    vaddr: number;
    filesz: number;
  }
  const segs: Seg[] = [];
  const minPh = bits === 64 ? 56 : 32;
  if (phnum > 0 && phentsize >= minPh && phnum <= ELF_MAX_HEADERS) {
    const v = await bytes(phoff, phnum * phentsize, 'the program headers');
    for (let i = 0; v && i < phnum; i++) {
      const o = i * phentsize;
      segs.push(
        bits === 64
          ? { type: u32(v, o), flags: u32(v, o + 4), offset: word(v, o + 8), vaddr: word(v, o + 16), filesz: word(v, o + 32) }
          : { type: u32(v, o), offset: u32(v, o + 4), vaddr: u32(v, o + 8), filesz: u32(v, o + 16), flags: u32(v, o + 24) },
      );
    }
  } else if (phnum > ELF_MAX_HEADERS) problems.push(`${phnum} program headers: more than the ${ELF_MAX_HEADERS} read`);

  const str = (v: DataView, at: number): string | null => {
    if (at < 0 || at >= v.byteLength) return null;
    let end = at;
    while (end < v.byteLength && end - at < ELF_MAX_STRING && v.getUint8(end) !== 0) end++;
    return new TextDecoder('utf-8', { fatal: false }).decode(new Uint8Array(v.buffer, v.byteOffset + at, end - at));
  };

  let interpreter: string | null = null;
  const interp = segs.find((s) => s.type === PT_INTERP);
  if (interp) {
    const v = await bytes(interp.offset, Math.min(interp.filesz, ELF_MAX_STRING), 'the interpreter path');
    if (v) interpreter = str(v, 0);
  }

  const needed: string[] = [];
  let soname: string | null = null;
  let rpath: string | null = null;
  let runpath: string | null = null;
  let flags1 = 0;
  const dyn = segs.find((s) => s.type === PT_DYNAMIC);
  if (dyn) {
    const entSize = bits === 64 ? 16 : 8;
    const count = Math.min(Math.floor(dyn.filesz / entSize), ELF_MAX_DYNAMIC);
    const v = count > 0 ? await bytes(dyn.offset, count * entSize, 'the dynamic section') : null;
    const tags: Array<[number, number]> = [];
    for (let i = 0; v && i < count; i++) {
      const tag = word(v, i * entSize);
      if (tag === 0) break; // DT_NULL ends the array
      tags.push([tag, word(v, i * entSize + entSize / 2)]);
    }
    const strtab = tags.find(([t]) => t === DT_STRTAB)?.[1];
    const strsz = tags.find(([t]) => t === DT_STRSZ)?.[1] ?? 0;
    flags1 = tags.find(([t]) => t === DT_FLAGS_1)?.[1] ?? 0;
    // DT_STRTAB is an address: find the loaded segment that holds it to get its file offset.
    const load = strtab === undefined ? undefined : segs.find((s) => s.type === PT_LOAD && strtab >= s.vaddr && strtab < s.vaddr + s.filesz);
    if (strtab !== undefined && load && strsz > 0) {
      const sv = await bytes(load.offset + (strtab - load.vaddr), Math.min(strsz, ELF_MAX_TABLE_BYTES), 'the dynamic string table');
      if (sv) {
        for (const [t, val] of tags) {
          const s = t === DT_NEEDED || t === DT_SONAME || t === DT_RPATH || t === DT_RUNPATH ? str(sv, val) : null;
          if (s === null) continue;
          if (t === DT_NEEDED) needed.push(s);
          else if (t === DT_SONAME) soname = s;
          else if (t === DT_RPATH) rpath = s;
          else runpath = s;
        }
      }
    } else if (tags.some(([t]) => t === DT_NEEDED)) problems.push('the dynamic string table was not found');
  }

  let stripped: boolean | null = null;
  let debugInfo: boolean | null = null;
  const minSh = bits === 64 ? 64 : 40;
  if (shnum > 0 && shentsize >= minSh && shnum <= ELF_MAX_HEADERS && shstrndx < shnum) {
    const v = await bytes(shoff, shnum * shentsize, 'the section headers');
    if (v) {
      const nameOff = (i: number) => u32(v, i * shentsize);
      const so = shstrndx * shentsize;
      const off = bits === 64 ? word(v, so + 24) : u32(v, so + 16);
      const size = bits === 64 ? word(v, so + 32) : u32(v, so + 20);
      const names = size > 0 ? await bytes(off, Math.min(size, ELF_MAX_TABLE_BYTES), 'the section names') : null;
      if (names) {
        const all = new Set<string>();
        for (let i = 0; i < shnum; i++) {
          const n = str(names, nameOff(i));
          if (n) all.add(n);
        }
        stripped = !all.has('.symtab');
        debugInfo = all.has('.debug_info');
      }
    }
  }

  const stack = segs.find((s) => s.type === PT_GNU_STACK);
  const typeName =
    eType === 1
      ? 'relocatable object'
      : eType === 2
        ? 'executable'
        : eType === 3
          ? interpreter || flags1 & DF_1_PIE
            ? 'PIE executable'
            : 'shared object'
          : eType === 4
            ? 'core dump'
            : `type ${eType}`;
  return {
    bits,
    endian: le ? 'little' : 'big',
    osAbi: OS_ABI[head[7] ?? 0] ?? `ABI ${head[7]}`,
    type: typeName,
    machine: MACHINES[eMachine] ?? `machine ${eMachine}`,
    entry,
    interpreter,
    needed,
    soname,
    rpath,
    runpath,
    // static-pie: relocates itself (a dynamic section and DF_1_PIE) but names no interpreter.
    linking: !dyn ? 'static' : !interpreter && flags1 & DF_1_PIE ? 'static-pie' : 'dynamic',
    stripped,
    debugInfo,
    nxStack: stack ? !(stack.flags & PF_X) : null,
    relro: segs.some((s) => s.type === PT_GNU_RELRO),
    sections: shnum,
    segments: phnum,
    problems,
  };
}
