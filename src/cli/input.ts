/**
 * The ARCHIVE argument of every command: a file, or `-` for stdin
 * (`docker save img | layerscope inspect -`), spooled to an unlinked temporary
 * file (spool.ts). `view IMAGE[:TAG]` adds `docker save` (commands/view.ts).
 */
import { stat } from 'node:fs/promises';
import { FileHandleBlob } from './nodeIo';
import { spoolToTempFile } from './spool';
import { UsageError } from './args';
import { stdinOf, type Io } from './io';
import { TtyLine } from './progress';
import { formatBytes } from '../core/formatBytes';

export type ArchiveSource = 'file' | 'stdin' | 'docker' | 'podman';

export interface ArchiveInput {
  /** The archive's bytes; read by pread. Closed by `close()`. */
  blob: FileHandleBlob;
  source: ArchiveSource;
  /** How to name it to the user: the path as given, `stdin`, `docker save nginx:1.27`. */
  label: string;
  /** A file name for it (the page shows it, a download uses it). */
  name: string;
  close(): void;
}

export const STDIN_ARG = '-';

/** Open one ARCHIVE argument. A missing file, a directory or an unreadable one is a UsageError. */
export async function openArchiveArg(arg: string, io: Io): Promise<ArchiveInput> {
  if (arg === STDIN_ARG) return openStdin(io);
  try {
    const st = await stat(arg);
    if (!st.isFile()) throw new UsageError(`${arg} is not a file`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${arg}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  let blob: FileHandleBlob;
  try {
    blob = FileHandleBlob.open(arg);
  } catch (e) {
    throw new UsageError(`cannot read ${arg}: ${(e as Error).message}`);
  }
  return { blob, source: 'file', label: arg, name: arg.split(/[\\/]/).pop() || arg, close: () => blob.close() };
}

/** Streams already read for a `-`: a second `-` (e.g. `diff - -`) would find stdin empty. */
const consumed = new WeakSet<object>();

async function openStdin(io: Io): Promise<ArchiveInput> {
  const stdin = stdinOf(io);
  if (consumed.has(stdin)) throw new UsageError('only one ARCHIVE can be - (stdin)');
  consumed.add(stdin);
  if (stdin.isTTY) throw new UsageError('"-" reads the archive from stdin, but stdin is a terminal: pipe one in (docker save IMAGE | layerscope COMMAND -)');
  const line = io.isTTY ? new TtyLine(io) : null;
  let blob: FileHandleBlob;
  try {
    blob = await spoolToTempFile(stdin, { onBytes: (n) => line?.draw(`reading the archive from stdin  ${formatBytes(n)}`) });
  } catch (e) {
    throw new UsageError(`cannot read stdin: ${(e as Error).message}`);
  } finally {
    line?.clear();
  }
  if (blob.size === 0) {
    blob.close();
    throw new UsageError('stdin was empty: pipe an archive in (docker save IMAGE | layerscope COMMAND -)');
  }
  return { blob, source: 'stdin', label: 'stdin', name: 'stdin.tar', close: () => blob.close() };
}
