import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { gunzipHead, isGzip } from './gzipText';

describe('gunzipHead', () => {
  const text = 'line of a changelog\n'.repeat(5000);
  const gz = new Uint8Array(gzipSync(Buffer.from(text)));

  it('decompresses a whole small file', async () => {
    expect(isGzip(gz)).toBe(true);
    const r = await gunzipHead(gz, true, 1 << 20);
    expect(new TextDecoder().decode(r.bytes)).toBe(text);
    expect(r).toMatchObject({ truncated: false, error: null });
  });

  it('stops at the output cap: a bomb costs at most maxOut bytes', async () => {
    const bomb = new Uint8Array(gzipSync(Buffer.alloc(16 * 1024 * 1024)));
    const r = await gunzipHead(bomb, true, 4096);
    expect(r.bytes.length).toBe(4096);
    expect(r.truncated).toBe(true);
  });

  it('input cut by the preview: what came out is shown, not an error', async () => {
    const r = await gunzipHead(gz.subarray(0, Math.floor(gz.length / 2)), false, 1 << 20);
    expect(r.error).toBeNull();
    expect(r.truncated).toBe(true);
    expect(text.startsWith(new TextDecoder().decode(r.bytes))).toBe(true);
    expect(r.bytes.length).toBeGreaterThan(0);
  });

  it('damaged data says so', async () => {
    const bad = gz.slice();
    bad.fill(0xff, 20, 60);
    const r = await gunzipHead(bad, true, 1 << 20);
    expect(r.error).not.toBeNull();
  });
});
