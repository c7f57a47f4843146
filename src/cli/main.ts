/**
 * `layerscope`: the engine of the page, in Node, for terminals and CI.
 *
 *   layerscope inspect ARCHIVE [--image N|TAG] [--platform OS/ARCH[/VARIANT]] [--json]
 *   layerscope ls ARCHIVE [--image …] [--platform …] [--layer N]
 *   layerscope ci ARCHIVE [--lowest-efficiency 0.9] [--highest-wasted-bytes N] [--highest-user-wasted-percent 0.1]
 *
 * Exit codes: 0 ok, 1 a `ci` rule failed, 2 a user error (one line on stderr, never a stack trace).
 */
import { stat } from 'node:fs/promises';
import { openImage, verifyImage, inProcessScanner, DEFAULT_NODE_CONCURRENCY, type LoadedImage, type LayerState } from '../core/session';
import { FileHandleBlob, nodeCodecs, tempFileSink } from './nodeIo';
import { listMerged } from '../core/model/listing';
import { describeError, isLayerscopeError, LayerscopeError } from '../core/errors';
import { formatPlatform } from '../core/read/archive';
import { parseArgs, parseRatio, parseSize, UsageError, type ParsedArgs } from './args';
import { cleanCreatedBy, humanBytes, shortDigest, table } from './format';
import { evaluateCi, type CiRules } from './ci';

// Re-exported for scripts/bench.mjs, which drives the engine through this bundle.
export { openImage, verifyImage } from '../core/session';
export { openArchive, selectImage, blobOf } from '../core/read/archive';
export { sniffCompression } from '../core/read/compression';
export { FileHandleBlob, nodeCodecs } from './nodeIo';
export { inProcessScanner, DEFAULT_NODE_CONCURRENCY } from '../core/session';

export const VERSION = '0.1.0';

const USAGE = `layerscope ${VERSION} — explore Docker/OCI image archives (docker save, podman, skopeo, buildx, crane, containerd)

usage:
  layerscope inspect ARCHIVE [--image N|TAG] [--platform OS/ARCH[/VARIANT]] [--json] [--no-verify]
      images, layers (digest, compression, sizes, files, the step that made it), totals,
      dive's efficiency score and wasted bytes, hidden bytes, integrity of every layer
  layerscope ls ARCHIVE [--image N|TAG] [--platform P] [--layer N]
      the merged root filesystem as of layer N (default: the top) as TSV, sorted bytewise:
      path type size mode uid gid link layer
  layerscope ci ARCHIVE [--lowest-efficiency 0.9] [--highest-wasted-bytes SIZE] [--highest-user-wasted-percent 0.1]
      dive-compatible CI rules; exit 1 when one fails

exit codes: 0 ok, 1 a ci rule failed, 2 usage or input error (including a layer that cannot be
read: what could be read is still printed, and each failed layer gets one line on stderr)`;

export interface Io {
  out(s: string): void;
  err(s: string): void;
  isTTY: boolean;
}

const nodeIo: Io = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  isTTY: Boolean(process.stderr.isTTY),
};

/**
 * `layerscope ls big.tar | head` closes stdout early; Node then emits EPIPE as an
 * unhandled 'error' event (a stack trace). The reader has all it wanted: exit quietly.
 */
function quietOnClosedPipe(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    process.stderr.write(`layerscope: cannot write the output: ${e.message}\n`);
    process.exit(2);
  });
}

export async function main(argv: string[], io: Io = nodeIo): Promise<number> {
  if (io === nodeIo) quietOnClosedPipe();
  let args: ParsedArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    // One line, like every other user error; the usage is one flag away.
    io.err(`layerscope: ${(e as Error).message} (see layerscope --help)\n`);
    return 2;
  }
  if (args.flags.has('version')) {
    io.out(`${VERSION}\n`);
    return 0;
  }
  if (args.flags.has('help') || args.command === null || args.command === 'help') {
    io.out(`${USAGE}\n`);
    return args.command === null && !args.flags.has('help') ? 2 : 0;
  }
  try {
    switch (args.command) {
      case 'inspect':
        return await cmdInspect(args, io);
      case 'ls':
        return await cmdLs(args, io);
      case 'ci':
        return await cmdCi(args, io);
      default:
        throw new UsageError(`unknown command "${args.command}" (inspect, ls or ci)`);
    }
  } catch (e) {
    if (e instanceof UsageError) io.err(`layerscope: ${e.message}\n`);
    else if (isLayerscopeError(e)) io.err(`layerscope: ${describeError(e)}\n`);
    else io.err(`layerscope: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
}

async function load(args: ParsedArgs, io: Io, verify: boolean): Promise<LoadedImage> {
  const path = args.positional[0];
  if (!path) throw new UsageError(`${args.command} needs an ARCHIVE argument`);
  if (args.positional.length > 1) throw new UsageError(`unexpected argument "${args.positional[1]}"`);
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new UsageError(`${path} is not a file`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  let blob: FileHandleBlob;
  try {
    blob = FileHandleBlob.open(path);
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as Error).message}`);
  }
  const imageFlag = args.flags.get('image');
  const image = typeof imageFlag === 'string' ? (/^\d+$/.test(imageFlag) ? Number(imageFlag) : imageFlag) : undefined;
  const platform = typeof args.flags.get('platform') === 'string' ? (args.flags.get('platform') as string) : undefined;
  const progress = io.isTTY ? new TtyProgress(io) : null;
  const sinks: ReturnType<typeof tempFileSink>[] = [];
  try {
    // node:crypto makes inline hashing of compressed layers nearly free (codecs.ts).
    const scanner = inProcessScanner(DEFAULT_NODE_CONCURRENCY, nodeCodecs);
    const img = await openImage(blob, {
      image,
      platform,
      verify,
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
    return verify ? await verifyImage(img, { scanner }) : img;
  } finally {
    // Every command has read all it needs by now (nothing reads file contents later).
    blob.close();
    for (const s of sinks) for (const b of s.opened) b.close();
    progress?.done();
  }
}

/** A one-line progress display on stderr, only when stderr is a terminal. */
class TtyProgress {
  private states: LayerState[] = [];
  private read: number[] = [];
  private total: number[] = [];
  private last = 0;
  constructor(private io: Io) {}
  start(n: number) {
    this.states = new Array(n).fill('waiting');
    this.read = new Array(n).fill(0);
    this.total = new Array(n).fill(0);
  }
  state(i: number, s: LayerState) {
    this.states[i] = s;
    this.draw();
  }
  progress(i: number, r: number, t: number) {
    this.read[i] = r;
    this.total[i] = t;
    this.draw();
  }
  private draw() {
    const now = Date.now();
    if (now - this.last < 100) return;
    this.last = now;
    const done = this.states.filter((s) => s === 'indexed' || s === 'failed').length;
    const r = this.read.reduce((a, b) => a + b, 0);
    const t = this.total.reduce((a, b) => a + b, 0);
    this.io.err(`\r\x1b[Kindexing layers ${done}/${this.states.length}  ${humanBytes(r)}${t ? ` / ${humanBytes(t)}` : ''}`);
  }
  done() {
    this.io.err('\r\x1b[K');
  }
}

function layerArg(args: ParsedArgs, n: number): number {
  const v = args.flags.get('layer');
  if (v === undefined) return n - 1;
  if (typeof v !== 'string' || !/^-?\d+$/.test(v)) throw new UsageError(`--layer takes a layer index (0 = bottom)`);
  const i = Number(v);
  if (i < 0 || i >= n) throw new LayerscopeError('UNKNOWN_LAYER', `no layer ${i}: the image has ${n} layer${n === 1 ? '' : 's'} (0–${n - 1})`);
  return i;
}

/**
 * A layer that cannot be read is a user error (issue 3, "Command line"): what
 * could be read has been printed; each failed layer gets one line on stderr and
 * the exit code says the result is incomplete.
 */
function reportLayerErrors(img: LoadedImage, io: Io, code: number): number {
  const failed = img.layerErrors.filter((e): e is string => e !== null);
  for (const e of failed) io.err(`layerscope: ${e}\n`);
  return failed.length ? 2 : code;
}

async function cmdLs(args: ParsedArgs, io: Io): Promise<number> {
  const img = await load(args, io, false);
  const layer = layerArg(args, img.image.layers.length);
  io.out(listMerged(img.union, img.layers, layer));
  return reportLayerErrors(img, io, 0);
}

function imageTitle(img: LoadedImage): string {
  const tags = img.image.tags.length ? img.image.tags.join(', ') : `untagged ${shortDigest(img.image.configDigest)}`;
  return `${tags}${img.image.platform ? `  (${formatPlatform(img.image.platform)})` : ''}`;
}

async function cmdInspect(args: ParsedArgs, io: Io): Promise<number> {
  const img = await load(args, io, !args.flags.has('no-verify'));
  const s = img.stats;
  if (args.flags.has('json')) {
    io.out(`${JSON.stringify(inspectJson(img), null, 2)}\n`);
    return reportLayerErrors(img, io, 0);
  }
  const lines: string[] = [];
  lines.push(
    `archive: ${img.info.format}${img.info.outerCompression !== 'none' ? ` (${img.info.outerCompression}-compressed)` : ''}, ${img.info.images.length} image${img.info.images.length === 1 ? '' : 's'}`,
  );
  img.info.images.forEach((im, i) => {
    const tags = im.tags.length ? im.tags.join(', ') : `untagged ${shortDigest(im.configDigest)}`;
    lines.push(`  ${i === img.image.index ? '*' : ' '} [${i}] ${tags}${im.platform ? `  ${formatPlatform(im.platform)}` : ''}  ${im.layers.length} layers`);
  });
  if (img.info.platforms.length > 1) {
    lines.push(`platforms in the index:`);
    for (const p of img.info.platforms) lines.push(`    ${formatPlatform(p.platform)}${p.available ? '' : '  (blobs not in the archive)'}`);
  }
  lines.push('');
  lines.push(`image: ${imageTitle(img)}`);
  lines.push(`  config ${img.image.configDigest ?? '-'}`);
  if (img.image.manifestDigest) lines.push(`  manifest ${img.image.manifestDigest}`);
  if (img.image.created) lines.push(`  created ${img.image.created}`);
  lines.push('');
  const rows = img.image.layers.map((ref, i) => {
    const idx = img.layers[i];
    const ls = s.layers[i];
    return [
      i,
      shortDigest(ref.digest ?? ref.diffId),
      idx?.compression ?? ref.compression ?? '?',
      humanBytes(ref.blob.size),
      idx ? humanBytes(idx.tarSize) : '-',
      idx ? idx.count : 0,
      ls ? `+${ls.added} ~${ls.modified} -${ls.deleted}` : '',
      img.layerErrors[i] ? `FAILED: ${img.layerErrors[i]}` : cleanCreatedBy(ref.createdBy).slice(0, 60),
    ];
  });
  lines.push(table(['#', 'digest', 'compr', 'stored', 'tar', 'entries', 'changes', 'created by'], rows));
  lines.push('');
  lines.push(`total size: ${humanBytes(s.imageSize)} of files in ${img.image.layers.length} layers`);
  lines.push(`hidden bytes: ${humanBytes(s.hiddenBytes)} (versions overwritten or deleted by a later layer, still shipped)`);
  lines.push(
    `dive efficiency score: ${(s.dive.score * 100).toFixed(4)} %  wasted bytes: ${humanBytes(s.dive.wastedBytes)}  user wasted: ${(s.dive.userWastedPercent * 100).toFixed(2)} %  (computed as dive does)`,
  );
  const bad = img.integrity.filter((c) => c.diffId === 'mismatch' || c.digest === 'mismatch');
  const checked = img.integrity.filter((c) => c.diffId === 'ok' || c.digest === 'ok').length;
  lines.push(`integrity: ${bad.length ? `${bad.length} layer(s) do NOT match their digests` : `${checked}/${img.integrity.length} layers verified`}`);
  for (const c of bad)
    lines.push(
      `  layer ${c.layer}: ${c.diffId === 'mismatch' ? `diff_id ${c.computedDiffId} != ${c.expectedDiffId}` : `digest ${c.computedDigest} != ${c.expectedDigest}`}`,
    );
  if (s.topHidden.length) {
    lines.push('');
    lines.push('top files by hidden bytes:');
    lines.push(
      table(
        ['bytes', 'versions', 'path'],
        s.topHidden.slice(0, 10).map((t) => [humanBytes(t.bytes), t.versions, t.path]),
      ),
    );
  }
  for (const w of img.warnings) lines.push(`warning: ${w.message}`);
  io.out(`${lines.join('\n')}\n`);
  return reportLayerErrors(img, io, 0);
}

/** The integrity verdict in one place: every layer's checks, and what they add up to. */
function integritySummary(img: LoadedImage) {
  const mismatched = img.integrity.filter((c) => c.diffId === 'mismatch' || c.digest === 'mismatch').map((c) => c.layer);
  const verified = img.integrity.filter((c) => !mismatched.includes(c.layer) && (c.diffId === 'ok' || c.digest === 'ok')).map((c) => c.layer);
  const unchecked = img.integrity.filter((c) => !mismatched.includes(c.layer) && !verified.includes(c.layer)).map((c) => c.layer);
  return { ok: mismatched.length === 0, verified, mismatched, unchecked, layers: img.integrity };
}

function inspectJson(img: LoadedImage) {
  return {
    format: img.info.format,
    outerCompression: img.info.outerCompression,
    images: img.info.images.map((im) => ({ index: im.index, tags: im.tags, platform: im.platform, configDigest: im.configDigest, layers: im.layers.length })),
    platforms: img.info.platforms,
    image: {
      index: img.image.index,
      tags: img.image.tags,
      platform: img.image.platform,
      manifestDigest: img.image.manifestDigest,
      configDigest: img.image.configDigest,
      created: img.image.created,
      config: img.image.config,
      history: img.image.history,
    },
    layers: img.image.layers.map((ref, i) => ({
      index: i,
      digest: ref.digest,
      diffId: ref.diffId,
      mediaType: ref.mediaType,
      compression: img.layers[i]?.compression ?? ref.compression,
      storedSize: ref.blob.size,
      tarSize: img.layers[i]?.tarSize ?? null,
      entries: img.layers[i]?.count ?? 0,
      createdBy: ref.createdBy,
      sharedWith: ref.sharedWith,
      error: img.layerErrors[i],
      stats: img.stats.layers[i],
      integrity: img.integrity[i],
    })),
    totals: {
      imageSize: img.stats.imageSize,
      hiddenBytes: img.stats.hiddenBytes,
      dive: img.stats.dive,
      topHidden: img.stats.topHidden.slice(0, 20),
    },
    integrity: integritySummary(img),
    warnings: img.warnings,
  };
}

async function cmdCi(args: ParsedArgs, io: Io): Promise<number> {
  const rules: CiRules = {};
  const le = args.flags.get('lowest-efficiency');
  const hw = args.flags.get('highest-wasted-bytes');
  const hu = args.flags.get('highest-user-wasted-percent');
  // dive's defaults: lowestEfficiency 0.9, highestUserWastedPercent 0.1, highestWastedBytes disabled.
  rules.lowestEfficiency = typeof le === 'string' ? parseRatio('lowest-efficiency', le) : 0.9;
  rules.highestUserWastedPercent = typeof hu === 'string' ? parseRatio('highest-user-wasted-percent', hu) : 0.1;
  if (typeof hw === 'string' && hw !== 'disabled') rules.highestWastedBytes = parseSize(hw);
  const img = await load(args, io, false);
  const res = evaluateCi(img.stats, rules);
  const lines = [
    `image: ${imageTitle(img)}`,
    `  efficiency: ${(img.stats.dive.score * 100).toFixed(4)} %`,
    `  wastedBytes: ${img.stats.dive.wastedBytes} bytes (${humanBytes(img.stats.dive.wastedBytes)})`,
    `  userWastedPercent: ${(img.stats.dive.userWastedPercent * 100).toFixed(4)} %`,
    '',
  ];
  for (const r of res.rules) lines.push(`  ${r.status.toUpperCase()}: ${r.name}${r.detail ? `: ${r.detail}` : ''}`);
  // Figures computed without a layer are not the image's: no verdict then (exit 2).
  const failed = img.layerErrors.some((e) => e !== null);
  lines.push('', failed ? 'Result: ERROR (a layer could not be read; the figures above leave it out)' : res.passed ? 'Result: PASS' : 'Result: FAIL');
  io.out(`${lines.join('\n')}\n`);
  return reportLayerErrors(img, io, res.passed ? 0 : 1);
}
