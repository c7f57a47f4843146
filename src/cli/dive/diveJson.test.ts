/**
 * `inspect --format dive-json` against dive's own export of the same image:
 * test/fixtures/dive/export_test.snap is wagoodman/dive's snapshot of
 * `NewExport(analysis).Marshal()` for .data/test-docker-image.tar, which is
 * test/fixtures/images/dive-legacy-14-layers.tar (the same git blob). Every field
 * of every layer's file list, the image totals and the inefficient files must
 * equal it; the layout must be Go's json.MarshalIndent (two spaces, struct field
 * order, HTML-safe escapes).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../../test/helpers/runCli';
import { EntryKind } from '../../core/types';
import { goFileMode, goJsonString, layerTree } from './diveJson';
import { writeTar } from '../../core/write/tarWriter';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';

const ROOT = join(__dirname, '../../..');
const DIVE = join(ROOT, 'test/fixtures/images/dive-legacy-14-layers.tar');
const T = 30_000;

const run = (...argv: string[]) => runCli(argv);

/** The JSON document inside a go-snaps snapshot file ("[Test_Export - 1]\n{…}\n---"). */
function snapshot(name: string): any {
  const text = readFileSync(join(ROOT, 'test/fixtures/dive', name), 'utf8');
  const start = text.indexOf('{');
  const end = text.lastIndexOf('\n---');
  return JSON.parse(text.slice(start, end));
}

describe('inspect --format dive-json', () => {
  it(
    "equals dive's own export of dive-legacy-14-layers.tar, field for field",
    async () => {
      const r = await run('inspect', DIVE, '--format', 'dive-json');
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const ours = JSON.parse(r.out);
      const dive = snapshot('export_test.snap');
      expect(ours.layer).toHaveLength(dive.layer.length);
      for (let i = 0; i < dive.layer.length; i++) {
        const { fileList: want, ...head } = dive.layer[i];
        const { fileList: got, ...ourHead } = ours.layer[i];
        expect(ourHead, `layer ${i}`).toEqual(head);
        expect(got.length, `layer ${i} fileList length`).toBe(want.length);
        for (let k = 0; k < want.length; k++) expect(got[k], `layer ${i} fileList[${k}]`).toEqual(want[k]);
      }
      expect(ours.image).toEqual(dive.image);
    },
    T,
  );

  it(
    "is laid out as Go's json.MarshalIndent: two spaces, dive's field order",
    async () => {
      const r = await run('inspect', DIVE, '--format', 'dive-json');
      const parsed = JSON.parse(r.out);
      expect(Object.keys(parsed)).toEqual(['layer', 'image']);
      expect(Object.keys(parsed.layer[0])).toEqual(['index', 'id', 'digestId', 'sizeBytes', 'command', 'fileList']);
      expect(Object.keys(parsed.layer[0].fileList[0])).toEqual(['path', 'typeFlag', 'linkName', 'size', 'fileMode', 'uid', 'gid', 'isDir']);
      expect(Object.keys(parsed.image)).toEqual(['sizeBytes', 'inefficientBytes', 'efficiencyScore', 'fileReference']);
      expect(Object.keys(parsed.image.fileReference[0])).toEqual(['count', 'sizeBytes', 'file']);
      // No <, > or & in this image: the text is exactly JSON.stringify's indentation.
      expect(r.out).toBe(`${JSON.stringify(parsed, null, 2)}\n`);
    },
    T,
  );

  it("Go's FileMode bits, Go's HTML-safe string escapes", () => {
    expect(goFileMode(EntryKind.Dir, 0o755)).toBe(2147484141);
    expect(goFileMode(EntryKind.File, 0o4755)).toBe(2 ** 23 + 0o755);
    expect(goFileMode(EntryKind.Symlink, 0o777)).toBe(2 ** 27 + 0o777);
    expect(goFileMode(EntryKind.Char, 0o666)).toBe(2 ** 26 + 2 ** 21 + 0o666);
    expect(goFileMode(EntryKind.Dir, 0o1777)).toBe(2 ** 31 + 2 ** 20 + 0o777);
    expect(goJsonString('a<b>&c\u2028')).toBe('"a\\u003cb\\u003e\\u0026c\\u2028"');
  });

  it(
    "a layer's own tree as dive builds it: implied parents with an empty payload, opaque markers dropped, whiteouts kept, byte order",
    async () => {
      const te = new TextEncoder();
      const e = (path: string, kind: 'file' | 'dir' = 'file', data = '') => ({
        path,
        kind,
        data: te.encode(data),
        mode: kind === 'dir' ? 0o755 : 0o644,
        uid: 0,
        gid: 0,
        mtime: 0,
      });
      const lower = writeTar([e('a', 'dir'), e('a/x', 'file', 'lower')]);
      const upper = writeTar([e('a/.wh..wh..opq'), e('b/c/d', 'file', 'deep'), e('a/.wh.x'), e('B', 'file', 'upper-case sorts first')]);
      const diff = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
      const archive = writeTar([
        { ...e('manifest.json', 'file', JSON.stringify([{ Config: 'c.json', RepoTags: ['t:1'], Layers: ['l0/layer.tar', 'l1/layer.tar'] }])) },
        {
          ...e(
            'c.json',
            'file',
            JSON.stringify({
              os: 'linux',
              architecture: 'amd64',
              rootfs: { type: 'layers', diff_ids: [diff(lower), diff(upper)] },
              history: [{ created_by: '/bin/sh -c echo lower' }],
            }),
          ),
        },
        { path: 'l0/layer.tar', kind: 'file' as const, data: lower, mode: 0o644, uid: 0, gid: 0, mtime: 0 },
        { path: 'l1/layer.tar', kind: 'file' as const, data: upper, mode: 0o644, uid: 0, gid: 0, mtime: 0 },
      ]);
      const f = join(mkdtempSync(join(tmpdir(), 'layerscope-divejson-')), 'x.tar');
      writeFileSync(f, archive);
      const j = JSON.parse((await run('inspect', f, '--format', 'dive-json')).out);
      // Layer 1: B, a/.wh.x, a (implied: the opaque marker added nothing), b/c/d, b/c, b (implied).
      expect(j.layer[1].fileList.map((x: { path: string }) => x.path)).toEqual(['B', 'a/.wh.x', '', 'b/c/d', '', '']);
      expect(j.layer[1].fileList[2]).toEqual({ path: '', typeFlag: 0, linkName: '', size: 0, fileMode: 0, uid: 0, gid: 0, isDir: false });
      expect(j.layer.map((l: { id: string }) => l.id)).toEqual(['l0', 'l1']);
      // One history step for two layers: the second is "(missing)", with no digestId (dive's ToImage).
      expect(j.layer.map((l: { command: string; digestId: string }) => [l.command, l.digestId])).toEqual([
        ['echo lower', diff(lower)],
        ['(missing)', ''],
      ]);
      expect(j.layer[0].sizeBytes).toBe(5);
    },
    T,
  );

  it(
    'every inefficiency is exported, not only the 1000 the statistics list, largest first',
    async () => {
      const te = new TextEncoder();
      const files = (n: number, fill: string) =>
        Array.from({ length: n }, (_, i) => ({
          path: `d/f${i}`,
          kind: 'file' as const,
          data: te.encode(fill.repeat(1 + (i % 7))),
          mode: 0o644,
          uid: 0,
          gid: 0,
          mtime: 0,
        }));
      const l0 = writeTar(files(1100, 'a'));
      const l1 = writeTar(files(1100, 'b'));
      const diff = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
      const meta = (path: string, data: string) => ({ path, kind: 'file' as const, data: te.encode(data), mode: 0o644, uid: 0, gid: 0, mtime: 0 });
      const archive = writeTar([
        meta('manifest.json', JSON.stringify([{ Config: 'c.json', RepoTags: ['many:1'], Layers: ['a/layer.tar', 'b/layer.tar'] }])),
        meta('c.json', JSON.stringify({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: [diff(l0), diff(l1)] } })),
        { path: 'a/layer.tar', kind: 'file' as const, data: l0, mode: 0o644, uid: 0, gid: 0, mtime: 0 },
        { path: 'b/layer.tar', kind: 'file' as const, data: l1, mode: 0o644, uid: 0, gid: 0, mtime: 0 },
      ]);
      const f = join(mkdtempSync(join(tmpdir(), 'layerscope-divejson-')), 'many.tar');
      writeFileSync(f, archive);
      const j = JSON.parse((await run('inspect', f, '--format', 'dive-json')).out);
      const refs = j.image.fileReference as { count: number; sizeBytes: number }[];
      expect(refs).toHaveLength(1100);
      expect(refs.every((r) => r.count === 2)).toBe(true);
      for (let i = 1; i < refs.length; i++) expect(refs[i - 1]!.sizeBytes).toBeGreaterThanOrEqual(refs[i]!.sizeBytes);
      expect(refs.reduce((a, r) => a + r.sizeBytes, 0)).toBe(j.image.inefficientBytes);
      void layerTree;
    },
    T,
  );
});
