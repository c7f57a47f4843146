/**
 * Redaction: what may be shown of a secret by default — a short prefix and the
 * length. The prefix is at most REDACT_PREFIX characters and never more than a
 * quarter of the value, so a short password shows one or two characters at most;
 * a PEM block shows its BEGIN line (which names the kind of key, not the key).
 */

/** Characters of a secret shown by default (enough to tell `ghp_` from `AKIA`). */
export const REDACT_PREFIX = 6;

export function redact(value: string): string {
  const len = [...value].length;
  const pem = /^-----BEGIN [A-Z0-9 ]+-----/.exec(value);
  if (pem) return `${pem[0]}…(${len} chars)`;
  const n = Math.min(REDACT_PREFIX, Math.floor(len / 4));
  return `${[...value].slice(0, n).join('')}…(${len} chars)`;
}
