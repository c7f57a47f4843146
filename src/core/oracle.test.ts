/**
 * The union view against the reference: for every fixture archive with an
 * expected listing (computed by skopeo + umoci unpack, test/fixtures/expected),
 * the whole pipeline (archive → layers → union → listing) must give the same
 * merged root filesystem, path by path.
 *
 * The reference writes a hardlink as the file it is on disk (`file`, empty link),
 * and has no `layer` column: both are normalized here, nothing else.
 */
import { describe, expect, it } from 'vitest';
import { openAsBlob } from 'node:fs';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openImage, verifyImage } from './session';
import { listMerged } from './model/listing';
import { toOracleForm } from '../../test/helpers/oracleForm';

const FIX = join(__dirname, '../../test/fixtures');
const expectedFiles = readdirSync(join(FIX, 'expected')).filter((f) => f.endsWith('.tsv'));

function archiveFor(name: string): string {
  // example.tsv is the built-in example image shipped in public/
  return name === 'example' ? join(__dirname, '../../public/example.tar') : join(FIX, 'images', `${name}.tar`);
}

describe('merged listing equals the skopeo + umoci reference', () => {
  for (const f of expectedFiles) {
    const m = /^(.*?)(?:@(\d+))?\.tsv$/.exec(f)!;
    const name = m[1]!;
    const image = m[2] !== undefined ? Number(m[2]) : undefined;
    it(`${f}`, async () => {
      const blob = await openAsBlob(archiveFor(name));
      const img = await verifyImage(await openImage(blob, { image, verify: true }));
      expect(img.layerErrors.filter(Boolean)).toEqual([]);
      const ours = toOracleForm(listMerged(img.union, img.layers, img.image.layers.length - 1));
      const ref = readFileSync(join(FIX, 'expected', f), 'utf8')
        .split('\n')
        .filter((l) => l.length > 0);
      expect(ours).toEqual(ref);
      // Every layer's digests, where the archive records them, match what was read.
      expect(img.integrity.filter((c) => c.diffId === 'mismatch' || c.digest === 'mismatch')).toEqual([]);
    });
  }
});
