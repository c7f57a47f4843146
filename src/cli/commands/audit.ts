/**
 * `layerscope audit`: packages per layer, secrets that still ship, where the
 * bytes go — the same audit the page runs (core/audit), in-process.
 *
 * The JSON output is a stable contract, documented in the README ("layerscope
 * audit --json"): `packages`, `secrets` and `waste` with the fields the issue
 * fixed, plus fields that only add to them. Secret values are redacted unless
 * --show-secrets; text output is escaped for the terminal (escape.ts).
 */
import { auditImage, inProcessAuditHost, type AuditProgress } from '../../core/audit/audit';
import type { AuditReport } from '../../core/audit/types';
import { ECOSYSTEMS } from '../../core/audit/types';
import type { LoadedImage } from '../../core/session';
import { DEFAULT_NODE_CONCURRENCY } from '../../core/session';
import { stringFlag, UsageError } from '../args';
import type { Command } from '../command';
import { escapeLines, jsonForTerminal } from '../escape';
import { tableLines } from '../format';
import { formatBytes } from '../../core/formatBytes';
import { stepLabel } from '../../core/model/buildStep';
import { openArchiveArg } from '../input';
import { EXIT_OK, type Io } from '../io';
import { archiveArg, IMAGE_OPTIONS, imageSelection, imageTitle, loadImage, reportLayerErrors } from '../load';
import { nodeCodecs } from '../nodeIo';
import { TtyLine } from '../progress';

export const AUDIT_FORMATS = ['text', 'json'] as const;

/** Load ARCHIVE and audit it; the input stays open while the audit reads candidate files. */
export async function loadAndAudit(
  args: Parameters<Command['run']>[0],
  io: Io,
  command: string,
  opts: { verify: boolean },
): Promise<{ img: LoadedImage; report: AuditReport }> {
  const input = await openArchiveArg(archiveArg(args, command), io);
  const retain: (() => void)[] = [];
  try {
    const img = await loadImage(input, io, { ...opts, ...imageSelection(args), retain });
    const report = await auditLoaded(img, io);
    return { img, report };
  } finally {
    for (const close of retain) close();
    input.close();
  }
}

export async function auditLoaded(img: LoadedImage, io: Io): Promise<AuditReport> {
  const line = io.isTTY ? new TtyLine(io) : null;
  try {
    return await auditImage(img, {
      host: inProcessAuditHost(DEFAULT_NODE_CONCURRENCY, { gunzip: nodeCodecs.gunzip }),
      onProgress: (p: AuditProgress) => line?.draw(`auditing layers ${p.layersDone}/${p.layersTotal}  files ${p.filesDone}/${p.filesTotal}`),
    });
  } finally {
    line?.clear();
  }
}

export const audit: Command = {
  name: 'audit',
  summary: 'packages per layer, secrets that still ship (even deleted ones), wasted bytes and how to fix them',
  synopsis: 'ARCHIVE [--json] [--show-secrets] [--image N|TAG] [--platform P]',
  description: `Reads the image's package databases in every layer (dpkg, apk, rpm, Python, npm, Go build
info) and tells which step installed, upgraded or removed each package; scans every version of
every credential-like file in every layer — files a later layer deleted or overwrote included — and
the config's Env, Labels and history (build arguments, ENV steps) for secrets; lists every file
version that ships but is hidden, with the step that made it, the step that hid it and the change
to the Dockerfile that saves the bytes. Secret values are shown redacted (a prefix and the length)
unless --show-secrets. A file that could not be read is listed as not scanned, never as clean.
ARCHIVE is a file, or - to read it from stdin.`,
  options: [
    { name: 'format', value: 'FORMAT', description: `output format: ${AUDIT_FORMATS.join(', ')} (default: text)` },
    { name: 'json', description: 'the same as --format json (the stable contract documented in the README)' },
    { name: 'show-secrets', description: 'print secret values in full (default: redacted)' },
    ...IMAGE_OPTIONS,
  ],
  examples: [
    { line: 'layerscope audit image.tar', note: 'packages, secrets and waste for a terminal' },
    { line: "layerscope audit image.tar --json | jq '.secrets[] | select(.deletedBy != null)'", note: 'secrets a later layer only hid' },
    { line: 'docker save app | layerscope audit - --json > audit.json', note: 'in a pipeline' },
  ],
  async run(args, io) {
    const f = args.flags.has('json') ? 'json' : (stringFlag(args, 'format') ?? 'text');
    if (!(AUDIT_FORMATS as readonly string[]).includes(f)) throw new UsageError(`--format takes ${AUDIT_FORMATS.join(', ')}, got ${f}`);
    const show = args.flags.has('show-secrets');
    const { img, report } = await loadAndAudit(args, io, 'audit', { verify: false });
    if (f === 'json') io.out(`${jsonForTerminal(auditJson(img, report, show), 2)}\n`);
    else io.out(`${escapeLines(auditText(img, report, show))}\n`);
    return reportLayerErrors(img, io, EXIT_OK);
  },
};

const stepOf = (img: LoadedImage, layer: number | null) => (layer === null ? '' : stepLabel(img.image.layers[layer]?.createdBy));

/** The JSON contract (README, "layerscope audit --json"). */
export function auditJson(img: LoadedImage, r: AuditReport, showSecrets: boolean) {
  return {
    image: { tags: img.image.tags, platform: img.image.platform, configDigest: img.image.configDigest },
    layers: img.image.layers.map((ref, i) => ({ index: i, createdBy: ref.createdBy, packages: r.perLayer[i] ?? null })),
    packages: r.packages.map((p) => ({
      ecosystem: p.ecosystem,
      name: p.name,
      version: p.version,
      layer: p.layer,
      removedBy: p.removedBy,
      size: p.size,
      arch: p.arch,
      source: p.source,
      files: p.files.length,
      history: p.history,
    })),
    secrets: r.secrets.map((s) => ({
      rule: s.rule,
      source: s.source,
      path: s.path,
      layer: s.layer,
      deletedBy: s.deletedBy,
      shipped: s.shipped,
      redacted: s.redacted,
      title: s.title,
      layers: s.layers,
      visible: s.visible,
      headline: s.headline,
      line: s.line,
      ...(showSecrets ? { value: s.value } : {}),
    })),
    waste: r.waste.map((w) => ({ path: w.path, bytes: w.bytes, createdBy: w.createdBy, hiddenBy: w.hiddenBy, advice: w.advice, cause: w.cause })),
    wasteGroups: r.wasteGroups.map((g) => ({
      dir: g.dir,
      files: g.files,
      bytes: g.bytes,
      createdBy: g.createdBy,
      hiddenBy: g.hiddenBy,
      cause: g.cause,
      advice: g.advice,
    })),
    notScanned: r.notScanned,
    warnings: r.warnings,
    stats: r.stats,
  };
}

/** Counts for `inspect`. */
export function auditCounts(r: AuditReport) {
  const present = r.packages.filter((p) => p.removedBy === null);
  const byEcosystem: Record<string, number> = {};
  for (const e of ECOSYSTEMS) {
    const n = present.filter((p) => p.ecosystem === e).length;
    if (n) byEcosystem[e] = n;
  }
  return {
    packages: present.length,
    byEcosystem,
    removedPackages: r.packages.length - present.length,
    secrets: r.secrets.length,
    secretsDeletedButShipped: r.secrets.filter((s) => s.deletedBy !== null).length,
    wasteFiles: r.waste.length,
    wasteBytes: r.waste.reduce((a, w) => a + w.bytes, 0),
    notScanned: r.notScanned.length,
    warnings: r.warnings.length,
  };
}

export function auditSummaryLine(r: AuditReport): string {
  const c = auditCounts(r);
  const eco = Object.entries(c.byEcosystem)
    .map(([e, n]) => `${e} ${n}`)
    .join(', ');
  const sec =
    c.secrets === 0
      ? 'no secrets found'
      : `${c.secrets} secret finding${c.secrets === 1 ? '' : 's'}${c.secretsDeletedButShipped ? ` (${c.secretsDeletedButShipped} deleted but still shipped)` : ''}`;
  const waste = c.wasteFiles ? `${formatBytes(c.wasteBytes)} wasted in ${c.wasteFiles} file version${c.wasteFiles === 1 ? '' : 's'}` : 'no wasted bytes';
  const ns = c.notScanned ? `, ${c.notScanned} file${c.notScanned === 1 ? '' : 's'} not scanned` : '';
  return `${c.packages} package${c.packages === 1 ? '' : 's'}${eco ? ` (${eco})` : ''}, ${sec}, ${waste}${ns}`;
}

export function auditText(img: LoadedImage, r: AuditReport, showSecrets: boolean): string[] {
  const lines: string[] = [`image: ${imageTitle(img)}`, `audit: ${auditSummaryLine(r)}`, ''];

  lines.push('packages per layer:');
  lines.push(
    ...tableLines(
      ['layer', 'installed', 'upgraded', 'removed', 'size', 'step'],
      r.perLayer.map((s) => [
        s.layer,
        s.installed,
        s.upgraded,
        s.removed,
        s.sizeDelta === 0 ? '' : `${s.sizeDelta > 0 ? '+' : '-'}${formatBytes(Math.abs(s.sizeDelta))}`,
        stepOf(img, s.layer).slice(0, 70),
      ]),
    ).map((l) => `  ${l}`),
  );
  if (r.databases.length) lines.push(`  databases: ${r.databases.map((d) => `${d.path} (layer ${d.layer}, ${d.packages})`).join(', ')}`);
  lines.push('');
  if (r.packages.length) {
    lines.push(`packages (${r.packages.length}):`);
    lines.push(
      ...tableLines(
        ['ecosystem', 'name', 'version', 'layer', 'removed', 'size', 'history'],
        r.packages.map((p) => [
          p.ecosystem,
          p.name,
          p.version,
          p.layer,
          p.removedBy === null ? '' : `by ${p.removedBy}`,
          p.size === null ? '' : formatBytes(p.size),
          p.history
            .slice(1)
            .map((h) => `${h.action}${h.action === 'removed' ? '' : ` to ${h.version}`} in ${h.layer}`)
            .join('; '),
        ]),
      ).map((l) => `  ${l}`),
    );
    lines.push('');
  }

  lines.push(r.secrets.length ? `secrets (${r.secrets.length}):` : 'secrets: none found');
  for (const s of r.secrets) {
    const where =
      s.source === 'file' ? `layer ${s.layers.join(',')}` : s.source === 'history' ? `history${s.layer === null ? '' : `, layer ${s.layer}`}` : 'config';
    lines.push(`  ${s.path}${s.line ? `:${s.line}` : ''}  [${where}]  ${s.title}  ${showSecrets ? s.value.replace(/\n/g, '\\n') : s.redacted}`);
    if (s.headline) lines.push(`      ${s.headline}`);
    lines.push(`      rule ${s.rule}`);
  }
  lines.push('');

  const wasteBytes = r.waste.reduce((a, w) => a + w.bytes, 0);
  lines.push(r.waste.length ? `waste: ${formatBytes(wasteBytes)} in ${r.waste.length} file versions that ship but are hidden (largest first):` : 'waste: none');
  for (const g of r.wasteGroups) {
    lines.push(
      `  ${formatBytes(g.bytes).padStart(9)}  ${g.files} file${g.files === 1 ? '' : 's'} in ${g.dir}: added by layer ${g.createdBy}${stepOf(img, g.createdBy) ? ` (${stepOf(img, g.createdBy).slice(0, 50)})` : ''}, ${
        g.cause === 'overwritten' || g.cause === 'metadata-copy' ? 'overwritten' : 'deleted'
      } by layer ${g.hiddenBy}${stepOf(img, g.hiddenBy) ? ` (${stepOf(img, g.hiddenBy).slice(0, 50)})` : ''}`,
    );
    lines.push(`             fix: ${g.advice}`);
  }
  if (r.notScanned.length) {
    lines.push('', `not scanned (${r.notScanned.length}):`);
    for (const n of r.notScanned) lines.push(`  ${n.path} (layer ${n.layer}): ${n.reason}`);
  }
  if (r.warnings.length) {
    lines.push('');
    for (const w of r.warnings) lines.push(`warning: ${w.message}`);
  }
  return lines;
}
