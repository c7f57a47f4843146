import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describeLoadError, recognizeFile, FILE_KIND_SNIFF_BYTES } from './loadErrors';
import { openArchive } from '../core/read/archive';

const head = (path: string) => new Uint8Array(readFileSync(path).subarray(0, FILE_KIND_SNIFF_BYTES));

// Real files of each kind, not hand-written magic numbers.
const PNG = 'node_modules/playwright-core/lib/server/chromium/appIcon.png';
const GZIP_NOT_TAR = 'test/fixtures/tar-quirks/invalid.tgz';
const PLAIN_TAR = 'test/fixtures/tar-quirks/one-file.tar';

describe('recognizeFile', () => {
  it('names files people drop by mistake', () => {
    expect(recognizeFile(head(PNG))).toBe('a PNG image');
    expect(recognizeFile(head(process.execPath))).toBe('an ELF executable');
    expect(recognizeFile(head(GZIP_NOT_TAR))).toBe('a gzip-compressed file');
    expect(recognizeFile(head('package.json'))).toBe('a JSON document');
    expect(recognizeFile(head('README.md'))).toBe('a text file');
    expect(recognizeFile(new Uint8Array(0))).toBe('an empty file');
  });

  it('recognizes zip and zstd files made by their tools', () => {
    const dir = mkdtempSync(join(tmpdir(), 'layerscope-loader-'));
    writeFileSync(join(dir, 'a.txt'), 'hello\n');
    let zipped = false;
    try {
      execFileSync('python3', ['-c', `import zipfile; z=zipfile.ZipFile('${dir}/a.zip','w'); z.write('${dir}/a.txt','a.txt'); z.close()`]);
      zipped = true;
    } catch {
      /* python3 absent: covered by the other cases */
    }
    if (zipped) expect(recognizeFile(head(join(dir, 'a.zip')))).toBe('a ZIP archive');
    let zstd = false;
    try {
      execFileSync('zstd', ['-q', '-f', join(dir, 'a.txt'), '-o', join(dir, 'a.zst')]);
      zstd = true;
    } catch {
      /* zstd CLI absent */
    }
    if (zstd) expect(recognizeFile(head(join(dir, 'a.zst')))).toBe('a zstd-compressed file');
  });

  it('returns null for bytes it cannot name', () => {
    const noise = new Uint8Array(64);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 37 + 1) & 0xff;
    noise[0] = 0x00;
    noise[1] = 0x01;
    expect(recognizeFile(noise)).toBeNull();
  });
});

async function errorOf(bytes: Uint8Array): Promise<unknown> {
  try {
    await openArchive(new Blob([bytes as BlobPart]));
  } catch (e) {
    return e;
  }
  throw new Error('expected openArchive to fail');
}

describe('describeLoadError (with the engine’s real errors)', () => {
  it('a PNG: not a tar, and says it looks like a PNG', async () => {
    const bytes = new Uint8Array(readFileSync(PNG));
    const msg = describeLoadError(await errorOf(bytes), bytes.subarray(0, FILE_KIND_SNIFF_BYTES), 'logo.png');
    expect(msg).toMatch(/^“logo\.png” is not a tar archive: it looks like a PNG image, so it is not a docker save or OCI image archive\./);
    expect(msg).toContain('docker save');
  });

  it('a gzip file whose content is not a tar', async () => {
    const bytes = new Uint8Array(gzipSync(Buffer.from('just some text, not a tar\n'.repeat(40))));
    const msg = describeLoadError(await errorOf(bytes), bytes.subarray(0, FILE_KIND_SNIFF_BYTES), 'notes.gz');
    expect(msg).toMatch(/is a gzip-compressed file, but what it contains is not a tar archive/);
  });

  it('a tar that is not an image archive', async () => {
    const bytes = new Uint8Array(readFileSync(PLAIN_TAR));
    const msg = describeLoadError(await errorOf(bytes), bytes.subarray(0, FILE_KIND_SNIFF_BYTES), 'one-file.tar');
    expect(msg).toMatch(/^“one-file\.tar” is a tar archive but has no manifest\.json or index\.json, so it is not a docker save or OCI image archive\./);
  });

  it('a non-engine error is still one sentence', () => {
    expect(describeLoadError(new Error('boom'), null, 'x.tar')).toBe('“x.tar” could not be opened: boom.');
  });
});
