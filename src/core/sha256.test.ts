import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHasher } from './sha256';

const FIXTURE = join(__dirname, '../../test/fixtures/tar-quirks/invalid.tgz');

describe('createHasher', () => {
  it('equals sha256sum, whatever the chunking', async () => {
    const bytes = new Uint8Array(readFileSync(FIXTURE));
    const want = 'sha256:' + execFileSync('sha256sum', [FIXTURE]).toString().split(' ')[0];
    for (const step of [1, 7, 4096, bytes.length]) {
      const h = await createHasher();
      for (let i = 0; i < bytes.length; i += step) h.update(bytes.subarray(i, i + step));
      expect(h.digest()).toBe(want);
    }
  });

  it('empty input and independent instances', async () => {
    const [a, b] = await Promise.all([createHasher(), createHasher()]);
    a.update(new TextEncoder().encode('abc'));
    expect(b.digest()).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(a.digest()).toBe('sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
