/**
 * The byte-crunching primitives the engine needs (sha256, gzip), as an injectable
 * set. The defaults work on every platform the engine runs on (browser, worker,
 * Node): hash-wasm for sha256, the platform's DecompressionStream for gzip with
 * fflate behind it. A host with faster native code passes its own: the Node
 * command line uses node:crypto and node:zlib (src/cli/nodeIo.ts), measured on the
 * 2-core dev machine at 1,446 MB/s against hash-wasm's 192 MB/s for sha256, and
 * 1.5 s against 8.2 s for Node's DecompressionStream on a 501 MB layer.
 *
 * src/core stays free of Node imports: the Node implementations live in src/cli.
 */
import { createHasher, type Hasher } from './sha256';

export interface Codecs {
  /** A fresh incremental sha256. */
  createHasher(): Promise<Hasher>;
  /**
   * A gzip decoder for a whole stream, every member of a multi-member stream
   * included (RFC 1952 §2.2). Undefined: the platform's DecompressionStream.
   * Errors it throws are handled like the native decoder's (fflate retries).
   */
  gunzip?(): ReadableWritablePair<Uint8Array, Uint8Array>;
}

export const defaultCodecs: Codecs = { createHasher };
