/**
 * Characters that change how text LOOKS without being visible themselves: the
 * Unicode bidirectional controls and the zero-width characters. A file name
 * `invoice\u202Egnp.exe` renders as "invoiceexe.png" (the RIGHT-TO-LEFT OVERRIDE
 * reverses what follows it); a zero-width space makes two different names look
 * equal. Both the page (src/ui/format/displayName.ts) and the terminal
 * (src/cli/escape.ts) show them as visible tokens instead, from this one list.
 *
 * The set (Unicode 15, UAX #9 "Unicode Bidirectional Algorithm" §2, and the
 * Cf "format" characters that are invisible by design):
 *  - U+061C ARABIC LETTER MARK (a bidi mark);
 *  - U+200B ZERO WIDTH SPACE, U+200C ZWNJ, U+200D ZWJ, U+200E LRM, U+200F RLM;
 *  - U+202A..U+202E the embeddings and overrides LRE RLE PDF LRO RLO;
 *  - U+2066..U+2069 the isolates LRI RLI FSI PDI;
 *  - U+FEFF ZERO WIDTH NO-BREAK SPACE (BOM).
 * U+2028/U+2029 (LINE / PARAGRAPH SEPARATOR) are added: some renderers and
 * terminals break the line there, so a name could appear to span two rows.
 */

/** Code points shown as a visible token wherever untrusted text is displayed. */
export const INVISIBLE_CODE_POINTS: readonly number[] = [
  0x061c, 0x200b, 0x200c, 0x200d, 0x200e, 0x200f, 0x2028, 0x2029, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0xfeff,
];

/** Matches one invisible character (global: use with replace, or reset lastIndex). */
export const INVISIBLE_RE = /[\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** True when `s` holds any character of INVISIBLE_CODE_POINTS. */
export function hasInvisible(s: string): boolean {
  INVISIBLE_RE.lastIndex = 0;
  const r = INVISIBLE_RE.test(s);
  INVISIBLE_RE.lastIndex = 0;
  return r;
}

/** "U+202E": the code point as Unicode writes it (4 hex digits, upper case). */
export function codePointLabel(c: number): string {
  return `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
}
