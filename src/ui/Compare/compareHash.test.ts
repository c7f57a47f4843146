import { describe, expect, it } from 'vitest';
import type { Category } from '../../core/compare/flags';
import { parseCompareHash, serializeCompareHash, withCompareHash, type CompareHashState } from './compareHash';

describe('compare hash', () => {
  it('round-trips a comparison, defaults left out', () => {
    const s: CompareHashState = {
      kind: 'files',
      imageA: 0,
      imageB: 1,
      platformB: 'linux/arm64/v8',
      layerA: 3,
      path: '/etc/a b/%x',
      filter: new Set<Category>(['added', 'changed']),
      sort: 'delta',
      mtime: true,
      view: 'unified',
    };
    const h = serializeCompareHash(s);
    expect(h).toBe('cmp=files&ia=0&ib=1&pb=linux/arm64/v8&la=3&cpath=/etc/a%20b/%25x&cshow=ac&csort=delta&cmtime=1&cview=unified');
    expect(parseCompareHash(`#${h}`)).toEqual(s);
    expect(
      serializeCompareHash({
        kind: 'layers',
        layerA: 1,
        layerB: 2,
        filter: new Set<Category>(['added', 'removed', 'changed', 'metadata', 'pending', 'unknown']),
      }),
    ).toBe('cmp=layers&la=1&lb=2');
  });

  it('ignores what it does not understand; no cmp, no comparison', () => {
    expect(parseCompareHash('#image=0&layer=2')).toBeNull();
    expect(parseCompareHash('#cmp=evil')).toBeNull();
    expect(parseCompareHash('#cmp=layers&la=x&lb=99999999&cshow=zz&csort=up&pb=a;b&cpath=/../../etc')).toEqual({ kind: 'layers', path: '/etc' });
  });

  it('sits beside the explorer keys without touching them', () => {
    const h = withCompareHash('#image=0&layer=2&path=/x&cmp=files&ia=4', { kind: 'layers', layerA: 0, layerB: 1 });
    expect(h).toBe('#image=0&layer=2&path=/x&cmp=layers&la=0&lb=1');
    expect(withCompareHash(h, null)).toBe('#image=0&layer=2&path=/x');
    expect(withCompareHash('', null)).toBe('');
  });
});
