/**
 * Hostile archives against the built command, run as a child process so that its
 * peak memory (getrusage) and its temporary files can be read (issue 9, points 1–3).
 * The archives are written here (test/helpers/hostile.mjs): a few hundred KB
 * that decompress to gigabytes. Bounds, not timings: the machine is shared.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureCliBuilt, runBuiltCli } from '../../test/helpers/builtCli';
import * as H from '../../test/helpers/hostile.mjs';
import { ARCHIVE_EXPANSION_FLOOR_BYTES } from '../core/read/compression';

/**
 * What the command may use at most on these inputs, whatever their decompressed
 * size: Node itself (~45 MB), the engine, a 1 MiB chunk or two in flight, one
 * zstd window (1 MiB here). Before the fix, 1 GiB of zstd output took 1.1 GB.
 */
const RSS_BOUND = 250e6;
const T = 180_000;

let tmp: string;
beforeAll(() => {
  ensureCliBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'layerscope-hostile-'));
}, 180_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const zeroDiff = 'sha256:' + '0'.repeat(64);
function save(name: string, bytes: Uint8Array): string {
  const f = join(tmp, name);
  writeFileSync(f, bytes);
  return f;
}
const oneLayer = (name: string, layer: Uint8Array) => save(name, H.dockerSave({ layers: [{ name: 'l/layer.tar', data: layer, diffId: zeroDiff }] }));

describe('point 1: zstd output is streamed in bounded pieces', () => {
  it(
    'a zstd layer of 1 GiB and one of 4 GiB of zeros take the same memory, well under the bound',
    async () => {
      const small = oneLayer('z1.tar', H.zstdZeroTar(H.GiB));
      const big = oneLayer('z8.tar', H.zstdZeroTar(4 * H.GiB));
      const a = await runBuiltCli(['inspect', '--no-verify', '--json', small]);
      const b = await runBuiltCli(['inspect', '--no-verify', '--json', big]);
      for (const r of [a, b]) {
        expect(r.status, r.stderr).toBe(0);
        expect(r.peakRss).toBeLessThan(RSS_BOUND);
      }
      const j = JSON.parse(b.stdout);
      expect(j.layers[0].entries).toBe(1);
      expect(j.layers[0].tarSize).toBe(4 * H.GiB + 1024 + 512);
      // memory does not grow with the decompressed size (4× more output, < 40 MB more memory)
      expect(b.peakRss - a.peakRss).toBeLessThan(40e6);
    },
    T,
  );

  it(
    'a frame declaring a window above 2^27 is refused with a sentence, not "Invalid typed array length"',
    async () => {
      for (const [name, layer] of [
        ['w31.tar', H.zstdZeroTar(H.MiB, { windowLog: 31 })],
        ['fcs.tar', H.zstdDeclaringContentSize(32 * H.GiB)],
      ] as const) {
        const r = await runBuiltCli(['ls', oneLayer(name, layer)]);
        expect(r.status).toBe(2);
        expect(r.stderr).toMatch(/a zstd frame declares a window of \d+ MiB, more than the 128 MiB \(2\^27\) zstd itself accepts without --long/);
        expect(r.stderr).not.toMatch(/typed array/i);
        expect(r.peakRss).toBeLessThan(RSS_BOUND);
      }
    },
    T,
  );
});

describe('point 2: a gzipped archive that expands without limit', () => {
  it(
    'a 10 MB .tar.gz of 10 GiB stops at the stated bound with a sentence; the temporary file never passes it',
    async () => {
      const f = join(tmp, 'bomb.tar.gz');
      H.writeGzippedArchiveWithZeroEntry(f, 10 * H.GiB);
      const r = await runBuiltCli(['ls', f]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/gzip-compressed archive expands to more than 1\.1 GB/);
      expect(r.stderr).toMatch(/decompress it first \(gunzip -k FILE/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      // the bound for a 10 MB archive is the 1 GiB floor (100:1 would be 1 GB)
      expect(r.tmpPeak).toBeLessThanOrEqual(ARCHIVE_EXPANSION_FLOOR_BYTES);
      expect(r.tmpPeak).toBeGreaterThan(0.5 * ARCHIVE_EXPANSION_FLOOR_BYTES);
      expect(r.tmpLeft).toBe(0); // the partial file and its directory are gone
      expect(r.peakRss).toBeLessThan(RSS_BOUND);
    },
    T,
  );
});

describe('point 3: a huge file inside a gzip layer', () => {
  it(
    'a 4 GiB file of zeros in a gzip layer is skipped through the decoder in bounded memory',
    async () => {
      const r = await runBuiltCli(['ls', oneLayer('gz4.tar', H.gzipZeroTar(4 * H.GiB))]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe(`/zeros\tfile\t${4 * H.GiB}\t0644\t0\t0\t\t0\n`);
      expect(r.peakRss).toBeLessThan(RSS_BOUND);
    },
    T,
  );
});
