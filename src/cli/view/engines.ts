/**
 * `layerscope view IMAGE[:TAG]`: an image from the local docker or podman store,
 * written by its own `save` (a docker-archive on stdout), streamed into a spool
 * file with progress, then opened like any archive. Nothing is pulled: the image
 * must already be there, as for `docker save`.
 */
import { spawn, execFile } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { UsageError } from '../args';
import { escapeText } from '../escape';
import { type Io, envOf } from '../io';
import type { ArchiveInput } from '../input';
import { spoolToTempFile } from '../spool';
import { TtyLine } from '../progress';
import { formatBytes } from '../../core/formatBytes';

export const ENGINES = ['docker', 'podman'] as const;
export type Engine = (typeof ENGINES)[number];

/** `docker image inspect` answers at once when the daemon is up; a hung daemon must not hang `view`. */
export const INSPECT_TIMEOUT_MS = 15_000;
/** Bytes held between the engine's stdout and the spool file before the engine is paused (backpressure). */
const SPOOL_BUFFER_BYTES = 1024 * 1024;
/** The last lines of `save`'s stderr kept for the error message (an engine may print a lot). */
const STDERR_KEEP_BYTES = 4096;

/** The executable `name` on PATH, or null (what `command -v` does, without a shell). */
export function which(name: string, env: NodeJS.ProcessEnv): string | null {
  const exts = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const p = join(dir, name + ext);
      try {
        if (!statSync(p).isFile()) continue;
        accessSync(p, constants.X_OK);
        return p;
      } catch {
        // not here
      }
    }
  }
  return null;
}

/** The engine to use: the one asked for, else docker, else podman; null when none is on PATH. */
export function findEngine(env: NodeJS.ProcessEnv, wanted?: Engine): { engine: Engine; path: string } | null {
  for (const engine of wanted ? [wanted] : ENGINES) {
    const path = which(engine, env);
    if (path) return { engine, path };
  }
  return null;
}

/** Whether an argument could be an image reference (`nginx`, `ghcr.io/o/app:1.2`, `app@sha256:…`) rather than a mistyped path. */
export function looksLikeImageRef(s: string): boolean {
  return /^[a-z0-9][a-z0-9._\-/:@]*$/i.test(s) && !s.endsWith('/') && !/\.(tar|tgz|gz|oci|docker)$/i.test(s) && !s.startsWith('.');
}

/** Bytes the engine reports for the image (its uncompressed layers), to show progress against; null when unknown. */
function imageSize(path: string, ref: string, env: NodeJS.ProcessEnv): Promise<number | null> {
  return new Promise((resolve) => {
    execFile(path, ['image', 'inspect', '--format', '{{.Size}}', ref], { env, timeout: INSPECT_TIMEOUT_MS, maxBuffer: 1 << 16 }, (err, stdout) => {
      const n = Number(String(stdout).trim());
      resolve(!err && Number.isFinite(n) && n > 0 ? n : null);
    });
  });
}

/** `ENGINE save REF` into an unlinked temporary file, with progress on a terminal. */
export async function saveImage(ref: string, io: Io, wanted?: Engine): Promise<ArchiveInput> {
  const env = envOf(io);
  const found = findEngine(env, wanted);
  if (!found)
    throw new UsageError(
      wanted
        ? `"${escapeText(ref)}" is not a file, and ${wanted} is not on PATH to save it as an image`
        : `"${escapeText(ref)}" is not a file, and neither docker nor podman is on PATH to save it as an image`,
    );
  const { engine, path } = found;
  const total = await imageSize(path, ref, env);
  const line = io.isTTY ? new TtyLine(io) : null;
  const what = `${engine} save ${ref}`;
  // `--` keeps a reference that starts with a dash from being read as an option.
  const child = spawn(path, ['save', '--', ref], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  // Read from the start: when a child exits while nobody listens to its stdout, Node
  // resumes the stream and drops what was buffered (child_process flushStdio), so a
  // small save that finished before the spool file was open would arrive empty.
  const body = child.stdout.pipe(new PassThrough({ highWaterMark: SPOOL_BUFFER_BYTES }));
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    stderr = (stderr + d).slice(-STDERR_KEEP_BYTES);
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve(signal ? null : code));
  });
  let blob: Awaited<ReturnType<typeof spoolToTempFile>>;
  try {
    blob = await spoolToTempFile(body, {
      onBytes: (n) =>
        line?.draw(
          `${escapeText(what)}  ${formatBytes(n)}${total ? ` of about ${formatBytes(total)} (${Math.min(99, Math.floor((100 * n) / total))} %)` : ''}`,
        ),
    });
  } catch (e) {
    child.kill();
    line?.clear();
    throw new UsageError(`${escapeText(what)}: ${(e as Error).message}`);
  }
  let code: number | null;
  try {
    code = await exited;
  } catch (e) {
    blob.close();
    line?.clear();
    throw new UsageError(`cannot run ${engine}: ${(e as Error).message}`);
  }
  line?.clear();
  if (code !== 0) {
    blob.close();
    const last = stderr.trim().split('\n').filter(Boolean).pop();
    throw new UsageError(`${escapeText(what)} failed${last ? `: ${escapeText(last.trim())}` : code === null ? ' (killed)' : ` (exit ${code})`}`);
  }
  if (blob.size === 0) {
    blob.close();
    throw new UsageError(`${escapeText(what)} wrote nothing`);
  }
  const safeName = ref.replace(/[^a-z0-9._-]+/gi, '_');
  return { blob, source: engine, label: what, name: `${safeName}.tar`, close: () => blob.close() };
}
