/**
 * The content diff against GNU diff and patch: our unified hunks, applied by
 * `patch` to A, give B exactly; the numbers of added and removed lines are GNU
 * diff's (both are minimal edit scripts on inputs this small); the side-by-side
 * rows pair changed lines and highlight the words that differ.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstDifference, hexRows, splitLines, textDiff, unifiedText, wordSpans } from './contentDiff';

const HAVE_PATCH = spawnSync('sh', ['-c', 'command -v patch && command -v diff']).status === 0;

describe('textDiff', () => {
  it('a small change: one hunk with context, the changed line paired and word-highlighted', async () => {
    const a = 'one\ntwo\nthree\nfour\nfive\nsix\nseven\n';
    const b = 'one\ntwo\nthree\nFOUR and more\nfive\nsix\nseven\neight\n';
    const d = textDiff(a, b);
    expect(d.tooComplex).toBe(false);
    expect([d.removed, d.added]).toEqual([1, 2]);
    expect(unifiedText(d)).toBe('@@ -1,7 +1,8 @@\n one\n two\n three\n-four\n+FOUR and more\n five\n six\n seven\n+eight\n');
    const rows = d.hunks[0]!.rows;
    const change = rows.find((r) => r.type === 'change')!;
    expect(change.a).toMatchObject({ no: 4, text: 'four' });
    expect(change.b).toMatchObject({ no: 4, text: 'FOUR and more' });
    expect(rows.at(-1)).toMatchObject({ type: 'add', a: null, b: { no: 8, text: 'eight' } });
  });

  it('changes far apart are separate hunks; identical texts have none', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => `line ${i}`);
    const b = [...lines];
    b[2] = 'changed 2';
    b[30] = 'changed 30';
    const d = textDiff(`${lines.join('\n')}\n`, `${b.join('\n')}\n`);
    expect(d.hunks.map((h) => [h.aStart, h.aLines, h.bStart, h.bLines])).toEqual([
      [1, 6, 1, 6],
      [28, 7, 28, 7],
    ]);
    expect(textDiff('same\n', 'same\n').hunks).toEqual([]);
  });

  it('says when a version has no newline at its end', async () => {
    const d = textDiff('a\nb', 'a\nb\n');
    expect(d.noNewlineA).toBe(true);
    expect(d.noNewlineB).toBe(false);
    expect(d.hunks).toEqual([]); // the lines themselves are equal
    expect(splitLines('x\ny')).toEqual(['x', 'y']);
    expect(splitLines('')).toEqual([]);
  });

  it.skipIf(!HAVE_PATCH)('randomized texts: `patch` applies our hunks to A and gets B; the counts are GNU diff’s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'layerscope-textdiff-'));
    try {
      let seed = 7;
      const rnd = (k: number) => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return (seed >>> 8) % k;
      };
      const vocab = ['alpha', 'beta', 'gamma', 'delta', '', '  indented', 'x = 1', 'x = 2', '}', '{', 'é ü 日本'];
      for (let round = 0; round < 30; round++) {
        const a = Array.from({ length: 5 + rnd(60) }, () => vocab[rnd(vocab.length)]);
        const b = [...a];
        for (let k = rnd(8); k >= 0; k--) {
          const at = rnd(b.length + 1);
          const op = rnd(3);
          if (op === 0) b.splice(at, 0, vocab[rnd(vocab.length)]);
          else if (op === 1) b.splice(at, 1);
          else b[at] = `${vocab[rnd(vocab.length)]} edited`;
        }
        const ta = a.length ? `${a.join('\n')}\n` : '';
        const tb = b.length ? `${b.join('\n')}\n` : '';
        const d = textDiff(ta, tb);
        writeFileSync(join(dir, 'a'), ta);
        writeFileSync(join(dir, 'b'), tb);
        writeFileSync(join(dir, 'p'), `--- a\n+++ b\n${unifiedText(d)}`);
        if (d.hunks.length) execFileSync('patch', ['-s', '-o', join(dir, 'out'), join(dir, 'a'), join(dir, 'p')]);
        else writeFileSync(join(dir, 'out'), ta);
        expect(readFileSync(join(dir, 'out'), 'utf8'), `round ${round}`).toBe(tb);
        const gnu = spawnSync('diff', ['--minimal', join(dir, 'a'), join(dir, 'b')], { encoding: 'utf8' }).stdout;
        const gnuAdded = gnu.split('\n').filter((l) => l.startsWith('> ')).length;
        const gnuRemoved = gnu.split('\n').filter((l) => l.startsWith('< ')).length;
        expect(d.added + d.removed, `round ${round}`).toBe(gnuAdded + gnuRemoved);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('wordSpans', () => {
  it('marks the words that differ; none for lines too different or too long', () => {
    const w = wordSpans('const timeout = 30; // seconds', 'const timeout = 60; // seconds')!;
    expect(w.a.filter((s) => s.changed).map((s) => s.text)).toEqual(['30']);
    expect(w.b.filter((s) => s.changed).map((s) => s.text)).toEqual(['60']);
    expect(w.a.map((s) => s.text).join('')).toBe('const timeout = 30; // seconds');
    expect(wordSpans('completely different', 'nothing alike here at all')).toBeNull();
    expect(wordSpans('x'.repeat(3000), 'y')).toBeNull();
  });
});

describe('hex', () => {
  it('rows of 16 bytes with the differing ones marked; the first difference', () => {
    const a = Uint8Array.from({ length: 40 }, (_, i) => i);
    const b = a.slice(0, 36);
    b[17] = 0xff;
    expect(firstDifference(a, b)).toBe(17);
    expect(firstDifference(a, a.slice())).toBe(-1);
    expect(firstDifference(a, a.slice(0, 10))).toBe(10);
    const rows = hexRows(a, b, 0, 10);
    expect(rows.map((r) => r.offset)).toEqual([0, 16, 32]);
    expect(rows[0]!.differs).toBe(0);
    expect(rows[1]!.differs).toBe(1 << 1);
    // bytes 36..39 exist in A only
    expect(rows[2]!.differs).toBe(0b11110000);
    expect(rows[2]!.b.length).toBe(4);
    expect(hexRows(a, b, 20, 1)[0]!.offset).toBe(16);
  });
});
