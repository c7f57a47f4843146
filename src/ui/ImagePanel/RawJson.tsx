/**
 * The raw JSON behind the image — the layout's index.json, docker's
 * manifest.json, the image manifest and config — pretty-printed, every
 * `sha256:` digest a link: to the layer it names (its details in the Layer
 * tab), or to the manifest, index or config blob it names (shown here). Media
 * types and sizes are the documents' own fields, shown as they are.
 *
 * Everything is rendered as React text (SafeText for strings); nothing from the
 * documents is interpreted as markup.
 */
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { useStore } from '../../state/store';
import { formatBytes } from '../../core/formatBytes';
import type { ImageInfo } from '../../core/types';
import type { OuterArchive } from '../../core/read/archive/entries';
import { SafeText } from '../format/SafeText';
import { SHOW_LAYER_DETAILS } from '../App/RightPane';
import { RAW_TREE_MAX_BYTES, rawDocsOf, readRawDoc, refTarget, type RawDoc } from './rawDocs';
import { Section } from './Section';
import { selectOpened, selectShown } from '../../state/selectors';

type Loaded = { s: 'loading' } | { s: 'error'; message: string } | { s: 'ready'; text: string; value: unknown; bytes: number };

export function RawJson({ image }: { image: ImageInfo }) {
  const outer = useStore((s) => selectOpened(s)?.outer ?? selectShown(s)?.outer ?? null);
  const docs = useMemo(() => (outer ? rawDocsOf(outer, image) : []), [outer, image]);
  const [extra, setExtra] = useState<RawDoc | null>(null);
  const [key, setKey] = useState<string | null>(null);
  const all = extra && !docs.some((d) => d.key === extra.key) ? [...docs, extra] : docs;
  const doc = all.find((d) => d.key === key) ?? all[0] ?? null;
  const [state, setState] = useState<Loaded>({ s: 'loading' });
  const [copied, setCopied] = useState(false);

  useEffect(() => {
    if (!outer || !doc) return;
    let live = true;
    setState({ s: 'loading' });
    readRawDoc(outer, doc).then(
      (r) => live && setState({ s: 'ready', ...r }),
      (e: unknown) => live && setState({ s: 'error', message: e instanceof Error ? e.message : String(e) }),
    );
    return () => {
      live = false;
    };
  }, [outer, doc]);

  if (!outer || !doc) return null;
  const open = (d: RawDoc) => {
    if (!docs.some((x) => x.key === d.key)) setExtra(d);
    setKey(d.key);
  };
  const onDigest = (ref: string) => {
    const t = refTarget(outer, image, ref);
    if (t.kind === 'layer') {
      useStore.getState().selectLayer(t.layer);
      document.dispatchEvent(new CustomEvent(SHOW_LAYER_DETAILS));
    } else if (t.kind === 'doc') open(t.doc);
  };

  return (
    <Section
      title="Raw JSON"
      id="ip-raw"
      actions={
        state.s === 'ready' && (
          <button
            type="button"
            className="btn btn-sm"
            onClick={() =>
              void navigator.clipboard?.writeText(state.text).then(() => {
                setCopied(true);
                setTimeout(() => setCopied(false), 1500);
              })
            }
          >
            {copied ? 'Copied' : 'Copy'}
          </button>
        )
      }
    >
      <div className="ip-raw-docs" role="group" aria-label="Document">
        {all.map((d) => (
          <button
            key={d.key}
            type="button"
            className="ip-raw-doc"
            aria-pressed={d.key === doc.key}
            data-testid="raw-doc"
            data-key={d.key}
            onClick={() => setKey(d.key)}
            title={d.entry ? `${d.entry.name} in the archive, ${d.entry.size} bytes` : 'as parsed (the file was not found by its digest)'}
          >
            {d.label}
          </button>
        ))}
      </div>
      {state.s === 'loading' && <p className="muted">Reading…</p>}
      {state.s === 'error' && (
        <p className="ip-raw-error" role="alert">
          {state.message}
        </p>
      )}
      {state.s === 'ready' && (
        <>
          <p className="muted ip-note" data-testid="raw-doc-meta">
            {doc.entry ? (
              <>
                <SafeText text={doc.entry.name} /> · {formatBytes(state.bytes)}
              </>
            ) : (
              'as parsed from the config (its file was not found by digest)'
            )}
          </p>
          {state.bytes > RAW_TREE_MAX_BYTES ? (
            <pre className="ip-raw" data-testid="raw-json">
              <SafeText text={JSON.stringify(state.value, null, 2)} content />
            </pre>
          ) : (
            <pre className="ip-raw" data-testid="raw-json">
              <JsonValue v={state.value} indent="" outer={outer} image={image} onDigest={onDigest} />
            </pre>
          )}
        </>
      )}
    </Section>
  );
}

interface Ctx {
  outer: OuterArchive;
  image: ImageInfo;
  onDigest(d: string): void;
}

function JsonValue({ v, indent, ...ctx }: { v: unknown; indent: string } & Ctx): ReactNode {
  if (v === null) return <span className="j-null">null</span>;
  if (typeof v === 'boolean') return <span className="j-bool">{String(v)}</span>;
  if (typeof v === 'number') return <span className="j-num">{String(v)}</span>;
  if (typeof v === 'string') return <JsonString s={v} {...ctx} />;
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return (
      <>
        {'[\n'}
        {v.map((x, i) => (
          <span key={i}>
            {inner}
            <JsonValue v={x} indent={inner} {...ctx} />
            {i < v.length - 1 ? ',\n' : '\n'}
          </span>
        ))}
        {`${indent}]`}
      </>
    );
  }
  const keys = Object.keys(v as Record<string, unknown>);
  if (keys.length === 0) return '{}';
  return (
    <>
      {'{\n'}
      {keys.map((k, i) => (
        <span key={k}>
          {inner}
          <span className="j-key">
            "<SafeText text={k} />"
          </span>
          {': '}
          <JsonValue v={(v as Record<string, unknown>)[k]} indent={inner} {...ctx} />
          {i < keys.length - 1 ? ',\n' : '\n'}
        </span>
      ))}
      {`${indent}}`}
    </>
  );
}

function JsonString({ s, outer, image, onDigest }: { s: string } & Ctx) {
  const t = refTarget(outer, image, s);
  if (t.kind !== 'absent') {
    const what = t.kind === 'layer' ? `layer ${t.layer}${t.as === 'diff_id' ? ' (its diff_id)' : ''}` : t.doc.label;
    return (
      <>
        "
        <button type="button" className="j-digest" data-testid="raw-digest" data-digest={s} onClick={() => onDigest(s)} title={`Go to ${what}`}>
          <SafeText text={s} />
        </button>
        "<span className="j-note"> ← {what}</span>
      </>
    );
  }
  return (
    <span className="j-str">
      "<SafeText text={JSON.stringify(s).slice(1, -1)} />"
    </span>
  );
}
