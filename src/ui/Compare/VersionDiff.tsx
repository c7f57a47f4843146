/**
 * Two versions of one path inside one image, diffed (dive #52, "show what changed
 * in a modified file"): every layer that wrote the file is a version; pick two
 * (by default the last one against the one before it) and see the same content
 * diff as between two images. Shown in the path's details when it has at least
 * two versions with contents.
 */
import { type RefObject, useEffect, useMemo, useRef, useState } from 'react';
import type { UnionModel } from '../../core/model/union';
import type { LayerIndex } from '../../core/types';
import { pathVersions } from '../../core/compare/history';
import { flagNames } from '../../core/compare/flags';
import type { TextDiff } from '../../core/compare/contentDiff';
import { formatBytes } from '../format/format';
import { ContentDiffView, type VersionRef } from './ContentDiffView';
import type { DiffView } from './compareStore';
import './Compare.css';

interface Props {
  union: UnionModel;
  layers: readonly (LayerIndex | null)[];
  node: number;
  /** Up to maxBytes of an entry's bytes. */
  read(layer: number, entry: number, maxBytes: number, signal: AbortSignal): Promise<Uint8Array>;
  /** sha256 of an entry's bytes. */
  digest(layer: number, entry: number, signal: AbortSignal): Promise<string>;
  textDiff(a: string, b: string, signal: AbortSignal): Promise<TextDiff>;
}

/** The versions of a path that have bytes to diff (files, resolved hardlinks). */
export function contentVersions(union: UnionModel, layers: readonly (LayerIndex | null)[], node: number) {
  return pathVersions(union, layers, node).filter((v) => v.version.present && v.version.contentLayer >= 0);
}

/**
 * How far outside the visible part of its scroller the section may be and still count as
 * in view: it starts reading a little before it scrolls in, so the diff is there when it is.
 */
export const VERSION_DIFF_VIEW_MARGIN_PX = 200;

/**
 * Whether `el` has been within VERSION_DIFF_VIEW_MARGIN_PX of the viewport since it mounted:
 * the diff reads up to 1 MiB of two versions (each decoded from the layer's closest resume
 * point), work nobody asked for while the section is scrolled away. Without
 * IntersectionObserver (old engines), always.
 */
function useSeen(el: RefObject<HTMLElement | null>): boolean {
  const [seen, setSeen] = useState(() => typeof IntersectionObserver === 'undefined');
  useEffect(() => {
    const target = el.current;
    if (seen || !target) return;
    const io = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) {
          setSeen(true);
          io.disconnect();
        }
      },
      { rootMargin: `${VERSION_DIFF_VIEW_MARGIN_PX}px` },
    );
    io.observe(target);
    return () => io.disconnect();
  }, [el, seen]);
  return seen;
}

export function VersionDiff({ union, layers, node, read, digest, textDiff }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const seen = useSeen(box);
  const versions = useMemo(() => contentVersions(union, layers, node), [union, layers, node]);
  const n = versions.length;
  const [from, setFrom] = useState(Math.max(0, n - 2));
  const [to, setTo] = useState(n - 1);
  const [view, setView] = useState<DiffView>('unified');
  const refOf = (i: number): VersionRef | null => {
    const v = versions[i]?.version;
    if (!v) return null;
    return {
      size: v.size,
      label: `layer ${versions[i]!.layer}`,
      read: (max, signal) => read(v.contentLayer, v.contentEntry, max, signal),
      digest: (signal) => digest(v.contentLayer, v.contentEntry, signal),
    };
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: the refs are keyed on the chosen versions
  const refs = useMemo(() => ({ a: refOf(from), b: refOf(to) }), [versions, from, to]);
  if (n < 2) return null;
  const option = (i: number) => {
    const v = versions[i]!;
    return (
      <option key={i} value={i}>
        layer {v.layer} · {formatBytes(v.version.size)}
        {i > 0 ? ` · ${flagNames(v.flags).join(', ') || 'rewritten'}` : ''}
      </option>
    );
  };
  return (
    <div className="cmp-versions" data-testid="version-diff" ref={box}>
      <div className="cmp-versions__pick">
        <label>
          from{' '}
          <select value={from} onChange={(e) => setFrom(Number(e.target.value))} data-testid="version-from">
            {versions.map((_, i) => option(i))}
          </select>
        </label>
        <label>
          to{' '}
          <select value={to} onChange={(e) => setTo(Number(e.target.value))} data-testid="version-to">
            {versions.map((_, i) => option(i))}
          </select>
        </label>
      </div>
      {from === to ? (
        <p className="cmp-note">Pick two different versions.</p>
      ) : !seen ? (
        <p className="cmp-note" data-testid="version-diff-waiting">
          The versions are read when this section is scrolled into view.
        </p>
      ) : (
        <ContentDiffView key={`${from}-${to}`} a={refs.a} b={refs.b} view={view} onView={setView} textDiff={textDiff} />
      )}
    </div>
  );
}
