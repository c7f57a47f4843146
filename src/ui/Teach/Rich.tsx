/**
 * Teaching text with `backticks` rendered as <code>. Everything stays a React
 * text node (paths and names from inside an image are never parsed as HTML).
 */
import { Fragment } from 'react';

export function Rich({ text }: { text: string }) {
  const parts = text.split('`');
  return <>{parts.map((p, i) => (i % 2 === 1 ? <code key={i}>{p}</code> : <Fragment key={i}>{p}</Fragment>))}</>;
}
