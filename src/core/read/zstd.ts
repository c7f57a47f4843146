/**
 * zstd (RFC 8878) decoding with bounded memory: the reference decoder (libzstd
 * 1.5.7 compiled to WebAssembly, from the `zstddec` package's streaming build)
 * driven through ZSTD_decompressStream, one call per output piece of at most
 * ZSTD_OUTPUT_PIECE bytes, so the caller pulls output as fast as it consumes it
 * and memory never depends on the decompressed size.
 *
 * Why not fzstd (the pure-JS decoder used before): its streaming Decompress
 * emits every block of an input chunk at once (a 1 MB chunk of RLE blocks is
 * 32 GiB of output), allocates its window from the frame header unchecked
 * ("Invalid typed array length: -2147483636" on a forged size), and shifts the
 * whole window once per block. Measured on the 2-core dev machine, a 222 MB
 * layer: zstd -3 (2 MiB window) fzstd 2.7 s, this 0.51 s (zstd CLI 0.43 s);
 * zstd -19 --long=27 (128 MiB window) fzstd 50 s, this 0.94 s (CLI 1.2 s).
 *
 * Why `zstddec`'s streaming build: the only maintained npm package found that
 * ships libzstd's streaming API (ZSTD_createDCtx / ZSTD_decompressStream) as
 * WebAssembly without an Emscripten runtime. Its own wrapper (a generator over
 * ready input arrays) neither checks ZSTD_isError nor lets input arrive
 * asynchronously, so we take its instantiated module (through the documented
 * `_init` hook) and drive the exports ourselves. The version is pinned.
 */
import { ZSTDDecoder } from 'zstddec/stream';
import { LayerscopeError } from '../errors';

/**
 * Largest window a frame may declare: 2^27 bytes (128 MiB). This is zstd's own
 * default limit without `--long` (ZSTD_WINDOWLOG_LIMIT_DEFAULT = 27 in zstd.h;
 * `zstd -d` refuses larger frames with "Frame requires too much memory"), so
 * every frame a default zstd can decompress is accepted, and a forged header
 * cannot make us reserve gigabytes. libzstd enforces it itself (error 16).
 */
export const ZSTD_MAX_WINDOW_LOG = 27;
export const ZSTD_MAX_WINDOW = 2 ** ZSTD_MAX_WINDOW_LOG;

/**
 * Output produced per ZSTD_decompressStream call, at most: 1 MiB, the chunk size
 * the gzip path hands to the tar reader too (nodeIo.ts NODE_STREAM_CHUNK). Memory
 * held by one decoder is this, one input slice and the window (≤ ZSTD_MAX_WINDOW).
 */
export const ZSTD_OUTPUT_PIECE = 1024 * 1024;
/** Input copied into the decoder's memory at a time (larger input chunks are fed in slices). */
export const ZSTD_INPUT_SLICE = 1024 * 1024;

interface ZstdExports {
  memory: WebAssembly.Memory;
  ZSTD_createDCtx(): number;
  ZSTD_freeDCtx(dctx: number): number;
  ZSTD_decompressStream(dctx: number, output: number, input: number): number;
  malloc(n: number): number;
  free(p: number): void;
}

let wasm: Promise<ZstdExports> | null = null;

/** The instantiated libzstd (one per thread: the page's workers and Node each have their own). */
function zstdWasm(): Promise<ZstdExports> {
  wasm ??= (async () => {
    let instance: WebAssembly.Instance | null = null;
    // zstddec's init() instantiates the module and hands the result to `_init`
    // (called unbound); overriding it is how we get the exports.
    class Capture extends ZSTDDecoder {
      _init(result: WebAssembly.WebAssemblyInstantiatedSource): void {
        instance = result.instance;
        super._init(result);
      }
    }
    await new Capture().init();
    if (!instance) throw new LayerscopeError('IO', 'the zstd decoder (WebAssembly) could not be started');
    return (instance as WebAssembly.Instance).exports as unknown as ZstdExports;
  })();
  wasm.catch(() => {
    wasm = null;
  });
  return wasm;
}

/** libzstd's error codes (zstd_errors.h) that deserve their own sentence. */
const ZSTD_ERR_PREFIX_UNKNOWN = 10;
const ZSTD_ERR_WINDOW_TOO_LARGE = 16;
const ZSTD_ERR_CORRUPTION = 20;
const ZSTD_ERR_CHECKSUM = 22;
const ZSTD_ERR_DICTIONARY_WRONG = 32;
const ZSTD_ERR_MEMORY = 64;
/** ZSTD_isError: results above (size_t)-ZSTD_error_maxCode are -errorCode. */
const ZSTD_ERROR_MAX_CODE = 120;

/** The window a frame header declares (RFC 8878 §3.1.1.1), or null when `h` does not start a zstd frame (or is too short). */
export function declaredWindow(h: Uint8Array): number | null {
  if (h.length < 6 || h[0] !== 0x28 || h[1] !== 0xb5 || h[2] !== 0x2f || h[3] !== 0xfd) return null;
  const fhd = h[4]!;
  const single = (fhd >> 5) & 1;
  if (!single) {
    const wd = h[5]!;
    const base = 2 ** (10 + (wd >> 3));
    return base + (base / 8) * (wd & 7);
  }
  // Single segment: the window is the Frame_Content_Size.
  const dictBytes = [0, 1, 2, 4][fhd & 3]!;
  const fcsFlag = fhd >> 6;
  const fcsBytes = fcsFlag === 0 ? 1 : [1, 2, 4, 8][fcsFlag]!;
  const at = 5 + dictBytes;
  if (h.length < at + fcsBytes) return null;
  let v = 0;
  for (let i = fcsBytes - 1; i >= 0; i--) v = v * 256 + h[at + i]!;
  return fcsBytes === 2 ? v + 256 : v;
}

const mib = (n: number) => `${(n / 2 ** 20).toFixed(n < 2 ** 20 ? 2 : 0)} MiB`;

/** A LayerscopeError for libzstd error `code`, `produced` bytes of output into the stream, at compressed byte `consumed`. */
function zstdError(code: number, produced: number, consumed: number, firstHeader: Uint8Array | null): LayerscopeError {
  if (code === ZSTD_ERR_WINDOW_TOO_LARGE) {
    const w = firstHeader ? declaredWindow(firstHeader) : null;
    return new LayerscopeError(
      'LIMIT',
      `a zstd frame ${w !== null && w > ZSTD_MAX_WINDOW ? `declares a window of ${mib(w)}` : 'needs a window'}, more than the ${mib(ZSTD_MAX_WINDOW)} (2^${ZSTD_MAX_WINDOW_LOG}) zstd itself accepts without --long; refused to protect memory (recompress the layer without --long, or with --long=${ZSTD_MAX_WINDOW_LOG} at most)`,
      { offset: produced },
    );
  }
  const what =
    code === ZSTD_ERR_PREFIX_UNKNOWN
      ? 'not a zstd frame (unknown magic number)'
      : code === ZSTD_ERR_CHECKSUM
        ? 'the frame checksum does not match'
        : code === ZSTD_ERR_CORRUPTION
          ? 'corrupted block'
          : code === ZSTD_ERR_DICTIONARY_WRONG
            ? 'the frame needs a dictionary'
            : code === ZSTD_ERR_MEMORY
              ? 'the decoder ran out of memory'
              : `error ${code}`;
  return new LayerscopeError('BAD_ZSTD', `corrupt zstd data near compressed byte ${consumed}: ${what}`, { offset: produced });
}

/**
 * A pull decoder: `push` input when `next()` returned null (it needs more),
 * take output pieces with `next()`, `end()` when the input is over (throws
 * TRUNCATED if a frame is unfinished), `free()` always (the decoder's memory
 * lives in the WebAssembly heap).
 */
export interface PullDecoder {
  push(chunk: Uint8Array): void;
  next(): Uint8Array | null;
  end(): void;
  free(): void;
}

/**
 * One zstd stream (any number of frames, skippable frames included). `onFrameEnd`
 * hears where each frame ends — compressed bytes consumed and bytes produced up to
 * there — from ZSTD_decompressStream returning 0 ("a frame is completely decoded and
 * fully flushed", zstd.h), which it does with the input position just past the frame:
 * each such place is where an independent decode can start (RFC 8878 §3.1).
 */
export async function createZstdDecoder(opts: { onFrameEnd?(consumed: number, produced: number): void } = {}): Promise<PullDecoder> {
  const x = await zstdWasm();
  const dctx = x.ZSTD_createDCtx();
  if (!dctx) throw new LayerscopeError('IO', 'the zstd decoder could not allocate its state');
  // ZSTD_inBuffer / ZSTD_outBuffer: { ptr, size, pos }, 32-bit size_t in wasm32.
  const inStruct = x.malloc(12);
  const outStruct = x.malloc(12);
  const inBuf = x.malloc(ZSTD_INPUT_SLICE);
  const outBuf = x.malloc(ZSTD_OUTPUT_PIECE);
  let pending: Uint8Array | null = null; // input not yet copied into the heap
  let inPos = 0;
  let inSize = 0;
  let consumed = 0;
  let produced = 0;
  let lastRet = 0;
  let lastFrameEnd = -1;
  let first: Uint8Array | null = null;
  let freed = false;
  const view = () => new DataView(x.memory.buffer);

  const refill = (): boolean => {
    if (!pending || pending.length === 0) return false;
    const n = Math.min(pending.length, ZSTD_INPUT_SLICE);
    new Uint8Array(x.memory.buffer, inBuf, n).set(pending.subarray(0, n));
    pending = n < pending.length ? pending.subarray(n) : null;
    inPos = 0;
    inSize = n;
    return true;
  };

  return {
    push(chunk) {
      if (chunk.length === 0) return;
      if (first === null) first = chunk.slice(0, 18);
      else if (first.length < 18) {
        const f = new Uint8Array(Math.min(18, first.length + chunk.length));
        f.set(first);
        f.set(chunk.subarray(0, f.length - first.length), first.length);
        first = f;
      }
      pending = pending?.length ? concat(pending, chunk) : chunk;
    },
    next() {
      for (;;) {
        if (inPos >= inSize && !refill()) return null;
        const v = view();
        v.setUint32(inStruct, inBuf, true);
        v.setUint32(inStruct + 4, inSize, true);
        v.setUint32(inStruct + 8, inPos, true);
        v.setUint32(outStruct, outBuf, true);
        v.setUint32(outStruct + 4, ZSTD_OUTPUT_PIECE, true);
        v.setUint32(outStruct + 8, 0, true);
        const ret = x.ZSTD_decompressStream(dctx, outStruct, inStruct) >>> 0;
        const v2 = view();
        const newPos = v2.getUint32(inStruct + 8, true);
        consumed += newPos - inPos;
        inPos = newPos;
        if (ret > 2 ** 32 - 1 - ZSTD_ERROR_MAX_CODE) throw zstdError(2 ** 32 - ret, produced, consumed, first);
        lastRet = ret;
        const n = v2.getUint32(outStruct + 8, true);
        produced += n;
        if (ret === 0 && consumed !== lastFrameEnd) {
          lastFrameEnd = consumed;
          opts.onFrameEnd?.(consumed, produced);
        }
        if (n > 0) return new Uint8Array(x.memory.buffer, outBuf, n).slice();
        // No output: the input slice was used up (or a frame ended exactly here); go on.
      }
    },
    end() {
      if (consumed === 0 && !first) throw new LayerscopeError('TRUNCATED', 'the zstd stream is empty', { offset: 0 });
      // 0: every frame is complete. Anything else is a hint for more input: the stream was cut.
      if (lastRet !== 0) throw new LayerscopeError('TRUNCATED', 'the zstd stream ends early (truncated)', { offset: produced });
    },
    free() {
      if (freed) return;
      freed = true;
      x.ZSTD_freeDCtx(dctx);
      x.free(inStruct);
      x.free(outStruct);
      x.free(inBuf);
      x.free(outBuf);
    },
  };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const o = new Uint8Array(a.length + b.length);
  o.set(a);
  o.set(b, a.length);
  return o;
}
