/**
 * Untrusted text (file names, link targets, tags, labels, history) as it may be
 * SHOWN: every bidirectional control, zero-width character (core/invisible.ts)
 * and control character (C0, DEL, C1) becomes a visible token such as ⟨U+202E⟩.
 * `invoice\u202Egnp.exe` would otherwise render as "invoiceexe.png"; a name
 * with a newline or ESC would hide part of itself.
 *
 * USE THIS (or the <SafeText> component beside it, which marks the tokens) for
 * every name, link target, tag or label the page displays, in attributes
 * (title, aria-label) and suggested download names too. The data itself
 * (paths in the store, the URL hash, lookups) stays raw: only what is shown changes.
 */
import { INVISIBLE_RE, codePointLabel } from '../../core/invisible';

/** Characters shown as tokens: C0 controls, DEL, the C1 controls, and the invisible set of core/invisible.ts. */
const TOKEN_RE = new RegExp(`[\\u0000-\\u001f\\u007f-\\u009f${INVISIBLE_RE.source.slice(1, -1)}]`, 'g');
const TOKEN_TEST_RE = new RegExp(TOKEN_RE.source);
/** For file CONTENTS (text previews): the same, except tab, newline and CR, which lay out text files. */
const CONTENT_TOKEN_RE = new RegExp(`[\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f${INVISIBLE_RE.source.slice(1, -1)}]`, 'g');

/** What each token stands for (its Unicode name), for a tooltip. */
const NAMES = new Map<number, string>([
  [0x061c, 'ARABIC LETTER MARK'],
  [0x200b, 'ZERO WIDTH SPACE'],
  [0x200c, 'ZERO WIDTH NON-JOINER'],
  [0x200d, 'ZERO WIDTH JOINER'],
  [0x200e, 'LEFT-TO-RIGHT MARK'],
  [0x200f, 'RIGHT-TO-LEFT MARK'],
  [0x2028, 'LINE SEPARATOR'],
  [0x2029, 'PARAGRAPH SEPARATOR'],
  [0x202a, 'LEFT-TO-RIGHT EMBEDDING'],
  [0x202b, 'RIGHT-TO-LEFT EMBEDDING'],
  [0x202c, 'POP DIRECTIONAL FORMATTING'],
  [0x202d, 'LEFT-TO-RIGHT OVERRIDE'],
  [0x202e, 'RIGHT-TO-LEFT OVERRIDE'],
  [0x2066, 'LEFT-TO-RIGHT ISOLATE'],
  [0x2067, 'RIGHT-TO-LEFT ISOLATE'],
  [0x2068, 'FIRST STRONG ISOLATE'],
  [0x2069, 'POP DIRECTIONAL ISOLATE'],
  [0xfeff, 'ZERO WIDTH NO-BREAK SPACE'],
  [0x7f, 'DELETE'],
  [0x09, 'CHARACTER TABULATION'],
  [0x0a, 'LINE FEED'],
  [0x0d, 'CARRIAGE RETURN'],
  [0x1b, 'ESCAPE'],
  [0x00, 'NULL'],
  [0x07, 'BELL'],
  [0x08, 'BACKSPACE'],
]);

/** The visible token for one hidden character: "⟨U+202E⟩". */
export function tokenFor(c: number): string {
  return `⟨${codePointLabel(c)}⟩`;
}

/** A description for a tooltip: "U+202E RIGHT-TO-LEFT OVERRIDE (invisible in the original name)". */
export function tokenTitle(c: number): string {
  const name = NAMES.get(c) ?? (c < 0x20 || (c >= 0x80 && c <= 0x9f) ? 'control character' : 'format character');
  return `${codePointLabel(c)} ${name}: not visible in the original text, shown here so it cannot disguise it`;
}

/** True when `s` would show any token. */
export function needsTokens(s: string): boolean {
  return TOKEN_TEST_RE.test(s);
}

/** How many characters of file contents `s` are shown as tokens (bidi, zero-width, controls other than tab/LF/CR). */
export function countContentTokens(s: string): number {
  CONTENT_TOKEN_RE.lastIndex = 0;
  let n = 0;
  while (CONTENT_TOKEN_RE.exec(s)) n++;
  CONTENT_TOKEN_RE.lastIndex = 0;
  return n;
}

/** `s` with each hidden character replaced by its token. */
export function displayName(s: string): string {
  if (!TOKEN_TEST_RE.test(s)) return s;
  return s.replace(TOKEN_RE, (ch) => tokenFor(ch.charCodeAt(0)));
}

export type DisplayPart = { text: string } | { token: string; code: number };

/**
 * `s` cut into plain runs and tokens, for a component to mark the tokens.
 * `content`: text of a file (a preview), where tab, newline and CR stay as they are.
 */
export function displayParts(s: string, content = false): DisplayPart[] {
  const re = content ? CONTENT_TOKEN_RE : TOKEN_RE;
  re.lastIndex = 0;
  if (!re.test(s)) return [{ text: s }];
  const out: DisplayPart[] = [];
  let last = 0;
  re.lastIndex = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    if (m.index > last) out.push({ text: s.slice(last, m.index) });
    const code = m[0].charCodeAt(0);
    out.push({ token: tokenFor(code), code });
    last = m.index + 1;
  }
  if (last < s.length) out.push({ text: s.slice(last) });
  return out;
}

/**
 * A name for a file the browser saves: displayName (so the saved name cannot be
 * disguised either), without '/' or '\' (path separators on some systems).
 */
export function downloadName(s: string): string {
  const n = displayName(s).replace(/[/\\]/g, '_');
  return n === '' || n === '.' || n === '..' ? 'file' : n;
}
