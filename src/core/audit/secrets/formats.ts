/**
 * Credentials in files whose FORMAT says where the secret is — read by parsing
 * the documented format, not by guessing at token shapes. These cover what
 * secretlint's recommended preset leaves out (it has no rule for .netrc,
 * .pypirc, docker's config.json, kubeconfig, .npmrc's `_auth`/`_password`, or
 * `.env` assignments):
 *  - `.netrc` (GNU inetutils / curl: `machine M login L password P` tokens);
 *  - `.git-credentials` (git-credential-store(1): one `https://user:pass@host` URL per line);
 *  - `.npmrc` (npm-config "Auth related configuration": `_auth`, `_password`, `_authToken`);
 *  - `.pypirc` (PyPA "The .pypirc file": `password` in a server section);
 *  - docker `config.json` (docker-config-json(5) / the CLI's "auths": base64
 *    `user:password` in `auth`, `identitytoken`, `registrytoken`, `password`);
 *  - kubeconfig (kubectl's Config: `users[].user.token`, `password`,
 *    `client-key-data`, auth-provider `client-secret`/`id-token`/`refresh-token`);
 *  - `.env`-like files (dotenv, Java properties, INI, YAML, TOML): `NAME=value`
 *    / `NAME: value` lines whose name says credential (assign.ts).
 * Three token formats secretlint's preset lacks, as their vendors document them:
 *  - PyPI API tokens: `pypi-` + the base64 of a macaroon whose location is
 *    pypi.org, so they start `pypi-AgEIcHlwaS5vcmc` (pypi.org/help/#apitoken);
 *  - Stripe secret and restricted keys `sk_live_…`, `rk_live_…` (and `_test_`)
 *    (docs.stripe.com/keys "API keys");
 *  - Azure Storage account keys in connection strings, `AccountKey=<base64 of
 *    64 bytes>` (learn.microsoft.com "Configure Azure Storage connection strings").
 */
import { isPlaceholder, secretAssignment } from './assign';
import type { Match } from './secretlint';

const lineStarts = (text: string): number[] => {
  const s = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) s.push(i + 1);
  return s;
};

function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1).toLowerCase();
}
function parentName(p: string): string {
  const s = p.lastIndexOf('/');
  return s < 0 ? '' : p.slice(p.lastIndexOf('/', s - 1) + 1, s).toLowerCase();
}

function netrc(text: string): Match[] {
  const out: Match[] = [];
  const re = /\S+/g;
  let m: RegExpExecArray | null;
  let expectPassword = false;
  for (m = re.exec(text); m; m = re.exec(text)) {
    if (expectPassword) {
      expectPassword = false;
      if (!isPlaceholder(m[0]))
        out.push({ rule: 'layerscope/netrc-password', title: 'password in .netrc', value: m[0], start: m.index, end: m.index + m[0].length });
    } else if (m[0] === 'password' || m[0] === 'passwd') expectPassword = true;
  }
  return out;
}

function gitCredentials(text: string): Match[] {
  const out: Match[] = [];
  let off = 0;
  for (const line of text.split('\n')) {
    const m = /^\s*[a-z][a-z0-9+.-]*:\/\/([^:/@\s]*):([^@\s]+)@/i.exec(line);
    if (m && !isPlaceholder(decodeURIComponentSafe(m[2]!))) {
      const start = off + line.indexOf(m[2]!, m[0].indexOf(':', m[0].indexOf('//') + 2));
      out.push({ rule: 'layerscope/git-credentials', title: 'password in .git-credentials', value: m[2]!, start, end: start + m[2]!.length });
    }
    off += line.length + 1;
  }
  return out;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** INI-style `key = value` lines (npmrc, pypirc): [name, value, valueStart]. */
function* iniPairs(text: string): Generator<[string, string, number, string | null]> {
  let off = 0;
  let section: string | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const sec = /^\s*\[([^\]]*)\]/.exec(line);
    if (sec) section = sec[1]!.trim();
    else {
      const m = /^\s*([^=:#;\s][^=:]*?)\s*[=:]\s*(.*?)\s*$/.exec(line);
      if (m && !/^\s*[#;]/.test(line)) yield [m[1]!, m[2]!, off + line.lastIndexOf(m[2]!), section];
    }
    off += raw.length + 1;
  }
}

function npmrc(text: string): Match[] {
  const out: Match[] = [];
  let off = 0;
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const eq = line.indexOf('=');
    const lineOff = off;
    off += raw.length + 1;
    if (eq < 0 || /^\s*[#;]/.test(line)) continue;
    // `//registry.example.com/:_auth=…`: the scope is part of the key, up to the last ':'.
    const key = line.slice(0, eq).trim().replace(/^.*:/, '');
    const value = line.slice(eq + 1).trim();
    const start = lineOff + line.indexOf(value, eq + 1);
    // _authToken is secretlint's (Npmrc_authToken); _auth (base64 user:pass) and _password (base64) are not.
    if ((key === '_auth' || key === '_password') && !isPlaceholder(value)) {
      out.push({ rule: 'layerscope/npmrc-auth', title: `npm ${key} in .npmrc`, value, start, end: start + value.length });
    }
  }
  return out;
}

function pypirc(text: string): Match[] {
  const out: Match[] = [];
  for (const [name, value, start, section] of iniPairs(text)) {
    if (section && section !== 'distutils' && name.toLowerCase() === 'password' && !isPlaceholder(value)) {
      out.push({ rule: 'layerscope/pypirc-password', title: `password for ${section} in .pypirc`, value, start, end: start + value.length });
    }
  }
  return out;
}

function dockerConfig(text: string): Match[] {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    return [];
  }
  if (!j || typeof j !== 'object') return [];
  const auths = (j as Record<string, unknown>).auths ?? j; // ~/.dockercfg is the bare map
  if (!auths || typeof auths !== 'object') return [];
  const out: Match[] = [];
  for (const [registry, entry] of Object.entries(auths as Record<string, unknown>)) {
    if (!entry || typeof entry !== 'object') continue;
    for (const k of ['auth', 'password', 'identitytoken', 'registrytoken']) {
      const v = (entry as Record<string, unknown>)[k];
      if (typeof v !== 'string' || v === '' || isPlaceholder(v)) continue;
      // `auth` is base64("user:password"); an empty password (":" or "user:") is no credential.
      if (k === 'auth') {
        const plain = atobSafe(v);
        if (plain !== null && /^[^:]*:$/.test(plain)) continue;
      }
      const start = Math.max(0, text.indexOf(v));
      out.push({
        rule: 'layerscope/docker-config-auth',
        title: `registry credentials for ${registry} (docker config.json)`,
        value: v,
        start,
        end: start + v.length,
      });
    }
  }
  return out;
}

function atobSafe(s: string): string | null {
  try {
    return atob(s);
  } catch {
    return null;
  }
}

const KUBE_FIELDS = /^\s*-?\s*(token|password|client-key-data|client-secret|id-token|refresh-token|access-token):\s*["']?([^\s"'#]+)["']?\s*$/;

function isKubeconfig(path: string, text: string): boolean {
  const b = baseName(path);
  if (b === 'kubeconfig' || b.endsWith('.kubeconfig') || (parentName(path) === '.kube' && b === 'config')) return true;
  return /^kind:\s*Config\s*$/m.test(text) && /^users:/m.test(text);
}

function kubeconfig(text: string): Match[] {
  const out: Match[] = [];
  let off = 0;
  for (const line of text.split('\n')) {
    const m = KUBE_FIELDS.exec(line);
    if (m && !isPlaceholder(m[2]!)) {
      const start = off + line.lastIndexOf(m[2]!);
      out.push({ rule: 'layerscope/kubeconfig-credential', title: `kubeconfig ${m[1]}`, value: m[2]!, start, end: start + m[2]!.length });
    }
    off += line.length + 1;
  }
  return out;
}

/** Files whose lines are assignments (dotenv, properties, INI, YAML, TOML, shell profiles of env vars). */
export function isEnvLike(path: string): boolean {
  const b = baseName(path);
  if (b === '.env' || b.startsWith('.env.') || b.endsWith('.env') || b === '.envrc' || b === 'environment') return true;
  const ext = b.includes('.') ? b.slice(b.lastIndexOf('.') + 1) : '';
  return ['properties', 'ini', 'cfg', 'conf', 'cnf', 'toml', 'yml', 'yaml', 'tfvars'].includes(ext);
}

/** `NAME=value` (dotenv, properties, INI, TOML, shell `export`). */
const ASSIGN_LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*?)\s*$/;
/** `name: value` — YAML only: in other configuration files (nsswitch.conf's `passwd: files`) a colon does not assign a secret. */
const YAML_LINE = /^\s*(?:-\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*:\s+(.*?)\s*$/;

function envAssignments(path: string, text: string): Match[] {
  const out: Match[] = [];
  const b = baseName(path);
  const re = b.endsWith('.yml') || b.endsWith('.yaml') ? YAML_LINE : ASSIGN_LINE;
  let off = 0;
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const m = /^\s*[#;]/.test(line) ? null : re.exec(line);
    if (m) {
      const v = secretAssignment(m[1]!, m[2]!);
      if (v !== null) {
        const start = off + Math.max(0, line.indexOf(v, line.indexOf(m[1]!) + m[1]!.length));
        out.push({ rule: 'layerscope/env-assignment', title: `credential assigned to ${m[1]}`, value: v, start, end: start + v.length });
      }
    }
    off += raw.length + 1;
  }
  return out;
}

/** Vendor token formats (see the header); bounded quantifiers only, so a hostile 1 MB file stays linear. */
const TOKEN_RULES: { rule: string; title: string; re: RegExp }[] = [
  // RFC 7468 private-key labels secretlint's rule does not take: PKCS#8 "ENCRYPTED PRIVATE KEY", and
  // bodies shorter than its 100-character floor (an Ed25519 PKCS#8 key is 64). The body must be base64
  // of a DER SEQUENCE ("MC…"/"MI…"), so prose between the markers is not a key.
  {
    rule: 'layerscope/pem-private-key',
    title: 'private key',
    re: /-----BEGIN (?:ENCRYPTED |RSA |EC |DSA |OPENSSH )?PRIVATE KEY-----\r?\n(?:[A-Za-z-]+:[^\n]{0,200}\n){0,4}\s{0,4}M[A-Za-z0-9+/=\s]{40,10000}?-----END (?:ENCRYPTED |RSA |EC |DSA |OPENSSH )?PRIVATE KEY-----/g,
  },
  { rule: 'layerscope/pypi-token', title: 'PyPI API token', re: /(?<![A-Za-z0-9_-])pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,1000}/g },
  { rule: 'layerscope/stripe-key', title: 'Stripe secret key', re: /(?<![A-Za-z0-9_])(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{20,247}(?![0-9A-Za-z])/g },
  { rule: 'layerscope/azure-storage-key', title: 'Azure Storage account key', re: /AccountKey=([A-Za-z0-9+/]{86}==)/g },
];

function tokens(text: string): Match[] {
  const out: Match[] = [];
  for (const r of TOKEN_RULES) {
    r.re.lastIndex = 0;
    for (const m of text.matchAll(r.re)) {
      const value = m[1] ?? m[0];
      const start = (m.index ?? 0) + m[0].indexOf(value);
      if (/example|x{8}/i.test(value)) continue;
      out.push({ rule: r.rule, title: r.title, value, start, end: start + value.length });
    }
  }
  return out;
}

/** The format rules that apply to this file (by name, then by content for kubeconfig and docker config). */
export function formatScan(path: string, text: string): Match[] {
  const b = baseName(path);
  const parent = parentName(path);
  const out: Match[] = [];
  if (b === '.netrc' || b === '_netrc') out.push(...netrc(text));
  if (b === '.git-credentials' || (b === 'credentials' && parent === 'git')) out.push(...gitCredentials(text));
  if (b === '.npmrc' || b === 'npmrc') out.push(...npmrc(text));
  if (b === '.pypirc') out.push(...pypirc(text));
  if (b === '.dockercfg' || (b === 'config.json' && text.includes('"auths"'))) out.push(...dockerConfig(text));
  if (isKubeconfig(path, text)) out.push(...kubeconfig(text));
  else if (isEnvLike(path) && b !== '.npmrc' && b !== '.pypirc') out.push(...envAssignments(path, text));
  out.push(...tokens(text));
  return out;
}

/** Lines that assign: for config/history values (`NAME=value`). */
export function assignmentScan(name: string, value: string): Match[] {
  const v = secretAssignment(name, value);
  if (v === null) return [];
  return [{ rule: 'layerscope/env-assignment', title: `credential assigned to ${name}`, value: v, start: 0, end: v.length }];
}

export function lineOf(text: string, offset: number): number {
  const starts = lineStarts(text);
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

export { tokens as vendorTokenScan };
