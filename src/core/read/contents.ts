/**
 * File contents on demand, without keeping layers in memory.
 *
 * Uncompressed layers: the bytes are a slice of the archive at the entry's
 * dataOffset — O(size).
 *
 * gzip layers with a resume point (`checkpoint`, recorded by the digest check after
 * `ready`, read/inflate/): decoding starts at the last point before the file, at
 * most CHECKPOINT_SPACING (2 MiB) of output before it, through the platform's
 * decoder primed with the point's window (read/inflate/resume.ts).
 *
 * Layers whose independent gzip members / zstd frames are known (`frames`: from an
 * eStargz or zstd:chunked TOC, a zstd seek table, or zstd frame ends recorded by the
 * digest check): decoding starts at the member/frame holding the file's first byte,
 * and chunks the TOC vouches for are checked against their digests (read/toc/frames.ts).
 *
 * gzip layers before the digest check reaches the file (no point within CHECKPOINT_NEAR):
 * the load's scan kept the true window every 2 MiB (scanWindows.ts), and the read anchors a
 * speculative decode a little before the file to it, then reads from the block boundary
 * after it as from a checkpoint (anchoredRead.ts), which it hands back; without a window, a
 * speculative decode from a block boundary before the file (speculativeRead.ts). Either
 * races today's read below, and shows nothing it has not proven.
 *
 * Otherwise (no point yet, or a point past the file) the layer is
 * decompressed again from its start and the stream is cancelled as soon as the
 * wanted range has passed — O(dataOffset) decompression per read (a file near the
 * end of the 501 MB benchmark layer costs about as long as indexing that layer).
 * Previews are capped (`maxBytes`), so the cost is the decompression up to the
 * file, not the file itself.
 */
import { decompressBlob } from './compression';
import type { Checkpoint } from './inflate/inflater';
import { readFromCheckpoint } from './inflate/resume';
import { readFromFrames } from './toc/frames';
import { readSpeculatively, type SeekPlan } from './speculativeRead';
import { readAnchored } from './anchoredRead';
import type { FramePoint } from './toc/types';
import { LayerscopeError, throwIfAborted } from '../errors';
import { taskYielder } from '../pause';
import type { Compression } from '../types';

export async function readEntryBytes(
  layerBlob: Blob,
  compression: Compression,
  dataOffset: number,
  size: number,
  opts: {
    maxBytes?: number;
    signal?: AbortSignal;
    checkpoint?: Checkpoint | null;
    /** With `checkpoint`: where the compressed bytes of the wanted range end at the latest (resume.ts ResumeReadOptions.inputEnd). */
    inputEnd?: number | null;
    frames?: readonly FramePoint[] | null;
    /** gzip: where a speculative read may start when no checkpoint is near (speculativeRead.ts). */
    seek?: SeekPlan | null;
    /** A genuine checkpoint the read found on its way (anchoredRead.ts), for the caller to keep: a later read near it starts there. */
    onCheckpoint?(cp: Checkpoint): void;
    /** Override ANCHOR_HEAD_START_MS (tests). */
    headStartMs?: number;
    /** Override HEAD_START_MIN_DISTANCE (tests: their layers are small). */
    headStartMinDistance?: number;
  } = {},
): Promise<Uint8Array> {
  const want = Math.max(0, Math.min(size, opts.maxBytes ?? size));
  if (compression === 'none') {
    if (dataOffset + want > layerBlob.size) throw new LayerscopeError('TRUNCATED', 'the layer ends before this file’s data', { offset: dataOffset });
    return new Uint8Array(await layerBlob.slice(dataOffset, dataOffset + want).arrayBuffer());
  }
  if (want === 0) return new Uint8Array(0);
  const fr = opts.frames;
  if (fr?.length && fr[0]!.out <= dataOffset && (!opts.checkpoint || opts.checkpoint.out <= fr[0]!.out || opts.checkpoint.out > dataOffset)) {
    return readFromFrames(layerBlob, compression, fr, dataOffset, want, { signal: opts.signal });
  }
  const cp = opts.checkpoint;
  const usable = compression === 'gzip' && cp && cp.out <= dataOffset ? cp : null;
  const seek = compression === 'gzip' ? opts.seek : null;
  const today = (signal: AbortSignal | undefined) =>
    usable
      ? readFromCheckpoint(layerBlob, usable, dataOffset, want, { signal, inputEnd: opts.inputEnd })
      : fromStart(layerBlob, compression, dataOffset, want, signal);
  if (seek && (!usable || dataOffset - usable.out > CHECKPOINT_NEAR)) {
    // with the scan's true window: anchored, then at native speed from a checkpoint; else the unanchored guess
    let anchoredDone = () => {};
    // today's read is held only when it has far to go (HEAD_START_MIN_DISTANCE)
    const todayDistance = dataOffset - (usable?.out ?? 0);
    const headStart =
      seek.anchor && todayDistance >= (opts.headStartMinDistance ?? HEAD_START_MIN_DISTANCE)
        ? new Promise<void>((resolve) => {
            anchoredDone = resolve;
            setTimeout(resolve, opts.headStartMs ?? ANCHOR_HEAD_START_MS);
          })
        : null;
    const guess = async (signal: AbortSignal) => {
      // today's read starts when the anchored read is refused or fails, not when it answers (then it is not needed)
      const a = seek.anchor
        ? await readAnchored(layerBlob, seek, dataOffset, want, { signal }).catch((e: unknown) => {
            anchoredDone();
            throw e;
          })
        : null;
      if (!a) {
        anchoredDone();
        return readSpeculatively(layerBlob, seek, dataOffset, want, { signal });
      }
      opts.onCheckpoint?.(a.checkpoint);
      return a;
    };
    return raced(guess, today, opts.signal, headStart);
  }
  return today(opts.signal);
}

/**
 * How long today's read waits for the anchored read (anchoredRead.ts) before it starts, unless
 * that read is refused sooner: both run on the worker's thread, and today's platform decoder
 * going full tilt beside it made the anchored read of the benchmark's last file ~3× slower
 * in Chromium (bench-ab --early: 1194 ms against 430 ms for the unanchored read, which the
 * same race slows less), while in Node, where the decoder runs on its own thread, the
 * anchored read was ~3× faster. An anchored read that succeeds ends the race; one that is
 * refused (a few in a hundred, typically within ~100 ms) starts today's read at once, so that
 * read is late by at most this much.
 */
export const ANCHOR_HEAD_START_MS = 300;

/**
 * Today's read waits for the anchored read only when it has at least this much to decode
 * (from its checkpoint, or the layer's start): the platform decoder inflates ~200 MB/s here
 * (SPECULATE_MIN_OFFSET's measure), so it reads a nearer file within about the head start
 * itself, and holding it back could only make that read later than before the anchored read
 * existed (issue 13: until checkpoints exist, a read must not be slower than before). Such
 * reads race the anchored read from the start, as the unanchored guess always did.
 */
export const HEAD_START_MIN_DISTANCE = 64 * 1024 * 1024;

/**
 * A checkpoint at most this far before a read makes the speculative start pointless: the
 * platform decoder primed from it gets there in ~50 ms (~300 MB/s native inflate).
 */
export const CHECKPOINT_NEAR = 16 * 1024 * 1024;

/**
 * The speculative read against today's read, both started at once: the first result
 * wins and the other is cancelled. A speculative read that fails (null) or throws
 * anything but a cancel just stops; today's read goes on, so a read is never wrong and
 * never waits for a guess, only shares the thread with it while the guess runs
 * (SPECULATIVE_BUDGET_MS at most).
 */
function raced(
  speculative: (signal: AbortSignal) => Promise<{ bytes: Uint8Array } | null>,
  today: (signal: AbortSignal) => Promise<Uint8Array>,
  signal: AbortSignal | undefined,
  /** Today's read starts when this settles (ANCHOR_HEAD_START_MS); null: at once. */
  headStart: Promise<void> | null = null,
): Promise<Uint8Array> {
  throwIfAborted(signal);
  const guess = new AbortController();
  const sure = new AbortController();
  const stop = () => {
    guess.abort();
    sure.abort();
  };
  signal?.addEventListener('abort', stop, { once: true });
  let guessed = false;
  return new Promise<Uint8Array>((resolve, reject) => {
    const start = () => {
      // the guess already answered: today's read is not needed (a cancel still goes through it, to reject)
      if (guessed) return;
      today(sure.signal).then(
        (b) => {
          guess.abort();
          resolve(b);
        },
        (e) => {
          guess.abort();
          reject(e);
        },
      );
    };
    if (headStart) void headStart.then(start);
    else start();
    speculative(guess.signal).then(
      (r) => {
        if (!r || sure.signal.aborted) return;
        guessed = true;
        sure.abort();
        resolve(r.bytes);
      },
      () => {},
    );
  }).finally(() => signal?.removeEventListener('abort', stop));
}

/** Today's read without a checkpoint: the layer decoded from its first byte, cancelled once the range has passed. */
async function fromStart(layerBlob: Blob, compression: Compression, dataOffset: number, want: number, signal: AbortSignal | undefined): Promise<Uint8Array> {
  const opts = { signal };
  const out = new Uint8Array(want);
  let got = 0;
  let pos = 0;
  const reader = decompressBlob(layerBlob, compression, { signal: opts.signal }).getReader();
  // a cancel (the user clicked on) is a message: let it in while the layer decodes (pause.ts)
  const turn = taskYielder();
  try {
    while (got < want) {
      await turn();
      throwIfAborted(opts.signal);
      const { done, value } = await reader.read();
      if (done) throw new LayerscopeError('TRUNCATED', 'the layer ends before this file’s data', { offset: pos });
      const end = pos + value.length;
      if (end > dataOffset) {
        const from = Math.max(0, dataOffset + got - pos);
        const n = Math.min(value.length - from, want - got);
        if (n > 0) {
          out.set(value.subarray(from, from + n), got);
          got += n;
        }
      }
      pos = end;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  return out;
}
