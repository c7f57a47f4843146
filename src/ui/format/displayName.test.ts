/**
 * Names shown in the page (issue 9, point 9): bidi controls, zero-width and
 * control characters become visible tokens, everything else is untouched.
 */
import { describe, expect, it } from 'vitest';
import { displayName, displayParts, downloadName, needsTokens } from './displayName';
import { INVISIBLE_CODE_POINTS } from '../../core/invisible';

describe('displayName', () => {
  it('shows the right-to-left override that makes invoice\\u202Egnp.exe look like a PNG', () => {
    expect(displayName('invoice\u202egnp.exe')).toBe('invoice⟨U+202E⟩gnp.exe');
  });

  it('turns every bidi control, zero-width and control character into a token', () => {
    for (const c of [...INVISIBLE_CODE_POINTS, 0x00, 0x07, 0x0a, 0x0d, 0x1b, 0x7f, 0x85, 0x9b]) {
      const s = `a${String.fromCharCode(c)}b`;
      const shown = displayName(s);
      expect(shown, c.toString(16)).toBe(`a⟨U+${c.toString(16).toUpperCase().padStart(4, '0')}⟩b`);
      expect(needsTokens(s)).toBe(true);
    }
  });

  it('leaves ordinary names alone, including right-to-left scripts and emoji', () => {
    for (const s of ['etc', 'passwd', 'a b.txt', 'ünïcödé', '日本語.md', 'שלום.txt', 'مرحبا', '🐳.tar', '']) {
      expect(displayName(s)).toBe(s);
      expect(needsTokens(s)).toBe(false);
    }
  });

  it('cuts a name into text runs and tokens for <SafeText>', () => {
    expect(displayParts('x\u200by\u202e')).toEqual([{ text: 'x' }, { token: '⟨U+200B⟩', code: 0x200b }, { text: 'y' }, { token: '⟨U+202E⟩', code: 0x202e }]);
    expect(displayParts('plain')).toEqual([{ text: 'plain' }]);
  });

  it('suggests download names that cannot be disguised or climb directories', () => {
    expect(downloadName('invoice\u202egnp.exe')).toBe('invoice⟨U+202E⟩gnp.exe');
    expect(downloadName('a/b\\c')).toBe('a_b_c');
    expect(downloadName('..')).toBe('file');
    expect(downloadName('')).toBe('file');
  });
});
