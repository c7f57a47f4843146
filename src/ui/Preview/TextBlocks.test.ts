import { describe, expect, it } from 'vitest';
import { textBlocks } from './TextBlocks';

describe('textBlocks', () => {
  it('cuts after every n-th line feed; the pieces joined are the text', () => {
    const text = Array.from({ length: 10 }, (_, i) => `line ${i}`).join('\n');
    const b = textBlocks(text, 4);
    expect(b.map((x) => x.text)).toEqual(['line 0\nline 1\nline 2\nline 3\n', 'line 4\nline 5\nline 6\nline 7\n', 'line 8\nline 9']);
    expect(b.map((x) => x.lines)).toEqual([4, 4, 2]);
    expect(b.map((x) => x.text).join('')).toBe(text);
  });
  it('a text ending in a line feed makes no empty block; empty text is one empty block', () => {
    expect(textBlocks('a\nb\n', 2).map((x) => x.text)).toEqual(['a\nb\n']);
    expect(textBlocks('', 2)).toEqual([{ text: '', lines: 1 }]);
    expect(textBlocks('no newline', 2)).toEqual([{ text: 'no newline', lines: 1 }]);
  });
  it('keeps surrogate pairs and marked characters whole (cuts only at line feeds)', () => {
    const text = `a\u202Eb\n😀\nc`;
    expect(textBlocks(text, 1).map((x) => x.text)).toEqual(['a\u202Eb\n', '😀\n', 'c']);
  });
});
