/**
 * apk's installed database (`lib/apk/db/installed`; apk-tools' "installed"
 * format, documented at wiki.alpinelinux.org "Apk spec", section "Installed
 * Database"): one record per package, records separated by a blank line, each
 * line `X:value` with a one-letter field. The ones used here:
 *   P name · V version · A arch · I installed size (bytes) · o origin ·
 *   L license · T description · F a directory (relative to /) · R a file in
 *   the last F directory.
 */
import type { PackageRecord } from './types';

export interface ApkParse {
  records: PackageRecord[];
  problem: string | null;
}

export const apkKey = (name: string) => `apk:${name}`;

export function parseApkInstalled(text: string, source: string): ApkParse {
  const records: PackageRecord[] = [];
  let problem: string | null = null;
  let cur: {
    name?: string;
    version?: string;
    arch?: string;
    size?: number;
    origin?: string;
    license?: string;
    summary?: string;
    files: string[];
    line: number;
  } | null = null;
  let dir = '';
  const flush = () => {
    if (!cur) return;
    if (!cur.name || !cur.version) {
      problem ??= `the record at line ${cur.line} has no ${cur.name ? 'V: (version)' : 'P: (name)'} line`;
    } else {
      const detail: Record<string, string> = {};
      if (cur.origin) detail.origin = cur.origin;
      if (cur.license) detail.license = cur.license;
      if (cur.summary) detail.summary = cur.summary;
      records.push({
        ecosystem: 'apk',
        name: cur.name,
        version: cur.version,
        arch: cur.arch ?? null,
        size: cur.size ?? null,
        key: apkKey(cur.name),
        source,
        files: cur.files,
        detail,
      });
    }
    cur = null;
    dir = '';
  };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line === '') {
      flush();
      continue;
    }
    if (line.length < 2 || line[1] !== ':') {
      problem ??= `line ${i + 1} is not an "X:value" line`;
      // The record the damage is in, and what follows, cannot be trusted.
      cur = null;
      break;
    }
    cur ??= { files: [], line: i + 1 };
    const v = line.slice(2);
    switch (line[0]) {
      case 'P':
        cur.name = v;
        break;
      case 'V':
        cur.version = v;
        break;
      case 'A':
        cur.arch = v;
        break;
      case 'I':
        if (/^\d+$/.test(v)) cur.size = Number(v);
        break;
      case 'o':
        cur.origin = v;
        break;
      case 'L':
        cur.license = v;
        break;
      case 'T':
        cur.summary = v;
        break;
      case 'F':
        dir = v.replace(/^\/+|\/+$/g, '');
        break;
      case 'R':
        cur.files.push(`/${dir ? `${dir}/` : ''}${v}`);
        break;
      default:
        break;
    }
  }
  flush();
  return { records, problem };
}
