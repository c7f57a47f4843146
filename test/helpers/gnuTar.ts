/**
 * Ground truth for tests: GNU tar's own listing of a tar file
 * (`tar --list -v --numeric-owner --full-time --quoting-style=escape`), parsed.
 * Shared by the tar, layerScan and contents tests.
 */
import { execFileSync } from 'node:child_process';
import { expect } from 'vitest';
import { EntryKind, type TarEntry } from '../../src/core/types';

export interface GnuEntry {
  type: string; // first char of the mode string
  mode: number;
  uid: number;
  gid: number;
  size: number | null; // null for devices ("maj,min")
  dev: [number, number] | null;
  mtime: number;
  path: string;
  link: string | null;
}

/** Decodes GNU tar's `--quoting-style=escape` output (C escapes, octal for other bytes). */
function unescapeToBytes(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\') {
      out.push(...Buffer.from(c, 'latin1'));
      continue;
    }
    const d = s[++i]!;
    if (d >= '0' && d <= '7') {
      out.push(parseInt(s.slice(i, i + 3), 8));
      i += 2;
    } else {
      const map: Record<string, number> = { n: 10, t: 9, r: 13, '\\': 92, a: 7, b: 8, f: 12, v: 11, ' ': 32, '?': 63 };
      out.push(map[d] ?? d.charCodeAt(0));
    }
  }
  return new Uint8Array(out);
}

export function decodeGt(s: string): string {
  const b = unescapeToBytes(s);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    return Buffer.from(b).toString('latin1');
  }
}

/** Independent of the code under test: the TarEntry.path contract from types.ts. */
export function normPath(p: string): string {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return out.join('/');
}

function modeBits(m: string): number {
  let v = 0;
  const r = m.slice(1);
  const bit = (i: number, b: number) => (r[i] !== '-' && r[i] !== 'S' && r[i] !== 'T' ? b : 0);
  v |= bit(0, 0o400) | bit(1, 0o200) | bit(2, 0o100) | bit(3, 0o40) | bit(4, 0o20) | bit(5, 0o10) | bit(6, 0o4) | bit(7, 0o2) | bit(8, 0o1);
  if (r[2] === 's' || r[2] === 'S') v |= 0o4000;
  if (r[5] === 's' || r[5] === 'S') v |= 0o2000;
  if (r[8] === 't' || r[8] === 'T') v |= 0o1000;
  return v;
}

export function gnuList(file: string): { entries: GnuEntry[]; ok: boolean } {
  let out: string;
  let ok = true;
  try {
    out = execFileSync('tar', ['--list', '-v', '--numeric-owner', '--full-time', '--quoting-style=escape', '-f', file], {
      env: { ...process.env, LC_ALL: 'C', TZ: 'UTC' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }).toString('latin1');
  } catch (e) {
    ok = false;
    out = ((e as { stdout: Buffer }).stdout ?? Buffer.alloc(0)).toString('latin1');
  }
  const entries: GnuEntry[] = [];
  for (const line of out.split('\n')) {
    if (!line) continue;
    const m = /^(\S{10})\s+(\d+)\/(\d+)\s+(\d+|\d+,\s*\d+)\s+(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(?:\.\d+)?\s+(.*)$/.exec(line);
    if (!m) throw new Error('cannot parse tar line: ' + line);
    let rest = m[6]!;
    let link: string | null = null;
    const type = m[1]![0]!;
    if (type === 'l') {
      const k = rest.indexOf(' -> ');
      link = decodeGt(rest.slice(k + 4));
      rest = rest.slice(0, k);
    } else if (type === 'h') {
      const k = rest.indexOf(' link to ');
      link = normPath(decodeGt(rest.slice(k + 9)));
      rest = rest.slice(0, k);
    }
    const dev = m[4]!.includes(',') ? (m[4]!.split(',').map((x) => Number(x.trim())) as [number, number]) : null;
    entries.push({
      type,
      mode: modeBits(m[1]!),
      uid: Number(m[2]),
      gid: Number(m[3]),
      size: dev ? null : Number(m[4]),
      dev,
      mtime: Date.parse(m[5]!.replace(' ', 'T') + 'Z') / 1000,
      path: normPath(decodeGt(rest)),
      link,
    });
  }
  return { entries, ok };
}

export const TYPE_OF: Record<string, EntryKind> = {
  '-': EntryKind.File,
  d: EntryKind.Dir,
  l: EntryKind.Symlink,
  h: EntryKind.Hardlink,
  c: EntryKind.Char,
  b: EntryKind.Block,
  p: EntryKind.Fifo,
};

export function expectMatchesGnu(ours: TarEntry[], gnu: GnuEntry[]) {
  expect(ours.map((e) => e.path)).toEqual(gnu.map((g) => g.path));
  for (let i = 0; i < gnu.length; i++) {
    const g = gnu[i]!;
    const e = ours[i]!;
    const ctx = `entry ${g.path}`;
    expect(e.kind, ctx).toBe(TYPE_OF[g.type]);
    expect(e.mode, ctx).toBe(g.mode);
    expect(e.uid, ctx).toBe(g.uid);
    expect(e.gid, ctx).toBe(g.gid);
    expect(Math.floor(e.mtime), ctx).toBe(g.mtime);
    if (g.size !== null && g.type === '-') expect(e.size, ctx).toBe(g.size);
    if (g.dev) expect([e.devmajor, e.devminor], ctx).toEqual(g.dev);
    if (g.link !== null) expect(e.linkname, ctx).toBe(g.link);
  }
}
