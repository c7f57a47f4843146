/**
 * A stream (stdin behind `-`, `docker save`'s stdout) spooled to a temporary file.
 * An image archive cannot be read as it streams by: manifest.json may come after
 * the layers it names, and layers are scanned in parallel and read again to check
 * their digests. So the bytes go to disk once and are then read like any archive
 * file (pread, nodeIo.ts).
 *
 * The file is unlinked right after it is created and kept through its descriptor
 * (POSIX keeps an unlinked file until its last descriptor closes), so it is gone
 * when the process ends however it ends — Ctrl+C, a crash, SIGKILL. Where unlinking
 * an open file is refused (Windows), it is removed when the process exits.
 */
import { close, mkdtempSync, openSync, rmSync, unlinkSync, write } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FileHandleBlob } from './nodeIo';

const writeAsync = promisify(write);
const closeAsync = promisify(close);

/** Directories left to remove at exit (only where an open file cannot be unlinked). */
const leftovers = new Set<string>();
let exitHookInstalled = false;

function removeAtExit(dir: string): void {
  leftovers.add(dir);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const clean = () => {
    for (const d of leftovers) rmSync(d, { recursive: true, force: true });
    leftovers.clear();
  };
  process.once('exit', clean);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.once(sig, () => {
      clean();
      process.exit(130);
    });
}

export interface SpoolOptions {
  /** Called with the running total after each chunk is written. */
  onBytes?(total: number): void;
  signal?: AbortSignal;
  /** Where the temporary directory is made (os.tmpdir() by default; $TMPDIR is honoured by Node). */
  parent?: string;
}

/** Everything `src` yields, in a temporary file already unlinked; close the blob when done. */
export async function spoolToTempFile(src: AsyncIterable<Uint8Array>, opts: SpoolOptions = {}): Promise<FileHandleBlob> {
  // Made, opened and unlinked synchronously: no await between mkdtemp and the removal,
  // so no event-loop turn in which a SIGKILL (which no handler sees) could leave it behind.
  const dir = mkdtempSync(join(opts.parent ?? tmpdir(), 'layerscope-stdin-'));
  const path = join(dir, 'archive.tar');
  let fd: number;
  try {
    fd = openSync(path, 'w+', 0o600);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  try {
    unlinkSync(path);
    rmSync(dir, { recursive: true, force: true });
  } catch {
    removeAtExit(dir);
  }
  let total = 0;
  try {
    for await (const chunk of src) {
      opts.signal?.throwIfAborted();
      let o = 0;
      while (o < chunk.length) {
        const { bytesWritten } = await writeAsync(fd, chunk, o, chunk.length - o, total + o);
        o += bytesWritten;
      }
      total += chunk.length;
      opts.onBytes?.(total);
    }
  } catch (e) {
    await closeAsync(fd).catch(() => {});
    throw e;
  }
  // adopt closes the descriptor if it fails.
  return FileHandleBlob.adopt(fd);
}
