/**
 * Terminal injection (issue 9, point 8): names, link targets, tags and history
 * from an image reach the terminal only escaped. The archives are written here;
 * the escapes are decoded by a C-escape reader written here too, so the test
 * proves both that nothing raw gets out and that nothing is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { escapeLines, escapeText, escapeTsvField, jsonForTerminal } from './escape';
import { runCli } from '../../test/helpers/runCli';
import { writeTar } from '../core/write/tarWriter';
import { dockerArchive, tdir, tfile, tlink } from '../../test/helpers/imageArchive';

/** Decodes the escapes escape.ts documents (C escapes, \ooo bytes of UTF-8, \uXXXX). */
function unescapeText(s: string): string {
  const bytes: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '\\') {
      const cp = s.codePointAt(i)!;
      bytes.push(...enc.encode(String.fromCodePoint(cp)));
      if (cp > 0xffff) i++;
      continue;
    }
    const d = s[++i]!;
    if (d >= '0' && d <= '7') {
      bytes.push(parseInt(s.slice(i, i + 3), 8));
      i += 2;
    } else if (d === 'u') {
      bytes.push(...enc.encode(String.fromCharCode(parseInt(s.slice(i + 1, i + 5), 16))));
      i += 4;
    } else {
      const map: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '\\': 92 };
      expect(map[d], `unknown escape \\${d}`).toBeDefined();
      bytes.push(map[d]!);
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** Anything a terminal could act on: C0 except the newline we print, DEL, C1, and the bidi/zero-width set. */
const DANGEROUS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/;

describe('escapeText', () => {
  it('escapes like GNU ls --quoting-style=escape (spaces kept), bidi and zero-width as \\uXXXX', () => {
    expect(escapeText('plain name.txt')).toBe('plain name.txt');
    expect(escapeText('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(escapeText('\x07\x08\x0b\x0c')).toBe('\\a\\b\\v\\f');
    expect(escapeText('\x1b[2J')).toBe('\\033[2J');
    expect(escapeText('\x00\x01\x7f')).toBe('\\000\\001\\177');
    expect(escapeText('c1\u009b31m')).toBe('c1\\302\\23331m');
    expect(escapeText('invoice\u202egnp.exe')).toBe('invoice\\u202egnp.exe');
    expect(escapeText('zero\u200bwidth\ufeff')).toBe('zero\\u200bwidth\\ufeff');
    expect(escapeText('ünïcödé 日本 ok')).toBe('ünïcödé 日本 ok');
    expect(escapeTsvField('x\ty')).toBe('x\\ty');
    expect(escapeLines(['a\nb', 'c'])).toBe('a\\nb\nc');
  });

  it('is reversible and leaves nothing a terminal acts on', () => {
    const samples = ['\x1b]0;title\x07', 'over\rPASS', 'row\n/x\tfile', 'back\\slash\\n', 'c1\u0085\u009f', 'mix\u202e\u2066\u061c\u2028', 'emoji 🐳'];
    for (let c = 0; c < 0x100; c++) samples.push(`c${String.fromCharCode(c)}x`);
    for (const s of samples) {
      const e = escapeText(s);
      expect(e).not.toMatch(DANGEROUS);
      expect(unescapeText(e)).toBe(s);
    }
  });

  it('JSON for a terminal is the same JSON value with DEL, C1 and bidi written as \\u escapes', () => {
    const v = { name: 'a\u009bb\u202ec\x7f\x1b', n: 1 };
    const j = jsonForTerminal(v, 2);
    expect(j).not.toMatch(DANGEROUS);
    expect(JSON.parse(j)).toEqual(v);
  });
});

/* ------------------------------------------------------------------ the command line */

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'layerscope-escape-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = (...argv: string[]) => runCli(argv);

/** Names a hostile image uses to attack a terminal. */
const HOSTILE = {
  title: 'evil\x1b]0;pwned\x07',
  clear: 'clear\x1b[2J\x1b[H',
  overwrite: 'over\rPASS: all good',
  forgedRow: 'row\n/etc/shadow\tfile\t0\t0644\t0\t0\t\t0',
  tab: 'tab\there',
  backslash: 'back\\nslash',
  c1: 'csi\u009b2J',
  bidi: 'invoice\u202egnp.exe',
};

function hostileArchive(): string {
  const names = Object.values(HOSTILE);
  const layer0 = writeTar([
    tdir('d'),
    ...names.map((n) => tfile(`d/${n}`, 'x')),
    tlink('symlink', 'd/link', `/target\x1b[31m\nnext`),
    // a hardlink to nothing: its warning quotes the name
    tlink('hardlink', `d/hl\x1b[2J`, `d/missing\x07`),
  ]);
  const bytes = dockerArchive([layer0], {
    tags: ['repo:tag\x1b[2J\x1b[H'],
    createdBy: ['/bin/sh -c echo \x1b]0;owned\x07 && printf "\rPASS"'],
    config: { created: '2020-01-01T00:00:00Z\x1b[31m', os: 'linux\x1b[5m', architecture: 'amd64' },
  });
  const f = join(tmp, 'hostile.tar');
  writeFileSync(f, bytes);
  return f;
}

describe('terminal injection through the command line', () => {
  it('ls: each path one row of 8 columns, escaped, decoding back to the names', async () => {
    const f = hostileArchive();
    const r = await run('ls', f);
    expect(r.code).toBe(0);
    expect(r.out.replace(/\t/g, ' ')).not.toMatch(DANGEROUS);
    const rows = r.out.split('\n').filter((l) => l.length > 0);
    for (const row of rows) expect(row.split('\t')).toHaveLength(8);
    const paths = rows.map((l) => unescapeText(l.split('\t')[0]!));
    for (const n of Object.values(HOSTILE)) expect(paths).toContain(`/d/${n}`);
    // /d, its 8 names, the two directories the forged row's '/' implies, the symlink, the hardlink
    expect(rows).toHaveLength(1 + Object.keys(HOSTILE).length + 2 + 2);
    const link = rows.find((l) => l.startsWith('/d/link\t'))!;
    expect(unescapeText(link.split('\t')[6]!)).toBe('/target\x1b[31m\nnext');
    expect(rows.some((l) => l.startsWith('/etc/shadow'))).toBe(false);
  });

  it('inspect (text and --json) and ci print tags, history, config and warnings escaped', async () => {
    const f = hostileArchive();
    for (const argv of [
      ['inspect', f],
      ['inspect', f, '--json'],
      ['ci', f],
    ]) {
      const r = await run(...argv);
      expect(r.out, argv.join(' ')).not.toMatch(DANGEROUS);
      expect(r.err, argv.join(' ')).not.toMatch(DANGEROUS);
    }
    const text = (await run('inspect', f)).out;
    expect(text).toContain('repo:tag\\033[2J\\033[H');
    expect(text).toContain('\\033]0;owned\\a');
    expect(text).toMatch(/warning: .*hl\\033\[2J/);
    // a `created` that is not a date is shown as given and marked (issue 9, point 12)
    expect(text).toContain('created 2020-01-01T00:00:00Z\\033[31m  (not a valid RFC 3339 date)');
    // no line of ours was overwritten by a carriage return
    expect(text.split('\n').some((l) => l.startsWith('PASS'))).toBe(false);
    const json = JSON.parse((await run('inspect', f, '--json')).out);
    expect(json.image.tags).toEqual(['repo:tag\x1b[2J\x1b[H']);
  });

  it('errors that quote names from the archive are escaped too', async () => {
    const bytes = dockerArchive([writeTar([tfile('a', 'x')])], {
      manifest: [{ Config: 'config.json', RepoTags: ['t'], Layers: ['missing\x1b[2J/layer.tar'] }],
    });
    const f = join(tmp, 'missing.tar');
    writeFileSync(f, bytes);
    const r = await run('inspect', f);
    expect(r.code).toBe(2);
    expect(r.err).toContain('missing\\033[2J');
    expect(r.err).not.toMatch(DANGEROUS);
  });
});
