/**
 * The content diff of two versions of a file (either may be absent): text as a
 * line diff, side by side or unified, with word-level highlights; binary as sizes,
 * sha256 and the two hex dumps side by side from the first difference.
 *
 * Large files are capped: the first CONTENT_DIFF_BYTES of each version are read
 * and diffed ("Load more" reads four times as much, up to CONTENT_DIFF_MAX_BYTES),
 * and the first DIFF_ROWS_SHOWN rows rendered ("Show more" for the next ones).
 * Nothing from a file is ever inserted as HTML: text is rendered as text nodes,
 * with hidden characters shown (SafeText).
 */
import { useEffect, useState } from 'react';
import { firstDifference, hexRows, HEX_ROW_BYTES, type DiffRow as TextRow, type Span, type TextDiff } from '../../core/compare/contentDiff';
import { isCancelled, describeError } from '../../core/errors';
import { sniff } from '../Preview/sniff';
import { formatBytes } from '../format/format';
import { SafeText } from '../format/SafeText';
import type { DiffView } from './compareStore';

/** Bytes of each version read and diffed at first. */
export const CONTENT_DIFF_BYTES = 1024 * 1024;
/** "Load more" stops here: a line diff of larger texts would take longer than anyone waits (and its rows more memory). */
export const CONTENT_DIFF_MAX_BYTES = 64 * 1024 * 1024;
/** Rows rendered before "Show more". */
export const DIFF_ROWS_SHOWN = 1000;
/** Hex rows shown before "Show more" (16 bytes each). */
export const HEX_ROWS_SHOWN = 64;

export interface VersionRef {
  /** Reads up to `maxBytes` of the version. */
  read(maxBytes: number, signal: AbortSignal): Promise<Uint8Array>;
  size: number;
  /** sha256 of the whole version. */
  digest(signal: AbortSignal): Promise<string>;
  label: string;
}

interface Props {
  a: VersionRef | null;
  b: VersionRef | null;
  view: DiffView;
  onView(v: DiffView): void;
  textDiff(a: string, b: string, signal: AbortSignal): Promise<TextDiff>;
}

type Loaded =
  | { kind: 'loading' }
  | { kind: 'error'; message: string }
  | { kind: 'text'; diff: TextDiff; truncated: boolean }
  | { kind: 'binary'; a: Uint8Array; b: Uint8Array; truncated: boolean };

const decode = (b: Uint8Array, enc: string) => {
  try {
    return new TextDecoder(enc === 'latin1' ? 'windows-1252' : enc).decode(b);
  } catch {
    return new TextDecoder('utf-8').decode(b);
  }
};

function Spans({ spans, text }: { spans: Span[] | null; text: string }) {
  if (!spans) return <SafeText text={text} content />;
  return (
    <>
      {spans.map((s, i) =>
        s.changed ? (
          <mark key={i} className="cmp-word">
            <SafeText text={s.text} content />
          </mark>
        ) : (
          <SafeText key={i} text={s.text} content />
        ),
      )}
    </>
  );
}

function SplitRows({ rows }: { rows: TextRow[] }) {
  return (
    <>
      {rows.map((r, i) => (
        <tr key={i} className={`cmp-line cmp-line--${r.type}`}>
          <td className="cmp-line__no">{r.a?.no ?? ''}</td>
          <td className={`cmp-line__text${r.a && r.type !== 'context' ? ' cmp-line__text--del' : ''}`}>{r.a && <Spans spans={r.a.spans} text={r.a.text} />}</td>
          <td className="cmp-line__no">{r.b?.no ?? ''}</td>
          <td className={`cmp-line__text${r.b && r.type !== 'context' ? ' cmp-line__text--add' : ''}`}>{r.b && <Spans spans={r.b.spans} text={r.b.text} />}</td>
        </tr>
      ))}
    </>
  );
}

function UnifiedRows({ rows }: { rows: TextRow[] }) {
  const out: React.ReactNode[] = [];
  let k = 0;
  while (k < rows.length) {
    const r = rows[k]!;
    if (r.type === 'context') {
      out.push(
        <tr key={`c${k}`} className="cmp-line cmp-line--context">
          <td className="cmp-line__no">{r.a!.no}</td>
          <td className="cmp-line__no">{r.b!.no}</td>
          <td className="cmp-line__text">
            {' '}
            <SafeText text={r.a!.text} content />
          </td>
        </tr>,
      );
      k++;
      continue;
    }
    let e = k;
    while (e < rows.length && rows[e]!.type !== 'context') e++;
    for (let j = k; j < e; j++) {
      const a = rows[j]!.a;
      if (a)
        out.push(
          <tr key={`d${j}`} className="cmp-line cmp-line--del">
            <td className="cmp-line__no">{a.no}</td>
            <td className="cmp-line__no" />
            <td className="cmp-line__text cmp-line__text--del">
              −<Spans spans={a.spans} text={a.text} />
            </td>
          </tr>,
        );
    }
    for (let j = k; j < e; j++) {
      const b = rows[j]!.b;
      if (b)
        out.push(
          <tr key={`a${j}`} className="cmp-line cmp-line--add">
            <td className="cmp-line__no" />
            <td className="cmp-line__no">{b.no}</td>
            <td className="cmp-line__text cmp-line__text--add">
              +<Spans spans={b.spans} text={b.text} />
            </td>
          </tr>,
        );
    }
    k = e;
  }
  return <>{out}</>;
}

const hex2 = (x: number | undefined) => (x === undefined ? '  ' : x.toString(16).padStart(2, '0'));
const ascii = (x: number | undefined) => (x === undefined ? ' ' : x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : '.');

function HexDump({ a, b, from, rows }: { a: Uint8Array; b: Uint8Array; from: number; rows: number }) {
  const hr = hexRows(a, b, from, rows);
  const side = (bytes: Uint8Array, differs: number) =>
    Array.from({ length: HEX_ROW_BYTES }, (_, i) => (
      <span key={i} className={differs & (1 << i) ? 'cmp-hex__byte cmp-hex__byte--diff' : 'cmp-hex__byte'}>
        {hex2(bytes[i])}
      </span>
    ));
  const text = (bytes: Uint8Array) => Array.from({ length: HEX_ROW_BYTES }, (_, i) => ascii(bytes[i])).join('');
  return (
    <table className="cmp-hex">
      <tbody>
        {hr.map((r) => (
          <tr key={r.offset} className={r.differs ? 'cmp-hex__row cmp-hex__row--diff' : 'cmp-hex__row'}>
            <td className="cmp-hex__off">{r.offset.toString(16).padStart(8, '0')}</td>
            <td className="cmp-hex__bytes">{side(r.a, r.differs)}</td>
            <td className="cmp-hex__ascii">{text(r.a)}</td>
            <td className="cmp-hex__bytes">{side(r.b, r.differs)}</td>
            <td className="cmp-hex__ascii">{text(r.b)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Digest({ v }: { v: VersionRef }) {
  const [d, setD] = useState<string | null>(null);
  useEffect(() => {
    const ctl = new AbortController();
    setD(null);
    v.digest(ctl.signal).then(setD, (e) => !isCancelled(e) && setD(`(${describeError(e)})`));
    return () => ctl.abort();
  }, [v]);
  return <code className="cmp-digest">{d ?? 'hashing…'}</code>;
}

export function ContentDiffView({ a, b, view, onView, textDiff }: Props) {
  const [cap, setCap] = useState(CONTENT_DIFF_BYTES);
  const [shown, setShown] = useState(DIFF_ROWS_SHOWN);
  const [hexShown, setHexShown] = useState(HEX_ROWS_SHOWN);
  const [state, setState] = useState<Loaded>({ kind: 'loading' });

  useEffect(() => {
    const ctl = new AbortController();
    setState({ kind: 'loading' });
    (async () => {
      const none = new Uint8Array(0);
      const [ba, bb] = await Promise.all([a ? a.read(cap, ctl.signal) : none, b ? b.read(cap, ctl.signal) : none]);
      const truncated = (a !== null && a.size > ba.length) || (b !== null && b.size > bb.length);
      const sa = sniff(ba, truncated);
      const sb = sniff(bb, truncated);
      const texty = (x: typeof sa) => x.kind === 'text' || x.kind === 'empty' || (x.kind === 'image' && x.mime === 'image/svg+xml');
      if (texty(sa) && texty(sb)) {
        const enc = (x: typeof sa) => (x.kind === 'text' ? x.encoding : 'utf-8');
        const diff = await textDiff(decode(ba, enc(sa)), decode(bb, enc(sb)), ctl.signal);
        if (!ctl.signal.aborted) setState({ kind: 'text', diff, truncated });
      } else if (!ctl.signal.aborted) setState({ kind: 'binary', a: ba, b: bb, truncated });
    })().catch((e) => {
      if (!isCancelled(e) && !ctl.signal.aborted) setState({ kind: 'error', message: describeError(e) });
    });
    return () => ctl.abort();
  }, [a, b, cap, textDiff]);

  const loadMore =
    state.kind !== 'loading' && 'truncated' in state && state.truncated && cap < CONTENT_DIFF_MAX_BYTES ? (
      <button type="button" className="cmp-more" onClick={() => setCap(Math.min(CONTENT_DIFF_MAX_BYTES, cap * 4))}>
        Load more (the first {formatBytes(cap)} of each version are compared)
      </button>
    ) : state.kind !== 'loading' && 'truncated' in state && state.truncated ? (
      <p className="cmp-note">Only the first {formatBytes(cap)} of each version are compared.</p>
    ) : null;

  if (state.kind === 'loading')
    return (
      <p className="cmp-note" role="status">
        Reading both versions…
      </p>
    );
  if (state.kind === 'error') return <p className="cmp-note cmp-note--error">Could not read the contents: {state.message}</p>;
  if (state.kind === 'binary') {
    const first = firstDifference(state.a, state.b);
    const from = first < 0 ? 0 : Math.max(0, first - 2 * HEX_ROW_BYTES);
    return (
      <div className="cmp-content" data-testid="compare-content" data-kind="binary">
        <dl className="cmp-binary">
          {[a, b].map((v, i) => (
            <div key={i}>
              <dt>{i === 0 ? 'A' : 'B'}</dt>
              <dd>
                {v ? (
                  <>
                    {formatBytes(v.size)} · <Digest v={v} />
                  </>
                ) : (
                  'absent'
                )}
              </dd>
            </div>
          ))}
          <div>
            <dt>first difference</dt>
            <dd>{first < 0 ? 'none in the bytes read' : `at byte ${first.toLocaleString('en-US')} (0x${first.toString(16)})`}</dd>
          </div>
        </dl>
        <HexDump a={state.a} b={state.b} from={from} rows={hexShown} />
        {from + hexShown * HEX_ROW_BYTES < Math.max(state.a.length, state.b.length) && (
          <button type="button" className="cmp-more" onClick={() => setHexShown(hexShown * 2)}>
            Show more bytes
          </button>
        )}
        {loadMore}
      </div>
    );
  }
  const d = state.diff;
  const rows = d.hunks.flatMap((h) => [{ hunk: h } as const, ...h.rows.map((r) => ({ row: r }))]);
  const visible = rows.slice(0, shown);
  const groups: { hunk?: (typeof d.hunks)[number]; rows: TextRow[] }[] = [];
  for (const x of visible) {
    if ('hunk' in x) groups.push({ hunk: x.hunk, rows: [] });
    else groups[groups.length - 1]!.rows.push(x.row);
  }
  return (
    <div className="cmp-content" data-testid="compare-content" data-kind="text">
      <div className="cmp-content__bar">
        <span>
          {d.tooComplex ? 'Too different to diff line by line' : `${d.removed} line${d.removed === 1 ? '' : 's'} removed, ${d.added} added`}
          {d.noNewlineA !== d.noNewlineB && ` · ${d.noNewlineA ? 'A' : 'B'} has no newline at its end`}
        </span>
        <span className="cmp-seg" role="radiogroup" aria-label="Diff layout">
          {(['split', 'unified'] as const).map((v) => (
            <button key={v} type="button" role="radio" aria-checked={view === v} className={view === v ? 'cmp-seg--on' : ''} onClick={() => onView(v)}>
              {v === 'split' ? 'Side by side' : 'Unified'}
            </button>
          ))}
        </span>
      </div>
      {!d.tooComplex && d.hunks.length === 0 && <p className="cmp-note">The text is the same{state.truncated ? ' in the bytes read' : ''}.</p>}
      <div className="cmp-content__scroll">
        <table className={`cmp-lines cmp-lines--${view}`}>
          {/* fixed layout takes the columns' widths from here (the first row is a hunk header spanning them) */}
          {view === 'split' ? (
            <colgroup>
              <col className="cmp-col--no" />
              <col />
              <col className="cmp-col--no" />
              <col />
            </colgroup>
          ) : (
            <colgroup>
              <col className="cmp-col--no" />
              <col className="cmp-col--no" />
              <col />
            </colgroup>
          )}
          {groups.map((g, i) => (
            <tbody key={i}>
              {g.hunk && (
                <tr className="cmp-hunk">
                  <td colSpan={view === 'split' ? 4 : 3}>
                    @@ −{g.hunk.aStart},{g.hunk.aLines} +{g.hunk.bStart},{g.hunk.bLines} @@
                  </td>
                </tr>
              )}
              {view === 'split' ? <SplitRows rows={g.rows} /> : <UnifiedRows rows={g.rows} />}
            </tbody>
          ))}
        </table>
      </div>
      {rows.length > shown && (
        <button type="button" className="cmp-more" onClick={() => setShown(shown + DIFF_ROWS_SHOWN)}>
          Show more ({(rows.length - shown).toLocaleString('en-US')} rows left)
        </button>
      )}
      {loadMore}
    </div>
  );
}
