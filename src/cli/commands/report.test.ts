/**
 * `layerscope report` through `main()` with a capturing io, on the fixtures:
 * the file written with -o, `-o -` to stdout, the archive from stdin, the image
 * and platform options, and the user errors (no -o, a missing archive, an
 * unwritable output) that exit 2 and write nothing. The document itself is
 * checked in src/report/render.test.ts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/helpers/runCli';
import { VERSION } from '../version';

const FIXTURES = new URL('../../../test/fixtures/images/', import.meta.url);
const img = (name: string) => new URL(name, FIXTURES).pathname;
const T = 60_000;

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'layerscope-report-cli-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const run = (argv: string[], stdin?: Buffer) => runCli(argv, { cwd: tmp, stdin });

/** The <tr> rows of the layer table. */
function layerRows(doc: string): number {
  const start = doc.indexOf('data-testid="report-layers"');
  expect(start).toBeGreaterThan(0);
  const table = doc.slice(start, doc.indexOf('</table>', start));
  return table.match(/<tr data-layer="\d+">/g)?.length ?? 0;
}

describe('layerscope report', () => {
  it(
    '-o FILE writes one HTML file (relative to the working directory), exit 0',
    async () => {
      const r = await run(['report', img('dive-legacy-14-layers.tar'), '-o', 'dive.html']);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toBe('');
      expect(r.err).toMatch(/^layerscope: wrote dive\.html \(\d+ kB\)\n$/);
      const doc = readFileSync(join(tmp, 'dive.html'), 'utf8');
      expect(doc.startsWith('<!DOCTYPE html>')).toBe(true);
      expect(doc).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-`);
      expect(layerRows(doc)).toBe(14);
      expect(doc).toContain('dive-test:latest');
      expect(doc).toContain(`Layerscope ${VERSION}`);
      expect(doc).toContain('dive-legacy-14-layers.tar');
      // inspect verifies by default, and so does the report
      expect(doc).toContain('Every layer matches its digests (14 of 14 verified).');
    },
    T,
  );

  it(
    '-o - writes the HTML to stdout; the archive may come from stdin; --no-audit and --no-verify say so',
    async () => {
      const bytes = readFileSync(img('legacy-overwritten-file.tar'));
      const r = await run(['report', '-', '-o', '-', '--no-audit', '--no-verify'], bytes);
      expect(r.code, r.err).toBe(0);
      expect(r.err).toBe('');
      expect(r.out.startsWith('<!DOCTYPE html>')).toBe(true);
      expect(r.out.trimEnd().endsWith('</html>')).toBe(true);
      expect(r.out).toContain('The audit was not run: layerscope report --no-audit');
      expect(r.out).toContain('<bdi>stdin</bdi>');
      expect(r.out).toMatch(/0 of \d+ layers? verified/);
      // the same image from the file: the same layer table
      const f = await run(['report', img('legacy-overwritten-file.tar'), '-o', '-', '--no-audit']);
      expect(layerRows(f.out)).toBe(layerRows(r.out));
      expect(layerRows(f.out)).toBeGreaterThan(1);
    },
    T,
  );

  it(
    '--image and --platform pick the image, as in the other commands',
    async () => {
      const first = await run(['report', img('legacy-bundle-two-images.tar'), '-o', '-', '--no-audit']);
      const second = await run(['report', img('legacy-bundle-two-images.tar'), '-o', '-', '--no-audit', '--image', '1']);
      expect(first.out).toContain('<h1 data-testid="report-title"><span class="tag"><bdi>test_image_2</bdi>');
      expect(second.out).toContain('<h1 data-testid="report-title"><span class="tag"><bdi>test_image_1</bdi>');
      expect(second.out).toContain('image 2 of 2 in the archive');
      const multi = await run(['report', img('containerd-busybox-multiarch-index.tar'), '-o', '-', '--no-audit', '--platform', 'linux/amd64']);
      expect(multi.code, multi.err).toBe(0);
      expect(multi.out).toContain('linux/amd64');
      const none = await run(['report', img('containerd-busybox-multiarch-index.tar'), '-o', join(tmp, 'none.html'), '--platform', 'plan9/mips']);
      expect(none.code).toBe(2);
      expect(existsSync(join(tmp, 'none.html'))).toBe(false);
    },
    T,
  );

  it(
    'user errors exit 2 with one line and write nothing',
    async () => {
      const noOut = await run(['report', img('dive-legacy-14-layers.tar')]);
      expect(noOut.code).toBe(2);
      expect(noOut.err).toBe('layerscope: report needs -o FILE (or -o - for stdout)\n');
      expect(noOut.out).toBe('');

      const noArchive = await run(['report', '-o', 'x.html']);
      expect(noArchive.code).toBe(2);
      expect(noArchive.err).toMatch(/^layerscope: report needs an ARCHIVE argument/);

      const missing = await run(['report', join(tmp, 'nope.tar'), '-o', 'missing.html']);
      expect(missing.code).toBe(2);
      expect(missing.err).toMatch(/^layerscope: cannot read .*nope\.tar: no such file\n$/);
      expect(existsSync(join(tmp, 'missing.html'))).toBe(false);

      const notImage = await run(['report', new URL('../../../package.json', import.meta.url).pathname, '-o', 'bad.html']);
      expect(notImage.code).toBe(2);
      expect(notImage.err.split('\n').filter(Boolean)).toHaveLength(1);
      expect(existsSync(join(tmp, 'bad.html'))).toBe(false);

      const unwritable = await run(['report', img('legacy-overwritten-file.tar'), '--no-audit', '-o', join(tmp, 'no-such-dir', 'r.html')]);
      expect(unwritable.code).toBe(2);
      expect(unwritable.err).toMatch(/^layerscope: cannot write .*r\.html: ENOENT/);
    },
    T,
  );

  it('layerscope help report lists every option with examples', async () => {
    const r = await run(['help', 'report']);
    expect(r.code).toBe(0);
    for (const s of [
      '-o, --output FILE',
      '--no-audit',
      '--no-verify',
      '--image N|TAG',
      '--platform',
      'layerscope report image.tar -o report.html',
      "default-src 'none'",
    ])
      expect(r.out).toContain(s);
    const all = await run(['--help']);
    expect(all.out).toMatch(/^ {2}layerscope report ARCHIVE -o FILE\|- .*\n\s+one self-contained HTML file/m);
  });
});
