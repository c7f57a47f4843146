/**
 * Small shared pieces of the package parsers: text decoding, RFC 822-style
 * stanzas (dpkg's control format, Python's core metadata), joining paths.
 */

const utf8 = new TextDecoder('utf-8', { fatal: false });

export function decodeText(b: Uint8Array): string {
  return utf8.decode(b);
}

/** True when the bytes look binary (a NUL in the first 8 KiB): text parsers and secret rules skip them. */
export function looksBinary(b: Uint8Array): boolean {
  const n = Math.min(b.length, 8192);
  for (let i = 0; i < n; i++) if (b[i] === 0) return true;
  return false;
}

export interface Stanza {
  fields: Map<string, string>;
  /** 1-based line where the stanza starts. */
  line: number;
}

/** A line that is neither a field, a continuation nor blank: the data is not in this format. */
export class FormatError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/**
 * Stanzas separated by blank lines, `Name: value` fields, continuation lines
 * starting with a space or tab (Debian Policy §5.1 "Syntax of control files";
 * the same shape as Python's PKG-INFO / METADATA headers, PEP 241/566).
 * Field names are kept as written. `headerOnly`: stop at the first blank line
 * (METADATA's body is the long description).
 */
export function parseStanzas(text: string, opts: { headerOnly?: boolean; repeats?: boolean } = {}): Stanza[] {
  const out: Stanza[] = [];
  let cur: Stanza | null = null;
  let lastField: string | null = null;
  let lineNo = 0;
  let pos = 0;
  while (pos <= text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    let line = text.slice(pos, nl);
    pos = nl + 1;
    lineNo++;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '') {
      if (cur) {
        out.push(cur);
        cur = null;
        lastField = null;
        if (opts.headerOnly) return out;
      }
      if (nl >= text.length) break;
      continue;
    }
    if (line[0] === ' ' || line[0] === '\t') {
      if (!cur || lastField === null) throw new FormatError(`a continuation line without a field`, lineNo);
      cur.fields.set(lastField, `${cur.fields.get(lastField)}\n${line.slice(1)}`);
      continue;
    }
    if (line[0] === '#' && !cur) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new FormatError(`not a "Field: value" line`, lineNo);
    const name = line.slice(0, colon);
    if (!/^[!-9;-~]+$/.test(name)) throw new FormatError(`bad field name`, lineNo);
    if (!cur) cur = { fields: new Map(), line: lineNo };
    lastField = name;
    // A repeated field: PKG-INFO's Classifier, Requires-Dist keep every value, newline-joined (`repeats`);
    // in a dpkg stanza it is an error (dpkg: "duplicate value for field").
    const v = line.slice(colon + 1).trim();
    if (cur.fields.has(name) && !opts.repeats) throw new FormatError(`a second ${name} field in one entry`, lineNo);
    cur.fields.set(name, cur.fields.has(name) ? `${cur.fields.get(name)}\n${v}` : v);
    if (nl >= text.length) break;
  }
  if (cur) out.push(cur);
  return out;
}

/** Case-insensitive field lookup (Python metadata names are case-insensitive). */
export function field(s: Stanza, name: string): string | undefined {
  const v = s.fields.get(name);
  if (v !== undefined) return v;
  const lower = name.toLowerCase();
  for (const [k, val] of s.fields) if (k.toLowerCase() === lower) return val;
  return undefined;
}

/** Join and normalise a relative path against a directory ('/'-rooted result; '..' cannot climb above '/'). */
export function resolvePath(dir: string, rel: string): string {
  const parts = rel.startsWith('/') ? [] : dir.split('/').filter(Boolean);
  for (const seg of rel.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return `/${parts.join('/')}`;
}

export function dirOf(p: string): string {
  const s = p.lastIndexOf('/');
  return s <= 0 ? '/' : p.slice(0, s);
}
