/**
 * An image of a multi-image archive that cannot be built is dropped with a
 * warning that names it ("that image …": another image is shown), whatever
 * error stopped it; an archive with no image left throws that error.
 */
import { describe, expect, it } from 'vitest';
import { openArchive } from '../archive';
import * as H from '../../../../test/helpers/hostile.mjs';

const layer = H.tarOf([{ name: 'hello.txt', data: 'hello\n' }]);
const cfg = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [H.sha256(layer)] } });
const blob = (entries: [string, string][]) =>
  new Blob([
    H.tarOf([
      { name: 'manifest.json', data: JSON.stringify(entries.map(([tag, config]) => ({ Config: config, RepoTags: [tag], Layers: ['l/layer.tar'] }))) },
      { name: 'config.json', data: cfg },
      { name: 'bad.json', data: '{"rootfs": [' },
      { name: 'l/layer.tar', data: layer },
    ]) as BlobPart,
  ]);

describe('images that cannot be opened', () => {
  it('are dropped with a warning naming each, the others open', async () => {
    const { info } = await openArchive(
      blob([
        ['good:1', 'config.json'],
        ['broken:1', 'absent.json'],
        ['garbled:1', 'bad.json'],
      ]),
    );
    expect(info.images.map((i) => i.tags)).toEqual([['good:1']]);
    expect(info.warnings.map((w) => [w.code, w.message])).toEqual([
      [
        'MISSING_BLOB',
        `Image broken:1 (manifest.json entry 1): its config "absent.json" is not in the archive; that image cannot be opened (the archive's other images can)`,
      ],
      [
        'BAD_JSON',
        expect.stringMatching(
          /^Image garbled:1 \(manifest.json entry 2\): "bad.json" is not valid JSON .*; that image cannot be opened \(the archive's other images can\)$/,
        ),
      ],
    ]);
  });

  it('the only image failing throws its own error', async () => {
    await expect(openArchive(blob([['broken:1', 'absent.json']]))).rejects.toThrow(
      /^Image broken:1 \(manifest.json entry 0\): its config "absent.json" is not in the archive$/,
    );
  });
});
