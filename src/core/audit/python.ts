/**
 * Installed Python distributions (PyPA "Recording installed projects", which
 * grew out of PEP 376; core metadata PEP 241/314/345/566):
 *  - `<site>/<name>-<version>.dist-info/METADATA` (Name, Version headers) and
 *    `RECORD` (CSV: path relative to <site>, hash, size);
 *  - `<site>/<name>.egg-info/PKG-INFO` with `installed-files.txt` (paths
 *    relative to the .egg-info directory), or a bare `<name>.egg-info` file
 *    holding PKG-INFO's text (distutils).
 * A package is identified by its normalised name (PEP 503: lower case, runs of
 * `-_.` as one `-`) and its site directory: two virtualenvs are two installs.
 */
import { dirOf, field, parseStanzas, resolvePath, type Stanza } from './text';
import type { PackageRecord } from './types';

export const normalizePythonName = (n: string) => n.toLowerCase().replace(/[-_.]+/g, '-');

/** The site directory ('/'-rooted) of a metadata file path ('/'-rooted). */
export function siteDirOf(metaPath: string): string {
  const parent = dirOf(metaPath);
  return parent.endsWith('.dist-info') || parent.endsWith('.egg-info') ? dirOf(parent) : parent;
}

export const pythonKey = (name: string, site: string) => `python:${normalizePythonName(name)}@${site}`;

/** METADATA / PKG-INFO. Returns a reason string when it is not metadata. */
export function parsePythonMetadata(text: string, source: string): PackageRecord | string {
  let stanzas: Stanza[];
  try {
    stanzas = parseStanzas(text, { headerOnly: true, repeats: true });
  } catch (e) {
    return `not core metadata (${(e as Error).message})`;
  }
  const s = stanzas[0];
  const name = s && field(s, 'Name');
  const version = s && field(s, 'Version');
  if (!s || !name || !version) return `no ${name ? 'Version' : 'Name'} header`;
  const detail: Record<string, string> = {};
  const summary = field(s, 'Summary');
  if (summary && summary !== 'UNKNOWN') detail.summary = summary;
  const license = field(s, 'License-Expression') ?? field(s, 'License');
  if (license && license !== 'UNKNOWN' && !license.includes('\n')) detail.license = license;
  const site = siteDirOf(source);
  return { ecosystem: 'python', name, version, arch: null, size: null, key: pythonKey(name, site), source, detail };
}

/** One CSV record (RFC 4180 quoting, as Python's csv module writes RECORD). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let v = '';
      i++;
      while (i < line.length) {
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            v += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += line[i++];
      }
      out.push(v);
      if (line[i] === ',') i++;
      else break;
    } else {
      const c = line.indexOf(',', i);
      if (c < 0) {
        out.push(line.slice(i));
        break;
      }
      out.push(line.slice(i, c));
      i = c + 1;
    }
  }
  return out;
}

/** RECORD: files ('/'-rooted, resolved against the site directory) and their total size where recorded. */
export function parseRecord(text: string, recordPath: string): { files: string[]; size: number | null } {
  const site = siteDirOf(recordPath);
  const files: string[] = [];
  let size = 0;
  let sized = false;
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') continue;
    const [p, , sz] = csvFields(line);
    if (!p) continue;
    files.push(resolvePath(site, p));
    if (sz && /^\d+$/.test(sz)) {
      size += Number(sz);
      sized = true;
    }
  }
  return { files, size: sized ? size : null };
}

/** installed-files.txt: paths relative to the .egg-info directory. */
export function parseInstalledFiles(text: string, path: string): string[] {
  const dir = dirOf(path);
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line) out.push(resolvePath(dir, line));
  }
  return out;
}
