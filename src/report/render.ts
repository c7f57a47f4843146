/**
 * The shareable report: one self-contained HTML file made from what the engine
 * computed — the image's identity, the layer stack as a diagram, the layer
 * table, totals, dive's efficiency and inefficient files, the audit's packages
 * and redacted secrets, integrity — for anyone to open offline in any browser.
 *
 * Pure: values in (LoadedImage's fields, the AuditReport), a string out; no DOM,
 * no Node. `layerscope report` (src/cli/commands/report.ts) and the page's
 * "Export report" (src/ui/Report/) both call renderReport, so the two files are
 * the same for the same image.
 *
 * What makes it safe to open and to pass around:
 * - no script at all, nothing loaded: the CSP (csp.ts) is `default-src 'none'`
 *   with the one stylesheet allowed by its hash; links are #fragments only;
 * - every string from the image goes through html.ts (escaped, hidden
 *   characters shown, bidi-isolated, clipped);
 * - secret values never appear: findings show their redacted form, and every
 *   other text from the image (build steps above all: a build argument lands in
 *   `created_by`) has each found value replaced by its redacted form (scrubber);
 * - the image's files are not in it, only names and figures; long lists are
 *   cut at named limits, saying how many are left out and where to get all.
 */
import type { AuditPackage, AuditReport, Ecosystem, SecretFinding } from '../core/audit/types';
import { ECOSYSTEMS } from '../core/audit/types';
import { formatBytes } from '../core/formatBytes';
import { stepLabel } from '../core/model/buildStep';
import { formatPlatform } from '../core/read/archive';
import type { IntegrityCheck, LoadedImage } from '../core/session';
import type { ArchiveFormat } from '../core/types';
import { isRfc3339 } from '../core/dates';
import { layerColor } from '../ui/colors';
import { el, html, raw, shown, text, type Html } from './html';
import { reportCsp } from './csp';
import { REPORT_CSS } from './styles';

/** The engine's values a report is made from (a LoadedImage has them all). */
export type ReportImage = Pick<LoadedImage, 'info' | 'image' | 'layers' | 'layerErrors' | 'stats' | 'integrity' | 'warnings'>;

/** The audit as far as it got: its report, or why there is none. */
export type ReportAudit = { status: 'done'; report: AuditReport } | { status: 'skipped'; reason: string } | { status: 'failed'; error: string };

export interface ReportInput {
  image: ReportImage;
  audit: ReportAudit;
  /** layerscope's version (package.json). */
  version: string;
  /** When the report was made, ISO 8601 (passed in: the renderer reads no clock). */
  generatedAt: string;
  /** The archive's file name as the user gave it, when known. */
  source?: string | null;
  /** Which host made it, for the footer. */
  host: 'cli' | 'page';
}

/**
 * dive's inefficient files listed (largest first). The figures cover all of
 * them; 500 rows (~100 kB) is more than anyone reads in a report, and the whole
 * list is one command away (`layerscope inspect --format dive-json`).
 */
export const REPORT_MAX_INEFFICIENT = 500;
/** Packages listed: a large image has 1–3 thousand (npm trees included); 5,000 rows stay ~1 MB. */
export const REPORT_MAX_PACKAGES = 5000;
/** Secret findings listed: real images have a handful; a hostile one must not make the report huge. */
export const REPORT_MAX_SECRETS = 1000;
/** Waste advice groups listed (largest first): the first few carry nearly all the bytes. */
export const REPORT_MAX_WASTE_GROUPS = 30;
/** Notes listed per kind (warnings, files not scanned). */
export const REPORT_MAX_NOTES = 200;
/** Build steps are shown on one line up to this many characters (the rest is in `layerscope inspect --json`). */
export const REPORT_STEP_CHARS = 600;
/**
 * Secret values shorter than this are not scrubbed from other texts: they would
 * match ordinary words all over the report; the audit's rules do not report
 * values that short anyway.
 */
export const MIN_SCRUB_CHARS = 6;
/** Package list sections start open up to this many rows (beyond, they are a click away). */
const OPEN_LIST_ROWS = 60;
/**
 * When a figure card is marked: where dive's own CI defaults draw the line
 * (dive's .dive-ci defaults: lowestEfficiency 0.9, highestWastedBytes 20 MB),
 * and the same byte threshold for our hidden bytes.
 */
const WARN_EFFICIENCY_BELOW = 0.9;
const WARN_BYTES_ABOVE = 20_000_000;
/** Width of the diagram's bar coordinate system (SVG viewBox units). */
const BAR_UNITS = 1000;

const FORMAT_NAMES: Record<ArchiveFormat, string> = {
  'docker-legacy': 'docker save (Docker ≤ 24)',
  'docker-oci': 'docker save (Docker ≥ 25)',
  oci: 'OCI image layout',
  tarball: 'crane / kaniko tarball',
};

const ECOSYSTEM_NAMES: Record<Ecosystem, string> = { deb: 'Debian (dpkg)', apk: 'Alpine (apk)', rpm: 'RPM', python: 'Python', npm: 'npm', go: 'Go binaries' };

const count = (n: number) => n.toLocaleString('en-US');
const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;

/** A ratio as a percentage, never "NaN %" (dive's user-wasted percent divides by 0 for a one-layer image). */
function pct(r: number, digits = 1): string {
  if (Number.isNaN(r)) return 'n/a';
  if (!Number.isFinite(r)) return 'more than 100 %';
  return `${(r * 100).toFixed(digits)} %`;
}

/** Bytes for people, the exact count in the title. */
function bytes(n: number): Html {
  return el('span', { title: `${count(n)} bytes` }, formatBytes(n));
}

/** "sha256:0123456789ab" (12 hex digits, as docker prints IDs). */
function shortDigest(d: string | null): string {
  if (!d) return '';
  const i = d.indexOf(':');
  return `${i >= 0 ? d.slice(0, i + 1) : ''}${d.slice(i + 1, i + 13)}`;
}

/** A layer's color swatch (SVG: its fill is an attribute, which the CSP allows). */
function swatch(i: number, size = 10): Html {
  return raw(
    `<svg class="sw" width="${size}" height="${size}" viewBox="0 0 10 10" aria-hidden="true"><rect width="10" height="10" rx="2" fill="${layerColor(i)}"/></svg>`,
  );
}

/* ------------------------------------------------------------ secrets never shown */

/**
 * Replaces every secret value the audit found by its redacted form, in any text
 * from the image that the report shows (a build argument in `created_by`, a
 * token in a path). Longest values first, so one value inside another is not
 * half-replaced.
 */
export function secretScrubber(secrets: readonly SecretFinding[]): (s: string) => string {
  const pairs = [...new Map(secrets.filter((s) => s.value.length >= MIN_SCRUB_CHARS).map((s) => [s.value, s.redacted])).entries()].sort(
    (a, b) => b[0].length - a[0].length,
  );
  if (!pairs.length) return (s) => s;
  return (s) => {
    let out = s;
    for (const [value, redacted] of pairs) if (out.includes(value)) out = out.split(value).join(`[secret ${redacted}]`);
    return out;
  };
}

/* ------------------------------------------------------------ the document */

interface Ctx {
  img: ReportImage;
  audit: AuditReport | null;
  scrub: (s: string) => string;
  /** Text from the image, scrubbed of secrets, made safe. */
  t: (s: string | null | undefined, max?: number) => Html;
  /** The same as a plain string for an attribute. */
  a: (s: string | null | undefined, max?: number) => string;
}

export async function renderReport(input: ReportInput): Promise<string> {
  const img = input.image;
  const audit = input.audit.status === 'done' ? input.audit.report : null;
  const scrub = secretScrubber(audit?.secrets ?? []);
  const ctx: Ctx = {
    img,
    audit,
    scrub,
    t: (s, max) => text(scrub(s ?? ''), max),
    a: (s, max) => shown(scrub(s ?? ''), max),
  };
  const title = `${imageName(ctx)} — Layerscope report`;
  const body = html(
    el(
      'main',
      {},
      header(ctx, input),
      cards(ctx),
      stackSection(ctx),
      layersSection(ctx),
      efficiencySection(ctx),
      packagesSection(ctx, input.audit),
      secretsSection(ctx, input.audit),
      integritySection(ctx),
      footer(input),
    ),
  );
  const csp = await reportCsp(REPORT_CSS);
  return `<!DOCTYPE html>
<html lang="en" dir="ltr">
<head>
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="color-scheme" content="light dark">
<meta name="generator" content="layerscope ${shown(input.version)}">
${el('title', {}, ctx.a(title, 300)).__html}
<style>${REPORT_CSS}</style>
</head>
<body>
${body.__html}
</body>
</html>
`;
}

function imageName(ctx: Ctx): string {
  const im = ctx.img.image;
  if (im.tags.length) return im.tags[0]!;
  return im.configDigest ? `untagged ${shortDigest(im.configDigest)}` : 'untagged image';
}

const STACK_ICON = raw(
  '<svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M12 2 2 7l10 5 10-5-10-5Zm-8.4 9.2L2 12l10 5 10-5-1.6-.8L12 15.4l-8.4-4.2Zm0 5L2 17l10 5 10-5-1.6-.8L12 20.4l-8.4-4.2Z"/></svg>',
);

function header(ctx: Ctx, input: ReportInput): Html {
  const im = ctx.img.image;
  const info = ctx.img.info;
  const created = im.created ? (isRfc3339(im.created) ? formatUtc(im.created) : `${im.created} (not a valid RFC 3339 date)`) : null;
  const row = (k: string, v: Html | null | false) => (v ? html(el('dt', {}, k), el('dd', {}, v)) : null);
  return html(
    el(
      'div',
      { class: 'top' },
      el('div', { class: 'brand' }, STACK_ICON, 'Layerscope report'),
      el('div', { class: 'generated' }, `Generated ${formatUtc(input.generatedAt)}`),
    ),
    el(
      'h1',
      { 'data-testid': 'report-title' },
      im.tags.length ? im.tags.map((t) => el('span', { class: 'tag' }, ctx.t(t, 300))) : el('span', { class: 'muted' }, imageName(ctx)),
    ),
    el(
      'ul',
      { class: 'chips' },
      im.platform && el('li', { class: 'chip' }, ctx.t(formatPlatform(im.platform), 200)),
      el('li', { class: 'chip' }, plural(im.layers.length, 'layer')),
      el('li', { class: 'chip' }, FORMAT_NAMES[info.format] ?? info.format, info.outerCompression !== 'none' ? `, ${info.outerCompression}-compressed` : ''),
      info.images.length > 1 && el('li', { class: 'chip' }, `image ${im.index + 1} of ${info.images.length} in the archive`),
    ),
    el(
      'dl',
      { class: 'ident', 'data-testid': 'report-identity' },
      row('Image ID (config)', im.configDigest ? ctx.t(im.configDigest) : raw('<span class="muted">none</span>')),
      row('Manifest', im.manifestDigest ? ctx.t(im.manifestDigest) : null),
      row('Tags', im.tags.length > 1 ? html(im.tags.map((t, i) => html(i ? ', ' : '', ctx.t(t, 300)))) : null),
      row('Platform', im.platform ? ctx.t(formatPlatform(im.platform)) : null),
      row('Created', created ? ctx.t(created, 200) : null),
      row('Archive', input.source ? ctx.t(input.source, 500) : null),
    ),
    el(
      'nav',
      { class: 'toc', 'aria-label': 'Sections' },
      [
        ['stack', 'Layer stack'],
        ['layers', 'Layers'],
        ['efficiency', 'Efficiency'],
        ['packages', 'Packages'],
        ['secrets', 'Secrets'],
        ['integrity', 'Integrity'],
      ].map(([id, label]) => el('a', { href: `#${id}` }, label!)),
    ),
  );
}

/** An RFC 3339 time as "2024-01-01 00:00:00 UTC". */
function formatUtc(s: string): string {
  const t = Date.parse(s.replace(' ', 'T'));
  if (!Number.isFinite(t)) return s;
  return new Date(t)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$|Z$/, ' UTC');
}

function card(k: string, v: Html | string, kind: '' | 'warn' | 'bad' = '', testId?: string): Html {
  return el('div', { class: `card${kind ? ` card--${kind}` : ''}`, 'data-testid': testId }, el('span', { class: 'v' }, v), el('span', { class: 'k' }, k));
}

function cards(ctx: Ctx): Html {
  const s = ctx.img.stats;
  const stored = ctx.img.image.layers.reduce((n, l) => n + l.blob.size, 0);
  const a = ctx.audit;
  const present = a ? a.packages.filter((p) => p.removedBy === null).length : null;
  return el(
    'div',
    { class: 'cards', 'data-testid': 'report-cards' },
    card('size of the files in all layers', bytes(s.imageSize), '', 'card-size'),
    card('stored in the archive', bytes(stored)),
    card('layers', count(ctx.img.image.layers.length), '', 'card-layers'),
    card("efficiency (dive's score)", pct(s.dive.score, 2), s.dive.score < WARN_EFFICIENCY_BELOW ? 'warn' : '', 'card-efficiency'),
    card("wasted bytes (dive's count)", bytes(s.dive.wastedBytes), s.dive.wastedBytes > WARN_BYTES_ABOVE ? 'warn' : '', 'card-wasted'),
    card('hidden by later layers, still shipped', bytes(s.hiddenBytes), s.hiddenBytes > WARN_BYTES_ABOVE ? 'warn' : ''),
    card('packages', present === null ? '–' : count(present), '', 'card-packages'),
    card('secret findings', a ? count(a.secrets.length) : '–', a?.secrets.length ? 'bad' : '', 'card-secrets'),
  );
}

/* ------------------------------------------------------------ the stack */

interface LayerRow {
  i: number;
  /** File bytes the layer adds (stored bytes when it could not be read). */
  size: number;
  estimated: boolean;
  hidden: number;
}

function layerRows(ctx: Ctx): LayerRow[] {
  return ctx.img.image.layers.map((ref, i) => {
    const st = ctx.img.layers[i] ? ctx.img.stats.layers[i] : undefined;
    return st ? { i, size: st.bytesAdded, estimated: false, hidden: st.hiddenBytes } : { i, size: ref.blob.size, estimated: true, hidden: 0 };
  });
}

function stackSection(ctx: Ctx): Html {
  const rows = layerRows(ctx);
  const total = rows.reduce((n, r) => n + r.size, 0);
  const max = rows.reduce((m, r) => Math.max(m, r.size), 0);
  // The share bar: each layer's part of the whole, bottom layer at the left.
  let x = 0;
  let share = '';
  for (const r of rows) {
    if (total <= 0 || r.size <= 0) continue;
    const w = (r.size / total) * BAR_UNITS;
    share += `<rect x="${x.toFixed(2)}" width="${w.toFixed(2)}" height="10" fill="${layerColor(r.i)}"><title>layer ${r.i}: ${formatBytes(r.size)}</title></rect>`;
    x += w;
  }
  const hasHidden = rows.some((r) => r.hidden > 0);
  const items = [...rows].reverse().map((r) => {
    // Proportional to the largest layer; a non-empty layer keeps a sliver so it is never drawn as nothing.
    const w = max > 0 ? Math.max(r.size > 0 ? 4 : 0, (r.size / max) * BAR_UNITS) : 0;
    const hw = r.size > 0 ? (Math.min(r.hidden, r.size) / r.size) * w : 0;
    const ref = ctx.img.image.layers[r.i]!;
    const failed = ctx.img.layerErrors[r.i];
    const label = failed ? `could not be read: ${failed}` : stepLabel(ctx.scrub(ref.createdBy ?? '')) || '(no build step recorded)';
    const bar = `<svg class="bar" viewBox="0 0 ${BAR_UNITS} 10" preserveAspectRatio="none" aria-hidden="true"><rect class="track" width="${BAR_UNITS}" height="10" rx="2"/><rect width="${w.toFixed(2)}" height="10" rx="2" fill="${layerColor(r.i)}"/>${hw > 0 ? `<rect class="hidden-part" x="${(w - hw).toFixed(2)}" width="${hw.toFixed(2)}" height="10"/>` : ''}</svg>`;
    return el(
      'li',
      { 'data-layer': r.i },
      el('span', { class: 'idx' }, swatch(r.i), String(r.i)),
      raw(bar),
      el(
        'span',
        { class: 'size num' },
        bytes(r.size),
        r.estimated ? el('span', { class: 'muted', title: 'not read: the stored (compressed) size' }, '*') : null,
      ),
      el('span', { class: `step${failed ? ' failed' : ''}`, title: ctx.a(label, REPORT_STEP_CHARS) }, ctx.t(label, REPORT_STEP_CHARS)),
    );
  });
  return el(
    'section',
    { id: 'stack', 'aria-labelledby': 'h-stack' },
    el('h2', { id: 'h-stack' }, 'Layer stack', el('span', { class: 'sub' }, 'top layer first; bars proportional to the bytes each layer adds')),
    total > 0
      ? raw(
          `<svg class="share" viewBox="0 0 ${BAR_UNITS} 10" preserveAspectRatio="none" role="img" aria-label="each layer's share of the image">${share}</svg>`,
        )
      : null,
    el(
      'div',
      { class: 'legend' },
      el('span', {}, 'Bar: the file bytes a layer adds, against the largest layer'),
      hasHidden &&
        el(
          'span',
          {},
          raw('<svg width="18" height="10" viewBox="0 0 18 10" aria-hidden="true"><rect class="hidden-part" width="18" height="10" rx="2"/></svg>'),
          'of which hidden by a later layer (still downloaded)',
        ),
    ),
    el(
      'ol',
      { class: 'stack', 'data-testid': 'report-stack' },
      items,
      el('li', { class: 'bootfs' }, 'Below the image: the host’s kernel (bootfs) — never part of an image; containers share it.'),
    ),
  );
}

/* ------------------------------------------------------------ the layer table */

function integrityOf(c: IntegrityCheck | undefined): { label: string; cls: string } {
  if (!c) return { label: 'not checked', cls: 'muted' };
  if (c.diffId === 'mismatch' || c.digest === 'mismatch') return { label: 'MISMATCH', cls: 'failed' };
  if (c.diffId === 'ok' || c.digest === 'ok') return { label: 'verified', cls: 'ok' };
  return { label: 'not checked', cls: 'muted' };
}

function td(k: string, cls: string | null, ...children: Parameters<typeof html>): Html {
  return el('td', { class: cls, 'data-k': k }, ...children);
}

function th(label: string, num = false): Html {
  return el('th', { scope: 'col', class: num ? 'num' : null }, label);
}

function table(testId: string, heads: Html[], rows: Html[]): Html {
  return el(
    'div',
    { class: 'table-wrap' },
    el('table', { class: 'cardify', 'data-testid': testId }, el('thead', {}, el('tr', {}, heads)), el('tbody', {}, rows)),
  );
}

function layersSection(ctx: Ctx): Html {
  const { img } = ctx;
  const rows = layerRows(ctx).map((r) => {
    const ref = img.image.layers[r.i]!;
    const st = img.layers[r.i] ? img.stats.layers[r.i] : undefined;
    const failed = img.layerErrors[r.i];
    const integ = integrityOf(img.integrity[r.i]);
    const digest = ref.digest ?? ref.diffId;
    const step = stepLabel(ctx.scrub(ref.createdBy ?? ''));
    return el(
      'tr',
      { 'data-layer': r.i },
      td(
        'Layer',
        'num head',
        swatch(r.i),
        String(r.i),
        ref.synthetic ? el('span', { class: 'muted' }, ` (${ref.synthetic === 'container' ? 'container' : 'commit'}, playground)`) : null,
      ),
      td('Digest', 'dg wide', digest ? el('span', { title: ctx.a(digest) }, ctx.t(shortDigest(digest))) : el('span', { class: 'muted' }, 'none')),
      td('Size', 'num', r.estimated ? '–' : bytes(r.size)),
      td('Stored', 'num', bytes(ref.blob.size)),
      td('Hidden', 'num', st ? (st.hiddenBytes ? bytes(st.hiddenBytes) : '0') : '–'),
      td('Entries', 'num', st ? count(st.entries) : '–'),
      td('Changes', 'num', st ? `+${count(st.added)} ~${count(st.modified)} −${count(st.deleted)}` : '–'),
      td('Digest check', integ.cls, integ.label),
      td(
        'Created by',
        'step',
        failed
          ? el('span', { class: 'failed' }, 'could not be read: ', ctx.t(failed))
          : step
            ? ctx.t(step, REPORT_STEP_CHARS)
            : el('span', { class: 'muted' }, '(not recorded)'),
      ),
    );
  });
  const s = img.stats;
  const files = s.layers.reduce((n, l) => n + l.entries, 0);
  return el(
    'section',
    { id: 'layers', 'aria-labelledby': 'h-layers' },
    el('h2', { id: 'h-layers' }, 'Layers', el('span', { class: 'sub' }, `${plural(img.image.layers.length, 'layer')}, bottom (base) first`)),
    table(
      'report-layers',
      [
        th('#', true),
        th('Digest'),
        th('Size', true),
        th('Stored', true),
        th('Hidden', true),
        th('Entries', true),
        th('Changes', true),
        th('Digest check'),
        th('Created by'),
      ],
      rows,
    ),
    el(
      'p',
      { class: 'note', 'data-testid': 'report-totals' },
      `Totals: ${formatBytes(s.imageSize)} of files in ${plural(img.image.layers.length, 'layer')} (${plural(files, 'tar entry', 'tar entries')}), `,
      `${formatBytes(img.image.layers.reduce((n, l) => n + l.blob.size, 0))} stored; `,
      `${formatBytes(s.hiddenBytes)} ship in a layer but are overwritten or deleted by a later one (a whiteout hides a file, it does not free its bytes). `,
      'Size is the bytes of the regular files a layer adds; Stored, its blob as in the archive (compressed or not); Changes, paths added ~ modified − deleted.',
    ),
  );
}

/* ------------------------------------------------------------ dive's efficiency */

function efficiencySection(ctx: Ctx): Html {
  const d = ctx.img.stats.dive;
  const list = d.inefficiencies.slice(0, REPORT_MAX_INEFFICIENT);
  const rows = list.map((x) =>
    el(
      'tr',
      {},
      td('Wasted', 'num', bytes(x.cumulativeSize)),
      td('Copies', 'num', count(x.layers.length)),
      td('Layers', 'num', x.layers.join(', ')),
      td('Path', 'path', ctx.t(x.path)),
    ),
  );
  const left = d.inefficiencyCount - list.length;
  return el(
    'section',
    { id: 'efficiency', 'aria-labelledby': 'h-eff' },
    el('h2', { id: 'h-eff' }, 'Efficiency', el('span', { class: 'sub' }, 'computed exactly as dive computes it (the figures dive --ci checks)')),
    el(
      'dl',
      { class: 'ident', 'data-testid': 'report-dive' },
      el('dt', {}, 'Efficiency score'),
      el('dd', {}, pct(d.score, 4)),
      el('dt', {}, 'Wasted bytes'),
      el('dd', {}, `${formatBytes(d.wastedBytes)} (${count(d.wastedBytes)} bytes)`),
      el('dt', {}, 'Wasted / bytes above layer 0'),
      el('dd', {}, pct(d.userWastedPercent, 2)),
      el('dt', {}, 'Inefficient files'),
      el('dd', {}, count(d.inefficiencyCount)),
    ),
    d.abortedLayers.length > 0 &&
      el(
        'p',
        { class: 'callout' },
        `dive stops reading layer${d.abortedLayers.length === 1 ? '' : 's'} ${d.abortedLayers.join(', ')} early (a whiteout of a path no lower layer has); its figures, reproduced here, skip the rest of ${d.abortedLayers.length === 1 ? 'that layer' : 'those layers'}.`,
      ),
    el('h3', {}, 'Inefficient files', el('span', { class: 'muted' }, ' — paths in two or more layers, largest first')),
    rows.length
      ? table('report-inefficient', [th('Wasted', true), th('Copies', true), th('Layers', true), th('Path')], rows)
      : el('p', { class: 'note' }, 'None: no path is written by more than one layer.'),
    left > 0 &&
      el(
        'p',
        { class: 'more' },
        `${plural(left, 'more path')} not listed here; all of them: layerscope inspect IMAGE.tar --format dive-json, or the CSV/JSON export in the page.`,
      ),
    wasteAdvice(ctx),
  );
}

function wasteAdvice(ctx: Ctx): Html | null {
  const groups = ctx.audit?.wasteGroups ?? [];
  if (!groups.length) return null;
  const shownGroups = groups.slice(0, REPORT_MAX_WASTE_GROUPS);
  return html(
    el('h3', {}, 'How to get the hidden bytes back'),
    table(
      'report-waste',
      [th('Bytes', true), th('Files', true), th('Where'), th('Added by', true), th('Hidden by', true), th('Fix')],
      shownGroups.map((g) =>
        el(
          'tr',
          {},
          td('Bytes', 'num', bytes(g.bytes)),
          td('Files', 'num', count(g.files)),
          td('Where', 'path', ctx.t(g.dir)),
          td('Added by', 'num', `layer ${g.createdBy}`),
          td('Hidden by', 'num', `layer ${g.hiddenBy}`),
          td('Fix', 'wide', ctx.t(g.advice)),
        ),
      ),
    ),
    groups.length > shownGroups.length &&
      el('p', { class: 'more' }, `${plural(groups.length - shownGroups.length, 'smaller group')} not listed (layerscope audit lists all).`),
  );
}

/* ------------------------------------------------------------ the audit */

function auditMissing(audit: ReportAudit): Html | null {
  if (audit.status === 'skipped') return el('p', { class: 'callout', 'data-testid': 'report-audit-missing' }, `The audit was not run: ${audit.reason}`);
  if (audit.status === 'failed')
    return el('p', { class: 'callout callout--bad', 'data-testid': 'report-audit-missing' }, 'The audit failed: ', text(audit.error));
  return null;
}

function packagesSection(ctx: Ctx, audit: ReportAudit): Html {
  const head = el('h2', { id: 'h-packages' }, 'Packages', el('span', { class: 'sub' }, 'from the package databases in every layer'));
  const a = ctx.audit;
  if (!a) return el('section', { id: 'packages', 'aria-labelledby': 'h-packages' }, head, auditMissing(audit));
  const present = a.packages.filter((p) => p.removedBy === null);
  const byEco = ECOSYSTEMS.map((e) => [e, present.filter((p) => p.ecosystem === e).length] as const).filter(([, n]) => n > 0);
  const perLayer = a.perLayer.filter((s) => s.installed || s.upgraded || s.removed);
  const listed = a.packages.slice(0, REPORT_MAX_PACKAGES);
  const pkgRow = (p: AuditPackage) =>
    el(
      'tr',
      {},
      td('Ecosystem', null, el('span', { class: 'eco' }, p.ecosystem)),
      td('Name', 'path head', ctx.t(p.name, 300)),
      td('Version', 'ver', ctx.t(p.version, 200)),
      td('Layer', 'num', swatch(p.layer), String(p.layer)),
      td('Removed', 'num', p.removedBy === null ? '' : `by layer ${p.removedBy}`),
      td('Size', 'num', p.size === null ? '' : bytes(p.size)),
      td(
        'History',
        'wide',
        p.history.length > 1 &&
          ctx.t(
            p.history
              .slice(1)
              .map((h) => `${h.action}${h.action === 'removed' ? '' : ` to ${h.version}`} in layer ${h.layer}`)
              .join('; '),
            600,
          ),
      ),
    );
  const listTable = table(
    'report-packages',
    [th('Ecosystem'), th('Name'), th('Version'), th('Layer', true), th('Removed', true), th('Size', true), th('History')],
    listed.map(pkgRow),
  );
  return el(
    'section',
    { id: 'packages', 'aria-labelledby': 'h-packages' },
    head,
    el(
      'ul',
      { class: 'chips', 'data-testid': 'report-ecosystems' },
      el('li', { class: 'chip' }, plural(present.length, 'package'), ' in the final image'),
      byEco.map(([e, n]) => el('li', { class: 'chip' }, `${ECOSYSTEM_NAMES[e]}: ${count(n)}`)),
      a.packages.length > present.length && el('li', { class: 'chip' }, `${count(a.packages.length - present.length)} removed by a later layer`),
    ),
    perLayer.length > 0 &&
      html(
        el('h3', {}, 'Per layer'),
        table(
          'report-packages-per-layer',
          [th('Layer', true), th('Installed', true), th('Upgraded', true), th('Removed', true), th('Size', true), th('Step')],
          perLayer.map((s) =>
            el(
              'tr',
              { 'data-layer': s.layer },
              td('Layer', 'num head', swatch(s.layer), String(s.layer)),
              td('Installed', 'num', count(s.installed)),
              td('Upgraded', 'num', count(s.upgraded)),
              td('Removed', 'num', count(s.removed)),
              td('Size', 'num', s.sizeDelta === 0 ? '' : html(s.sizeDelta > 0 ? '+' : '−', bytes(Math.abs(s.sizeDelta)))),
              td('Step', 'step', ctx.t(stepLabel(ctx.scrub(ctx.img.image.layers[s.layer]?.createdBy ?? '')), 200)),
            ),
          ),
        ),
      ),
    a.packages.length === 0
      ? el('p', { class: 'note' }, 'No package database was found in any layer (a distroless or scratch image, or a static binary).')
      : html(
          el('h3', {}, 'All packages'),
          a.packages.length <= OPEN_LIST_ROWS ? listTable : el('details', {}, el('summary', {}, `Show all ${plural(a.packages.length, 'package')}`), listTable),
          a.packages.length > listed.length &&
            el(
              'p',
              { class: 'more' },
              `${plural(a.packages.length - listed.length, 'more package')} not listed; all of them: layerscope audit IMAGE.tar --json.`,
            ),
        ),
  );
}

function secretsSection(ctx: Ctx, audit: ReportAudit): Html {
  const head = el('h2', { id: 'h-secrets' }, 'Secrets', el('span', { class: 'sub' }, 'values redacted: a short prefix and the length'));
  const a = ctx.audit;
  if (!a) return el('section', { id: 'secrets', 'aria-labelledby': 'h-secrets' }, head, auditMissing(audit));
  const listed = a.secrets.slice(0, REPORT_MAX_SECRETS);
  const hiddenOnes = a.secrets.filter((s) => s.deletedBy !== null).length;
  const where = (s: SecretFinding) =>
    s.source === 'file'
      ? `layer${s.layers.length === 1 ? '' : 's'} ${s.layers.join(', ')}`
      : s.source === 'history'
        ? `build history${s.layer === null ? '' : `, layer ${s.layer}`}`
        : 'image config';
  return el(
    'section',
    { id: 'secrets', 'aria-labelledby': 'h-secrets' },
    head,
    a.secrets.length === 0
      ? el(
          'p',
          { class: 'note', 'data-testid': 'report-no-secrets' },
          'No secrets found in any version of any credential-like file, the config or the history.',
        )
      : html(
          el(
            'p',
            { class: 'callout callout--bad' },
            `${plural(a.secrets.length, 'secret finding')}`,
            hiddenOnes
              ? `, ${count(hiddenOnes)} of them in files a later layer deleted or overwrote — still in the image, downloadable from the layer that added them.`
              : '.',
            ' Rotate them, then remove them from the build (a build secret mount, not a COPY and a delete).',
          ),
          table(
            'report-secrets',
            [th('Finding'), th('Where'), th('In'), th('Status'), th('Value (redacted)')],
            listed.map((s) =>
              el(
                'tr',
                {},
                td('Finding', 'head', ctx.t(s.title, 200), el('div', { class: 'muted mono' }, ctx.t(s.rule, 200))),
                td('Where', 'path', ctx.t(`${s.path}${s.line ? `:${s.line}` : ''}`)),
                td('In', 'wide', where(s)),
                td(
                  'Status',
                  s.deletedBy !== null ? 'failed wide' : 'wide',
                  s.headline ? ctx.t(s.headline, 300) : s.visible ? 'in the final filesystem' : 'shipped',
                ),
                td('Value', 'wide', el('span', { class: 'redacted' }, text(s.redacted, 200))),
              ),
            ),
          ),
          a.secrets.length > listed.length &&
            el('p', { class: 'more' }, `${plural(a.secrets.length - listed.length, 'more finding')} not listed (layerscope audit lists all).`),
        ),
  );
}

/* ------------------------------------------------------------ integrity and notes */

function integritySection(ctx: Ctx): Html {
  const checks = ctx.img.integrity;
  const bad = checks.filter((c) => c.diffId === 'mismatch' || c.digest === 'mismatch');
  const verified = checks.filter((c) => !bad.includes(c) && (c.diffId === 'ok' || c.digest === 'ok')).length;
  const failed = ctx.img.layerErrors.filter((e) => e !== null).length;
  const warnings = [...ctx.img.warnings.map((w) => w.message), ...(ctx.audit?.warnings ?? []).map((w) => w.message)];
  const notScanned = ctx.audit?.notScanned ?? [];
  const verdict = bad.length
    ? el(
        'p',
        { class: 'callout callout--bad' },
        `${plural(bad.length, 'layer')} (${bad.map((c) => c.layer).join(', ')}) do NOT match their digests: the archive was altered or damaged.`,
      )
    : el(
        'p',
        { class: 'note' },
        verified === checks.length && checks.length > 0
          ? `Every layer matches its digests (${count(verified)} of ${count(checks.length)} verified).`
          : `${count(verified)} of ${plural(checks.length, 'layer')} verified against their digests; the others were not checked.`,
      );
  return el(
    'section',
    { id: 'integrity', 'aria-labelledby': 'h-integrity' },
    el('h2', { id: 'h-integrity' }, 'Integrity and notes'),
    verdict,
    failed > 0 &&
      el('p', { class: 'callout callout--bad' }, `${plural(failed, 'layer')} could not be read; the figures leave ${failed === 1 ? 'it' : 'them'} out.`),
    warnings.length > 0 &&
      html(
        el('h3', {}, 'Warnings'),
        el(
          'ul',
          { class: 'wrap' },
          warnings.slice(0, REPORT_MAX_NOTES).map((w) => el('li', {}, ctx.t(w, 1000))),
        ),
        warnings.length > REPORT_MAX_NOTES && el('p', { class: 'more' }, `${count(warnings.length - REPORT_MAX_NOTES)} more not listed.`),
      ),
    notScanned.length > 0 &&
      html(
        el('h3', {}, 'Files the audit could not read (never counted as clean)'),
        el(
          'ul',
          { class: 'wrap' },
          notScanned.slice(0, REPORT_MAX_NOTES).map((n) => el('li', {}, el('code', {}, ctx.t(n.path)), ` (layer ${n.layer}): `, ctx.t(n.reason, 500))),
        ),
        notScanned.length > REPORT_MAX_NOTES && el('p', { class: 'more' }, `${count(notScanned.length - REPORT_MAX_NOTES)} more not listed.`),
      ),
  );
}

function footer(input: ReportInput): Html {
  return el(
    'footer',
    {},
    el(
      'p',
      {},
      `Made by Layerscope ${input.version}`,
      input.host === 'cli' ? ' (layerscope report)' : ' (Export report, in the browser)',
      ` on ${formatUtc(input.generatedAt)}. The image itself is not in this file — only its names and figures; secret values are redacted.`,
    ),
    el('p', {}, 'This page loads nothing and runs no script: it opens offline in any browser.'),
  );
}
