/**
 * The ELF summary against readelf's own reading of the same files
 * (test/fixtures/preview/elf/*.readelf, recorded with GNU readelf 2.40 when the
 * fixtures were compiled), plus hostile headers that must not throw or read
 * beyond the file.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ELF_MAX_READS, parseElf } from './elf';

const DIR = join(process.cwd(), 'test', 'fixtures', 'preview', 'elf');

function readelfFacts(name: string) {
  const t = readFileSync(join(DIR, `${name}.readelf`), 'utf8');
  const one = (re: RegExp) => re.exec(t)?.[1] ?? null;
  return {
    cls: one(/Class:\s+(\S+)/),
    type: one(/Type:\s+(.+)/),
    machine: one(/Machine:\s+(.+)/),
    interp: one(/Requesting program interpreter: ([^\]]+)\]/),
    needed: [...t.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]),
    soname: one(/\(SONAME\)\s+Library soname: \[([^\]]+)\]/),
    runpath: one(/\(RUNPATH\)\s+Library runpath: \[([^\]]+)\]/),
    symtab: /\] \.symtab\s/.test(t),
    entry: one(/Entry point address:\s+(0x[0-9a-f]+)/),
  };
}

/** readAt over a whole file, counting the reads. */
function reader(b: Uint8Array) {
  const r = {
    reads: 0,
    fn: async (off: number, len: number) => {
      r.reads++;
      return b.subarray(off, off + len);
    },
  };
  return r;
}

describe('parseElf', () => {
  for (const name of ['hello-pie', 'hello-nopie', 'libanswer.so.1.0']) {
    it(`${name}: what readelf says`, async () => {
      const b = new Uint8Array(readFileSync(join(DIR, name)));
      const want = readelfFacts(name);
      // Only the first 4 KiB are at hand, as a preview of a large binary would have.
      const r = reader(b);
      const e = (await parseElf(b.subarray(0, 4096), b.length, r.fn))!;
      expect(e).not.toBeNull();
      expect(e.bits).toBe(want.cls === 'ELF64' ? 64 : 32);
      expect(e.endian).toBe('little');
      expect(e.machine).toBe(want.machine === 'Advanced Micro Devices X86-64' ? 'x86-64' : want.machine);
      const type = want.type!.startsWith('DYN (Position-Independent')
        ? 'PIE executable'
        : want.type!.startsWith('DYN (Shared')
          ? 'shared object'
          : 'executable';
      expect(e.type).toBe(type);
      expect(e.interpreter).toBe(want.interp);
      expect(e.needed).toEqual(want.needed);
      expect(e.soname).toBe(want.soname);
      expect(e.runpath).toBe(want.runpath);
      expect(e.stripped).toBe(!want.symtab);
      expect(e.entry).toBe(`0x${BigInt(want.entry!).toString(16)}`);
      expect(e.linking).toBe('dynamic');
      expect(e.problems).toEqual([]);
      expect(r.reads).toBeLessThanOrEqual(ELF_MAX_READS);
    });
  }

  it('is not fooled by a file that only starts like ELF', async () => {
    expect(
      await parseElf(new TextEncoder().encode('hello world, not an ELF file at all......................................'), 80, async () => new Uint8Array()),
    ).toBeNull();
    expect(await parseElf(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 9, 9]), 6, async () => new Uint8Array())).toBeNull();
  });

  it('hostile headers: offsets past the end, huge counts, a cut file — a partial summary, no throw, bounded reads', async () => {
    const b = new Uint8Array(readFileSync(join(DIR, 'hello-pie')));
    const h = b.slice(0, 4096);
    const dv = new DataView(h.buffer);
    dv.setBigUint64(32, 0xffffffffffffn, true); // e_phoff far beyond the file
    dv.setUint16(56, 0xffff, true); // e_phnum 65535
    dv.setBigUint64(40, 2n ** 60n, true); // e_shoff absurd
    const r = reader(b);
    const e = (await parseElf(h, b.length, r.fn))!;
    expect(e.type).toBe('shared object'); // no program headers read: no interpreter known
    expect(e.problems.length).toBeGreaterThan(0);
    expect(r.reads).toBe(0);
    // A file cut after its first kilobyte: reads come back short.
    const cut = b.subarray(0, 1024);
    const e2 = (await parseElf(cut.subarray(0, 512), 14488, async (off, len) => cut.subarray(off, off + len)))!;
    expect(e2.machine).toBe('x86-64');
    expect(e2.problems.join(' ')).toMatch(/cut off/);
  });

  it('reads a big-endian 32-bit header (hand-made)', async () => {
    const h = new Uint8Array(52);
    h.set([0x7f, 0x45, 0x4c, 0x46, 1, 2, 1, 0]);
    const v = new DataView(h.buffer);
    v.setUint16(16, 2); // ET_EXEC
    v.setUint16(18, 8); // MIPS
    v.setUint32(24, 0x400100);
    const e = (await parseElf(h, 52, async () => new Uint8Array()))!;
    expect(e).toMatchObject({ bits: 32, endian: 'big', machine: 'MIPS', type: 'executable', entry: '0x400100', linking: 'static' });
  });
});
