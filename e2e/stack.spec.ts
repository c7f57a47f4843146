/**
 * The layer stack diagram, in real Chromium against the production build, on
 * the real fixtures. Ground truth (layer counts, history, shared layers) is read
 * straight from each archive's manifest.json / index.json and config by the
 * small tar reader below, never from the page's own engine.
 */
import { test, expect, type Page } from '@playwright/test';
import { readFileSync, writeFileSync, mkdtempSync, mkdirSync, existsSync, statSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';

// Playwright runs from the project root (playwright.config.ts).
const FIXTURES = join(process.cwd(), 'test', 'fixtures', 'images');
const fixture = (name: string) => join(FIXTURES, name);

// ------------------------------------------------------------ ground truth

interface TarMember {
  offset: number;
  size: number;
}

/** Members of a ustar/GNU/pax tar (enough for the fixtures' outer archives). */
function readTar(buf: Buffer): Map<string, TarMember> {
  const out = new Map<string, TarMember>();
  let pos = 0;
  let longName: string | null = null;
  let paxPath: string | null = null;
  const str = (a: number, b: number) => buf.subarray(a, b).toString('utf8').replace(/\0.*$/s, '');
  while (pos + 512 <= buf.length) {
    if (buf.subarray(pos, pos + 512).every((b) => b === 0)) break;
    const size = parseInt(str(pos + 124, pos + 136).trim() || '0', 8);
    const type = String.fromCharCode(buf[pos + 156] || 48);
    const prefix = str(pos + 345, pos + 500);
    let name = str(pos, pos + 100);
    if (prefix && buf.subarray(pos + 257, pos + 262).toString() === 'ustar') name = `${prefix}/${name}`;
    const data = pos + 512;
    if (type === 'L') longName = str(data, data + size);
    else if (type === 'x') {
      const m = /\d+ path=([^\n]*)\n/.exec(buf.subarray(data, data + size).toString('utf8'));
      paxPath = m?.[1] ?? null;
    } else {
      const full = (paxPath ?? longName ?? name).replace(/^\.\//, '');
      out.set(full, { offset: data, size });
      longName = null;
      paxPath = null;
    }
    pos = data + Math.ceil(size / 512) * 512;
  }
  return out;
}

interface TruthImage {
  layers: string[]; // member names (docker-archive) or blob digests (OCI)
  history: Array<{ created_by?: string; empty_layer?: boolean }>;
}

function truth(file: string): TruthImage[] {
  const buf = readFileSync(file);
  const tar = readTar(buf);
  const json = (name: string) => {
    const m = tar.get(name);
    if (!m) throw new Error(`${file}: no ${name}`);
    return JSON.parse(buf.subarray(m.offset, m.offset + m.size).toString('utf8'));
  };
  if (tar.has('manifest.json')) {
    return (json('manifest.json') as Array<{ Config: string; Layers: string[] }>).map((m) => ({
      layers: m.Layers,
      history: json(m.Config).history ?? [],
    }));
  }
  // OCI layout: index.json → manifest (first platform whose blob is present).
  const blob = (digest: string) => json(`blobs/${digest.replace(':', '/')}`);
  const resolve = (desc: { digest: string }): TruthImage | null => {
    if (!tar.has(`blobs/${desc.digest.replace(':', '/')}`)) return null;
    const m = blob(desc.digest);
    if (m.manifests) {
      for (const d of m.manifests) {
        const r = resolve(d);
        if (r) return r;
      }
      return null;
    }
    return { layers: m.layers.map((l: { digest: string }) => l.digest), history: blob(m.config.digest).history ?? [] };
  };
  const idx = json('index.json');
  const r = idx.manifests.map(resolve).filter(Boolean) as TruthImage[];
  return r.slice(0, 1);
}

// ------------------------------------------------------------ page helpers

async function open(page: Page, file: string) {
  await page.goto('./');
  await page.getByTestId('file-input').setInputFiles(file);
  await expect(page.locator('[data-state]').first()).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
}

const bands = (page: Page) => page.locator('[data-testid="layer"]');

async function bandIndexes(page: Page): Promise<number[]> {
  return bands(page).evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-index'))));
}

// ------------------------------------------------------------ tests

const COUNTED = [
  'dive-legacy-14-layers.tar',
  'crane-gzip-whiteout-dir.tar',
  'skopeo-opaque-whiteout.tar',
  'umoci-edge-cases.docker.tar',
  'legacy-overwritten-file.tar',
  'containerd-alpine-gzip.tar',
  'buildx-oci-gzip.tar',
];

for (const name of COUNTED) {
  test(`${name}: one band per layer, base at the bottom`, async ({ page }) => {
    const expected = truth(fixture(name))[0]!.layers.length;
    await open(page, fixture(name));
    await expect(bands(page)).toHaveCount(expected);
    // DOM (reading) order is top first; on screen, index 0 is lowest.
    const idx = await bandIndexes(page);
    expect(idx).toEqual(Array.from({ length: expected }, (_, i) => expected - 1 - i));
    const ys: number[] = [];
    for (let i = 0; i < expected; i++) {
      const box = await bands(page)
        .and(page.locator(`[data-index="${i}"]`))
        .boundingBox();
      ys.push(box!.y);
    }
    for (let i = 1; i < expected; i++) expect(ys[i]).toBeLessThan(ys[i - 1]!);
    // The top layer is selected when an image opens.
    await expect(page.locator(`[data-testid="layer"][data-index="${expected - 1}"]`)).toHaveAttribute('aria-selected', 'true');
    await expect(page.locator('[data-testid="layer"][aria-selected="true"]')).toHaveCount(1);
    // bootfs below, the container's read-write layer above.
    const boot = await page.locator('[data-part="bootfs"]').boundingBox();
    const cont = await page.locator('[data-part="container"]').boundingBox();
    expect(boot!.y).toBeGreaterThan(ys[0]!);
    expect(cont!.y).toBeLessThan(ys[expected - 1]!);
  });
}

test('clicking a band selects it and the tree shows the filesystem as of that layer', async ({ page }) => {
  await open(page, fixture('dive-legacy-14-layers.tar'));
  const rows = page.locator('[data-testid="tree-row"]');
  await expect(rows.first()).toBeVisible();

  for (const layer of [0, 1, 5, 13]) {
    await page.locator(`[data-testid="layer"][data-index="${layer}"]`).click();
    await expect(page.locator(`[data-testid="layer"][data-index="${layer}"]`)).toHaveAttribute('aria-selected', 'true');
    await expect(page.locator('[data-testid="layer"][aria-selected="true"]')).toHaveCount(1);
    await expect(rows.first()).toBeVisible();
    const owners = await rows.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-layer'))));
    expect(owners.length).toBeGreaterThan(0);
    for (const o of owners) expect(o).toBeLessThanOrEqual(layer);
  }

  // Layer 1 is `ADD file:… in /` (somefile.txt at the root): absent at layer 0, there from layer 1.
  await page.locator('[data-testid="layer"][data-index="0"]').click();
  await expect(page.locator('[data-testid="tree-row"][data-path="/somefile.txt"]')).toHaveCount(0);
  await page.locator('[data-testid="layer"][data-index="1"]').click();
  await expect(page.locator('[data-testid="tree-row"][data-path="/somefile.txt"]')).toHaveAttribute('data-change', 'added');
});

test('keyboard: the stack is a listbox, Up/Down move the selection', async ({ page }) => {
  await open(page, fixture('dive-legacy-14-layers.tar'));
  const list = page.getByRole('listbox', { name: /layers/i });
  await expect(list).toBeVisible();
  await expect(list.getByRole('option')).toHaveCount(14);
  await page.locator('[data-testid="layer"][data-index="13"]').focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await expect(page.locator('[data-testid="layer"][data-index="11"]')).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('[data-testid="layer"][data-index="11"]')).toBeFocused();
  await page.keyboard.press('ArrowUp');
  await expect(page.locator('[data-testid="layer"][data-index="12"]')).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('End');
  await expect(page.locator('[data-testid="layer"][data-index="0"]')).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowDown'); // already at the base: stays
  await expect(page.locator('[data-testid="layer"][data-index="0"]')).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Home');
  await expect(page.locator('[data-testid="layer"][data-index="13"]')).toHaveAttribute('aria-selected', 'true');
});

test('labels: the step that made each layer, full text on hover; metadata-only steps as markers', async ({ page }) => {
  const t = truth(fixture('dive-legacy-14-layers.tar'))[0]!;
  await open(page, fixture('dive-legacy-14-layers.tar'));
  const made = t.history.filter((h) => !h.empty_layer);
  const empty = t.history.filter((h) => h.empty_layer);
  expect(empty.length).toBeGreaterThan(0);
  for (let i = 0; i < made.length; i++) {
    const band = page.locator(`[data-testid="layer"][data-index="${i}"]`);
    await expect(band).toHaveAttribute('title', new RegExp(escapeRe(made[i]!.created_by!.trim())));
  }
  // `/bin/sh -c mkdir -p /root/example/really/nested` (layer 2) reads as a RUN step.
  await expect(page.locator('[data-testid="layer"][data-index="2"] .sd-cmd')).toHaveText('RUN mkdir -p /root/example/really/nested');
  const markers = page.locator('[data-testid="history-marker"]');
  await expect(markers).toHaveCount(empty.length);
  await expect(markers.first()).toContainText('CMD ["sh"]');
  // The marker sits between layer 0 and layer 1.
  const m = await markers.first().boundingBox();
  const b0 = await page.locator('[data-testid="layer"][data-index="0"]').boundingBox();
  const b1 = await page.locator('[data-testid="layer"][data-index="1"]').boundingBox();
  expect(m!.y).toBeGreaterThan(b1!.y);
  expect(m!.y).toBeLessThan(b0!.y);
  // Layer 0 (the busybox ADD under the base image's CMD) is the base image's; the rootfs is every layer.
  await expect(page.locator('[data-testid="layer"][data-index="0"]')).toHaveAttribute('data-base', 'true');
  await expect(page.locator('[data-testid="layer"][data-index="1"]')).not.toHaveAttribute('data-base', 'true');
  await expect(page.locator('[data-part="base-image"] [data-testid="layer"]')).toHaveCount(1);
  await expect(page.locator('[data-part="rootfs"] [data-testid="layer"]')).toHaveCount(made.length);
  await expect(page.locator('[data-part="rootfs"]')).toContainText('rootfs');
  await expect(page.locator('[data-part="bootfs"]')).toContainText("the host's kernel, not in the image");
  await expect(page.locator('[data-part="container"]')).toContainText('read-write');
});

test('sizes, counts and hidden bytes; log scale changes the band heights', async ({ page }) => {
  await open(page, fixture('dive-legacy-14-layers.tar'));
  const base = page.locator('[data-testid="layer"][data-index="0"]');
  await expect(base.locator('.sd-size')).toHaveText(/\d( |\.)/);
  await expect(base.locator('.sd-counts')).toContainText('+');
  // Layer 13 (`chmod +x /root/saved.txt`) rewrites saved.txt, which hides layer 7's copy (`mv … /root/saved.txt`).
  await expect(page.locator('[data-testid="layer"][data-index="7"] .sd-hatch')).toHaveCount(1);
  const linear = await Promise.all([0, 5].map((i) => page.locator(`[data-testid="layer"][data-index="${i}"]`).boundingBox()));
  await page.getByRole('button', { name: /scale/i }).click();
  await expect(page.getByRole('button', { name: /scale/i })).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(async () => (await base.boundingBox())!.height).toBeLessThan(linear[0]!.height);
  const log5 = await page.locator('[data-testid="layer"][data-index="5"]').boundingBox();
  expect(log5!.height).toBeGreaterThan(linear[1]!.height);
});

test('a layer shared with another image of the archive is marked', async ({ page }) => {
  const imgs = truth(fixture('podman-two-images-shared-layer.docker.tar'));
  expect(imgs.length).toBe(2);
  const shared = imgs[0]!.layers.map((l) => imgs[1]!.layers.includes(l));
  expect(shared.some(Boolean)).toBe(true);
  await open(page, fixture('podman-two-images-shared-layer.docker.tar'));
  for (let i = 0; i < shared.length; i++) {
    const marker = page.locator(`[data-testid="layer"][data-index="${i}"] [data-testid="shared-marker"]`);
    if (shared[i]) await expect(marker).toContainText(/shared with/);
    else await expect(marker).toHaveCount(0);
  }
});

test('a layer that cannot be read is marked failed; the others stay explorable', async ({ page }) => {
  // crane-gzip-whiteout-dir.tar with layer 2's deflate data broken: its first
  // block header is set to the reserved block type 3, which every inflater rejects
  // (RFC 1951, 3.2.3: BTYPE 11 = reserved, error).
  const src = fixture('crane-gzip-whiteout-dir.tar');
  const buf = Buffer.from(readFileSync(src));
  const layers = truth(src)[0]!.layers;
  const m = readTar(buf).get(layers[2]!)!;
  expect(buf[m.offset]).toBe(0x1f);
  expect(buf[m.offset + 1]).toBe(0x8b);
  const flg = buf[m.offset + 3]!;
  let p = m.offset + 10; // RFC 1952, 2.3: fixed gzip header
  if (flg & 4) p += 2 + buf.readUInt16LE(p); // FEXTRA
  if (flg & 8) while (buf[p++] !== 0); // FNAME
  if (flg & 16) while (buf[p++] !== 0); // FCOMMENT
  if (flg & 2) p += 2; // FHCRC
  buf[p] = 0xff;
  const dir = mkdtempSync(join(tmpdir(), 'layerscope-stack-'));
  const broken = join(dir, 'broken-layer.tar');
  writeFileSync(broken, buf);

  await open(page, broken);
  await expect(bands(page)).toHaveCount(layers.length);
  const failed = page.locator('[data-testid="layer"][data-index="2"]');
  await expect(failed).toHaveAttribute('data-load', 'failed');
  await expect(failed.locator('[data-testid="layer-state"]')).toContainText('failed');
  for (const i of [0, 1, 3]) await expect(page.locator(`[data-testid="layer"][data-index="${i}"]`)).toHaveAttribute('data-load', 'indexed');
  await expect(failed).toHaveAttribute('title', /Failed: /);
  await page.locator('[data-testid="layer"][data-index="1"]').click();
  await expect(page.locator('[data-testid="tree-row"]').first()).toBeVisible();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Uncompressed size of the slow layer. Its bytes are random letters from a 16-letter alphabet: gzip codes
 * them as Huffman literals (about half the size), which inflate one symbol at a time, so the layer stays
 * "decompressing" for well over the page's FLUSH_INTERVAL_MS (250 ms: a state shorter than that is never
 * published, by design) even on an idle machine. 32 MiB of incompressible bytes, stored blocks that
 * inflate at memory speed, did not: the whole load took ~0.3 s on an idle 2-core machine.
 */
const SLOW_LAYER_BYTES = 128 * 1024 * 1024;

function slowLayerBytes(): Buffer {
  const b = randomBytes(SLOW_LAYER_BYTES);
  for (let i = 0; i < b.length; i++) b[i] = 0x41 + (b[i]! & 0x0f);
  return b;
}

/**
 * A docker-archive of three gzip layers (small, 128 MiB of random letters, small),
 * built here with GNU tar and node:zlib and cached in the temp dir.
 */
function slowArchive(): string {
  const dir = join(tmpdir(), `layerscope-e2e-stack-slow-${SLOW_LAYER_BYTES}`);
  const out = join(dir, 'three-layers-one-slow.tar');
  if (existsSync(out) && statSync(out).size > SLOW_LAYER_BYTES / 4) return out;
  const img = join(dir, 'img');
  mkdirSync(img, { recursive: true });
  const layerFiles: string[] = [];
  const diffIds: string[] = [];
  const contents: Array<[string, Buffer]> = [
    ['etc/motd', Buffer.from('welcome\n')],
    ['data/random.bin', slowLayerBytes()],
    ['etc/motd', Buffer.from('welcome, again\n')],
  ];
  contents.forEach(([path, data], i) => {
    const root = join(dir, `rootfs${i}`);
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), data);
    const tarPath = join(dir, `layer${i}.tar`);
    execFileSync('tar', ['--format=pax', '--owner=0', '--group=0', '-C', root, '-cf', tarPath, path.split('/')[0]!]);
    const tar = readFileSync(tarPath);
    diffIds.push('sha256:' + createHash('sha256').update(tar).digest('hex'));
    const gz = gzipSync(tar, { level: 1 });
    const name = `${createHash('sha256').update(gz).digest('hex')}.tar.gz`;
    writeFileSync(join(img, name), gz);
    layerFiles.push(name);
  });
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: [
      { created_by: 'COPY motd /etc/ # buildkit' },
      { created_by: 'COPY random.bin /data/ # buildkit' },
      { created_by: 'RUN /bin/sh -c echo again > /etc/motd # buildkit' },
    ],
  });
  const configName = `${createHash('sha256').update(config).digest('hex')}.json`;
  writeFileSync(join(img, configName), config);
  writeFileSync(join(img, 'manifest.json'), JSON.stringify([{ Config: configName, RepoTags: ['slow:latest'], Layers: layerFiles }]));
  execFileSync('tar', ['--format=ustar', '-C', img, '-cf', out, 'manifest.json', configName, ...layerFiles]);
  return out;
}

/** Every state the slow band (layer 1) is drawn in, as it is drawn: a MutationObserver sees each commit, where polling could miss a short one. */
function recordSlowBand() {
  type Seen = { load: string | null; progress: boolean; text: string; size: string };
  const seen: Seen[] = [];
  (window as unknown as { __slowBand: Seen[] }).__slowBand = seen;
  new MutationObserver(() => {
    const b = document.querySelector('[data-testid="layer"][data-index="1"]');
    if (!b) return;
    const now: Seen = {
      load: b.getAttribute('data-load'),
      progress: b.querySelector('.sd-progress') !== null,
      text: b.querySelector('[data-testid="layer-state"]')?.textContent ?? '',
      size: b.querySelector('.sd-size')?.textContent ?? '',
    };
    const last = seen[seen.length - 1];
    if (!last || last.load !== now.load || last.text !== now.text || last.size !== now.size) seen.push(now);
  }).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
}

test('while loading, each band shows its state: the structure first, then decompressing with progress, then indexed', async ({ page }) => {
  test.setTimeout(120_000);
  const file = slowArchive();
  await page.addInitScript(recordSlowBand);
  await page.goto('./');
  await page.getByTestId('file-input').setInputFiles(file);
  // The bands appear as soon as the structure is known, before the big layer is read.
  await expect(bands(page)).toHaveCount(3);
  await expect(page.locator('[data-state]').first()).toHaveAttribute('data-state', 'ready', { timeout: 100_000 });
  const slow = page.locator('[data-testid="layer"][data-index="1"]');
  const seen = await page.evaluate(
    () => (window as unknown as { __slowBand: Array<{ load: string | null; progress: boolean; text: string; size: string }> }).__slowBand,
  );
  const loads = seen.map((x) => x.load).filter((l, i, a) => l !== a[i - 1]);
  // Structure first (not read yet), then decompressing, then indexed: in that order, nothing else between.
  expect(loads.slice(-2)).toEqual(['decompressing', 'indexed']);
  expect(loads.slice(0, -2)).toEqual(['waiting']);
  const reading = seen.filter((x) => x.load === 'decompressing');
  // While it is read: a progress bar, "reading N%", and its size is the stored (compressed) one, and says so.
  expect(reading.every((x) => x.progress && /reading \d+%/.test(x.text) && x.size.includes('stored'))).toBe(true);
  for (const i of [0, 1, 2]) await expect(page.locator(`[data-testid="layer"][data-index="${i}"]`)).toHaveAttribute('data-load', 'indexed');
  await expect(slow.locator('.sd-progress')).toHaveCount(0);
  await expect(slow.locator('.sd-size')).toHaveText('134 MB'); // 128 MiB of file data, in SI units (three significant digits)
  // Layer 2 rewrites /etc/motd: layer 0's 8 bytes are hidden.
  await expect(page.locator('[data-testid="layer"][data-index="0"] .sd-hidden-text')).toHaveText('8 B hidden');
});

test("playground: the running container's layer takes the dashed band's place; a commit becomes an image layer", async ({ page }) => {
  test.setTimeout(90_000);
  // The built-in example (public/example.tar): its layer count from its own manifest.
  const n = truth(join(process.cwd(), 'public', 'example.tar'))[0]!.layers.length;
  await page.goto('./?example');
  await expect(page.locator('[data-state]').first()).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await expect(bands(page)).toHaveCount(n);
  await expect(page.locator('.sd-dashed[data-part="container"]')).toHaveCount(1);

  await page.getByTestId('pg-toggle').click();
  await page.getByTestId('pg-start').click();
  await expect(bands(page)).toHaveCount(n + 1);
  const rw = page.locator(`[data-testid="layer"][data-index="${n}"]`);
  await expect(rw).toHaveAttribute('data-synthetic', 'container');
  await expect(rw).toHaveAttribute('data-part', 'container');
  await expect(rw).toContainText('container layer');
  await expect(page.locator('.sd-dashed[data-part="container"]')).toHaveCount(0);
  // The image's layer count in the header does not include the container.
  await expect(page.locator('.sd-total')).toContainText(`${n} layers`);

  await page.getByTestId('pg-path').fill('/etc/stack-test.txt');
  await page.getByTestId('pg-new-file').click();
  await page.getByTestId('pg-editor').fill('written in the container\n');
  await page.getByTestId('pg-save').click();
  await expect(rw.locator('.sd-counts')).toContainText('+');

  await page.getByTestId('pg-commit').click();
  const committed = page.locator(`[data-testid="layer"][data-synthetic="commit"]`);
  await expect(committed).toHaveCount(1);
  await expect(committed).toHaveAttribute('data-index', String(n));
  await expect(committed.locator('.sd-committed')).toHaveText('committed');
  await expect(page.locator('.sd-total')).toContainText(`${n + 1} layers`);
});

test('the stack fits the left pane in light and dark, at 768 px and with shared layers', async ({ page }) => {
  await open(page, fixture('dive-legacy-14-layers.tar'));
  await page.locator('[data-testid="layer"][data-index="7"]').click();
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 768, height: 1000 });
  for (const right of await bands(page).evaluateAll((els) => els.map((e) => e.getBoundingClientRect().right))) expect(right).toBeLessThanOrEqual(768);
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 800 });
  await open(page, fixture('podman-two-images-shared-layer.docker.tar'));
  // Every band is inside the viewport horizontally at 1280 px (no overflow of the left pane).
  for (const box of await bands(page).evaluateAll((els) => els.map((e) => e.getBoundingClientRect().right))) expect(box).toBeLessThanOrEqual(1280);
});

function escapeRe(s: string) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
