/**
 * Building the report's HTML as a string, safely: every piece of text goes
 * through `text()` (escaped, hidden characters shown as tokens, isolated from
 * its neighbours' direction), every attribute value through `attr()`. Nothing
 * else puts a string from the image into the document.
 *
 * Why each step:
 * - `& < > " '` are escaped everywhere (HTML Living Standard §13.1.2.6 and
 *   §13.2.5: in text and in quoted attribute values these are the characters
 *   that can end the context), so a name holding `</title><script>` or `"`
 *   stays text; the report has no <script> element for `</script>` to close,
 *   and its CSP allows none (csp.ts).
 * - bidi controls, zero-width characters and C0/C1 controls become visible
 *   tokens (displayName.ts, the page's own helper, from core/invisible.ts), so
 *   `invoice\u202Egnp.exe` cannot pass for "invoiceexe.png".
 * - untrusted text sits in <bdi> (HTML §4.5.24): a right-to-left name cannot
 *   reorder the cells or words around it.
 * - a text longer than MAX_TEXT_CHARS is cut (with the count of what is left
 *   out): a 1 MB RUN step or a hostile 100 kB path must not make the report
 *   huge or unreadable.
 */
import { displayName, displayParts, tokenTitle } from '../ui/format/displayName';

/** Longest text from the image shown in one place (paths are ≤ 4096 on Linux; a RUN step can be megabytes). */
export const MAX_TEXT_CHARS = 4096;

/** A string already made safe to place in the document as HTML. */
export interface Html {
  readonly __html: string;
}

export const raw = (s: string): Html => ({ __html: s });

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** `s` escaped for HTML text and quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** `s` cut to `max` characters (code points), saying how many were left out. */
export function clip(s: string, max = MAX_TEXT_CHARS): string {
  if (s.length <= max) return s;
  const cps = [...s];
  if (cps.length <= max) return s;
  return `${cps.slice(0, max).join('')}… (${(cps.length - max).toLocaleString('en-US')} more characters)`;
}

/**
 * Text from the image as a plain string to show (an attribute value, the
 * <title>): clipped, hidden characters as tokens. Not escaped: el() and html()
 * escape every string they are given.
 */
export function shown(s: string, max = MAX_TEXT_CHARS): string {
  return displayName(clip(s, max));
}

/**
 * Text from the image as HTML: escaped, isolated in <bdi>, each hidden character
 * shown as a marked token (`<span class="tok">⟨U+202E⟩</span>`, its name in the title).
 */
export function text(s: string, max = MAX_TEXT_CHARS): Html {
  const parts = displayParts(clip(s, max));
  let out = '';
  for (const p of parts) {
    if ('text' in p) out += escapeHtml(p.text);
    else out += `<span class="tok" title="${escapeHtml(tokenTitle(p.code))}">${escapeHtml(p.token)}</span>`;
  }
  return raw(`<bdi>${out}</bdi>`);
}

type Child = Html | string | number | null | undefined | false | readonly Child[];

/**
 * Joins children into HTML: Html as is, strings and numbers escaped (our own
 * words and figures; text from the image must come through text()), null /
 * undefined / false dropped, arrays flattened.
 */
export function html(...children: Child[]): Html {
  let out = '';
  const add = (c: Child) => {
    if (c === null || c === undefined || c === false) return;
    if (Array.isArray(c)) for (const x of c) add(x);
    else if (typeof c === 'string') out += escapeHtml(c);
    else if (typeof c === 'number') out += escapeHtml(String(c));
    else out += (c as Html).__html;
  };
  for (const c of children) add(c);
  return raw(out);
}

/** `<tag attrs>children</tag>`; attribute values are escaped here (text from the image goes through shown() first). */
export function el(tag: string, attrs: Record<string, string | number | boolean | null | undefined>, ...children: Child[]): Html {
  let a = '';
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    a += v === true ? ` ${k}` : ` ${k}="${escapeHtml(String(v))}"`;
  }
  return raw(`<${tag}${a}>${html(...children).__html}</${tag}>`);
}
