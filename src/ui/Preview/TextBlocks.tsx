/**
 * A text preview's lines in blocks of TEXT_BLOCK_LINES, each with `content-visibility:
 * auto`, as HexDump does for hex (see there): the browser lays out and paints only the
 * blocks near the viewport. The first 256 KiB of a text file laid out at once were most
 * of the main thread's time for a click on it (bench-click, issue 13). Every line stays
 * in the DOM, so find-in-page, selection and copy, keyboard scrolling and the
 * accessibility tree work as with one text node, and the text content is the same
 * string. A block is cut only at a line feed, so nothing SafeText marks is split.
 */
import { useMemo } from 'react';
import { SafeText } from '../format/SafeText';

/** Lines per block: a screen or two of unwrapped lines, so a few blocks render at a time. */
export const TEXT_BLOCK_LINES = 128;

/** `text` cut after every TEXT_BLOCK_LINES-th line feed; the pieces joined are `text`. */
export function textBlocks(text: string, linesPerBlock = TEXT_BLOCK_LINES): { text: string; lines: number }[] {
  const out: { text: string; lines: number }[] = [];
  let start = 0;
  let lines = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
    if (++lines === linesPerBlock) {
      out.push({ text: text.slice(start, i + 1), lines });
      start = i + 1;
      lines = 0;
    }
  }
  if (start < text.length || out.length === 0) out.push({ text: text.slice(start), lines: lines + 1 });
  return out;
}

export function TextBlocks({ text, marked }: { text: string; marked: boolean }) {
  const blocks = useMemo(() => textBlocks(text), [text]);
  return blocks.map((b, i) => (
    <span
      key={i}
      className="pv-text-block"
      // the height a block keeps before it ever rendered: its lines unwrapped
      style={{ '--pv-text-lines': b.lines } as React.CSSProperties}
    >
      {marked ? <SafeText text={b.text} content /> : b.text}
    </span>
  ));
}
