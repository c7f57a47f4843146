/**
 * The preview's text and hex bodies with "load more" and "jump to offset"
 * past the first PREVIEW_TEXT_MAX / PREVIEW_HEX_MAX bytes, the ELF summary
 * above a binary's hex dump, and a `.gz` file's decompressed start.
 *
 * More bytes come from readRange (the same worker read as the first ones, at an
 * offset); what is shown stays bounded: TEXT_SHOWN_MAX of text in the page, one
 * PREVIEW_HEX_MAX window of hex at a time.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { formatBytes } from '../../core/formatBytes';
import { formatCount } from '../format/format';
import { countContentTokens } from '../format/displayName';
import { SafeText } from '../format/SafeText';
import { decodeText, sniff, type Sniffed } from './sniff';
import { HexDump } from './HexDump';
import { TextBlocks } from './TextBlocks';
import { parseElf, isElf, type ElfSummary } from './elf';
import { gunzipHead, isGzip, type Gunzipped } from './gzipText';
import { parseOffset, readRange } from './range';

/** Bytes added by one "load more" of text: the first read's size again. */
export const TEXT_MORE_BYTES = 256 * 1024;
/** Text kept in the page at most (the DOM of a 4 MiB <pre> still scrolls smoothly); beyond: jump to an offset, or download. */
export const TEXT_SHOWN_MAX = 4 * 1024 * 1024;
/** A hex window: 4096 lines of 16 bytes. */
export const HEX_WINDOW_BYTES = 64 * 1024;
/** Compressed bytes read for a `.gz` preview, and decompressed bytes shown. */
export const GZIP_INPUT_MAX = 4 * 1024 * 1024;
export const GZIP_OUTPUT_MAX = 256 * 1024;

interface Where {
  layer: number;
  entry: number;
  size: number;
}

const hexOff = (n: number) => `0x${n.toString(16)}`;

/* ---------------------------------------------------------------- text */

export function TextView({ first, kind, wrap, where }: { first: Uint8Array; kind: Extract<Sniffed, { kind: 'text' }>; wrap: boolean; where: Where }) {
  const [win, setWin] = useState<{ start: number; parts: Uint8Array[] }>({ start: 0, parts: [first] });
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const shown = win.parts.reduce((n, p) => n + p.length, 0);
  const end = win.start + shown;
  const bytes = win.parts.length === 1 ? win.parts[0]! : concat(win.parts);
  // A window that starts mid-file may start inside a UTF-8 sequence: skip its continuation bytes.
  const skip = win.start > 0 && kind.encoding === 'UTF-8' ? leadingContinuation(bytes) : 0;
  const text = decodeText(bytes.subarray(skip), kind);
  const hidden = countContentTokens(text);

  const read = async (start: number, parts: Uint8Array[], len: number) => {
    setBusy(true);
    setErr(null);
    try {
      const b = await readRange(where.layer, where.entry, start + parts.reduce((n, p) => n + p.length, 0), len);
      setWin({ start, parts: [...parts, b] });
    } catch (e) {
      setErr(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  const canMore = end < where.size && shown + TEXT_MORE_BYTES <= TEXT_SHOWN_MAX;
  return (
    <>
      {(win.start > 0 || end < where.size) && (
        <div className="pv-note" data-testid="preview-range">
          {win.start === 0
            ? `The first ${formatBytes(shown)} of ${formatBytes(where.size)} are shown.`
            : `Bytes ${formatCount(win.start)}–${formatCount(end)} of ${formatCount(where.size)} are shown.`}
        </div>
      )}
      {hidden > 0 && (
        <div className="pv-note pv-warn" data-testid="preview-hidden-chars">
          This text holds {formatCount(hidden)} bidirectional, invisible or control character{hidden === 1 ? '' : 's'} that can make it read differently than it
          runs; each is shown as a marked token such as ⟨U+202E⟩.
        </div>
      )}
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must take focus for the keyboard to scroll it (WCAG 2.1.1) */}
      <pre className={wrap ? 'pv-text wrap' : 'pv-text'} data-testid="preview-text" role="region" tabIndex={0} aria-label="File contents">
        <TextBlocks text={text} marked={hidden > 0} />
      </pre>
      {(end < where.size || win.start > 0) && (
        <div className="pv-more">
          {end < where.size && (
            <button
              type="button"
              className="btn btn-sm"
              data-testid="preview-more"
              disabled={busy || !canMore}
              title={canMore ? undefined : `At most ${formatBytes(TEXT_SHOWN_MAX)} of text are shown at once: jump to an offset, or download the file`}
              onClick={() => void read(win.start, win.parts, Math.min(TEXT_MORE_BYTES, where.size - end))}
            >
              {busy ? 'Reading…' : `Load ${formatBytes(Math.min(TEXT_MORE_BYTES, where.size - end))} more`}
            </button>
          )}
          <JumpForm size={where.size} busy={busy} onJump={(o) => void read(o, [], Math.min(TEXT_MORE_BYTES, where.size - o))} />
          {err && (
            <span className="pv-error" role="alert">
              {err}
            </span>
          )}
        </div>
      )}
    </>
  );
}

/* ---------------------------------------------------------------- hex */

export function HexView({ first, where }: { first: Uint8Array; where: Where }) {
  const [win, setWin] = useState<{ start: number; bytes: Uint8Array }>({ start: 0, bytes: first.subarray(0, HEX_WINDOW_BYTES) });
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const go = async (start: number) => {
    const s = Math.max(0, Math.min(start - (start % 16), Math.max(0, where.size - 1)));
    setBusy(true);
    setErr(null);
    try {
      const bytes = s === 0 ? first.subarray(0, HEX_WINDOW_BYTES) : await readRange(where.layer, where.entry, s, HEX_WINDOW_BYTES);
      setWin({ start: s, bytes });
    } catch (e) {
      setErr(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  const end = win.start + win.bytes.length;
  const paged = where.size > HEX_WINDOW_BYTES;
  return (
    <>
      {paged && (
        <div className="pv-note" data-testid="preview-range">
          Bytes {hexOff(win.start)}–{hexOff(Math.max(win.start, end - 1))} ({formatBytes(win.bytes.length)}) of {formatBytes(where.size)} are shown.
        </div>
      )}
      <HexDump bytes={win.bytes} base={win.start} label="Hex dump" />
      {paged && (
        <div className="pv-more">
          <button
            type="button"
            className="btn btn-sm"
            data-testid="preview-prev"
            disabled={busy || win.start === 0}
            onClick={() => void go(win.start - HEX_WINDOW_BYTES)}
          >
            ◀ Previous {formatBytes(HEX_WINDOW_BYTES)}
          </button>
          <button type="button" className="btn btn-sm" data-testid="preview-more" disabled={busy || end >= where.size} onClick={() => void go(end)}>
            Next {formatBytes(HEX_WINDOW_BYTES)} ▶
          </button>
          <JumpForm size={where.size} busy={busy} onJump={(o) => void go(o)} />
          {err && (
            <span className="pv-error" role="alert">
              {err}
            </span>
          )}
        </div>
      )}
    </>
  );
}

function JumpForm({ size, busy, onJump }: { size: number; busy: boolean; onJump(offset: number): void }) {
  const [v, setV] = useState('');
  const [bad, setBad] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const o = parseOffset(v);
    if (o === null || o >= size) {
      setBad(true);
      return;
    }
    setBad(false);
    onJump(o);
  };
  return (
    <form className="pv-jump" onSubmit={submit} data-testid="preview-jump">
      <label>
        <span className="sr-only">Offset</span>
        <input
          className={bad ? 'input pv-offset invalid' : 'input pv-offset'}
          data-testid="preview-offset"
          placeholder="offset, e.g. 0x1f00 or 1M"
          value={v}
          aria-invalid={bad}
          onChange={(e) => setV(e.target.value)}
          spellCheck={false}
        />
      </label>
      <button type="submit" className="btn btn-sm" disabled={busy}>
        Go
      </button>
      {bad && <span className="pv-error">an offset below {formatCount(size)}</span>}
    </form>
  );
}

/* ---------------------------------------------------------------- ELF */

export function ElfView({ first, where }: { first: Uint8Array; where: Where }) {
  const [elf, setElf] = useState<ElfSummary | null | 'reading'>('reading');
  useEffect(() => {
    let live = true;
    setElf('reading');
    parseElf(first, where.size, (off, len) => readRange(where.layer, where.entry, off, len)).then(
      (r) => live && setElf(r),
      () => live && setElf(null),
    );
    return () => {
      live = false;
    };
  }, [first, where.layer, where.entry, where.size]);
  if (elf === 'reading') return <div className="pv-note">Reading the ELF headers…</div>;
  if (!elf) return null;
  const rows: Array<[string, string]> = [
    ['Format', `ELF ${elf.bits}-bit ${elf.endian}-endian, ${elf.osAbi}`],
    ['Type', elf.type],
    ['Machine', elf.machine],
    ['Linking', elf.linking === 'dynamic' ? 'dynamically linked' : elf.linking === 'static-pie' ? 'static PIE (no interpreter)' : 'statically linked'],
  ];
  if (elf.interpreter !== null) rows.push(['Interpreter', elf.interpreter]);
  if (elf.soname) rows.push(['Soname', elf.soname]);
  if (elf.runpath) rows.push(['Runpath', elf.runpath]);
  if (elf.rpath) rows.push(['Rpath', elf.rpath]);
  rows.push(['Entry point', elf.entry]);
  if (elf.stripped !== null) rows.push(['Symbols', elf.stripped ? 'stripped (no .symtab)' : `not stripped${elf.debugInfo ? ', with debug info' : ''}`]);
  const hardening = [elf.nxStack === null ? null : elf.nxStack ? 'non-executable stack' : 'EXECUTABLE stack', elf.relro ? 'RELRO' : null].filter(Boolean);
  if (hardening.length) rows.push(['Hardening', hardening.join(', ')]);
  return (
    <section className="pv-elf" data-testid="elf-summary" aria-label="ELF summary">
      <dl>
        {rows.map(([k, v]) => (
          <div key={k} className="pv-elf-row" data-field={k}>
            <dt>{k}</dt>
            <dd className="mono">
              <SafeText text={v} />
            </dd>
          </div>
        ))}
        {elf.linking === 'dynamic' && (
          <div className="pv-elf-row" data-field="Needed">
            <dt>Needs</dt>
            <dd className="mono" data-testid="elf-needed">
              {elf.needed.length === 0 ? (
                <span className="muted">no libraries</span>
              ) : (
                elf.needed.map((n) => (
                  <span key={n} className="pv-elf-lib">
                    <SafeText text={n} />
                  </span>
                ))
              )}
            </dd>
          </div>
        )}
      </dl>
      {elf.problems.length > 0 && <p className="pv-note">Partial: {elf.problems.join('; ')}.</p>}
    </section>
  );
}

/* ---------------------------------------------------------------- gzip */

export function GzipView({ first, wrap, where }: { first: Uint8Array; wrap: boolean; where: Where }) {
  const [r, setR] = useState<(Gunzipped & { kind: Sniffed; inputRead: number }) | 'reading' | { failed: string }>('reading');
  const [raw, setRaw] = useState(false);
  useEffect(() => {
    let live = true;
    setR('reading');
    (async () => {
      const input = where.size <= first.length ? first : await readRange(where.layer, where.entry, 0, Math.min(where.size, GZIP_INPUT_MAX));
      const g = await gunzipHead(input, input.length >= where.size, GZIP_OUTPUT_MAX);
      return { ...g, kind: sniff(g.bytes, g.truncated), inputRead: input.length };
    })().then(
      (x) => live && setR(x),
      (e: unknown) => live && setR({ failed: e instanceof Error ? e.message : String(e) }),
    );
    return () => {
      live = false;
    };
  }, [first, where.layer, where.entry, where.size]);
  if (r === 'reading') return <div className="pv-note">Decompressing…</div>;
  if ('failed' in r) return <div className="pv-note pv-error">Could not decompress: {r.failed}</div>;
  const inner =
    r.kind.kind === 'text' ? `text (${r.kind.encoding})` : r.kind.kind === 'empty' ? 'nothing' : r.kind.kind === 'image' ? 'an image' : 'binary data';
  return (
    <div className="pv-gz" data-testid="preview-gunzip" data-inner={r.kind.kind}>
      <div className="pv-bar">
        <span className="pv-note">
          gzip-compressed {inner}: {r.truncated ? `the first ${formatBytes(r.bytes.length)} decompressed` : `${formatBytes(r.bytes.length)} decompressed`}
          {r.error ? `; the data is damaged after that (${r.error})` : ''}.
        </span>
        <label className="pv-wrap">
          <input type="checkbox" checked={raw} onChange={(e) => setRaw(e.target.checked)} data-testid="preview-gz-raw" /> Compressed bytes
        </label>
      </div>
      {raw ? (
        <HexView first={first} where={where} />
      ) : r.kind.kind === 'text' ? (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must take focus for the keyboard to scroll it (WCAG 2.1.1)
        <pre className={wrap ? 'pv-text wrap' : 'pv-text'} data-testid="preview-text" role="region" tabIndex={0} aria-label="Decompressed contents">
          <SafeText text={decodeText(r.bytes, r.kind)} content />
        </pre>
      ) : (
        <HexDump bytes={r.bytes.subarray(0, HEX_WINDOW_BYTES)} label="Decompressed bytes" />
      )}
    </div>
  );
}

export { isElf, isGzip };

function concat(parts: Uint8Array[]): Uint8Array {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function leadingContinuation(b: Uint8Array): number {
  let i = 0;
  while (i < 3 && i < b.length && ((b[i] ?? 0) & 0xc0) === 0x80) i++;
  return i;
}
