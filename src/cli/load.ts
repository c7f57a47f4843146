/**
 * Opening an image for a command: the ARCHIVE argument (file or `-`), the image
 * and platform options every archive-taking command shares, the engine run
 * in-process with Node's codecs, progress on a terminal, and the rule for
 * layers that cannot be read.
 */
import { openImage, verifyImage, inProcessScanner, DEFAULT_NODE_CONCURRENCY, type LoadedImage, type OpenOptions } from '../core/session';
import { formatPlatform } from '../core/read/archive';
import { nodeCodecs, tempFileSink } from './nodeIo';
import { stringFlag, UsageError, type OptionSpec, type ParsedArgs } from './args';
import { openArchiveArg, type ArchiveInput } from './input';
import { LayerProgress } from './progress';
import { shortDigest } from './format';
import { EXIT_ERROR, type Io } from './io';
import { escapeText } from './escape';

/** --image and --platform: which image of the archive. */
export const IMAGE_OPTIONS: readonly OptionSpec[] = [
  { name: 'image', value: 'N|TAG', description: 'the image to open when the archive holds several: its index (0 = first) or a tag (default: the first)' },
  { name: 'platform', value: 'OS/ARCH[/VARIANT]', description: 'the platform of a multi-platform index (default: linux/amd64 when present)' },
];

export function imageSelection(args: ParsedArgs): { image?: number | string; platform?: string } {
  const imageFlag = stringFlag(args, 'image');
  return {
    image: imageFlag === undefined ? undefined : /^\d+$/.test(imageFlag) ? Number(imageFlag) : imageFlag,
    platform: stringFlag(args, 'platform'),
  };
}

/** The single ARCHIVE argument of a command that takes one. */
export function archiveArg(args: ParsedArgs, command: string): string {
  const path = args.positional[0];
  if (path === undefined) throw new UsageError(`${command} needs an ARCHIVE argument (a file, or - for stdin)`);
  if (args.positional.length > 1) throw new UsageError(`unexpected argument "${args.positional[1]}"`);
  return path;
}

export interface LoadOptions {
  /** Check every layer's digests (inspect); listings need not. */
  verify: boolean;
  image?: number | string;
  platform?: string;
  /**
   * Hash compressed layers' tars while indexing them (node:crypto: nearly free) without
   * the after-pass `verify` adds for uncompressed ones, and without their stored blobs'
   * digests. `diff` wants the diff_ids of the layers it may share, and hashes only the
   * uncompressed ones it needs.
   */
  inlineHash?: boolean;
  /** The archive already opened (a second image of the same file: its layers are then the same stored bytes). */
  opened?: OpenOptions['opened'];
  /**
   * Where to leave the closers of what loading opened (the temporary file a
   * compressed archive is decompressed into), for a caller that still reads layer
   * bytes afterwards (`diff` hashes file contents). Absent: closed when loaded.
   */
  retain?: (() => void)[];
}

/**
 * Open the image in `input`: every layer indexed, the union and statistics built,
 * digests checked when `verify`. The input stays open (the caller closes it, and
 * may read file contents meanwhile).
 */
export async function loadImage(input: ArchiveInput, io: Io, opts: LoadOptions): Promise<LoadedImage> {
  const progress = io.isTTY ? new LayerProgress(io) : null;
  const sinks: ReturnType<typeof tempFileSink>[] = [];
  try {
    // node:crypto makes inline hashing of compressed layers nearly free (codecs.ts).
    const scanner = inProcessScanner(DEFAULT_NODE_CONCURRENCY, nodeCodecs);
    const img = await openImage(input.blob, {
      image: opts.image,
      platform: opts.platform,
      verify: opts.verify ? true : opts.inlineHash === true ? 'diffIds' : false,
      opened: opts.opened,
      scanner,
      gunzip: nodeCodecs.gunzip,
      sink: () => {
        const s = tempFileSink();
        sinks.push(s);
        return s;
      },
      onStructure: (_info, img) => progress?.start(img.layers.length),
      onLayerState: (i, s) => progress?.state(i, s),
      onLayerProgress: (i, p) => progress?.progress(i, p.bytesRead, p.bytesTotal),
    });
    return opts.verify ? await verifyImage(img, { scanner }) : img;
  } finally {
    for (const s of sinks) {
      for (const b of s.opened) {
        if (opts.retain) opts.retain.push(() => b.close());
        else b.close();
      }
    }
    progress?.done();
  }
}

/**
 * The usual case: the command's one ARCHIVE argument, opened, loaded and closed
 * again (nothing reads file contents after this).
 */
export async function loadArchiveArg(args: ParsedArgs, io: Io, command: string, opts: { verify: boolean }): Promise<LoadedImage & { input: ArchiveInput }> {
  const input = await openArchiveArg(archiveArg(args, command), io);
  try {
    const img = await loadImage(input, io, { ...opts, ...imageSelection(args) });
    return { ...img, input };
  } finally {
    input.close();
  }
}

/**
 * A layer that cannot be read is a user error (issue 3, "Command line"): what
 * could be read has been printed; each failed layer gets one line on stderr and
 * the exit code says the result is incomplete.
 */
export function reportLayerErrors(img: LoadedImage, io: Io, code: number): number {
  const failed = img.layerErrors.filter((e): e is string => e !== null);
  for (const e of failed) io.err(`layerscope: ${escapeText(e)}\n`);
  return failed.length ? EXIT_ERROR : code;
}

/** The image in one line: its tags (or config digest) and platform. */
export function imageTitle(img: LoadedImage): string {
  const tags = img.image.tags.length ? img.image.tags.join(', ') : `untagged ${shortDigest(img.image.configDigest)}`;
  return `${tags}${img.image.platform ? `  (${formatPlatform(img.image.platform)})` : ''}`;
}

/** The integrity verdict in one place: every layer's checks, and what they add up to. */
export function integritySummary(img: LoadedImage) {
  const mismatched = img.integrity.filter((c) => c.diffId === 'mismatch' || c.digest === 'mismatch').map((c) => c.layer);
  const verified = img.integrity.filter((c) => !mismatched.includes(c.layer) && (c.diffId === 'ok' || c.digest === 'ok')).map((c) => c.layer);
  const unchecked = img.integrity.filter((c) => !mismatched.includes(c.layer) && !verified.includes(c.layer)).map((c) => c.layer);
  return { ok: mismatched.length === 0, verified, mismatched, unchecked, layers: img.integrity };
}
