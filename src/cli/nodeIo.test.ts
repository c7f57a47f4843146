import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createHash, randomBytes } from 'node:crypto';
import { FileHandleBlob, nodeCodecs, tempFileSink } from './nodeIo';
import { mkdirSync, readdirSync } from 'node:fs';
import { decompressBlob } from '../core/read/compression';
import { hashLayer } from '../core/read/verify';
import { scanLayer } from '../core/read/layerScan';
import { openImage, verifyImage, inProcessScanner } from '../core/session';
import { listMerged } from '../core/model/listing';
import { isLayerscopeError } from '../core/errors';
import { SCAN_CHEAP_DENSE_WINDOW_SIZE } from '../core/read/tar/scan';

const dir = mkdtempSync(join(tmpdir(), 'layerscope-nodeio-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FIXTURES = join(__dirname, '../../test/fixtures/images');

function tempFile(name: string, data: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}

async function collect(s: ReadableStream<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for (const r = s.getReader(); ; ) {
    const { done, value } = await r.read();
    if (done) break;
    parts.push(value);
  }
  return Buffer.concat(parts);
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return isLayerscopeError(e) ? e.code : `non-typed: ${String(e)}`;
  }
  return 'no error';
}

describe('FileBlob', () => {
  const bytes = randomBytes(5000);
  const path = tempFile('bytes.bin', bytes);

  it('slices exactly like a Blob (negative, reversed and out-of-range positions)', async () => {
    const f = FileHandleBlob.open(path);
    const b = new Blob([bytes]);
    const cases: [number | undefined, number | undefined][] = [
      [undefined, undefined],
      [0, 10],
      [10, 0],
      [-100, undefined],
      [-100, -10],
      [4990, 9999],
      [9999, 10000],
      [-99999, 3],
    ];
    for (const [s, e] of cases) {
      const want = Buffer.from(await b.slice(s, e).arrayBuffer());
      const got = f.slice(s, e);
      expect(got.size, `slice(${s}, ${e})`).toBe(want.length);
      expect(Buffer.from(await got.arrayBuffer()).equals(want)).toBe(true);
      // slices of slices stay relative to their parent
      expect(Buffer.from(await got.slice(1, 3).arrayBuffer()).equals(want.subarray(1, 3))).toBe(true);
    }
    f.close();
  });

  it('read, stream, text and bytes return the same bytes', async () => {
    const f = FileHandleBlob.open(path);
    const v = f.slice(100, 4100);
    expect(Buffer.from(v.read(0, 4000)).equals(bytes.subarray(100, 4100))).toBe(true);
    expect(Buffer.from(v.read(3990, 9999)).equals(bytes.subarray(4090, 4100))).toBe(true);
    expect((await collect(v.stream())).equals(bytes.subarray(100, 4100))).toBe(true);
    expect(Buffer.from(await v.bytes()).equals(bytes.subarray(100, 4100))).toBe(true);
    expect((await collect(f.slice(7, 7).stream())).length).toBe(0);
    const t = FileHandleBlob.open(tempFile('t.txt', new TextEncoder().encode('héllo')));
    expect(await t.text()).toBe('héllo');
    t.close();
    f.close();
  });

  it('two streams over one descriptor do not disturb each other', async () => {
    const f = FileHandleBlob.open(path);
    const [a, b] = await Promise.all([collect(f.slice(0, 3000).stream()), collect(f.slice(2000).stream())]);
    expect(a.equals(bytes.subarray(0, 3000))).toBe(true);
    expect(b.equals(bytes.subarray(2000))).toBe(true);
    f.close();
  });

  it('a stream cancelled part-way leaves the descriptor open for every later read', async () => {
    const f = FileHandleBlob.open(path);
    const reader = f.stream().getReader();
    await reader.read();
    await reader.cancel();
    // Node's ReadStream closes its fd when destroyed, autoClose or not: ours must not.
    await new Promise((r) => setTimeout(r, 50));
    expect(Buffer.from(f.read(0, 100)).equals(bytes.subarray(0, 100))).toBe(true);
    expect((await collect(f.slice(10, 5000).stream())).equals(bytes.subarray(10, 5000))).toBe(true);
    f.close();
  });
});

describe('nodeCodecs', () => {
  const payload = Buffer.concat([Buffer.from('layer bytes\n'.repeat(20000)), randomBytes(200_000)]);
  const gz = gzipSync(payload);

  it('node:zlib gunzip decodes single and multi-member streams like the default decoder', async () => {
    const multi = Buffer.concat([gzipSync(payload.subarray(0, 70_000)), gzipSync(payload.subarray(70_000))]);
    for (const data of [gz, multi]) {
      const out = await collect(decompressBlob(new Blob([data]), 'gzip', { gunzip: nodeCodecs.gunzip }));
      expect(out.equals(payload)).toBe(true);
    }
  });

  it('corrupt and truncated gzip give the same typed errors as with the default decoder', async () => {
    const corrupt = Buffer.concat([gz.subarray(0, 30), Buffer.from('not deflate at all'.repeat(50))]);
    const crc = Buffer.from(gz);
    crc[crc.length - 6]! ^= 0xff; // inside the CRC-32 of the trailer
    const truncated = gz.subarray(0, gz.length >> 1);
    for (const data of [corrupt, crc, truncated]) {
      const viaNode = await codeOf(collect(decompressBlob(new Blob([data]), 'gzip', { gunzip: nodeCodecs.gunzip })));
      const viaDefault = await codeOf(collect(decompressBlob(new Blob([data]), 'gzip')));
      expect(viaNode).toBe(viaDefault);
      expect(['BAD_GZIP', 'TRUNCATED']).toContain(viaNode);
    }
  });

  it('hashLayer: node:crypto digests equal the default (hash-wasm) ones and sha256 of the bytes', async () => {
    const blob = new Blob([gz]);
    const viaNode = await hashLayer(blob, 'gzip', { codecs: nodeCodecs });
    const viaDefault = await hashLayer(blob, 'gzip');
    expect(viaNode).toEqual(viaDefault);
    expect(viaNode.digest).toBe(`sha256:${createHash('sha256').update(gz).digest('hex')}`);
    expect(viaNode.diffId).toBe(`sha256:${createHash('sha256').update(payload).digest('hex')}`);
  });
});

describe('the command line path (FileBlob + nodeCodecs) equals the page path (Blob + defaults)', () => {
  for (const name of ['skopeo-opaque-whiteout.tar', 'buildx-oci-gzip.tar', 'dive-legacy-14-layers.tar', 'umoci-edge-cases-zstd.oci.tar']) {
    it(name, async () => {
      const path = join(FIXTURES, name);
      const file = FileHandleBlob.open(path);
      try {
        const scanner = inProcessScanner(4, nodeCodecs);
        const viaNode = await verifyImage(await openImage(file, { verify: true, scanner }), { scanner });
        const viaBlob = await verifyImage(await openImage(new Blob([readFileSync(path)])));
        const top = viaNode.layers.length - 1;
        expect(listMerged(viaNode.union, viaNode.layers, top)).toBe(listMerged(viaBlob.union, viaBlob.layers, top));
        expect(viaNode.integrity).toEqual(viaBlob.integrity);
        expect(viaNode.integrity.every((c) => c.diffId !== 'mismatch' && c.digest !== 'mismatch')).toBe(true);
        expect(viaNode.integrity.some((c) => c.diffId === 'ok')).toBe(true);
        for (let i = 0; i < viaNode.layers.length; i++) {
          const a = viaNode.layers[i]!;
          const b = viaBlob.layers[i]!;
          expect([a.count, a.tarSize, Array.from(a.dataOffsets.subarray(0, a.count))]).toEqual([
            b.count,
            b.tarSize,
            Array.from(b.dataOffsets.subarray(0, b.count)),
          ]);
        }
      } finally {
        file.close();
      }
    });
  }

  it('a gzipped archive (.tar.gz) is opened through node:zlib, with the same result', async () => {
    const gz = tempFile('whole.tar.gz', gzipSync(readFileSync(join(FIXTURES, 'skopeo-opaque-whiteout.tar'))));
    const file = FileHandleBlob.open(gz);
    let calls = 0;
    const gunzip = () => {
      calls++;
      return nodeCodecs.gunzip!();
    };
    const sinks: ReturnType<typeof tempFileSink>[] = [];
    const sink = () => {
      const s = tempFileSink();
      sinks.push(s);
      return s;
    };
    try {
      const viaNode = await openImage(file, { scanner: inProcessScanner(2, nodeCodecs), gunzip, sink });
      // decompressed into a temporary file, read by pread like any archive
      expect(sinks.length).toBe(1);
      expect(viaNode.outer.blob).toBeInstanceOf(FileHandleBlob);
      expect(viaNode.outer.blob.size).toBe(readFileSync(join(FIXTURES, 'skopeo-opaque-whiteout.tar')).length);
      const viaBlob = await openImage(new Blob([readFileSync(gz)]));
      expect(viaNode.info.outerCompression).toBe('gzip');
      expect(calls).toBeGreaterThanOrEqual(1);
      const top = viaNode.layers.length - 1;
      expect(listMerged(viaNode.union, viaNode.layers, top)).toBe(listMerged(viaBlob.union, viaBlob.layers, top));
    } finally {
      file.close();
      for (const s of sinks) for (const b of s.opened) b.close();
    }
  });

  it('tempFileSink: the file is gone from the disk once open, and an aborted one leaves nothing', async () => {
    const parent = join(dir, 'sinks');
    mkdirSync(parent);
    const s = tempFileSink(parent);
    s.write(new Uint8Array([1, 2, 3]));
    expect(readdirSync(parent).length).toBe(1); // being written
    s.write(new Uint8Array(70_000).fill(7));
    const blob = s.finish() as FileHandleBlob;
    expect(blob.size).toBe(70_003);
    expect(Array.from(blob.read(0, 5))).toEqual([1, 2, 3, 7, 7]);
    expect(readdirSync(parent)).toEqual([]); // unlinked, still readable through the descriptor
    expect(Buffer.from(await blob.slice(69_990).arrayBuffer()).every((b) => b === 7)).toBe(true);
    blob.close();
    const a = tempFileSink(parent);
    a.write(new Uint8Array(10));
    a.abort();
    expect(readdirSync(parent)).toEqual([]);
  });

  it('an uncompressed layer is scanned through pread (cheapReads), with the same index as through Blob slices', async () => {
    const path = join(FIXTURES, 'dive-legacy-14-layers.tar');
    const file = FileHandleBlob.open(path);
    const reads: number[] = [];
    const orig = file.read.bind(file);
    // a view on the whole file whose reads are counted
    const counting = Object.assign(Object.create(Object.getPrototypeOf(file)), file, {
      read: (s: number, e: number) => {
        reads.push(e - s);
        return orig(s, e);
      },
    });
    const viaPread = await scanLayer(counting);
    const viaBlob = await scanLayer(new Blob([readFileSync(path)]));
    expect(viaPread.count).toBe(viaBlob.count);
    expect(viaPread.paths).toEqual(viaBlob.paths);
    expect(reads.length).toBeGreaterThan(0);
    // header-sized windows (4 KiB, 64 KiB where headers are dense), never the 1 MiB windows of slow sources,
    // and far less than the file: the layer tars inside it are skipped by offset
    expect(Math.max(...reads)).toBeLessThanOrEqual(SCAN_CHEAP_DENSE_WINDOW_SIZE);
    expect(reads.reduce((a, b) => a + b, 0)).toBeLessThan(file.size / 4);
    file.close();
  });
});
