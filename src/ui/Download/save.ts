/**
 * Handing bytes to the user as a file, in bounded memory (issue 9 point 4).
 *
 * A download is chosen in two steps so the same producer serves both paths:
 * 1. at the click, `chooseTarget` asks where to save — showSaveFilePicker where
 *    the browser has it (Chromium; it needs the click's user activation, so it
 *    comes before anything slow), else the browser's own download (an anchor);
 * 2. `saveBody` writes the body there: a Blob (a slice of the opened archive, a
 *    tar assembled from Blobs) or a stream of chunks (a file or layer read by a
 *    worker with backpressure, core/read/entryStream.ts). Into the picked file
 *    chunk by chunk (pump.ts pumpToWritable); for the anchor, a stream becomes a
 *    Blob the browser keeps outside the page's heap (pump.ts streamToBlob).
 *
 * Files from an image are always offered as application/octet-stream: an SVG,
 * HTML or XML file from an image must never be a same-origin URL the browser
 * would render (issue 9 point 10).
 */
import { cancelled } from '../../core/errors';
import { downloadName } from '../format/displayName';
import { pumpToWritable, streamToBlob } from './pump';

/** Object URLs handed to a download are kept this long: the browser has started reading by then. */
export const DOWNLOAD_URL_TTL_MS = 60_000;

/** The one type downloaded files get (see the module comment). */
export const DOWNLOAD_TYPE = 'application/octet-stream';

export type DownloadBody = Blob | { stream: ReadableStream<Uint8Array>; size: number };

interface SavePickerWindow {
  showSaveFilePicker?: (opts: { suggestedName?: string }) => Promise<{ createWritable(): Promise<WritableStream<Uint8Array>> }>;
}

export type SaveTarget = { kind: 'picker'; writable: WritableStream<Uint8Array> } | { kind: 'anchor' };

/** Whether downloads go through the save-file picker in this browser. */
export function hasSavePicker(win: Window = window): boolean {
  return typeof (win as unknown as SavePickerWindow).showSaveFilePicker === 'function';
}

/**
 * Where the download goes; null when the user dismissed the picker. Call it
 * first in the click handler (the picker needs the click's activation).
 */
export async function chooseTarget(name: string, win: Window = window): Promise<SaveTarget | null> {
  const pick = (win as unknown as SavePickerWindow).showSaveFilePicker;
  if (typeof pick !== 'function') return { kind: 'anchor' };
  let handle: Awaited<ReturnType<NonNullable<SavePickerWindow['showSaveFilePicker']>>>;
  try {
    handle = await pick.call(win, { suggestedName: downloadName(name) });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') return null; // dismissed
    if (e instanceof DOMException && e.name === 'SecurityError') return { kind: 'anchor' }; // no activation left: the browser's download
    throw e;
  }
  return { kind: 'picker', writable: await handle.createWritable() };
}

export interface SaveOptions {
  signal?: AbortSignal;
  onProgress?(done: number): void;
  /** The Blob type for the anchor path (DOWNLOAD_TYPE unless it is a tar the page made). */
  type?: string;
}

/** Writes `body` to `target`; resolves when it is written (picker) or handed to the browser (anchor). */
export async function saveBody(target: SaveTarget, body: DownloadBody, name: string, opts: SaveOptions = {}): Promise<number> {
  const type = opts.type ?? DOWNLOAD_TYPE;
  if (target.kind === 'picker') {
    const stream = body instanceof Blob ? (body.stream() as ReadableStream<Uint8Array>) : body.stream;
    return pumpToWritable(stream, target.writable, opts);
  }
  let blob: Blob;
  if (body instanceof Blob) blob = body.type === type ? body : body.slice(0, body.size, type);
  else blob = await streamToBlob(body.stream, type, opts);
  if (opts.signal?.aborted) throw cancelled();
  opts.onProgress?.(blob.size);
  saveBlob(blob, name);
  return blob.size;
}

/** The browser's own download of a Blob (an anchor with `download`). */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = downloadName(name);
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), DOWNLOAD_URL_TTL_MS);
}
