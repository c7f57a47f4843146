/**
 * `layerscope view`: the page, served on 127.0.0.1 with one archive, opened in
 * the default browser. Runs until Ctrl+C.
 */
import { existsSync } from 'node:fs';
import { stringFlag, UsageError } from '../args';
import { escapeText } from '../escape';
import type { Command } from '../command';
import { envOf, EXIT_OK, type Io } from '../io';
import { openArchiveArg, STDIN_ARG, type ArchiveInput } from '../input';
import { ENGINES, looksLikeImageRef, saveImage, type Engine } from '../view/engines';
import { pageDir } from '../view/pageDir';
import { startViewServer } from '../view/server';
import { openBrowser } from '../view/openBrowser';
import { formatBytes } from '../../core/formatBytes';
import { VERSION } from '../version';

export const view: Command = {
  name: 'view',
  summary: 'open an archive (a file, - for stdin, or an image of the local docker/podman) in the page, served on 127.0.0.1',
  synopsis: '[ARCHIVE | - | IMAGE[:TAG]] [--no-open] [--port N] [--engine docker|podman]',
  description: `Serves the Layerscope page on 127.0.0.1 (a free port unless --port), prints its URL and opens it
in the default browser ($BROWSER when set). The page loads the archive from this local server at
once and says where it came from; nothing leaves the machine. Ctrl+C stops the server.
The argument is a file; or - to read the archive from stdin (spooled to a temporary file that is
removed on exit); or, when it is not a file, an image in the local docker or podman store, written
by their \`save\` with progress. Without an argument the page opens empty (drop a file on it).`,
  options: [
    { name: 'no-open', description: 'print the URL only; do not open a browser' },
    { name: 'port', value: 'N', description: 'listen on this port (default: a free one)' },
    { name: 'engine', value: 'docker|podman', description: 'which engine saves IMAGE (default: docker when on PATH, else podman)' },
  ],
  examples: [
    { line: 'layerscope view image.tar', note: 'the archive in the browser' },
    { line: 'layerscope view nginx:1.27', note: 'docker save nginx:1.27, then the same' },
    { line: 'docker save app | layerscope view -', note: 'from a pipe' },
    { line: 'layerscope view image.tar --no-open --port 8080', note: 'on a fixed port, for a browser elsewhere on this machine' },
  ],
  async run(args, io) {
    if (args.positional.length > 1) throw new UsageError(`unexpected argument "${escapeText(args.positional[1] as string)}"`);
    const env = envOf(io);
    const portFlag = stringFlag(args, 'port');
    if (portFlag !== undefined && !(/^\d+$/.test(portFlag) && Number(portFlag) <= 65535))
      throw new UsageError(`--port takes a port number (0–65535), got ${escapeText(portFlag)}`);
    const engineFlag = stringFlag(args, 'engine');
    if (engineFlag !== undefined && !(ENGINES as readonly string[]).includes(engineFlag))
      throw new UsageError(`--engine takes ${ENGINES.join(' or ')}, got ${escapeText(engineFlag)}`);
    // Found before anything is read: a missing build is reported at once, not after a long save.
    const dir = pageDir(env);
    const input = await resolveInput(args.positional[0], io, engineFlag as Engine | undefined);
    try {
      const server = await startViewServer({
        pageDir: dir,
        archive: input ? { blob: input.blob, name: input.name, label: input.label, source: input.source } : null,
        version: VERSION,
        port: portFlag === undefined ? 0 : Number(portFlag),
      }).catch((e: NodeJS.ErrnoException) => {
        throw new UsageError(e.code === 'EADDRINUSE' ? `port ${portFlag} is in use` : `cannot listen: ${e.message}`);
      });
      const what = input ? `${escapeText(input.label)} (${formatBytes(input.blob.size)})` : 'the page (no archive: drop one on it)';
      io.out(`Layerscope is showing ${what}\n  ${server.url}\nCtrl+C stops it.\n`);
      if (!args.flags.has('no-open')) {
        const why = await openBrowser(server.url, env);
        if (why) io.err(`layerscope: could not open a browser (${escapeText(why)}); open the URL above yourself\n`);
      }
      await untilStopped(io, server.url);
      await server.close();
      return EXIT_OK;
    } finally {
      input?.close();
    }
  },
};

async function resolveInput(arg: string | undefined, io: Io, engine: Engine | undefined): Promise<ArchiveInput | null> {
  if (arg === undefined) return null;
  if (arg === STDIN_ARG || existsSync(arg)) return openArchiveArg(arg, io);
  if (!looksLikeImageRef(arg)) return openArchiveArg(arg, io); // the usual "no such file"
  return saveImage(arg, io, engine);
}

/** Resolves on Ctrl+C (SIGINT), SIGTERM or SIGHUP, or when a test calls `stop`. */
function untilStopped(io: Io, url: string): Promise<void> {
  return new Promise((resolve) => {
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
    const stop = () => {
      for (const s of signals) process.off(s, stop);
      resolve();
    };
    if (io.serving) io.serving({ url, stop });
    else for (const s of signals) process.on(s, stop);
  });
}
