/**
 * What a command may touch of the process: its output streams, stdin (for `-`),
 * the working directory (`.dive-ci`), the environment (PATH for `docker save`).
 * Tests pass a capturing Io; only `main()` with the default touches the process.
 */
import type { Readable } from 'node:stream';

export interface Io {
  out(s: string): void;
  err(s: string): void;
  /** stderr is a terminal: progress lines are drawn (never into the output). */
  isTTY: boolean;
  /** The archive behind `-`; process.stdin by default. */
  stdin?: Readable & { isTTY?: boolean };
  /** Where `.dive-ci` is looked for; process.cwd() by default. */
  cwd?: string;
  /** PATH and friends for the tools a command runs; process.env by default. */
  env?: NodeJS.ProcessEnv;
  /**
   * Called when a long-running command (`view`) is ready and waits for Ctrl+C;
   * tests use it to drive the running server, then resolve `stop` to end it.
   */
  serving?: (info: { url: string; stop: () => void }) => void;
}

export const processIo: Io = {
  out: (s) => void process.stdout.write(s),
  err: (s) => void process.stderr.write(s),
  isTTY: Boolean(process.stderr.isTTY),
  get stdin() {
    return process.stdin;
  },
  get cwd() {
    return process.cwd();
  },
  get env() {
    return process.env;
  },
};

export const stdinOf = (io: Io) => io.stdin ?? process.stdin;
export const cwdOf = (io: Io) => io.cwd ?? process.cwd();
export const envOf = (io: Io) => io.env ?? process.env;

/** Exit codes, documented in the README and `layerscope --help`. */
export const EXIT_OK = 0;
/** A `ci` rule failed, or an integrity check did. */
export const EXIT_FAILED = 1;
/** Usage or input error: one line on stderr, never a stack trace. */
export const EXIT_ERROR = 2;

/**
 * `layerscope ls big.tar | head` closes stdout early; Node then emits EPIPE as an
 * unhandled 'error' event (a stack trace). The reader has all it wanted: exit quietly.
 */
export function quietOnClosedPipe(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    process.stderr.write(`layerscope: cannot write the output: ${e.message}\n`);
    process.exit(EXIT_ERROR);
  });
}
