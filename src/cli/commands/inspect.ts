/** `layerscope inspect`: the archive, the image, its layers, totals and integrity. */
import type { LoadedImage } from '../../core/session';
import { formatPlatform } from '../../core/read/archive';
import { stringFlag, UsageError } from '../args';
import type { Command } from '../command';
import { EXIT_OK } from '../io';
import { IMAGE_OPTIONS, imageTitle, integritySummary, loadArchiveArg, reportLayerErrors } from '../load';
import { stepLabel } from '../../core/model/buildStep';
import { shortDigest, tableLines } from '../format';
import type { AuditReport } from '../../core/audit/types';
import { auditCounts, auditSummaryLine, loadAndAudit } from './audit';
import { escapeLines, jsonForTerminal } from '../escape';
import { isRfc3339 } from '../../core/dates';
import { definedUserWasted, ratioText } from '../ci/rules';
import { formatBytes } from '../../core/formatBytes';
import { diveJsonPieces } from '../dive/diveJson';

export const INSPECT_FORMATS = ['text', 'json', 'dive-json'] as const;
export type InspectFormat = (typeof INSPECT_FORMATS)[number];

export const inspect: Command = {
  name: 'inspect',
  summary: "images, layers, totals, dive's efficiency and wasted bytes, integrity of every layer",
  synopsis: 'ARCHIVE [--format text|json|dive-json] [--image N|TAG] [--platform P] [--no-verify]',
  description: `Describes the archive (its format and the images in it) and one image: tags, digests, every
layer (digest, compression, stored and uncompressed size, entries, what it added, modified and
deleted, the build step that made it), the total size, the bytes hidden by later layers, dive's
efficiency score and wasted bytes, and whether every layer matches its digests.
--format dive-json writes instead the document \`dive IMAGE --json FILE\` writes (layer[] with each
layer's file list, image with sizeBytes, inefficientBytes, efficiencyScore, fileReference[]), so
scripts that parse dive's export work unchanged.
ARCHIVE is a file, or - to read it from stdin.`,
  options: [
    {
      name: 'format',
      value: 'FORMAT',
      description: "text (default), json (layerscope's fields) or dive-json (the shape of dive --json, field for field)",
    },
    { name: 'json', description: 'the same as --format json' },
    { name: 'no-verify', description: "skip checking the layers' sha256 digests (faster; integrity then says unchecked)" },
    { name: 'no-audit', description: 'skip the audit counts (packages, secrets, wasted bytes: see layerscope audit)' },
    ...IMAGE_OPTIONS,
  ],
  examples: [
    { line: 'layerscope inspect image.tar', note: 'the summary for a terminal' },
    { line: 'layerscope inspect image.tar --format json | jq .totals', note: 'the figures for a script' },
    { line: 'layerscope inspect image.tar --format dive-json > dive.json', note: "what dive --json writes, for tools that read dive's export" },
    { line: 'layerscope inspect multi.tar --image 1 --platform linux/arm64', note: 'one image and platform of several' },
    { line: 'docker save nginx | layerscope inspect -', note: 'straight from docker save' },
  ],
  async run(args, io) {
    const format = inspectFormat(args.flags.has('json') ? 'json' : stringFlag(args, 'format'));
    if (format === 'dive-json') {
      // dive's export has no integrity or audit fields: neither is computed.
      const img = await loadArchiveArg(args, io, 'inspect', { verify: false });
      for (const piece of diveJsonPieces(img)) io.out(piece);
      io.out('\n');
      return reportLayerErrors(img, io, EXIT_OK);
    }
    const verify = !args.flags.has('no-verify');
    const { img, report } = args.flags.has('no-audit')
      ? { img: await loadArchiveArg(args, io, 'inspect', { verify }), report: null }
      : await loadAndAudit(args, io, 'inspect', { verify });
    if (format === 'json') io.out(`${jsonForTerminal(inspectJson(img, report), 2)}\n`);
    else io.out(inspectText(img, report));
    return reportLayerErrors(img, io, EXIT_OK);
  },
};

function inspectFormat(v: string | undefined): InspectFormat {
  if (v === undefined) return 'text';
  if ((INSPECT_FORMATS as readonly string[]).includes(v)) return v as InspectFormat;
  throw new UsageError(`--format takes ${INSPECT_FORMATS.join(', ')}, got ${v}`);
}

export function inspectText(img: LoadedImage, audit: AuditReport | null = null): string {
  const s = img.stats;
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
  if (img.image.created) lines.push(`  created ${img.image.created}${isRfc3339(img.image.created) ? '' : '  (not a valid RFC 3339 date)'}`);
  lines.push('');
  const rows = img.image.layers.map((ref, i) => {
    const idx = img.layers[i];
    const ls = s.layers[i];
    return [
      i,
      shortDigest(ref.digest ?? ref.diffId),
      idx?.compression ?? ref.compression ?? '?',
      formatBytes(ref.blob.size),
      idx ? formatBytes(idx.tarSize) : '-',
      idx ? idx.count : 0,
      ls ? `+${ls.added} ~${ls.modified} -${ls.deleted}` : '',
      img.layerErrors[i] ? `FAILED: ${img.layerErrors[i]}` : stepLabel(ref.createdBy).slice(0, 60),
    ];
  });
  lines.push(...tableLines(['#', 'digest', 'compr', 'stored', 'tar', 'entries', 'changes', 'created by'], rows));
  lines.push('');
  lines.push(`total size: ${formatBytes(s.imageSize)} of files in ${img.image.layers.length} layers`);
  lines.push(`hidden bytes: ${formatBytes(s.hiddenBytes)} (versions overwritten or deleted by a later layer, still shipped)`);
  lines.push(
    `dive efficiency score: ${ratioText(s.dive.score)}  wasted bytes: ${formatBytes(s.dive.wastedBytes)}  user wasted: ${ratioText(definedUserWasted(s.dive.userWastedPercent), 2)}  (computed as dive does)`,
  );
  const bad = img.integrity.filter((c) => c.diffId === 'mismatch' || c.digest === 'mismatch');
  const checked = img.integrity.filter((c) => c.diffId === 'ok' || c.digest === 'ok').length;
  lines.push(`integrity: ${bad.length ? `${bad.length} layer(s) do NOT match their digests` : `${checked}/${img.integrity.length} layers verified`}`);
  for (const c of bad)
    lines.push(
      `  layer ${c.layer}: ${c.diffId === 'mismatch' ? `diff_id ${c.computedDiffId} != ${c.expectedDiffId}` : `digest ${c.computedDigest} != ${c.expectedDigest}`}`,
    );
  if (audit) lines.push(`audit: ${auditSummaryLine(audit)} (details: layerscope audit)`);
  if (s.topHidden.length) {
    lines.push('');
    lines.push('top files by hidden bytes:');
    lines.push(
      ...tableLines(
        ['bytes', 'versions', 'path'],
        s.topHidden.slice(0, 10).map((t) => [formatBytes(t.bytes), t.versions, t.path]),
      ),
    );
  }
  for (const w of img.warnings) lines.push(`warning: ${w.message}`);
  // Tags, platforms, history, paths and warnings come from the image: escaped line by line (escape.ts).
  return `${escapeLines(lines)}\n`;
}

export function inspectJson(img: LoadedImage, audit: AuditReport | null = null) {
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
    audit: audit ? auditCounts(audit) : null,
    warnings: img.warnings,
  };
}
