import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeText, hexDump, isUtf8, looksLikeSvg, sniff, xattrText } from './sniff';

const DIR = join(__dirname, '../../../test/fixtures/preview');
const read = (f: string) => new Uint8Array(readFileSync(join(DIR, f)));
/** What `file -b --mime-type --mime-encoding` said about each fixture (see PROVENANCE.md). */
const FILE_MIME: Record<string, string> = JSON.parse(readFileSync(join(DIR, 'file-mime.json'), 'utf8'));

/** file(1)'s answer in the sniffer's terms. */
function expected(answer: string) {
  const [type = '', enc = ''] = answer.split(/;\s*charset=/);
  if (type === 'inode/x-empty') return { kind: 'empty' };
  if (['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/svg+xml'].includes(type)) return { kind: 'image', mime: type };
  if (type.startsWith('text/')) {
    const encoding = { 'utf-8': 'UTF-8', 'utf-16le': 'UTF-16LE', 'utf-16be': 'UTF-16BE', 'iso-8859-1': 'latin1', 'us-ascii': 'UTF-8' }[enc as 'utf-8'];
    return { kind: 'text', encoding };
  }
  return { kind: 'binary' };
}

describe('sniff agrees with file(1) on every fixture', () => {
  for (const [name, answer] of Object.entries(FILE_MIME)) {
    it(`${name}: ${answer}`, () => {
      expect(sniff(read(name))).toMatchObject(expected(answer));
    });
  }
});

describe('text', () => {
  it('decodes each encoding to the same text iconv wrote', () => {
    const t = (f: string) => {
      const b = read(f);
      const s = sniff(b);
      if (s.kind !== 'text') throw new Error(`${f} is not text`);
      return decodeText(b, s);
    };
    expect(t('utf8.txt')).toBe('héllo wörld — “quotes” ✓\nsecond line\n');
    expect(t('utf8-bom.txt')).toBe('BOM text é\n');
    expect(t('latin1.txt')).toBe('café crème brûlée\n');
    expect(t('utf16.txt')).toBe('hello UTF-16 é\n');
    expect(t('utf16be.txt')).toBe('hello big endian\n');
  });

  it('a UTF-8 sequence cut by the preview cap still counts as UTF-8', () => {
    const b = read('utf8.txt');
    const cut = b.subarray(0, 2); // 'h' + first byte of 'é'
    expect(isUtf8(cut, false)).toBe(false);
    expect(sniff(cut, true)).toMatchObject({ kind: 'text', encoding: 'UTF-8' });
  });

  it('recognizes SVG only by its root element', () => {
    expect(looksLikeSvg('<svg xmlns="http://www.w3.org/2000/svg"/>')).toBe(true);
    expect(looksLikeSvg('\uFEFF<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x">\n<svg>')).toBe(true);
    expect(looksLikeSvg('<html><svg></svg></html>')).toBe(false);
    expect(looksLikeSvg('<svgfoo>')).toBe(false);
  });
});

describe('hex dump', () => {
  for (const f of ['elf.bin', 'utf8.txt']) {
    it(`matches hexdump -Cv of ${f}`, () => {
      const want = readFileSync(join(DIR, `${f}.hexdump`), 'utf8')
        .trimEnd()
        .split('\n');
      want.pop(); // hexdump's last line is the total length alone
      expect(hexDump(read(f)).split('\n')).toEqual(want);
    });
  }
});

describe('xattrs', () => {
  it('shows security.capability as hex and text values as text', () => {
    // cap_net_bind_service+ep as setcap writes it (VFS_CAP_REVISION_2, 20 bytes)
    const cap = Uint8Array.from([1, 0, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(xattrText('security.capability', cap)).toEqual({ hex: true, text: '01 00 00 02 00 04 00 00 00 00 00 00 00 00 00 00 00 00 00 00' });
    expect(xattrText('user.comment', new TextEncoder().encode('héllo'))).toEqual({ hex: false, text: 'héllo' });
    expect(xattrText('user.bin', Uint8Array.from([0xff, 0x00]))).toMatchObject({ hex: true });
  });
});
