import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { decompressBlob, decompressToBlob, sniffCompression, decompressStream } from './compression';
import { createHasher } from './sha256';
import { isLayerscopeError } from './errors';

async function collect(s: ReadableStream<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  const r = s.getReader();
  for (;;) {
    const { done, value } = await r.read();
    if (done) break;
    parts.push(value);
  }
  return Buffer.concat(parts);
}

const payload = Buffer.concat([Buffer.from('hello layers\n'.repeat(5000)), randomBytes(300_000)]);

describe('compression', () => {
  it('sniffs by magic bytes only', () => {
    expect(sniffCompression(new Uint8Array([0x1f, 0x8b, 8, 0]))).toBe('gzip');
    expect(sniffCompression(new Uint8Array([0x28, 0xb5, 0x2f, 0xfd]))).toBe('zstd');
    expect(sniffCompression(new Uint8Array([0x50, 0x2a, 0x4d, 0x18]))).toBe('zstd');
    expect(sniffCompression(new TextEncoder().encode('ustar'))).toBe('none');
    expect(sniffCompression(new Uint8Array([0x1f]))).toBe('none');
  });

  it('gunzips a single member', async () => {
    const out = await collect(decompressBlob(new Blob([gzipSync(payload)]), 'gzip'));
    expect(out.equals(payload)).toBe(true);
  });

  it('gunzips a multi-member stream (concatenated members) seamlessly', async () => {
    const a = payload.subarray(0, 100_000);
    const b = payload.subarray(100_000);
    const out = await collect(decompressBlob(new Blob([gzipSync(a), gzipSync(b)]), 'gzip'));
    expect(out.length).toBe(payload.length);
    expect(out.equals(payload)).toBe(true);
  });

  it('decodes zstd made by the zstd CLI', async () => {
    const z = execFileSync('zstd', ['-q', '-c', '-3'], { input: payload });
    expect(sniffCompression(z.subarray(0, 4))).toBe('zstd');
    const out = await collect(decompressBlob(new Blob([z]), 'zstd'));
    expect(out.equals(payload)).toBe(true);
    const out2 = await collect(decompressStream(new Blob([z]).stream() as ReadableStream<Uint8Array>, 'zstd'));
    expect(out2.equals(payload)).toBe(true);
  });

  it('reports corrupt gzip and zstd with typed errors', async () => {
    const gz = gzipSync(payload);
    gz[gz.length - 20] ^= 0xff; // inside the deflate data near the end / the CRC
    const bad = Buffer.concat([gz.subarray(0, 30), Buffer.from('not deflate at all'.repeat(50))]);
    for (const [data, code] of [
      [bad, 'BAD_GZIP'],
      [Buffer.concat([execFileSync('zstd', ['-q', '-c'], { input: payload }).subarray(0, 64), randomBytes(64)]), 'BAD_ZSTD'],
    ] as const) {
      let err: unknown = null;
      try {
        await collect(decompressBlob(new Blob([data]), code === 'BAD_GZIP' ? 'gzip' : 'zstd'));
      } catch (e) {
        err = e;
      }
      expect(isLayerscopeError(err) ? err.code : err).toBe(code);
    }
  });

  it('a truncated gzip stream is an error, not silent success', async () => {
    const gz = gzipSync(payload);
    await expect(collect(decompressBlob(new Blob([gz.subarray(0, gz.length >> 1)]), 'gzip'))).rejects.toThrow();
  });

  it('decompressToBlob gathers the whole output', async () => {
    const b = await decompressToBlob(new Blob([gzipSync(payload)]), 'gzip');
    expect(Buffer.from(await b.arrayBuffer()).equals(payload)).toBe(true);
  });

  it('sha256 streams equal node:crypto', async () => {
    const h = await createHasher();
    h.update(payload.subarray(0, 1000));
    h.update(payload.subarray(1000));
    expect(h.digest()).toBe(`sha256:${createHash('sha256').update(payload).digest('hex')}`);
  });
});
