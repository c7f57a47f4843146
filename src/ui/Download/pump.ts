/**
 * The two ends of a streamed download, free of the DOM so Node tests them: a
 * stream of chunks (the producer: a worker's read of a file or layer, or a Blob's
 * own stream) written to
 *
 * - a WritableStream (showSaveFilePicker's FileSystemWritableFileStream), one
 *   chunk at a time — the next is read only once the disk took the last; or
 * - a Blob the browser assembles itself (`new Response(stream).blob()`):
 *   Chromium registers it with its blob storage, which pages to disk past its
 *   in-memory quota, Firefox spools a body past 1 MiB to a temporary file
 *   (dom.blob.memoryToTemporaryFile) — so the page's heap holds no more than the
 *   chunks in flight, whatever the size.
 *
 * Both count progress and stop on the signal, cancelling the producer (which
 * stops the worker's decoding).
 */
import { cancelled, isCancelled } from '../../core/errors';

export interface PumpOptions {
  signal?: AbortSignal;
  /** Bytes written so far. */
  onProgress?(done: number): void;
}

/** Writes `stream` into `writable` with backpressure; closes it when done, aborts it on failure or cancel. Returns the bytes written. */
export async function pumpToWritable(stream: ReadableStream<Uint8Array>, writable: WritableStream<Uint8Array>, opts: PumpOptions = {}): Promise<number> {
  const reader = stream.getReader();
  const writer = writable.getWriter();
  let done = 0;
  const onAbort = () => {
    reader.cancel(cancelled()).catch(() => {});
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      if (opts.signal?.aborted) throw cancelled();
      const r = await reader.read();
      if (r.done) break;
      if (opts.signal?.aborted) throw cancelled();
      await writer.ready;
      await writer.write(r.value);
      done += r.value.length;
      opts.onProgress?.(done);
    }
    if (opts.signal?.aborted) throw cancelled();
    await writer.close();
    return done;
  } catch (e) {
    reader.cancel(e).catch(() => {});
    await writer.abort(e).catch(() => {});
    throw opts.signal?.aborted && !isCancelled(e) ? cancelled() : e;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/** A pass-through that counts bytes and fails once the signal fires (so the consumer stops pulling). */
export function counting(opts: PumpOptions): TransformStream<Uint8Array, Uint8Array> {
  let done = 0;
  return new TransformStream<Uint8Array, Uint8Array>(
    {
      transform(chunk, controller) {
        if (opts.signal?.aborted) throw cancelled();
        done += chunk.length;
        opts.onProgress?.(done);
        controller.enqueue(chunk);
      },
    },
    { highWaterMark: 1 },
    { highWaterMark: 0 },
  );
}

/** `stream` as a Blob of `type` assembled by the platform (see the module comment), with progress and cancel. */
export async function streamToBlob(stream: ReadableStream<Uint8Array>, type: string, opts: PumpOptions = {}): Promise<Blob> {
  if (opts.signal?.aborted) {
    stream.cancel().catch(() => {});
    throw cancelled();
  }
  const counted = stream.pipeThrough(counting(opts), { signal: opts.signal });
  try {
    const body = await new Response(counted as ReadableStream<Uint8Array<ArrayBuffer>>).blob();
    if (opts.signal?.aborted) throw cancelled();
    return type && body.type !== type ? body.slice(0, body.size, type) : body;
  } catch (e) {
    if (opts.signal?.aborted) throw cancelled();
    throw e;
  }
}
