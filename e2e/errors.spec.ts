/**
 * Bad input in real Chromium: files that are not image archives get one
 * clear sentence in role="alert" (data-state=error) saying what they are;
 * an archive with a damaged layer still opens, the damaged layer marked failed.
 */
import { test, expect, type Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const FIXTURES = resolve('test/fixtures/images');
const root = (page: Page) => page.locator('[data-state]').first();
const tmp = mkdtempSync(join(tmpdir(), 'layerscope-e2e-errors-'));
test.afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function open(page: Page, path: string) {
  await page.getByTestId('file-input').setInputFiles(path);
}

test('a PNG gets an alert saying it is an image, not a tar', async ({ page }) => {
  await page.goto('./');
  await open(page, resolve('node_modules/playwright-core/lib/server/chromium/appIcon.png'));
  await expect(root(page)).toHaveAttribute('data-state', 'error');
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('is not a tar archive');
  await expect(alert).toContainText('PNG image');
  await expect(alert).toContainText('not a docker save or OCI image archive');
});

test('random bytes get an alert saying the file is not a tar', async ({ page }) => {
  const path = join(tmp, 'random.bin');
  writeFileSync(path, randomBytes(64 * 1024));
  await page.goto('./');
  await open(page, path);
  await expect(root(page)).toHaveAttribute('data-state', 'error');
  await expect(page.getByRole('alert')).toContainText('“random.bin” is not a tar archive');
});

test('a tar that is not an image says what it lacks; the next file opens normally', async ({ page }) => {
  await page.goto('./');
  await open(page, resolve('test/fixtures/tar-quirks/one-file.tar'));
  await expect(root(page)).toHaveAttribute('data-state', 'error');
  await expect(page.getByRole('alert')).toContainText('is a tar archive but has no manifest.json or index.json');
  // The drop zone is still there; a good file replaces the error.
  await open(page, join(FIXTURES, 'skopeo-busybox.tar'));
  await expect(root(page)).toHaveAttribute('data-state', 'ready');
  await expect(page.getByRole('alert')).toHaveCount(0);
});

/* ------------------------------------------------------------ a damaged layer */

interface Member {
  name: string;
  dataOffset: number;
  size: number;
}

/** Members of a tar (ustar/GNU headers; enough for the fixture, which crane wrote). */
function tarMembers(buf: Buffer): Member[] {
  const out: Member[] = [];
  let off = 0;
  while (off + 512 <= buf.length) {
    const h = buf.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const name = h.subarray(0, 100).toString('latin1').replace(/\0.*$/s, '');
    const prefix = h.subarray(345, 500).toString('latin1').replace(/\0.*$/s, '');
    const size = parseInt(h.subarray(124, 136).toString('latin1').replace(/[\0 ]/g, '') || '0', 8);
    out.push({ name: prefix ? `${prefix}/${name}` : name, dataOffset: off + 512, size });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

/** Offset of the first deflate block header in a gzip member (RFC 1952 §2.3: skip FEXTRA, FNAME, FCOMMENT, FHCRC). */
function deflateStart(gz: Buffer): number {
  const flags = gz[3]!;
  let p = 10;
  if (flags & 4) p += 2 + gz.readUInt16LE(p);
  if (flags & 8) while (gz[p++] !== 0);
  if (flags & 16) while (gz[p++] !== 0);
  if (flags & 2) p += 2;
  return p;
}

test('a damaged gzip layer: the image still opens, that layer is marked failed', async ({ page }) => {
  const src = readFileSync(join(FIXTURES, 'crane-gzip-whiteout-dir.tar'));
  const members = tarMembers(src);
  const manifest = JSON.parse(
    src
      .subarray(members.find((m) => m.name === 'manifest.json')!.dataOffset)
      .subarray(0, members.find((m) => m.name === 'manifest.json')!.size)
      .toString('utf8'),
  );
  const layers: string[] = manifest[0].Layers;
  expect(layers.length).toBeGreaterThan(2);
  const victim = 1;
  const m = members.find((x) => x.name === layers[victim])!;
  const bad = Buffer.from(src);
  const gz = bad.subarray(m.dataOffset, m.dataOffset + m.size);
  expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
  // Flip the BTYPE bits of the first deflate block to 11, a reserved block type
  // (RFC 1951 §3.2.3: "11 - reserved (error)"): every inflater must reject it.
  gz[deflateStart(gz)]! |= 0b110;
  const path = join(tmp, 'damaged-layer.tar');
  writeFileSync(path, bad);

  await page.goto('./');
  await open(page, path);
  await expect(root(page)).toHaveAttribute('data-state', 'ready');
  // Marked in the status bar and on the layer's band; the other layers are indexed.
  await expect(page.locator(`[data-testid="layer-load"][data-index="${victim}"]`)).toHaveAttribute('data-layer-state', 'failed');
  await expect(page.getByTestId('load-summary')).toContainText(`1 of ${layers.length} layers unreadable`);
  await expect(page.locator(`[data-testid="layer"][data-index="${victim}"]`)).toContainText(/failed/i);
  for (let i = 0; i < layers.length; i++) {
    if (i !== victim) await expect(page.locator(`[data-testid="layer"][data-index="${i}"]`)).not.toContainText(/failed/i);
  }
  await page.getByTestId('warnings-button').click();
  await expect(page.getByRole('region', { name: 'Warnings' })).toContainText(`Layer ${victim} could not be read to the end`);
});
