/**
 * The command line's fast paths into the same engine: a file-descriptor Blob and
 * node:crypto / node:zlib codecs (core/codecs.ts). The core only sees a Blob and a
 * Codecs object, so the page and the command line still run the same code.
 *
 * Why not `fs.openAsBlob`: measured on the 2-core dev machine, each
 * `slice().arrayBuffer()` of it is a thread-pool round trip (~0.1–0.5 ms), and its
 * `stream()` yields 64 KiB chunks through web streams (~0.6–0.9 s for 220 MB). A
 * `pread` is a few µs, and an fs read stream with 1 MiB chunks reads the same 220 MB
 * in ~0.1–0.2 s. On the 894 MB docker-archive benchmark (14,960 entries) the
 * header scan goes from ~0.85 s to well under GNU tar's time.
 */
import { closeSync, createReadStream, fstatSync, mkdtempSync, openSync, read, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import { Duplex, Readable } from 'node:stream';
import type { ByteSource } from '../core/read/tar/byteSource';
import type { Codecs } from '../core/codecs';
import type { DecompressedSink } from '../core/read/compression';
import type { Hasher } from '../core/sha256';

/**
 * Read-stream chunk and zlib output chunk size. 1 MiB: on a 501 MB gzip layer,
 * 256 KiB chunks took 1.6–1.7 s and 1 MiB 1.5 s (per-chunk stream overhead); larger
 * chunks gain nothing and hold more memory per layer in flight.
 */
export const NODE_STREAM_CHUNK = 1024 * 1024;

/**
 * A read-only view [start, end) of an open file that is both a Blob (what the
 * engine's archive readers take) and a synchronous ByteSource (what the tar header
 * scan prefers: `scanTarBlob` (core/read/tar/scan.ts) reads it with pread instead of async slices).
 * The file must not change while it is open; the descriptor is shared by all
 * slices and closed by `FileHandleBlob.close()` on the root.
 */
export class FileBlob implements Blob, ByteSource {
  readonly type = '';
  /** pread: the tar scan reads each header on its own instead of in windows. */
  readonly cheapReads = true;
  protected constructor(
    protected readonly fd: number,
    private readonly start: number,
    private readonly end: number,
  ) {}

  get size(): number {
    return this.end - this.start;
  }

  /** Blob.slice semantics: negative positions count from the end, out-of-range ones clamp (File API §3.3.3). */
  slice(start?: number, end?: number): FileBlob {
    const size = this.size;
    const rel = (v: number | undefined, dflt: number) => {
      if (v === undefined) return dflt;
      const n = Math.trunc(Number(v)) || 0;
      return n < 0 ? Math.max(size + n, 0) : Math.min(n, size);
    };
    const s = rel(start, 0);
    const e = Math.max(rel(end, size), s);
    return new FileBlob(this.fd, this.start + s, this.start + e);
  }

  /** ByteSource: bytes [start, end) of this view, read synchronously. */
  read(start: number, end: number): Uint8Array {
    const s = Math.max(0, Math.min(start, this.size));
    const e = Math.max(s, Math.min(end, this.size));
    const out = new Uint8Array(e - s);
    let got = 0;
    while (got < out.length) {
      const n = readSync(this.fd, out, got, out.length - got, this.start + s + got);
      if (n === 0) break; // the file shrank under us: the caller sees a short read (truncation)
      got += n;
    }
    return got === out.length ? out : out.subarray(0, got);
  }

  async bytes(): Promise<Uint8Array<ArrayBuffer>> {
    return this.read(0, this.size) as Uint8Array<ArrayBuffer>;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const b = this.read(0, this.size);
    return b.byteLength === b.buffer.byteLength ? (b.buffer as ArrayBuffer) : (b.slice().buffer as ArrayBuffer);
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(this.read(0, this.size));
  }

  stream(): ReadableStream<Uint8Array<ArrayBuffer>> {
    if (this.size === 0) return new ReadableStream({ start: (c) => c.close() });
    // fs read streams with a start position use pread, so any number of them can
    // share the descriptor; the root owns it. `autoClose: false` is not enough:
    // destroying the stream (what cancelling the web stream does — a content read
    // stops after its file, the audit after its last candidate) still closes the fd
    // (Node's ReadStream._destroy), which broke every later read of the archive.
    // So the stream's `fs` never closes.
    const rs = createReadStream('', {
      fd: this.fd,
      start: this.start,
      end: this.end - 1,
      autoClose: false,
      highWaterMark: NODE_STREAM_CHUNK,
      fs: { read, close: (_fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => cb(null) },
    });
    return Readable.toWeb(rs) as unknown as ReadableStream<Uint8Array<ArrayBuffer>>;
  }
}

/** The whole file, open for reading; `close()` when done. */
export class FileHandleBlob extends FileBlob {
  private closed = false;
  private constructor(fd: number, size: number) {
    super(fd, 0, size);
  }
  static open(path: string): FileHandleBlob {
    return FileHandleBlob.adopt(openSync(path, 'r'));
  }
  /** A descriptor opened elsewhere (a spooled stdin: nodeIo spoolToTempFile); closed by close(). */
  static adopt(fd: number): FileHandleBlob {
    try {
      return new FileHandleBlob(fd, fstatSync(fd).size);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

/** node:crypto's sha256 (OpenSSL, SHA-NI where the CPU has it: 1,446 MB/s here against hash-wasm's 192 MB/s). */
async function createNodeHasher(): Promise<Hasher> {
  const h = createHash('sha256');
  return {
    update: (b) => {
      h.update(b);
    },
    digest: () => `sha256:${h.digest('hex')}`,
  };
}

/**
 * node:zlib's gunzip as a web stream pair. It decodes every member of a multi-member
 * stream, and measured 1.5 s on a 501 MB layer where Node's DecompressionStream
 * took 8.2 s (zcat: 3.5 s).
 */
function nodeGunzip(): ReadableWritablePair<Uint8Array, Uint8Array> {
  return Duplex.toWeb(createGunzip({ chunkSize: NODE_STREAM_CHUNK })) as unknown as ReadableWritablePair<Uint8Array, Uint8Array>;
}

export const nodeCodecs: Codecs = { createHasher: createNodeHasher, gunzip: nodeGunzip };

/**
 * A gzipped/zstd archive decompressed into a temporary file rather than a Blob:
 * Node keeps Blobs in memory (a 900 MB image would be 900 MB of heap), and the file
 * is then read like any archive, by pread. The file is unlinked as soon as it is
 * open (POSIX keeps it until the descriptor closes), so nothing is left behind
 * even if the process is killed. On the 378 MB gzipped benchmark archive:
 * `layerscope ls` 8.6 s with an in-memory Blob, 5.1 s with this.
 */
export function tempFileSink(parent = tmpdir()): DecompressedSink & { opened: FileHandleBlob[] } {
  const dir = mkdtempSync(join(parent, 'layerscope-unpacked-'));
  const path = join(dir, 'archive.tar');
  let fd: number | null = openSync(path, 'w');
  let written = 0;
  const opened: FileHandleBlob[] = [];
  const cleanup = () => {
    if (fd !== null) closeSync(fd);
    fd = null;
    rmSync(dir, { recursive: true, force: true });
  };
  return {
    opened,
    write(chunk) {
      let o = 0;
      while (o < chunk.length) o += writeSync(fd!, chunk, o, chunk.length - o, written + o);
      written += chunk.length;
    },
    finish() {
      closeSync(fd!);
      fd = null;
      const blob = FileHandleBlob.open(path);
      cleanup(); // unlinked, still readable through the new descriptor
      opened.push(blob);
      return blob;
    },
    abort: cleanup,
  };
}
