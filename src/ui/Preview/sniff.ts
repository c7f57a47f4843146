/**
 * What a file's bytes are, for the preview: an image the page may show through
 * <img src="blob:…"> (magic bytes, never the name alone), text with its
 * encoding, or binary (shown as a hex dump). Pure, unit-tested.
 *
 * Text detection follows what `file(1)` and browsers do in spirit:
 *  - a byte order mark decides (UTF-8 EF BB BF, UTF-16 LE FF FE, UTF-16 BE FE FF,
 *    Unicode 15 §23.8 "Specials: U+FEFF");
 *  - otherwise a NUL byte in the first TEXT_SNIFF_BYTES means binary;
 *  - bytes that decode as strict UTF-8 are UTF-8 (a sequence cut by the preview
 *    cap at the very end does not count against it);
 *  - else, if few control characters are present, latin1 (decoded as
 *    windows-1252, which is what the WHATWG Encoding Standard maps the "latin1"
 *    label to), else binary.
 */

/** Bytes examined for NULs and control characters: what `file(1)` looks at by default is of this order. */
export const TEXT_SNIFF_BYTES = 8192;
/** Share of control characters above which a non-UTF-8 file is treated as binary rather than latin1. */
export const MAX_CONTROL_RATIO = 0.05;

export type ImageMime = 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp' | 'image/svg+xml';

export type Sniffed =
  | { kind: 'empty' }
  | { kind: 'image'; mime: ImageMime }
  | { kind: 'text'; encoding: 'UTF-8' | 'UTF-16LE' | 'UTF-16BE' | 'latin1'; bom: boolean }
  | { kind: 'binary' };

const startsWith = (b: Uint8Array, sig: number[], at = 0) => b.length >= at + sig.length && sig.every((x, i) => b[at + i] === x);

/** Raster formats by signature: PNG (RFC 2083 §12.12), JPEG SOI + marker, GIF87a/89a, RIFF….WEBP. */
export function sniffImage(b: Uint8Array): ImageMime | null {
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(b, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(b, [0x47, 0x49, 0x46, 0x38]) && (b[4] === 0x37 || b[4] === 0x39) && b[5] === 0x61) return 'image/gif';
  if (startsWith(b, [0x52, 0x49, 0x46, 0x46]) && startsWith(b, [0x57, 0x45, 0x42, 0x50], 8)) return 'image/webp';
  return null;
}

/**
 * SVG: an XML text whose root element is <svg> (after an optional BOM, XML
 * declaration, comments, doctype). Shown only as an image (no script runs in
 * an <img>), never inserted into the page.
 */
export function looksLikeSvg(text: string): boolean {
  const head = text.slice(0, 4096).replace(/^\uFEFF/, '');
  const rest = head.replace(/^\s*(<\?xml[\s\S]*?\?>\s*)?((<!--[\s\S]*?-->|<!DOCTYPE[^>]*>)\s*)*/i, '');
  return /^<svg[\s>]/i.test(rest);
}

/** True when `b` is valid UTF-8, ignoring an incomplete sequence at the very end when `truncated`. */
export function isUtf8(b: Uint8Array, truncated: boolean): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b, { stream: truncated });
    return true;
  } catch {
    return false;
  }
}

export function sniff(b: Uint8Array, truncated = false): Sniffed {
  if (b.length === 0) return { kind: 'empty' };
  const img = sniffImage(b);
  if (img) return { kind: 'image', mime: img };
  if (startsWith(b, [0xef, 0xbb, 0xbf])) return { kind: 'text', encoding: 'UTF-8', bom: true };
  if (startsWith(b, [0xff, 0xfe])) return { kind: 'text', encoding: 'UTF-16LE', bom: true };
  if (startsWith(b, [0xfe, 0xff])) return { kind: 'text', encoding: 'UTF-16BE', bom: true };
  const head = b.subarray(0, TEXT_SNIFF_BYTES);
  if (head.includes(0)) return { kind: 'binary' };
  if (isUtf8(b, truncated)) {
    const text = new TextDecoder('utf-8').decode(head);
    if (looksLikeSvg(text)) return { kind: 'image', mime: 'image/svg+xml' };
    return { kind: 'text', encoding: 'UTF-8', bom: false };
  }
  let control = 0;
  for (const x of head) {
    // C0 controls other than tab, LF, FF, CR and ESC (ANSI color codes in text files)
    if (x < 0x20 && x !== 9 && x !== 10 && x !== 12 && x !== 13 && x !== 27) control++;
    else if (x === 0x7f) control++;
  }
  if (control / head.length > MAX_CONTROL_RATIO) return { kind: 'binary' };
  return { kind: 'text', encoding: 'latin1', bom: false };
}

/** Decode text found by sniff() (BOM removed). */
export function decodeText(b: Uint8Array, s: Extract<Sniffed, { kind: 'text' }>): string {
  const label = s.encoding === 'latin1' ? 'windows-1252' : s.encoding.toLowerCase();
  // TextDecoder strips the BOM of its own encoding by default (ignoreBOM: false)
  return new TextDecoder(label).decode(b);
}

/** Bytes per hex dump line, as `hexdump -C` / `xxd` print. */
export const HEX_BYTES_PER_LINE = 16;

/** Each byte's "xx " and its character in the ASCII column, made once: the dump of a 64 KiB window is 65,536 lookups instead of as many toString(16) calls. */
const HEX_CELL = Array.from({ length: 256 }, (_, x) => `${x.toString(16).padStart(2, '0')} `);
const ASCII_CELL = Array.from({ length: 256 }, (_, x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : '.'));

/**
 * `hexdump -C` style: offset, 16 bytes in two groups of 8, printable ASCII. Table
 * lookups: the profile of previews on the benchmark image (bench-profile --contents)
 * had this among the main thread's largest costs for binary files (issue 13).
 */
export function hexDump(b: Uint8Array, baseOffset = 0): string {
  return hexLines(b, baseOffset).join('\n');
}

/** hexDump's lines, one string each (HexDump.tsx groups them into blocks the browser lays out only in view). */
export function hexLines(b: Uint8Array, baseOffset = 0): string[] {
  const lines: string[] = [];
  for (let off = 0; off < b.length; off += HEX_BYTES_PER_LINE) {
    const n = Math.min(HEX_BYTES_PER_LINE, b.length - off);
    let h = '';
    let a = '';
    for (let i = 0; i < HEX_BYTES_PER_LINE; i++) {
      if (i === 8) h += ' ';
      if (i < n) {
        const x = b[off + i]!;
        h += HEX_CELL[x];
        a += ASCII_CELL[x];
      } else h += '   ';
    }
    lines.push(`${(baseOffset + off).toString(16).padStart(8, '0')}  ${h} |${a}|`);
  }
  return lines;
}

/** An xattr value for display: text when it is printable UTF-8, hex otherwise (security.capability is always binary). */
export function xattrText(name: string, v: Uint8Array): { text: string; hex: boolean } {
  const printable = name !== 'security.capability' && isUtf8(v, false) && !v.some((x) => (x < 0x20 && x !== 9 && x !== 10) || x === 0x7f);
  if (printable) return { text: new TextDecoder().decode(v), hex: false };
  return { text: Array.from(v, (x) => x.toString(16).padStart(2, '0')).join(' '), hex: true };
}
