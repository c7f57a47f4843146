/**
 * readEntryBytes against ground truth: each file's bytes as GNU tar extracts them
 * (`tar -xOf layer member`), for the same layer stored uncompressed, gzip and zstd.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEntryBytes } from './contents';
import { scanLayer } from './layerScan';
import { EntryKind, type Compression } from '../types';
import { hashLayer, CHECKPOINT_SPACING } from './verify';
import { writeTar } from '../write/tarWriter';
import { sample } from './inflate/sample.testkit';
import type { Checkpoint } from './inflate/inflater';
import { pointBefore } from './inflate/resume';

let tmp: string;
let tar: Buffer;
const stored: Partial<Record<Compression, Uint8Array<ArrayBuffer>>> = {};

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'layerscope-contents-'));
  const src = join(tmp, 'src');
  mkdirSync(join(src, 'etc'), { recursive: true });
  writeFileSync(join(src, 'etc/motd'), 'welcome\n');
  writeFileSync(join(src, 'empty'), '');
  let seed = 1;
  const noise = Buffer.alloc(300_000);
  for (let i = 0; i < noise.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    noise[i] = seed >>> 24;
  }
  writeFileSync(join(src, 'noise.bin'), noise);
  writeFileSync(join(src, 'text.txt'), 'line of text\n'.repeat(20_000));
  writeFileSync(join(src, 'z-last'), 'the end');
  const file = join(tmp, 'layer.tar');
  execFileSync('tar', ['-cf', file, '--format=pax', '-C', src, 'etc', 'empty', 'noise.bin', 'text.txt', 'z-last']);
  tar = execFileSync('cat', [file]);
  stored.none = new Uint8Array(tar);
  stored.gzip = new Uint8Array(gzipSync(tar));
  stored.zstd = new Uint8Array(execFileSync('zstd', ['-q', '-c'], { input: tar }));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('readEntryBytes', () => {
  for (const c of ['none', 'gzip', 'zstd'] as const) {
    it(`${c}: every file equals tar -xO, and maxBytes caps the read`, async () => {
      const blob = new Blob([stored[c]!]);
      const idx = await scanLayer(blob);
      expect(idx.compression).toBe(c);
      const files = idx.paths.map((p, i) => ({ p, i })).filter(({ i }) => idx.kinds[i] === EntryKind.File);
      expect(files.length).toBe(5);
      for (const { p, i } of files) {
        const want = execFileSync('tar', ['-xOf', join(tmp, 'layer.tar'), p], { maxBuffer: 1 << 26 });
        const got = await readEntryBytes(blob, c, idx.dataOffsets[i]!, idx.sizes[i]!);
        expect(Buffer.from(got).equals(want), p).toBe(true);
        const head = await readEntryBytes(blob, c, idx.dataOffsets[i]!, idx.sizes[i]!, { maxBytes: 100 });
        expect(Buffer.from(head).equals(want.subarray(0, 100)), p).toBe(true);
      }
    });
  }

  it('a range beyond the layer is TRUNCATED; an aborted read is CANCELLED', async () => {
    for (const c of ['none', 'gzip', 'zstd'] as const) {
      const blob = new Blob([stored[c]!]);
      await expect(readEntryBytes(blob, c, tar.length - 10, 100)).rejects.toMatchObject({ code: 'TRUNCATED' });
    }
    const ac = new AbortController();
    ac.abort();
    await expect(readEntryBytes(new Blob([stored.gzip!]), 'gzip', 100_000, 10, { signal: ac.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});

describe('reads from resume points recorded by the digest check', () => {
  it('every file of a 12 MB gzip layer reads the same with and without checkpoints; the digests are unchanged', async () => {
    const entries = Array.from({ length: 300 }, (_, i) => ({
      path: `f/${String(i).padStart(3, '0')}`,
      kind: 'file' as const,
      data: sample(1000 + ((i * 7919) % 80_000), i + 1),
      mode: 0o644,
      uid: 0,
      gid: 0,
      mtime: 0,
    }));
    const tarBytes = writeTar(entries);
    const blob = new Blob([gzipSync(tarBytes)]);
    const points: Checkpoint[] = [];
    const plain = await hashLayer(blob, 'gzip');
    const recorded = await hashLayer(blob, 'gzip', { checkpoints: { onCheckpoints: (p) => points.push(...(p as Checkpoint[])) } });
    expect(recorded).toEqual(plain);
    expect(points.length).toBeGreaterThanOrEqual(Math.floor(tarBytes.length / CHECKPOINT_SPACING) - 1);
    const windows = points.reduce((n, p) => n + p.window.length, 0);
    expect(windows / tarBytes.length).toBeLessThan(0.02);
    const idx = await scanLayer(blob);
    let used = 0;
    for (let i = 0; i < idx.count; i += 7) {
      const cp = pointBefore(points, idx.dataOffsets[i]!);
      if (cp) used++;
      const a = await readEntryBytes(blob, 'gzip', idx.dataOffsets[i]!, idx.sizes[i]!, { checkpoint: cp });
      expect(Buffer.from(a).equals(Buffer.from(entries[i]!.data)), idx.paths[i]).toBe(true);
    }
    expect(used).toBeGreaterThan(20);
  });
});
