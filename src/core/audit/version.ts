/**
 * Version ordering, to tell an upgrade from a downgrade between two layers.
 *  - deb: dpkg's algorithm (deb-version(7), "Sorting algorithm"): epoch
 *    numerically, then upstream version and revision, each compared as
 *    alternating non-digit and digit runs; in non-digit runs letters sort before
 *    non-letters and `~` before anything, even the end.
 *  - everything else: rpm's rpmvercmp idea (alphanumeric segments, numbers
 *    numerically, `~` lowest), which orders apk, PEP 440, semver and Go
 *    module versions correctly in the common cases.
 */

function order(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c === '~') return -1;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

function dpkgPart(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    // non-digit run
    while ((i < a.length && !/\d/.test(a[i]!)) || (j < b.length && !/\d/.test(b[j]!))) {
      const ac = i < a.length && !/\d/.test(a[i]!) ? a[i] : undefined;
      const bc = j < b.length && !/\d/.test(b[j]!) ? b[j] : undefined;
      const d = order(ac) - order(bc);
      if (d !== 0) return d;
      if (ac !== undefined) i++;
      if (bc !== undefined) j++;
    }
    // digit run
    let an = '';
    let bn = '';
    while (i < a.length && /\d/.test(a[i]!)) an += a[i++];
    while (j < b.length && /\d/.test(b[j]!)) bn += b[j++];
    const d = cmpNumeric(an, bn);
    if (d !== 0) return d;
  }
  return 0;
}

function cmpNumeric(a: string, b: string): number {
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

function splitDeb(v: string): [number, string, string] {
  const colon = v.indexOf(':');
  const epoch = colon > 0 && /^\d+$/.test(v.slice(0, colon)) ? Number(v.slice(0, colon)) : 0;
  const rest = colon > 0 ? v.slice(colon + 1) : v;
  const dash = rest.lastIndexOf('-');
  return dash < 0 ? [epoch, rest, ''] : [epoch, rest.slice(0, dash), rest.slice(dash + 1)];
}

export function compareDebVersions(a: string, b: string): number {
  const [ea, ua, ra] = splitDeb(a);
  const [eb, ub, rb] = splitDeb(b);
  if (ea !== eb) return ea - eb;
  return dpkgPart(ua, ub) || dpkgPart(ra, rb);
}

export function compareGenericVersions(a: string, b: string): number {
  const seg = (s: string) => s.match(/~|\d+|[A-Za-z]+/g) ?? [];
  const x = seg(a);
  const y = seg(b);
  for (let k = 0; k < Math.max(x.length, y.length); k++) {
    const p = x[k];
    const q = y[k];
    if (p === q) continue;
    if (p === '~') return -1;
    if (q === '~') return 1;
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    const pn = /^\d/.test(p);
    const qn = /^\d/.test(q);
    if (pn && qn) {
      const d = cmpNumeric(p, q);
      if (d !== 0) return d;
    } else if (pn !== qn) return pn ? 1 : -1;
    else if (p !== q) return p < q ? -1 : 1;
  }
  return 0;
}

export function compareVersions(ecosystem: string, a: string, b: string): number {
  return ecosystem === 'deb' ? compareDebVersions(a, b) : compareGenericVersions(a, b);
}
