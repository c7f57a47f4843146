/**
 * `layerscope diff A B`: what differs between two images' merged trees (issue 11).
 *
 * TSV by default, one line per differing path, sorted bytewise:
 *   path change size_a size_b layer_a layer_b
 * `change` is added|removed|changed|metadata, and `unknown` for a path a layer that
 * could not be read may have changed (then the exit code is 2 anyway). Sizes and
 * layers as `ls` prints them, empty where the path is absent. Exit 0 when the trees
 * are identical, 1 when they differ (as diff(1)), 2 on error.
 *
 * Content is proven, never assumed (core/compare): layers the two seem to share are
 * hashed unless they were hashed while indexing (compressed layers are, with
 * node:crypto, nearly free) or are the same stored bytes of one archive; equal-size
 * files from other layers are hashed, only those.
 */
import { statSync } from 'node:fs';
import { LayerscopeError, describeError, isLayerscopeError } from '../../core/errors';
import { formatPlatform } from '../../core/read/archive';
import { DEFAULT_NODE_CONCURRENCY, inProcessScanner, type LoadedImage } from '../../core/session';
import { compareImages, type Comparison } from '../../core/compare/compareImages';
import { categoryOf, flagNames } from '../../core/compare/flags';
import { ABSENT_KIND } from '../../core/compare/tree';
import { ENTRY_KIND_NAMES, type EntryKind } from '../../core/types';
import { stringFlag, UsageError, type ParsedArgs } from '../args';
import type { Command } from '../command';
import { escapeLines, escapeTsvField, jsonForTerminal } from '../escape';
import { shortDigest } from '../format';
import { formatBytes } from '../../core/formatBytes';
import { STDIN_ARG, openArchiveArg, type ArchiveInput } from '../input';
import { EXIT_ERROR, EXIT_FAILED, EXIT_OK, type Io } from '../io';
import { imageTitle, loadImage } from '../load';
import { nodeCodecs } from '../nodeIo';
import { TtyLine } from '../progress';

type SideName = 'A' | 'B';

/** Lines joined per chunk (as listing.ts does): a million short-lived strings, not one huge array. */
const TSV_CHUNK_LINES = 4096;

interface Selection {
  image?: number | string;
  platform?: string;
  layer?: number;
}

function selection(args: ParsedArgs, s: 'a' | 'b'): Selection {
  const image = stringFlag(args, `image-${s}`);
  const layer = stringFlag(args, `layer-${s}`);
  if (layer !== undefined && !/^\d+$/.test(layer)) throw new UsageError(`--layer-${s} takes a layer index (0 = bottom)`);
  return {
    image: image === undefined ? undefined : /^\d+$/.test(image) ? Number(image) : image,
    platform: stringFlag(args, `platform-${s}`),
    layer: layer === undefined ? undefined : Number(layer),
  };
}

/** Errors of one side say which side (and which archive) they are about. */
async function onSide<T>(name: SideName, label: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(`${name}: ${e.message}`);
    if (isLayerscopeError(e) && e.code !== 'CANCELLED') throw new LayerscopeError(e.code, `${name} (${label}): ${describeError(e)}`);
    throw e;
  }
}

function sameFile(x: string, y: string): boolean {
  if (x === STDIN_ARG || y === STDIN_ARG) return false;
  try {
    const a = statSync(x);
    const b = statSync(y);
    return a.dev === b.dev && a.ino === b.ino;
  } catch {
    return false;
  }
}

function checkLayer(name: SideName, img: LoadedImage, layer: number | undefined): number {
  const n = img.image.layers.length;
  if (layer === undefined) return n - 1;
  if (layer >= n) throw new LayerscopeError('UNKNOWN_LAYER', `${name}: no layer ${layer}: the image has ${n} layer${n === 1 ? '' : 's'} (0–${n - 1})`);
  return layer;
}

const CHANGE_NAMES = ['added', 'removed', 'changed', 'metadata', 'unknown'] as const;

/** The TSV `change` column of a record (pending never reaches the output: the proof runs first). */
function changeOf(flags: number): string {
  const c = categoryOf(flags);
  return c === 'pending' ? 'unknown' : c;
}

export function diffTsv(cmp: Comparison): string {
  const d = cmp.diff;
  const chunks: string[] = [];
  let lines: string[] = [];
  for (let i = 0; i < d.count; i++) {
    const inA = d.kindA[i] !== ABSENT_KIND;
    const inB = d.kindB[i] !== ABSENT_KIND;
    lines.push(
      `${escapeTsvField(d.paths[i]!)}\t${changeOf(d.flags[i]!)}\t${inA ? d.sizeA[i] : ''}\t${inB ? d.sizeB[i] : ''}\t${inA ? d.layerA[i] : ''}\t${inB ? d.layerB[i] : ''}`,
    );
    if (lines.length === TSV_CHUNK_LINES) {
      chunks.push(`${lines.join('\n')}\n`);
      lines = [];
    }
  }
  if (lines.length) chunks.push(`${lines.join('\n')}\n`);
  return chunks.join('');
}

const kindName = (k: number): string | null => (k === ABSENT_KIND ? null : (ENTRY_KIND_NAMES[k as EntryKind] ?? 'other'));

function imageJson(img: LoadedImage, label: string, layer: number) {
  return {
    archive: label,
    index: img.image.index,
    tags: img.image.tags,
    platform: img.image.platform ? formatPlatform(img.image.platform) : null,
    configDigest: img.image.configDigest,
    layers: img.image.layers.length,
    asOfLayer: layer,
  };
}

export function diffJson(cmp: Comparison, A: LoadedImage, B: LoadedImage, labels: [string, string], withPaths: boolean) {
  const d = cmp.diff;
  const L = cmp.layers;
  const layerJson = (img: LoadedImage, keys: (string | null)[], verified: boolean[], partners: number[][]) =>
    keys.map((k, i) => ({
      index: i,
      diffId: k,
      verified: verified[i],
      sharedWith: partners[i],
      storedSize: img.image.layers[i]?.blob.size ?? 0,
      fileBytes: img.stats.layers[i]?.bytesAdded ?? 0,
      createdBy: img.image.layers[i]?.createdBy ?? null,
      error: img.layerErrors[i] ?? null,
    }));
  return {
    a: imageJson(A, labels[0], cmp.a.layer),
    b: imageJson(B, labels[1], cmp.b.layer),
    identical: cmp.totals.differing === 0,
    layers: {
      a: layerJson(A, L.keysA, L.verifiedA, L.partnersA),
      b: layerJson(B, L.keysB, L.verifiedB, L.partnersB),
      rows: L.rows,
      commonBase: L.commonBase,
      divergence: L.divergence,
      identical: L.identical,
      files: L.files,
      stored: L.stored,
      incomplete: L.incomplete,
    },
    totals: cmp.totals,
    proof: {
      filesHashed: cmp.proof.hashed,
      layersHashed: cmp.layersHashed,
      failures: cmp.proof.failures,
      mismatches: cmp.mismatches,
    },
    options: d.options,
    ...(withPaths
      ? {
          paths: Array.from({ length: d.count }, (_, i) => ({
            path: d.paths[i],
            change: changeOf(d.flags[i]!),
            what: flagNames(d.flags[i]!).filter((f) => f !== 'added' && f !== 'removed'),
            typeA: kindName(d.kindA[i]!),
            typeB: kindName(d.kindB[i]!),
            sizeA: d.kindA[i] === ABSENT_KIND ? null : d.sizeA[i],
            sizeB: d.kindB[i] === ABSENT_KIND ? null : d.sizeB[i],
            layerA: d.kindA[i] === ABSENT_KIND ? null : d.layerA[i],
            layerB: d.kindB[i] === ABSENT_KIND ? null : d.layerB[i],
          })),
        }
      : {}),
  };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

export function diffSummary(cmp: Comparison, A: LoadedImage, B: LoadedImage, labels: [string, string]): string {
  const L = cmp.layers;
  const t = cmp.totals;
  const lines: string[] = [];
  const title = (name: SideName, img: LoadedImage, label: string, layer: number) =>
    `${name}: ${imageTitle(img)}  ${label}  ${plural(img.image.layers.length, 'layer')}${layer < img.image.layers.length - 1 ? `, as of layer ${layer}` : ''}`;
  lines.push(title('A', A, labels[0], cmp.a.layer), title('B', B, labels[1], cmp.b.layer), '');
  const sharedCount = L.rows.filter((r) => r.shared).length;
  const onlyA = L.partnersA.filter((p) => p.length === 0).length;
  const onlyB = L.partnersB.filter((p) => p.length === 0).length;
  lines.push(
    `layers: ${plural(sharedCount, 'shared layer')} (same diff_id), ${onlyA} only in A, ${onlyB} only in B; ${
      L.identical
        ? 'the same stack'
        : L.divergence === 0
          ? 'different from the bottom layer up'
          : `the same base of ${plural(L.commonBase, 'layer')}, diverging at layer ${L.divergence}`
    }`,
  );
  for (const r of L.rows) {
    const a = r.a === null ? ''.padEnd(16) : `${String(r.a).padStart(3)} ${shortDigest(L.keysA[r.a])}`;
    const b = r.b === null ? '' : `${String(r.b).padStart(3)} ${shortDigest(L.keysB[r.b])}`;
    const mark = r.shared ? '  =  ' : r.a !== null && r.b !== null ? '  ≠  ' : '     ';
    const div = L.divergence !== null && (r.a === L.divergence || r.b === L.divergence) && !r.shared ? '   ← first difference' : '';
    lines.push(`  ${a}${mark}${b}${div}`.trimEnd());
  }
  const bytes = (label: string, f: typeof L.files) => [
    `${label}: A ${formatBytes(f.a)}, B ${formatBytes(f.b)}; shared ${formatBytes(f.shared)}, only in A ${formatBytes(f.uniqueA)}, only in B ${formatBytes(f.uniqueB)}`,
  ];
  lines.push('', ...bytes('file bytes', L.files), ...bytes('stored (compressed) bytes', L.stored));
  lines.push(
    `  the two sizes \`docker images\` lists add up to ${formatBytes(L.files.sum)}; on disk together ${formatBytes(L.files.disk)} (a common base is unpacked once)`,
    `  a registry or containerd's content store keeps ${formatBytes(L.stored.distinct)} of blobs for both (each shared layer once)`,
  );
  if (L.incomplete) lines.push('  (a layer could not be read: these figures leave out what was not read)');
  lines.push('');
  const c = t.counts;
  lines.push(
    t.differing === 0
      ? `paths: the trees are identical (${plural(t.compared, 'path')} compared)`
      : `paths: ${plural(t.differing, 'path')} differ of ${t.compared.toLocaleString('en-US')}: ${CHANGE_NAMES.filter((k) => c[k] > 0)
          .map((k) => `${c[k].toLocaleString('en-US')} ${k}`)
          .join(', ')}`,
    `  +${formatBytes(t.bytesAdded)} / −${formatBytes(t.bytesRemoved)} (net ${t.net >= 0 ? '+' : '−'}${formatBytes(Math.abs(t.net))})`,
  );
  lines.push(
    `content proof: ${plural(cmp.proof.hashed, 'equal-size file')} hashed${
      cmp.diff.options.trustClaimedDiffIds
        ? "; shared layers taken as the same bytes on their configs' word (--no-verify)"
        : cmp.layersHashed.length
          ? `, ${plural(cmp.layersHashed.length, 'shared layer')} hashed to prove they are the same bytes`
          : ''
    }`,
  );
  return `${escapeLines(lines)}\n`;
}

export const diff: Command = {
  name: 'diff',
  summary: 'what differs between two images: shared layers, then every differing path (exit 1 when they differ)',
  synopsis: 'A B [--image-a N|TAG] [--image-b N|TAG] [--platform-a P] [--platform-b P] [--json] [--summary]',
  description: `Compares the merged root filesystems of two images, which may be two images of one archive
(give the same file twice with --image-b or --platform-b) or two layers of one image (--layer-a,
--layer-b). Layers with the same diff_id are the same content. Prints one line per differing path,
sorted bytewise, tab-separated: path change size_a size_b layer_a layer_b, where change is added,
removed, changed (type, size, symlink target, device or bytes) or metadata (mode, owner, xattrs,
hardlinking; mtime only with --mtime), and unknown for a path that a layer which could not be read may
have changed. Sizes and layers as ls prints them, empty where the path is absent; paths escaped as ls
escapes them. Equal-size files from different layers are hashed to prove they are the same, never
assumed so; a layer that both seem to share is hashed first (a config's diff_id is only a claim)
unless --no-verify. Exit 0 when the trees are identical, 1 when they differ, 2 on error.
A or B may be - to read that archive from stdin.`,
  options: [
    { name: 'image-a', value: 'N|TAG', description: 'the image of A when its archive holds several (default: the first)' },
    { name: 'image-b', value: 'N|TAG', description: 'the image of B' },
    { name: 'platform-a', value: 'OS/ARCH[/VARIANT]', description: 'the platform of A in a multi-platform index (default: linux/amd64)' },
    { name: 'platform-b', value: 'OS/ARCH[/VARIANT]', description: 'the platform of B' },
    { name: 'layer-a', value: 'N', description: "A's tree as of layer N (default: the top)" },
    { name: 'layer-b', value: 'N', description: "B's tree as of layer N" },
    { name: 'mtime', description: 'count modification times as a metadata change (ignored by default, as dive does)' },
    {
      name: 'no-verify',
      description: "take the configs' diff_ids as proof that layers are the same bytes instead of hashing them (faster; trusts the archives)",
    },
    { name: 'summary', description: 'print the shared and unique layers and the byte totals instead of the paths' },
    { name: 'json', description: 'everything as JSON (with --summary: without the paths)' },
  ],
  examples: [
    { line: 'layerscope diff app-41.tar app-42.tar', note: 'every path that differs' },
    { line: 'layerscope diff app-41.tar app-42.tar --summary', note: 'shared layers, sizes, counts' },
    { line: 'layerscope diff multi.tar multi.tar --platform-a linux/amd64 --platform-b linux/arm64', note: 'two platforms of one index' },
    { line: 'layerscope diff img.tar img.tar --layer-a 2 --layer-b 3', note: 'what layer 3 changed' },
    { line: "layerscope diff a.tar b.tar | awk -F'\\t' '$2 == \"changed\"'", note: 'the changed files only' },
  ],
  async run(args, io) {
    if (args.positional.length < 2) throw new UsageError('diff needs two archives: A B (the same file twice to compare two of its images)');
    if (args.positional.length > 2) throw new UsageError(`unexpected argument "${args.positional[2]}"`);
    const [pa, pb] = args.positional as [string, string];
    if (pa === STDIN_ARG && pb === STDIN_ARG) throw new UsageError('only one of A and B can be read from stdin');
    const selA = selection(args, 'a');
    const selB = selection(args, 'b');
    const mtime = args.flags.has('mtime');
    const trust = args.flags.has('no-verify');
    const inputs: ArchiveInput[] = [];
    const retain: (() => void)[] = [];
    try {
      const inA = await onSide('A', pa, () => openArchiveArg(pa, io));
      inputs.push(inA);
      const same = sameFile(pa, pb);
      const inB = same ? inA : await onSide('B', pb, () => openArchiveArg(pb, io));
      if (!same) inputs.push(inB);
      const A = await onSide('A', inA.label, () =>
        loadImage(inA, io, { verify: false, inlineHash: !trust, image: selA.image, platform: selA.platform, retain }),
      );
      // the same archive: opened once, so its layers are recognisably the same stored bytes
      const sameImage = same && selA.image === selB.image && selA.platform === selB.platform;
      const B = sameImage
        ? A
        : await onSide('B', inB.label, () =>
            loadImage(inB, io, {
              verify: false,
              inlineHash: !trust,
              image: selB.image,
              platform: selB.platform,
              retain,
              opened: same ? { info: A.info, outer: A.outer } : undefined,
            }),
          );
      const layerA = checkLayer('A', A, selA.layer);
      const layerB = checkLayer('B', B, selB.layer);
      const line = io.isTTY ? new TtyLine(io) : null;
      const scanner = inProcessScanner(DEFAULT_NODE_CONCURRENCY, nodeCodecs);
      let cmp: Comparison;
      try {
        cmp = await compareImages(
          { id: 'a', img: A, layer: layerA },
          { id: sameImage ? 'a' : 'b', img: B, layer: layerB },
          {
            scanner,
            codecs: nodeCodecs,
            mtime,
            trustClaimedDiffIds: trust,
            onVerifyProgress: (d, t) => line?.draw(`hashing the layers both seem to share  ${formatBytes(d)} / ${formatBytes(t)}`),
            onProofProgress: (p) =>
              p.filesTotal > 0 &&
              line?.draw(
                `hashing equal-size files  ${p.filesDone.toLocaleString('en-US')} / ${p.filesTotal.toLocaleString('en-US')}  (${formatBytes(p.fileBytes)})`,
              ),
          },
        );
      } finally {
        line?.clear();
      }
      const labels: [string, string] = [inA.label, inB.label];
      if (args.flags.has('json')) io.out(`${jsonForTerminal(diffJson(cmp, A, B, labels, !args.flags.has('summary')), 2)}\n`);
      else if (args.flags.has('summary')) io.out(diffSummary(cmp, A, B, labels));
      else io.out(diffTsv(cmp));
      return reportProblems(cmp, A, B, io);
    } finally {
      for (const c of retain) c();
      for (const i of inputs) i.close();
    }
  },
};

/**
 * After the output: each layer that could not be read (per side), each hashing
 * failure, each layer whose bytes are not the diff_id its config claims. Exit 2
 * when something could not be compared, else 1 / 0 for differ / identical.
 */
function reportProblems(cmp: Comparison, A: LoadedImage, B: LoadedImage, io: Io): number {
  const say = (s: string) => io.err(`layerscope: ${escapeLines([s])}\n`);
  let incomplete = false;
  const sides: [SideName, LoadedImage, number][] = [
    ['A', A, cmp.a.layer],
    ['B', B, cmp.b.layer],
  ];
  for (const [name, img, top] of sides) {
    if (name === 'B' && B === A) break;
    img.layerErrors.forEach((e, i) => {
      if (e === null || i > top) return;
      incomplete = true;
      say(`${name}: ${e}; the paths it may have changed are listed as unknown`);
    });
  }
  for (const f of cmp.proof.failures) {
    incomplete = true;
    say(`${f.side.toUpperCase()}: layer ${f.layer} could not be read to hash its files (${f.message}); they are listed as unknown`);
  }
  for (const m of cmp.mismatches) {
    say(
      `warning: ${m.side.toUpperCase()}: layer ${m.layer} is not the diff_id its config claims (${m.claimed ?? 'none'}; its bytes: ${m.computed}); compared by its bytes`,
    );
  }
  if (incomplete || cmp.totals.counts.unknown > 0) return EXIT_ERROR;
  return cmp.totals.differing > 0 ? EXIT_FAILED : EXIT_OK;
}
