/**
 * Teaching text with `backticks` rendered as <code>. Everything stays a React
 * text node (paths and names from inside an image are never parsed as HTML),
 * and their hidden characters are shown as tokens (SafeText).
 */
import { SafeText } from '../format/SafeText';

export function Rich({ text }: { text: string }) {
  const parts = text.split('`');
  return (
    <>
      {parts.map((p, i) =>
        i % 2 === 1 ? (
          <code key={i}>
            <SafeText text={p} />
          </code>
        ) : (
          <SafeText key={i} text={p} />
        ),
      )}
    </>
  );
}
