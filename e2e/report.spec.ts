/**
 * "Export report" in the page (issue 15): the header's button saves one HTML
 * file; opened in a fresh page with every network request refused, it renders
 * the layer table with a row per layer, its stylesheet applies (the CSP's hash
 * matches in a real browser: no violation reported), it makes no request at
 * all, and it never holds a secret value — on an image built here with secrets,
 * a deleted key, packages and a hostile file name.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { buildImage, dpkgStanza, dpkgStatus, pseudoRandom } from '../test/helpers/auditImage';

const tmp = mkdtempSync(join(tmpdir(), 'layerscope-e2e-report-'));
test.afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const PW = pseudoRandom(20, 4242);
const key = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
const HOSTILE = 'app/</script><script>document.title="pwned"</script>\u202Egnp.exe';

async function image(): Promise<string> {
  const bytes = await buildImage({
    layers: [
      {
        createdBy: '/bin/sh -c #(nop) ADD file:0123abcd in / ',
        files: [
          { path: 'var/lib/dpkg/status', data: dpkgStatus(dpkgStanza('base-files', '12.4', { size: 300 }), dpkgStanza('libc6', '2.36-9', { size: 12000 })) },
        ],
      },
      {
        createdBy: '/bin/sh -c apt-get install -y curl',
        files: [
          { path: 'var/lib/dpkg/status', data: dpkgStatus(dpkgStanza('base-files', '12.4'), dpkgStanza('curl', '7.88.1'), dpkgStanza('libc6', '2.36-9')) },
          { path: HOSTILE, data: 'x'.repeat(5000) },
        ],
      },
      {
        createdBy: 'COPY id_rsa /root/.ssh/id_rsa # buildkit',
        files: [
          { path: 'root/.ssh/id_rsa', data: key, mode: 0o600 },
          { path: 'app/.env', data: `DB_PASSWORD=${PW}\n` },
          { path: HOSTILE, data: 'y'.repeat(100) },
        ],
      },
      { createdBy: '/bin/sh -c rm /root/.ssh/id_rsa', files: [{ path: 'root/.ssh/.wh.id_rsa' }] },
    ],
  });
  const f = join(tmp, 'report-image.tar');
  writeFileSync(f, bytes);
  return f;
}

async function exportReport(page: Page, file: string): Promise<{ path: string; name: string }> {
  await page.goto('./');
  await page.getByTestId('file-input').setInputFiles(file);
  await expect(page.locator('.app[data-state]')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  // the digests are checked behind the view: wait, so the report says verified as the command's does
  await expect(page.getByTestId('integrity-status')).toHaveText('4/4 layers verified');
  const [d] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-report').getByRole('button', { name: 'Export report' }).click()]);
  const path = join(tmp, d.suggestedFilename());
  await d.saveAs(path);
  return { path, name: d.suggestedFilename() };
}

test('Export report: one HTML file that opens offline, renders every layer, requests nothing, shows no secret', async ({ page, browser }) => {
  // Building the image, loading, auditing, then a second browser context: ~15 s alone; 72 s seen at load average 25 on 2 cores.
  test.setTimeout(180_000);
  const file = await image();
  const { path, name } = await exportReport(page, file);
  expect(name).toBe('layerscope_audit-test_1-report.html');
  const doc = readFileSync(path, 'utf8');
  expect(doc).not.toContain(PW);
  expect(doc).not.toContain(key.split('\n')[3]!);
  expect(doc).toContain('(Export report, in the browser)');

  // A new page that may fetch nothing: every request but the file itself is refused and recorded.
  const ctx = await browser.newContext();
  const report = await ctx.newPage();
  const requests: string[] = [];
  const problems: string[] = [];
  report.on('request', (r) => requests.push(r.url()));
  report.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
  });
  report.on('pageerror', (e) => problems.push(e.message));
  await ctx.route('**', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
  const url = `file://${path}`;
  await report.goto(url);

  const rows = report.getByTestId('report-layers').locator('tbody tr');
  await expect(rows).toHaveCount(4);
  await expect(rows.nth(2).locator('td').last()).toHaveText('COPY id_rsa /root/.ssh/id_rsa');
  await expect(report.getByTestId('report-stack').locator('li[data-layer]')).toHaveCount(4);
  await expect(report.getByTestId('report-title')).toHaveText('layerscope/audit-test:1');
  // the hostile name is text, its override a visible token; nothing of it ran
  await expect(report.getByTestId('report-inefficient')).toContainText('</script><script>document.title="pwned"</script>⟨U+202E⟩gnp.exe');
  expect(await report.title()).toBe('layerscope/audit-test:1 — Layerscope report');
  // secrets: listed, redacted
  await expect(report.getByTestId('report-secrets').locator('tbody tr')).toHaveCount(2);
  await expect(report.getByTestId('report-secrets')).toContainText('deleted in layer 3, still downloadable from layer 2');
  await expect(report.getByTestId('card-packages').locator('.v')).toHaveText('3');
  // the hashed stylesheet applied (a wrong hash would leave the cards unstyled and log a CSP violation)
  expect(await report.getByTestId('card-layers').evaluate((e) => getComputedStyle(e).borderTopLeftRadius)).toBe('10px');
  expect(problems).toEqual([]);
  expect(requests).toEqual([url]);
  await ctx.close();
});

test('the page exports the same document layerscope report writes (but for the time and the host)', async ({ page }) => {
  test.setTimeout(180_000);
  const file = await image();
  // dist-cli/ is built with the page (npm test: build, then e2e)
  const cli = execFileSync(process.execPath, [join(process.cwd(), 'bin/layerscope.mjs'), 'report', file, '-o', '-'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const { path } = await exportReport(page, file);
  const normal = (d: string) =>
    d
      .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/g, 'TIME')
      .replace(' (Export report, in the browser)', ' HOST')
      .replace(' (layerscope report)', ' HOST');
  const fromPage = normal(readFileSync(path, 'utf8'));
  expect(fromPage).toContain('data-testid="report-secrets"');
  expect(fromPage).toBe(normal(cli));
});
