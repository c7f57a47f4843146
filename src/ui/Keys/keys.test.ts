import { describe, expect, it } from 'vitest';
import { KEY_BINDINGS, findByPrefix, isTypeaheadKey, matchShortcut } from './keys';

const ev = (over: Partial<KeyboardEvent>) => ({ key: '', code: '', ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, target: null, ...over });

describe('shortcuts', () => {
  it("maps dive's Ctrl keys by physical key, and / and ?", () => {
    expect(matchShortcut(ev({ ctrlKey: true, code: 'KeyA', key: 'a' }))).toBe('filter-added');
    expect(matchShortcut(ev({ ctrlKey: true, code: 'KeyR', key: 'r' }))).toBe('filter-deleted');
    expect(matchShortcut(ev({ ctrlKey: true, code: 'KeyM' }))).toBe('filter-modified');
    expect(matchShortcut(ev({ ctrlKey: true, code: 'KeyU' }))).toBe('filter-unchanged');
    expect(matchShortcut(ev({ ctrlKey: true, code: 'Space', key: ' ' }))).toBe('collapse-all');
    expect(matchShortcut(ev({ ctrlKey: true, code: 'KeyB' }))).toBe('attributes');
    expect(matchShortcut(ev({ ctrlKey: true, code: 'KeyL' }))).toBe('layer-changes');
    expect(matchShortcut(ev({ key: '/' }))).toBe('search');
    expect(matchShortcut(ev({ key: '?', shiftKey: true }))).toBe('help');
    expect(matchShortcut(ev({ ctrlKey: true, shiftKey: true, code: 'KeyA' }))).toBeNull();
    expect(matchShortcut(ev({ metaKey: true, code: 'KeyA' }))).toBeNull();
  });

  it('every handled action is listed in the help', () => {
    const listed = new Set(KEY_BINDINGS.map((b) => b.action).filter(Boolean));
    for (const a of [
      'filter-added',
      'filter-deleted',
      'filter-modified',
      'filter-unchanged',
      'collapse-all',
      'attributes',
      'layer-changes',
      'search',
      'help',
    ]) {
      expect(listed.has(a as never), a).toBe(true);
    }
  });

  it('type-ahead takes printable characters only', () => {
    expect(isTypeaheadKey({ key: 'b', ctrlKey: false, metaKey: false, altKey: false })).toBe(true);
    expect(isTypeaheadKey({ key: 'é', ctrlKey: false, metaKey: false, altKey: false })).toBe(true);
    expect(isTypeaheadKey({ key: 'ArrowDown', ctrlKey: false, metaKey: false, altKey: false })).toBe(false);
    expect(isTypeaheadKey({ key: '/', ctrlKey: false, metaKey: false, altKey: false })).toBe(false);
    expect(isTypeaheadKey({ key: 'a', ctrlKey: true, metaKey: false, altKey: false })).toBe(false);
  });

  it('finds the next name with a prefix, wrapping around', () => {
    const names = ['bin', 'boot', 'etc', 'Bar'];
    const at = (i: number) => names[i]!;
    expect(findByPrefix(4, at, 'b', 0)).toBe(0);
    expect(findByPrefix(4, at, 'b', 1)).toBe(1);
    expect(findByPrefix(4, at, 'b', 2)).toBe(3);
    expect(findByPrefix(4, at, 'bo', 0)).toBe(1);
    expect(findByPrefix(4, at, 'x', 0)).toBe(-1);
  });
});
