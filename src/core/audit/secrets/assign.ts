/**
 * `NAME=value` assignments whose NAME says it holds a credential (the issue's
 * "password/secret/token/key" rule, for `.env`-like files, Env, build args and
 * labels), with the look-alikes left out:
 *  - names that only refer to a credential: `*_FILE`, `*_PATH`, `*_URL`, `*_ID`,
 *    `*_NAME`, `*_LENGTH`… (Docker's `*_FILE` secrets convention; a key id is not
 *    a key), and public key material (`GPG_KEY`, `PUBLIC_KEY`: the official
 *    python images set `GPG_KEY` to a release-signing key's fingerprint);
 *  - values that are not secrets: empty, references (`$VAR`, `${VAR}`, `{{ x }}`,
 *    `%VAR%`), paths, booleans and numbers, and placeholders (`changeme`,
 *    `<your-token>`, `xxxx`, `example`, `dummy`…) — secretlint's own placeholder
 *    lists follow the same idea (secretlint-rule-basicauth BUILTIN_IGNORED_PATTERNS).
 */

/** Words (name segments) that say the value is a credential. */
const SECRET_WORDS = new Set(['password', 'passwd', 'pwd', 'pass', 'passphrase', 'secret', 'token', 'key', 'apikey', 'credential', 'credentials', 'auth']);
/** One-word names that end in a credential word: PGPASSWORD, NPMTOKEN, SECRETKEY (not a bare `…key`: monkey, hotkey). */
const COMPOUND_SECRET_RE = /(password|passwd|passphrase|secret|token|apikey|secretkey|accesskey|privatekey)$/;
/** Final segments that make the name a reference to a credential, not the credential. */
const REFERENCE_SUFFIXES = new Set([
  'file',
  'path',
  'dir',
  'url',
  'uri',
  'endpoint',
  'host',
  'id',
  'ids',
  'name',
  'names',
  'length',
  'len',
  'size',
  'type',
  'algorithm',
  'alg',
  'format',
  'version',
  'env',
  'var',
  'header',
  'prefix',
  'policy',
  'required',
  'enabled',
  'disabled',
  'mode',
  'method',
  'provider',
  'expiry',
  'expires',
  'ttl',
  'timeout',
  'count',
  'server',
  'location',
  'fingerprint',
  'user',
  'username',
  'region',
  'identifier',
  'usage',
  'bits',
  'strength',
  'store',
  'storage',
  'manager',
  'prompt',
  'hint',
  'label',
  'description',
]);
/** Segments anywhere in the name that make it about public material or not a credential. */
const NOT_SECRET_WORDS = new Set([
  'public',
  'pub',
  'gpg',
  'pgp',
  'fingerprint',
  'keyring',
  'keyserver',
  'keyboard',
  'keymap',
  'monkey',
  'turkey',
  'hotkey',
  'primary',
  'sort',
]);

/** Lower-case words of a name: split on `_ - . space` and camelCase boundaries. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

export function isSecretName(name: string): boolean {
  const w = nameWords(name);
  if (w.length === 0) return false;
  if (!w.some((x) => SECRET_WORDS.has(x) || COMPOUND_SECRET_RE.test(x))) return false;
  if (w.some((x) => NOT_SECRET_WORDS.has(x))) return false;
  // `key` alone names something keyed (a sort key, a map key); with a qualifier it is one.
  if (w.length === 1 && w[0] === 'key') return false;
  if (REFERENCE_SUFFIXES.has(w[w.length - 1]!)) return false;
  return true;
}

/** Placeholder words: a value made of these (and separators) is an example, not a secret. */
const PLACEHOLDER_WORDS = new Set([
  'changeme',
  'change',
  'me',
  'replace',
  'replaceme',
  'your',
  'my',
  'here',
  'example',
  'examples',
  'sample',
  'dummy',
  'fake',
  'test',
  'placeholder',
  'todo',
  'fixme',
  'tbd',
  'none',
  'null',
  'nil',
  'undefined',
  'empty',
  'secret',
  'password',
  'passwd',
  'token',
  'key',
  'api',
  'apikey',
  'value',
  'xxx',
  'redacted',
  'hidden',
  'insert',
  'put',
  'set',
  'enter',
  'default',
  'foo',
  'bar',
  'baz',
  'the',
  'a',
  'to',
  'of',
]);

export function isPlaceholder(raw: string): boolean {
  const v = raw.trim().replace(/^(['"])(.*)\1$/, '$2');
  if (v.length < 4) return true;
  if (/^(true|false|yes|no|on|off)$/i.test(v)) return true;
  if (/^-?\d+(\.\d+)?$/.test(v)) return true;
  // References and templates: $VAR, ${VAR}, $(cmd), {{ x }}, %VAR%, <...>, [...]
  if (/^\$[{(]?[A-Za-z_][A-Za-z0-9_]*[})]?$/.test(v) || /\$\{[^}]*\}/.test(v) || /\{\{.*\}\}/.test(v) || /^%[A-Za-z_]+%$/.test(v)) return true;
  if (/^<[^>]*>$/.test(v) || /^\[[^\]]*\]$/.test(v)) return true;
  // Paths (a *_KEY=/run/secrets/key points at the credential, it is not it), also behind a variable: $dir/private/cakey.pem.
  if (/^(\/|\.\/|~\/|\.\.\/)[^\s]*$/.test(v)) return true;
  if (/^\$[A-Za-z_{(]/.test(v) || /^[A-Za-z]:\\/.test(v)) return true;
  // Prose: a prompt or description ("A challenge password"), not a secret.
  if (/^[A-Za-z][a-z]*(?: [A-Za-z][a-z]*){1,}$/.test(v)) return true;
  // One character repeated, or masks: xxxx, ****, ....
  if (/^(.)\1+$/.test(v) || /^[x*.#_-]+$/i.test(v)) return true;
  const words = v
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  if (words.length > 0 && words.every((w) => PLACEHOLDER_WORDS.has(w) || /^x+$/.test(w))) return true;
  return false;
}

/** A credential assignment: the value, or null when it is not one. */
export function secretAssignment(name: string, value: string): string | null {
  if (!isSecretName(name)) return null;
  let v = value.trim();
  const quoted = /^(['"])(.*?)\1/.exec(v);
  // A quoted value ends at its closing quote; an unquoted one at an inline comment (dotenv ignores ` #…`).
  v = quoted ? quoted[2]! : v.replace(/\s+#.*$/, '');
  if (isPlaceholder(v)) return null;
  return v;
}
