/**
 * `layerscope`: the engine of the page, in Node, for terminals and CI.
 *
 * One module per command in src/cli/commands/ (a `Command`: name, synopsis,
 * options, examples, run); COMMANDS below is the registry. The parser, `--help`
 * and `layerscope help COMMAND` are made from it. Exit codes (io.ts): 0 ok, 1 a
 * rule or integrity check failed, 2 a user error (one line on stderr, never a
 * stack trace).
 */
import { describeError, isLayerscopeError } from '../core/errors';
import { parseArgs, UsageError } from './args';
import type { Command } from './command';
import { commandHelp, generalHelp } from './help';
import { EXIT_ERROR, EXIT_OK, processIo, quietOnClosedPipe, type Io } from './io';
import { escapeText } from './escape';
import { inspect } from './commands/inspect';
import { ls } from './commands/ls';
import { ci } from './commands/ci';
import { diff } from './commands/diff';
import { audit } from './commands/audit';
import { view } from './commands/view';
import { report } from './commands/report';
import { VERSION } from './version';

// Re-exported for scripts/bench.mjs, which drives the engine through this bundle.
export { openImage, verifyImage } from '../core/session';
export { openArchive, selectImage, blobOf } from '../core/read/archive';
export { sniffCompression } from '../core/read/compression';
export { hashRanges } from '../core/compare/hashRanges';
export { FileHandleBlob, nodeCodecs } from './nodeIo';
export { inProcessScanner, DEFAULT_NODE_CONCURRENCY } from '../core/session';
export { auditImage, inProcessAuditHost } from '../core/audit/audit';
export type { Io } from './io';

export { VERSION } from './version';

/** Every command, in the order `--help` lists them. Add yours here (see OWNERS.md). */
export const COMMANDS: readonly Command[] = [view, inspect, ls, ci, diff, audit, report];

const findCommand = (name: string) => COMMANDS.find((c) => c.name === name);

function unknownCommand(name: string): UsageError {
  return new UsageError(`unknown command "${name}" (${COMMANDS.map((c) => c.name).join(', ')})`);
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  if (io === processIo) quietOnClosedPipe();
  try {
    return await dispatch(argv, io);
  } catch (e) {
    // Messages quote names from the archive (entries, tags, JSON): escaped (escape.ts).
    if (e instanceof UsageError) io.err(`layerscope: ${escapeText(e.message)}\n`);
    else if (isLayerscopeError(e)) io.err(`layerscope: ${escapeText(describeError(e))}\n`);
    else io.err(`layerscope: ${escapeText(e instanceof Error ? e.message : String(e))}\n`);
    return EXIT_ERROR;
  }
}

async function dispatch(argv: string[], io: Io): Promise<number> {
  // The command is the first argument that is not an option; options before it are global ones.
  const at = argv.findIndex((a) => !a.startsWith('-') || a === '-');
  const name = at >= 0 ? (argv[at] as string) : null;
  const before = at >= 0 ? argv.slice(0, at) : argv;
  const after = at >= 0 ? argv.slice(at + 1) : [];

  if (name === null || name === 'help') {
    const global = usage(() => parseArgs(name === null ? before : [...before, ...after], []), 'layerscope --help');
    if (global.flags.has('version')) return printVersion(io);
    const topic = name === 'help' ? global.positional[0] : undefined;
    if (topic !== undefined) {
      const c = findCommand(topic);
      if (!c) throw unknownCommand(topic);
      io.out(commandHelp(c));
      return EXIT_OK;
    }
    io.out(generalHelp(VERSION, COMMANDS));
    // `layerscope` alone is a mistake (exit 2) that deserves the usage; asking for it is not.
    return name === null && !global.flags.has('help') ? EXIT_ERROR : EXIT_OK;
  }

  const command = findCommand(name);
  if (!command) {
    // `layerscope --version` / `--help` win even after a typo'd command.
    if (argv.includes('--version')) return printVersion(io);
    throw unknownCommand(name);
  }
  const args = usage(() => parseArgs([...before, ...after], command.options), `layerscope help ${command.name}`);
  if (args.flags.has('help')) {
    io.out(commandHelp(command));
    return EXIT_OK;
  }
  if (args.flags.has('version')) return printVersion(io);
  return command.run(args, io);
}

function printVersion(io: Io): number {
  io.out(`${VERSION}\n`);
  return EXIT_OK;
}

/** A parse error names where the options are listed (one line, like every user error). */
function usage<T>(parse: () => T, see: string): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(`${e.message} (see ${see})`);
    throw e;
  }
}
