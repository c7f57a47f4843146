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
import { formatBytes, formatCount } from '../format/format';
import { WINDOW_ABOVE_ROWS } from '../StackDiagram/stackWindow';
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

/**
 * Versions offered as two lists of options up to this many. A path has at most one
 * version per layer, so every real image (overlay2 stacks at most 128 layers,
 * WINDOW_ABOVE_ROWS) gets the lists; a hostile one (issue 9, point 6: one layer listed
 * 10,000 times) gets number fields, as its 10,000 versions were 20,000 <option>s built
 * on each click of such a file.
 */
export const MAX_VERSION_OPTIONS = WINDOW_ABOVE_ROWS;

type Versions = ReturnType<typeof contentVersions>;

/** What a version is, as its option and the number field's caption say it. */
function versionLabel(versions: Versions, i: number): string {
  const v = versions[i]!;
  return `layer ${v.layer} · ${formatBytes(v.version.size)}${i > 0 ? ` · ${flagNames(v.flags).join(', ') || 'rewritten'}` : ''}`;
}

/**
 * One end of the diff: a list of every version, or above MAX_VERSION_OPTIONS a number
 * field (version 1 … n, oldest first, as the list orders them) captioned with what the
 * chosen version is. A value being typed that is not a version yet (empty, 0, past n)
 * stays in the field, changing nothing, until it is one; leaving the field shows the
 * chosen version again.
 */
function VersionPicker({
  label,
  versions,
  value,
  onChange,
  testId,
}: {
  label: string;
  versions: Versions;
  value: number;
  onChange(i: number): void;
  testId: string;
}) {
  const n = versions.length;
  const [draft, setDraft] = useState<string | null>(null);
  if (n <= MAX_VERSION_OPTIONS)
    return (
      <label>
        {label}{' '}
        <select value={value} onChange={(e) => onChange(Number(e.target.value))} data-testid={testId}>
          {versions.map((_, i) => (
            <option key={i} value={i}>
              {versionLabel(versions, i)}
            </option>
          ))}
        </select>
      </label>
    );
  return (
    <span className="cmp-versions__field">
      <label>
        {label} version{' '}
        <input
          type="number"
          className="input"
          min={1}
          max={n}
          step={1}
          value={draft ?? String(value + 1)}
          onChange={(e) => {
            const t = e.target.value;
            setDraft(t);
            const v = Number(t);
            if (t.trim() !== '' && Number.isInteger(v) && v >= 1 && v <= n) onChange(v - 1);
          }}
          onBlur={() => setDraft(null)}
          aria-describedby={`${testId}-what`}
          data-testid={testId}
        />{' '}
        of {formatCount(n)}
      </label>
      <span className="cmp-note" id={`${testId}-what`} data-testid={`${testId}-what`}>
        {versionLabel(versions, value)}
      </span>
    </span>
  );
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
  return (
    <div className="cmp-versions" data-testid="version-diff" ref={box}>
      <div className="cmp-versions__pick">
        <VersionPicker label="from" versions={versions} value={from} onChange={setFrom} testId="version-from" />
        <VersionPicker label="to" versions={versions} value={to} onChange={setTo} testId="version-to" />
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
