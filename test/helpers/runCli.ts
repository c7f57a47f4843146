/**
 * The command line run in-process for tests: `main(argv, io)` with an Io that
 * captures stdout and stderr (not a terminal), optionally a working directory
 * (`.dive-ci`, `-o` paths), an environment, and bytes to read as stdin (`-`).
 * For what only a separate process shows (memory, temp files, signals) see
 * builtCli.ts.
 */
import { Readable } from 'node:stream';
import { main } from '../../src/cli/main';
import type { Io } from '../../src/cli/io';

export interface CliResult {
  /** The exit code main() returned. */
  code: number;
  out: string;
  err: string;
}

export interface CliOptions {
  /** Bytes the command reads as stdin (`-`); the stream says it is not a terminal. */
  stdin?: Uint8Array;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Draw progress as on a terminal (default false: stderr is a pipe). */
  isTTY?: boolean;
}

export async function runCli(argv: string[], opts: CliOptions = {}): Promise<CliResult> {
  let out = '';
  let err = '';
  const io: Io = {
    out: (s) => {
      out += s;
    },
    err: (s) => {
      err += s;
    },
    isTTY: opts.isTTY ?? false,
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    ...(opts.env !== undefined ? { env: opts.env } : {}),
    ...(opts.stdin ? { stdin: Object.assign(Readable.from([opts.stdin]), { isTTY: false }) } : {}),
  };
  const code = await main(argv, io);
  return { code, out, err };
}
