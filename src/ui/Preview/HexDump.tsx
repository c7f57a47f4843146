/**
 * A hex dump in a <pre>, grouped into blocks of HEX_BLOCK_LINES lines, each with
 * `content-visibility: auto` (CSS Containment 2 §4): the browser lays out and paints
 * only the blocks near the viewport. A 64 KiB window is 4,096 lines (~320,000
 * characters); laid out whole, it was the largest main-thread cost of clicking a
 * binary file (issue 13). Unlike a virtualized list, every line stays in the DOM, so
 * what the single <pre> offered still works: the browser's find-in-page reaches lines
 * far below (it renders a skipped block to show a match), selecting and copying any
 * range (a selection makes its blocks render), keyboard scrolling of the focused
 * region, and the accessibility tree (skipped content stays in it). The text content
 * is exactly hexDump's: lines joined by "\n", blocks included.
 */
import { useMemo } from 'react';
import { hexLines } from './sniff';

/**
 * Lines per block: 128 lines at 16.5 px are ~2,100 px, a screen or two, so one to
 * three blocks are laid out at a time, and a 64 KiB window is 32 elements.
 */
export const HEX_BLOCK_LINES = 128;

export function HexDump({ bytes, base = 0, label, testId = 'preview-hex' }: { bytes: Uint8Array; base?: number; label: string; testId?: string }) {
  const blocks = useMemo(() => {
    const lines = hexLines(bytes, base);
    const out: { text: string; lines: number; width: number }[] = [];
    for (let i = 0; i < lines.length; i += HEX_BLOCK_LINES) {
      const part = lines.slice(i, i + HEX_BLOCK_LINES);
      const last = i + HEX_BLOCK_LINES >= lines.length;
      // The "\n" between blocks is in the text (textContent and copy equal hexDump's);
      // a preserved newline that ends a block adds no empty line after it.
      out.push({ text: part.join('\n') + (last ? '' : '\n'), lines: part.length, width: part[0]!.length });
    }
    return out;
  }, [bytes, base]);
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must take focus for the keyboard to scroll it (WCAG 2.1.1)
    <pre className="pv-hex" data-testid={testId} role="region" tabIndex={0} aria-label={label}>
      {blocks.map((b, i) => (
        <span
          key={i}
          className="pv-hex-block"
          // the size a skipped block keeps: its lines' height and (monospace) width
          style={{ '--pv-hex-lines': b.lines, '--pv-hex-width': `${b.width}ch` } as React.CSSProperties}
        >
          {b.text}
        </span>
      ))}
    </pre>
  );
}
