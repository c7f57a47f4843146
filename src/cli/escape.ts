/**
 * Terminal-safe text: everything the command line prints that came from an
 * image (file names, link targets, tags, platforms, history, labels, warnings and
 * error messages quoting them) goes through here, so that nothing from inside an
 * image reaches the terminal as a control sequence. A name holding ESC can clear
 * the screen or set the window title, BEL rings, CR returns to the line start
 * and overwrites it ("PASS"), a newline or a tab forges rows of the `ls` TSV.
 *
 * USE THIS MODULE for every path or image-provided string the CLI prints
 * (`diff`, `audit`, `view`, reports…), never a local variant.
 *
 * Escaping (GNU `ls --quoting-style=escape`, coreutils quotearg.c, except that a
 * space stays a space — the output is for reading, not for a shell):
 *   \\  a backslash itself (so every escape below is unambiguous)
 *   \a \b \t \n \v \f \r   BEL BS TAB LF VT FF CR
 *   \ooo  three octal digits for every other C0 control (U+0000..U+001F, ESC is
 *         \033), DEL (U+007F), and for the C1 controls U+0080..U+009F the octal
 *         of their UTF-8 bytes (U+009B, the one-byte CSI, is \302\233), as `ls`
 *         prints them in a UTF-8 locale
 *   \uXXXX  the bidirectional controls and zero-width characters of
 *         core/invisible.ts (`ls` prints those raw; they reorder or hide text, so
 *         here they are shown, e.g. \u202e)
 * Everything else (printable ASCII and Unicode) is printed as it is.
 *
 * The `ls` TSV uses the same escaping for its path and link columns, so each
 * path is one row and a tab inside a name cannot forge a column: `\t`, `\n`,
 * `\r` and `\\` in particular, decoded by any C-escape reader.
 */
import { INVISIBLE_RE } from '../core/invisible';

const C_ESCAPES: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 92: '\\\\' };

/** Characters that need escaping: backslash, C0, DEL, C1, and the invisible set. */
const NEEDS_ESCAPE_RE = /[\\\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/;

const octal = (b: number) => `\\${b.toString(8).padStart(3, '0')}`;

function escapeChar(ch: string): string {
  const c = ch.charCodeAt(0);
  const named = C_ESCAPES[c];
  if (named) return named;
  if (c < 0x20 || c === 0x7f) return octal(c);
  // C1 control: its two UTF-8 bytes (0xC2, 0x80..0x9F), in octal.
  if (c >= 0x80 && c <= 0x9f) return octal(0xc2) + octal(c);
  return `\\u${c.toString(16).padStart(4, '0')}`;
}

/** One line of text safe for a terminal (see the module comment for the escapes). */
export function escapeText(s: string): string {
  if (!NEEDS_ESCAPE_RE.test(s)) return s;
  INVISIBLE_RE.lastIndex = 0;
  return s.replace(/[\\\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g, escapeChar);
}

/** A TSV field (`layerscope ls`): the same escapes, so a field never holds a raw tab, newline or CR. */
export const escapeTsvField: (s: string) => string = escapeText;

/** Lines joined with newlines, each escaped: for text output built from untrusted parts. */
export function escapeLines(lines: readonly string[]): string {
  return lines.map(escapeText).join('\n');
}

/**
 * JSON for a terminal: JSON.stringify already escapes U+0000..U+001F, `"` and
 * `\`; this also writes DEL, the C1 controls and the invisible set as \uXXXX. The
 * result is the same JSON value (any parser reads it back identically), only
 * safe to print.
 */
export function jsonForTerminal(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space).replace(
    /[\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
