/**
 * The report renderer on real images: one the tests build (hostile names in
 * paths, tags and build steps; secrets in files, a deleted key and a build
 * argument; dpkg packages), audited by the engine, and dive's own test image
 * (test/fixtures). The checks read the document as a browser would — a small
 * tokenizer lists every tag and attribute — rather than comparing snapshots:
 * only allowed elements and attributes, nothing that loads or runs, no text
 * from the image outside escaped text, and the sections with the right counts.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apkRecord, buildImage, dpkgStanza, dpkgStatus, openBuilt, pseudoRandom } from '../../test/helpers/auditImage';
import { auditImage, inProcessAuditHost } from '../core/audit/audit';
import { openImage, type LoadedImage } from '../core/session';
import type { AuditReport } from '../core/audit/types';
import { renderReport, REPORT_MAX_INEFFICIENT, secretScrubber, type ReportAudit, type ReportInput } from './render';
import { REPORT_CSS } from './styles';
import { escapeHtml, clip, MAX_TEXT_CHARS } from './html';

/* ------------------------------------------------------------ a tiny HTML tokenizer */

interface Tag {
  name: string;
  close: boolean;
  attrs: Map<string, string>;
}

/** What a browser would see, for documents written the way html.ts writes them (double-quoted attributes). */
function tokenize(doc: string): { tags: Tag[]; text: string; style: string[] } {
  const tags: Tag[] = [];
  const style: string[] = [];
  let text = '';
  const TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s"'>/=]+(?:="[^"]*")?)*)\s*(\/?)>/y;
  const ATTR = /\s+([^\s"'>/=]+)(?:="([^"]*)")?/g;
  let i = doc.startsWith('<!DOCTYPE html>') ? '<!DOCTYPE html>'.length : 0;
  while (i < doc.length) {
    const lt = doc.indexOf('<', i);
    if (lt < 0) {
      text += doc.slice(i);
      break;
    }
    text += doc.slice(i, lt);
    TAG.lastIndex = lt;
    const m = TAG.exec(doc);
    if (!m) throw new Error(`a "<" that starts no tag at ${lt}: ${JSON.stringify(doc.slice(lt, lt + 60))}`);
    const attrs = new Map<string, string>();
    for (const a of m[3]!.matchAll(ATTR)) {
      if (attrs.has(a[1]!)) throw new Error(`duplicate attribute ${a[1]} in ${m[0]}`);
      attrs.set(a[1]!, a[2] ?? '');
    }
    const tag = { name: m[2]!.toLowerCase(), close: m[1] === '/', attrs };
    tags.push(tag);
    i = TAG.lastIndex;
    if (tag.name === 'style' && !tag.close) {
      // raw text element: its content runs to </style> (HTML §13.1.2.1)
      const end = doc.indexOf('</style>', i);
      style.push(doc.slice(i, end));
      i = end;
    }
  }
  return { tags, text, style };
}

const ALLOWED_TAGS = new Set(
  'html head meta title style body main div span section h1 h2 h3 p ul ol li dl dt dd nav a table thead tbody tr th td code bdi details summary footer svg rect path'.split(
    ' ',
  ),
);
const ALLOWED_ATTRS = new Set(
  'lang dir http-equiv content charset name class id title href data-testid data-layer data-k aria-label aria-labelledby aria-hidden role scope width height viewbox preserveaspectratio fill rx x d'.split(
    ' ',
  ),
);

/** Every structural property a report must have, whatever the image. */
function checkDocument(doc: string) {
  const { tags, text, style } = tokenize(doc);
  for (const t of tags) {
    expect(ALLOWED_TAGS.has(t.name), `element <${t.name}>`).toBe(true);
    for (const [k, v] of t.attrs) {
      expect(ALLOWED_ATTRS.has(k.toLowerCase()), `attribute ${k} on <${t.name}>`).toBe(true);
      // href is the one URL-valued attribute allowed (src, action, xlink:href… are not): only the report's own sections.
      // (a title may quote a URL from a build step: that is text, nothing fetches it)
      if (k === 'href') expect(v).toMatch(/^#[a-z-]+$/);
    }
  }
  // nothing that fetches or runs: no script/img/link/iframe/object/base/form, no style attribute
  expect(tags.filter((t) => t.attrs.has('style') || t.attrs.has('src'))).toEqual([]);
  // text content is only text: every < of the image was escaped
  expect(text).not.toContain('<');
  expect(text).not.toContain('>');
  // no raw bidi or zero-width characters anywhere
  expect(doc).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200b-\u200f\u061c\ufeff]/);
  // the one stylesheet, our constant, with no url() or @import, allowed by its hash
  expect(style).toEqual([REPORT_CSS]);
  expect(REPORT_CSS).not.toMatch(/url\(|@import|https?:|\/\//);
  const metas = tags.filter((t) => t.name === 'meta');
  const csp = metas[0]!;
  expect(csp.attrs.get('http-equiv')).toBe('Content-Security-Policy');
  expect(tags.indexOf(csp)).toBe(2); // <html>, <head>, then the policy before anything else
  const hash = createHash('sha256').update(REPORT_CSS).digest('base64');
  expect(csp.attrs.get('content')).toBe(`default-src 'none'; style-src 'sha256-${hash}'; base-uri 'none'; form-action 'none'`);
  expect(doc).not.toMatch(/unsafe-inline|unsafe-eval|<script|<img|<link|<iframe|<object|<embed|<base|<form/i);
  return { tags, text };
}

const byTestId = (tags: Tag[], id: string) => {
  const i = tags.findIndex((t) => !t.close && t.attrs.get('data-testid') === id);
  expect(i, `data-testid=${id}`).toBeGreaterThanOrEqual(0);
  return i;
};

/** The <tr> of a table's tbody (tables here are not nested). */
function bodyRows(tags: Tag[], testId: string): Tag[] {
  const start = byTestId(tags, testId);
  const tb = tags.findIndex((t, i) => i > start && t.name === 'tbody' && !t.close);
  const end = tags.findIndex((t, i) => i > tb && t.name === 'tbody' && t.close);
  return tags.slice(tb, end).filter((t) => t.name === 'tr' && !t.close);
}

/* ------------------------------------------------------------ images */

const PW = pseudoRandom(24, 77);
const GH_TOKEN = `ghp_${pseudoRandom(36, 12)}`;
const KEY = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
const KEY_BODY = KEY.split('\n')[5]!;
const SCRIPT_PATH = 'app/</script><script>alert(1)</script>"x\'.txt';
const BIDI_PATH = 'srv/invoice\u202Egnp.exe';
const EVIL_STEP = `/bin/sh -c echo "</style><img src=https://evil.example/x.png>" > /srv/invoice\u202Egnp.exe`;
const EVIL_TAG = 'evil/<script>alert(1)</script>:1"\u2066x';

async function hostileImage(): Promise<LoadedImage> {
  const bytes = await buildImage({
    layers: [
      {
        createdBy: '/bin/sh -c #(nop) ADD file:abc in / ',
        files: [
          { path: 'var/lib/dpkg/status', data: dpkgStatus(dpkgStanza('base-files', '12.4'), dpkgStanza('libc6', '2.36-9', { size: 12000 })) },
          { path: 'lib/apk/db/installed', data: `${apkRecord('musl', '1.2.4-r2')}\n\n` },
        ],
      },
      {
        createdBy: `/bin/sh -c GITHUB_TOKEN=${GH_TOKEN} apt-get install -y curl`,
        files: [
          {
            path: 'var/lib/dpkg/status',
            data: dpkgStatus(dpkgStanza('base-files', '12.4'), dpkgStanza('curl', '7.88.1'), dpkgStanza('libc6', '2.36-9+deb12u4')),
          },
          { path: 'root/.ssh/id_rsa', data: KEY },
          { path: 'app/.env', data: `DB_PASSWORD=${PW}\n` },
          { path: SCRIPT_PATH, data: 'x'.repeat(3000) },
        ],
      },
      { createdBy: EVIL_STEP, files: [{ path: 'root/.ssh/.wh.id_rsa' }, { path: BIDI_PATH, data: 'MZ' }, { path: SCRIPT_PATH, data: 'y'.repeat(2000) }] },
    ],
  });
  return openBuilt(bytes);
}

async function auditOf(img: LoadedImage): Promise<AuditReport> {
  return auditImage(img, { host: inProcessAuditHost(1) });
}

const base = (image: ReportInput['image'], audit: ReportAudit): ReportInput => ({
  image,
  audit,
  version: '9.8.7',
  generatedAt: '2026-01-02T03:04:05.000Z',
  source: 'image.tar',
  host: 'cli',
});

describe('renderReport', () => {
  it('a hostile image: only allowed markup, names escaped and shown, nothing loads or runs', async () => {
    const loaded = await hostileImage();
    const report = await auditOf(loaded);
    const img = { ...loaded, image: { ...loaded.image, tags: [EVIL_TAG, 'plain/name:2'] } };
    const doc = await renderReport({ ...base(img, { status: 'done', report }), source: 'my<archive>"\u202E.tar' });
    const { tags, text } = checkDocument(doc);

    // the hostile strings are there, as text
    expect(text).toContain(escapeHtml('app/</script><script>alert(1)</script>"x\'.txt'));
    expect(doc).toContain('evil/&lt;script&gt;alert(1)&lt;/script&gt;:1&quot;');
    expect(doc).toContain('invoice<span class="tok" title="U+202E RIGHT-TO-LEFT OVERRIDE');
    expect(doc).toContain('⟨U+202E⟩');
    expect(doc).toContain('⟨U+2066⟩');
    expect(doc).toContain('&lt;/style&gt;&lt;img src=https://evil.example/x.png&gt;');
    // the <title> is text too, and names the image
    const t = tags.findIndex((x) => x.name === 'title');
    expect(doc.slice(doc.indexOf('<title>'), doc.indexOf('</title>'))).toContain('evil/&lt;script&gt;');
    expect(t).toBeGreaterThan(0);

    // structure: every layer in the table and in the diagram
    expect(bodyRows(tags, 'report-layers')).toHaveLength(3);
    expect(tags.filter((x) => x.name === 'li' && x.attrs.has('data-layer'))).toHaveLength(3);
    for (const id of ['stack', 'layers', 'efficiency', 'packages', 'secrets', 'integrity'])
      expect(tags.some((x) => x.name === 'section' && x.attrs.get('id') === id)).toBe(true);
    expect(doc).toContain(loaded.image.configDigest!);
    expect(doc).toContain('linux/amd64');
    expect(doc).toContain('Layerscope 9.8.7');
    expect(doc).toContain('2026-01-02 03:04:05 UTC');
    // packages: the list and the per-layer counts
    expect(bodyRows(tags, 'report-packages').length).toBe(report.packages.length);
    expect(report.packages.length).toBe(4);
    expect(bodyRows(tags, 'report-packages-per-layer').length).toBe(2);
    expect(doc).toContain('curl');
    // dive's inefficient files: the rewritten path
    expect(bodyRows(tags, 'report-inefficient').length).toBe(loaded.stats.dive.inefficiencies.length);
  });

  it('secrets: redacted in the findings and scrubbed from every other text (a build argument in created_by)', async () => {
    const loaded = await hostileImage();
    const report = await auditOf(loaded);
    const values = report.secrets.map((s) => s.value);
    expect(values).toEqual(expect.arrayContaining([PW, GH_TOKEN]));
    expect(report.secrets.some((s) => s.path === '/root/.ssh/id_rsa' && s.deletedBy === 2)).toBe(true);
    const doc = await renderReport(base(loaded, { status: 'done', report }));
    const { tags } = checkDocument(doc);
    for (const v of [PW, GH_TOKEN, KEY_BODY, ...values]) expect(doc).not.toContain(v);
    expect(bodyRows(tags, 'report-secrets')).toHaveLength(report.secrets.length);
    for (const s of report.secrets) expect(doc).toContain(escapeHtml(s.redacted));
    // the history step still reads as the step, with the token replaced by its redacted form
    expect(doc).toContain('GITHUB_TOKEN=[secret ghp_');
    expect(doc).toContain('deleted in layer 2, still downloadable from layer 1');
  });

  it('without the audit: says so, and still has the layers and dive figures', async () => {
    const loaded = await hostileImage();
    for (const audit of [
      { status: 'skipped', reason: 'layerscope report --no-audit' },
      { status: 'failed', error: 'boom <b>' },
    ] as const) {
      const doc = await renderReport(base(loaded, audit));
      const { tags } = checkDocument(doc);
      expect(bodyRows(tags, 'report-layers')).toHaveLength(3);
      expect(doc).toContain(audit.status === 'skipped' ? 'The audit was not run: layerscope report --no-audit' : 'The audit failed: <bdi>boom &lt;b&gt;</bdi>');
      expect(doc).not.toContain('data-testid="report-packages"');
    }
  });

  it("dive's test image (test/fixtures): 14 layers, dive's figures, the three inefficient files", async () => {
    const bytes = readFileSync(new URL('../../test/fixtures/images/dive-legacy-14-layers.tar', import.meta.url));
    const loaded = await openImage(new Blob([bytes]));
    const report = await auditOf(loaded);
    const doc = await renderReport(base(loaded, { status: 'done', report }));
    const { tags } = checkDocument(doc);
    expect(bodyRows(tags, 'report-layers')).toHaveLength(14);
    expect(bodyRows(tags, 'report-layers').map((r) => r.attrs.get('data-layer'))).toEqual([...Array(14).keys()].map(String));
    expect(bodyRows(tags, 'report-inefficient')).toHaveLength(3);
    // dive reports 98.4421 % and 32,025 wasted bytes for this image (test/fixtures/dive/export_test.snap)
    expect(doc).toContain('98.4421 %');
    expect(doc).toContain('32,025 bytes');
    expect(doc).toContain('dive-test:latest');
  });

  it('long lists are cut at their limits, saying how many are left out', async () => {
    const loaded = await hostileImage();
    const many = Array.from({ length: REPORT_MAX_INEFFICIENT + 25 }, (_, i) => ({ path: `/f${i}`, cumulativeSize: 1000 - i, minSize: 1, layers: [0, 1] }));
    const img = { ...loaded, stats: { ...loaded.stats, dive: { ...loaded.stats.dive, inefficiencies: many, inefficiencyCount: many.length + 100 } } };
    const doc = await renderReport(base(img, { status: 'skipped', reason: 'test' }));
    const { tags } = checkDocument(doc);
    expect(bodyRows(tags, 'report-inefficient')).toHaveLength(REPORT_MAX_INEFFICIENT);
    expect(doc).toContain('125 more paths not listed here');
    // one text longer than the limit is clipped
    expect(clip('a'.repeat(MAX_TEXT_CHARS + 7))).toBe(`${'a'.repeat(MAX_TEXT_CHARS)}… (7 more characters)`);
  });

  it('a layer that could not be read: named in its row, the diagram and the notes, its stored size shown as such', async () => {
    const loaded = await hostileImage();
    const layers = [...loaded.layers];
    layers[1] = null;
    const layerErrors = [null, 'layer 1: not a valid gzip stream <at 10>', null];
    const doc = await renderReport(base({ ...loaded, layers, layerErrors }, { status: 'skipped', reason: 'test' }));
    const { tags } = checkDocument(doc);
    expect(bodyRows(tags, 'report-layers')).toHaveLength(3);
    expect(doc).toContain('could not be read: <bdi>layer 1: not a valid gzip stream &lt;at 10&gt;</bdi>');
    expect(doc).toContain('1 layer could not be read; the figures leave it out.');
    expect(doc).toContain('title="not read: the stored (compressed) size"');
  });

  it('the scrubber replaces longer values first and ignores very short ones', () => {
    const f = (value: string, redacted: string) => ({ value, redacted }) as never;
    const scrub = secretScrubber([f('abc', 'a…(3)'), f('secret-one', 's…(10)'), f('secret-one-two', 'se…(14)')]);
    expect(scrub('x secret-one-two y secret-one abc')).toBe('x [secret se…(14)] y [secret s…(10)] abc');
  });
});
