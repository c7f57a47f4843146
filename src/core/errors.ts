/**
 * Typed engine errors. Sniffers return `T | null` for "not this format";
 * corrupt or unsupported input throws a LayerscopeError whose `code` the UI and
 * the command line turn into one clear sentence (never a stack trace).
 */
export type ErrorCode =
  | 'NOT_A_TAR' // the dropped file is not a tar (nor a gzipped tar)
  | 'NOT_AN_IMAGE' // a tar, but no manifest.json / index.json at all, or none listing an image
  | 'BAD_MANIFEST' // manifest.json / index.json present but not of the shape the formats define
  | 'TRUNCATED' // the stream ends inside a header or a file's data
  | 'BAD_HEADER' // a tar header fails its checksum or has an impossible field
  | 'BAD_PAX' // malformed PAX extended header record
  | 'BAD_GZIP' // gzip stream corrupt
  | 'BAD_ZSTD' // zstd stream corrupt
  | 'BAD_JSON' // manifest/index/config is not valid JSON
  | 'BAD_TOC' // a layer's table of contents (eStargz, zstd:chunked) is unusable, or a chunk does not match it
  | 'MISSING_BLOB' // a manifest names a blob the archive lacks
  | 'LIMIT' // an absurd size or count, refused to protect memory
  | 'LOOP' // index, symlink or hardlink cycle
  | 'UNKNOWN_IMAGE' // --image / chooser names no image in the archive
  | 'UNKNOWN_PLATFORM' // --platform names no platform present
  | 'UNKNOWN_LAYER' // layer index out of range
  | 'NOT_FOUND' // a path or file that does not exist
  | 'CANCELLED' // the user cancelled
  | 'IO'; // the file could not be read

export class LayerscopeError extends Error {
  readonly code: ErrorCode;
  /** Byte offset in the relevant stream (outer archive, or uncompressed layer) where the problem was found. */
  readonly offset?: number;
  /** Layer index the error concerns, when it concerns one. */
  readonly layer?: number;

  constructor(code: ErrorCode, message: string, opts: { offset?: number; layer?: number; cause?: unknown } = {}) {
    super(message, opts.cause !== undefined ? { cause: opts.cause } : undefined);
    this.name = 'LayerscopeError';
    this.code = code;
    this.offset = opts.offset;
    this.layer = opts.layer;
  }
}

export function isLayerscopeError(e: unknown): e is LayerscopeError {
  return e instanceof Error && (e as LayerscopeError).name === 'LayerscopeError' && typeof (e as LayerscopeError).code === 'string';
}

/** The cancellation error: one code, one message, wherever the work stopped. */
export function cancelled(): LayerscopeError {
  return new LayerscopeError('CANCELLED', 'Cancelled');
}

/** Throws the cancellation error once `signal` has fired (checked between units of work). */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelled();
}

/** Whether `e` is the cancellation error (a cancelled load is not a failure to report). */
export function isCancelled(e: unknown): boolean {
  return isLayerscopeError(e) && e.code === 'CANCELLED';
}

/** One line for users: code-free, names the layer and offset when known. */
export function describeError(e: unknown): string {
  if (isLayerscopeError(e)) {
    const where = [e.layer !== undefined ? `layer ${e.layer}` : '', e.offset !== undefined ? `offset ${e.offset}` : ''].filter(Boolean).join(', ');
    return where ? `${e.message} (${where})` : e.message;
  }
  if (e instanceof Error) return e.message;
  return String(e);
}
