/**
 * One `layerscope` subcommand. Each lives in src/cli/commands/NAME.ts and is listed
 * in COMMANDS (main.ts); the parser, `--help` and `layerscope help NAME` are all
 * made from this declaration.
 */
import type { OptionSpec, ParsedArgs } from './args';
import type { Io } from './io';

export interface Example {
  /** The command line as typed, `layerscope …` (a pipe may come first). */
  line: string;
  /** What it does, one line. */
  note: string;
}

export interface Command {
  name: string;
  /** One line for the list of commands. */
  summary: string;
  /** What follows `layerscope NAME` in the synopsis: `ARCHIVE [options]`. */
  synopsis: string;
  /** Paragraphs for `help NAME` (plain text, wrapped by hand at ~100 columns). */
  description: string;
  options: readonly OptionSpec[];
  examples: readonly Example[];
  /** Returns the exit code (io.ts: EXIT_OK, EXIT_FAILED, EXIT_ERROR); throws UsageError / LayerscopeError for user errors. */
  run(args: ParsedArgs, io: Io): Promise<number>;
}
