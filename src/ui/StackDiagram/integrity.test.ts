import { describe, expect, it } from 'vitest';
import type { IntegrityCheck } from '../../core/session';
import { failingLayers, failingSentence, layerIntegrity, mismatchText, withoutLayerPrefix } from './integrity';

const check = (layer: number, diffId: IntegrityCheck['diffId'], digest: IntegrityCheck['digest'] = 'unchecked'): IntegrityCheck => ({
  layer,
  diffId,
  digest,
  expectedDiffId: 'sha256:e',
  computedDiffId: 'sha256:c',
  expectedDigest: 'sha256:E',
  computedDigest: 'sha256:C',
});

describe('layer integrity as the page shows it', () => {
  it('mismatch wins over ok; nothing computed is checking while the check runs, unchecked after', () => {
    expect(layerIntegrity(check(0, 'ok', 'mismatch'), false)).toBe('mismatch');
    expect(layerIntegrity(check(0, 'mismatch'), true)).toBe('mismatch');
    expect(layerIntegrity(check(0, 'ok'), true)).toBe('ok');
    expect(layerIntegrity(check(0, 'unchecked', 'ok'), false)).toBe('ok');
    expect(layerIntegrity(check(0, 'unchecked'), true)).toBe('checking');
    expect(layerIntegrity(check(0, 'unchecked'), false)).toBe('unchecked');
    expect(layerIntegrity(undefined, true)).toBe('checking');
    expect(layerIntegrity(undefined, false)).toBe('unchecked');
  });

  it('lists the failing layers and says so in good English', () => {
    expect([...failingLayers([check(0, 'ok'), check(1, 'mismatch'), check(2, 'ok', 'mismatch')])]).toEqual([1, 2]);
    expect(failingLayers(undefined).size).toBe(0);
    expect(failingSentence(1)).toBe('1 layer fails its digest check');
    expect(failingSentence(2)).toBe('2 layers fail their digest check');
    expect(mismatchText(check(1, 'mismatch', 'mismatch'))).toBe(
      "the uncompressed tar hashes to sha256:c, but the config's diff_id is sha256:e; the stored blob hashes to sha256:C, but the manifest says sha256:E",
    );
  });

  it('drops the "layer N: " a chip already shows', () => {
    expect(withoutLayerPrefix('layer 0: sha256 of the uncompressed tar is x', 0)).toBe('sha256 of the uncompressed tar is x');
    expect(withoutLayerPrefix('layer 10: x', 1)).toBe('layer 10: x');
    expect(withoutLayerPrefix('layer 0: x', undefined)).toBe('layer 0: x');
  });
});
