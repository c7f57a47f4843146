/**
 * Preview and download of one version of a file (an entry of a layer).
 *
 * Bytes come from readEntry (src/state/loader.ts): a slice for uncompressed
 * layers, a decompression from the layer's start for gzip/zstd ones — so the
 * preview reads at most PREVIEW_TEXT_MAX bytes unless the file is an image.
 *
 * Nothing from the image runs in the page: text is a React text node, binary a
 * hex dump, raster images an <img src="blob:…"> typed from their magic bytes (a
 * PNG opened as a page is still an image), and the page's CSP allows images from
 * blob: only. SVG is active content: its blob: URL opened as a top-level page
 * (the image's "open in new tab", a pasted address) would run its script in this
 * origin (issue 9 point 10). So an SVG is rasterized — decoded by an <img> that
 * is never in the document (an SVG image runs no script), drawn onto a canvas,
 * its URL revoked at once — and the page never holds a URL to it. Downloads are
 * application/octet-stream (Download/save.ts). Every preview URL is revoked when
 * the preview goes.
 */
import { useEffect, useRef, useState } from 'react';
import { readEntry, readEntryStream } from '../../state/actions';
import { PreparedDownload } from '../Download/DownloadButton';
import { formatBytes } from '../format/format';
import { displayName } from '../format/displayName';
import { sniff, type Sniffed } from './sniff';
import { ElfView, GzipView, HexView, TextView, isElf, isGzip } from './Views';
import './Preview.css';

/** Text previews show the first 256 KiB: enough for any config or script, small enough to render at once. */
export const PREVIEW_TEXT_MAX = 256 * 1024;
/** Hex dumps show the first 64 KiB (4096 lines): the headers that identify a binary are at its start. */
export const PREVIEW_HEX_MAX = 64 * 1024;
/** Images are read whole up to 16 MiB; beyond, the preview offers the download instead of holding it in memory. */
export const PREVIEW_IMAGE_MAX = 16 * 1024 * 1024;
/** An SVG is drawn at most this many pixels on a side (device pixels): a canvas of 4096² is 64 MB. */
export const SVG_RASTER_MAX_PX = 4096;
/** An SVG with no size of its own is drawn at the CSS default object size (300 × 150), scaled up to this width. */
const SVG_DEFAULT_WIDTH = 600;

export interface PreviewTarget {
  layer: number;
  entry: number;
  /** File name used for the download. */
  name: string;
  size: number;
}

type State =
  | { s: 'loading' }
  | { s: 'error'; message: string }
  | { s: 'ready'; layer: number; entry: number; bytes: Uint8Array; truncated: boolean; kind: Sniffed; imageTooBig: boolean };

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function Preview({ target }: { target: PreviewTarget }) {
  const [state, setState] = useState<State>({ s: 'loading' });
  const [wrap, setWrap] = useState(true);
  const { layer, entry, size } = target;

  useEffect(() => {
    const ctl = new AbortController();
    setState({ s: 'loading' });
    (async () => {
      const first = Math.min(size, PREVIEW_TEXT_MAX);
      let bytes = await readEntry(layer, entry, first, { signal: ctl.signal, first: true });
      let truncated = size > bytes.length;
      const kind = sniff(bytes, truncated);
      let imageTooBig = false;
      if (kind.kind === 'image' && truncated) {
        if (size <= PREVIEW_IMAGE_MAX) {
          bytes = await readEntry(layer, entry, size, { signal: ctl.signal, first: true });
          truncated = false;
        } else imageTooBig = true;
      }
      if (!ctl.signal.aborted) setState({ s: 'ready', layer, entry, bytes, truncated, kind, imageTooBig });
    })().catch((e) => {
      if (!ctl.signal.aborted) setState({ s: 'error', message: messageOf(e) });
    });
    return () => ctl.abort();
  }, [layer, entry, size]);

  return (
    <div className="pv" data-testid="preview">
      <div className="pv-bar">
        <span className="pv-kind" data-testid="preview-kind">
          {state.s === 'ready' ? kindLabel(state.kind) : state.s === 'loading' ? 'Reading…' : 'Unreadable'}
        </span>
        {state.s === 'ready' && (state.kind.kind === 'text' || isGzip(state.bytes)) && (
          <label className="pv-wrap">
            <input type="checkbox" checked={wrap} onChange={(e) => setWrap(e.target.checked)} /> Wrap
          </label>
        )}
        <DownloadButton target={target} />
      </div>
      {state.s === 'loading' && (
        <div className="pv-note">
          Reading {formatBytes(Math.min(size, PREVIEW_TEXT_MAX))} from layer {layer}…
        </div>
      )}
      {state.s === 'error' && (
        <div className="pv-note pv-error" role="alert">
          Could not read this file: {state.message}
        </div>
      )}
      {state.s === 'ready' && <Body state={state} size={size} wrap={wrap} />}
    </div>
  );
}

function kindLabel(k: Sniffed): string {
  switch (k.kind) {
    case 'empty':
      return 'Empty file';
    case 'image':
      return k.mime.replace('image/', '').replace('svg+xml', 'SVG').toUpperCase() + ' image';
    case 'text':
      return `Text · ${k.encoding}${k.bom ? ' (BOM)' : ''}`;
    case 'binary':
      return 'Binary · hex';
  }
}

function Body({ state, size, wrap }: { state: Extract<State, { s: 'ready' }>; size: number; wrap: boolean }) {
  const { bytes, kind } = state;
  if (kind.kind === 'empty') return <div className="pv-note">This file is empty (0 bytes).</div>;
  if (kind.kind === 'image') {
    if (state.imageTooBig)
      return (
        <div className="pv-note">
          This image is {formatBytes(size)}: larger than the {formatBytes(PREVIEW_IMAGE_MAX)} previewed. Download it to view it.
        </div>
      );
    return kind.mime === 'image/svg+xml' ? <SvgView bytes={bytes} /> : <ImageView bytes={bytes} mime={kind.mime} />;
  }
  const where = { layer: state.layer, entry: state.entry, size };
  // Text and hex views page past the first bytes (Views.tsx); a binary may be an ELF (summary above the dump) or gzip (its text).
  if (kind.kind === 'text') return <TextView first={bytes} kind={kind} wrap={wrap} where={where} />;
  if (isGzip(bytes)) return <GzipView first={bytes} wrap={wrap} where={where} />;
  return (
    <>
      {isElf(bytes) && <ElfView first={bytes} where={where} />}
      <HexView first={bytes} where={where} />
    </>
  );
}

function ImageView({ bytes, mime }: { bytes: Uint8Array; mime: string }) {
  const [url, setUrl] = useState<string | null>(null);
  const [dims, setDims] = useState<string>('');
  const [broken, setBroken] = useState(false);
  useEffect(() => {
    const u = URL.createObjectURL(new Blob([bytes as BlobPart], { type: mime }));
    setUrl(u);
    setBroken(false);
    return () => URL.revokeObjectURL(u);
  }, [bytes, mime]);
  if (!url) return null;
  return (
    <figure className="pv-image">
      {broken ? (
        <div className="pv-note">The browser could not decode this image.</div>
      ) : (
        <img
          src={url}
          alt="Preview of the file"
          data-testid="preview-image"
          onLoad={(e) => setDims(`${e.currentTarget.naturalWidth} × ${e.currentTarget.naturalHeight} px`)}
          onError={() => setBroken(true)}
        />
      )}
      {dims && <figcaption>{dims}</figcaption>}
    </figure>
  );
}

/**
 * An SVG as pixels (see the module comment): the only URL to it lives for the
 * decode, in a detached <img>, and the page shows a canvas.
 */
function SvgView({ bytes }: { bytes: Uint8Array }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [state, setState] = useState<{ s: 'loading' } | { s: 'broken' } | { s: 'ok'; w: number; h: number; intrinsic: boolean }>({ s: 'loading' });
  useEffect(() => {
    let live = true;
    const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'image/svg+xml' }));
    const img = new Image();
    const done = () => URL.revokeObjectURL(url);
    img.onload = () => {
      done();
      const c = canvas.current;
      if (!live || !c) return;
      const intrinsic = img.naturalWidth > 0 && img.naturalHeight > 0;
      const w0 = intrinsic ? img.naturalWidth : SVG_DEFAULT_WIDTH;
      const h0 = intrinsic ? img.naturalHeight : SVG_DEFAULT_WIDTH / 2;
      const dpr = Math.max(1, window.devicePixelRatio || 1);
      const scale = Math.min(dpr, SVG_RASTER_MAX_PX / w0, SVG_RASTER_MAX_PX / h0);
      c.width = Math.max(1, Math.round(w0 * scale));
      c.height = Math.max(1, Math.round(h0 * scale));
      // width and height auto (the canvas's own ratio), capped: CSS 2.1 §10.4 keeps the ratio under max-width/max-height
      c.style.maxWidth = `min(100%, ${Math.round(c.width / dpr)}px)`;
      const g = c.getContext('2d');
      if (!g) return setState({ s: 'broken' });
      g.drawImage(img, 0, 0, c.width, c.height);
      setState({ s: 'ok', w: w0, h: h0, intrinsic });
    };
    img.onerror = () => {
      done();
      if (live) setState({ s: 'broken' });
    };
    img.src = url;
    return () => {
      live = false;
      img.onload = null;
      img.onerror = null;
      img.removeAttribute('src');
      done();
    };
  }, [bytes]);
  return (
    <figure className="pv-image">
      {state.s === 'broken' && <div className="pv-note">The browser could not decode this SVG.</div>}
      <canvas ref={canvas} data-testid="preview-svg" role="img" aria-label="Preview of the SVG, as pixels" hidden={state.s !== 'ok'} />
      {state.s === 'ok' && (
        <figcaption>{state.intrinsic ? `${state.w} × ${state.h} px` : 'no size of its own'} · SVG shown as pixels: its scripts and links do not run</figcaption>
      )}
    </figure>
  );
}

/**
 * The whole version as a download named like the file: read by a worker in chunks
 * with backpressure and written to the picked file or a disk-backed Blob
 * (Download/save.ts), so any size works in bounded memory; always as
 * application/octet-stream (never a URL the browser would render).
 */
export function DownloadButton({ target }: { target: PreviewTarget }) {
  return (
    <PreparedDownload
      key={`${target.layer}/${target.entry}`}
      testId="download-file"
      buttonTestId="download"
      label={`Download (${formatBytes(target.size)})`}
      ariaLabel={`Download ${displayName(target.name)} from layer ${target.layer}`}
      name={target.name}
      size={target.size}
      prepare={async () => readEntryStream(target.layer, target.entry)}
    />
  );
}
