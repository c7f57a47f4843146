/**
 * The chunked read behind downloads (issue 9 point 4): chunk assembly, pull-driven
 * backpressure (the producer is never more than a chunk ahead of the consumer),
 * the credit window across a message channel, the sinks' pumps (ui/Download/pump.ts)
 * — and the bytes: equal to readEntryBytes for every file of a layer stored
 * uncompressed, gzip (with and without resume points, through the platform decoder
 * and the TypeScript inflater) and zstd.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { ChunkAssembler, CreditGate, STREAM_CHUNK_BYTES, chunkedStream, pumpWithCredit, readEntryStream } from './entryStream';
import { readEntryBytes } from './contents';
import { scanLayer } from './layerScan';
import { hashLayer } from './verify';
import { pointBefore } from './inflate/resume';
import type { Checkpoint } from './inflate/inflater';
import { EntryKind } from '../types';
import { writeTar } from '../write/tarWriter';
import { sample } from './inflate/sample.testkit';
import { pumpToWritable, streamToBlob } from '../../ui/Download/pump';

async function drain(s: ReadableStream<Uint8Array>): Promise<{ bytes: Buffer; sizes: number[] }> {
  const parts: Uint8Array[] = [];
  for await (const c of s as unknown as AsyncIterable<Uint8Array>) parts.push(c);
  return { bytes: Buffer.concat(parts), sizes: parts.map((p) => p.length) };
}

/** A source of `n` pieces of `piece` bytes that counts how far it was pulled. */
function counted(n: number, piece: number) {
  const state = { produced: 0 };
  async function* gen() {
    for (let i = 0; i < n; i++) {
      state.produced += piece;
      yield new Uint8Array(piece).fill(i & 0xff);
    }
  }
  return { state, gen };
}

describe('ChunkAssembler', () => {
  it('regroups any pieces into owned chunks of exactly the size, the rest flushed', () => {
    const a = new ChunkAssembler(10);
    const out: Uint8Array[] = [];
    const src = Uint8Array.from({ length: 57 }, (_, i) => i);
    for (const cut of [3, 0, 15, 1, 20, 18]) {
      const start = out.reduce((n, c) => n + c.length, 0) + a.pending;
      out.push(...a.push(src.subarray(start, start + cut)));
    }
    const last = a.flush();
    expect(out.map((c) => c.length)).toEqual([10, 10, 10, 10, 10]);
    expect(last?.length).toBe(7);
    expect([...Buffer.concat([...out, last!])]).toEqual([...src]);
    // owned: whole buffers, not views of the input (so they can be transferred)
    for (const c of [...out, last!]) expect(c.byteOffset === 0 && c.byteLength === c.buffer.byteLength).toBe(true);
    expect(a.flush()).toBeNull();
  });
});

describe('chunkedStream', () => {
  it('is pulled only as the consumer reads: never more than a chunk and a piece ahead', async () => {
    const piece = 64 * 1024;
    const { state, gen } = counted(200, piece); // 12.5 MiB
    const s = chunkedStream(() => gen(), STREAM_CHUNK_BYTES);
    await new Promise((r) => setTimeout(r, 20));
    expect(state.produced).toBe(0); // nothing before the first read
    const reader = s.getReader();
    let consumed = 0;
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      consumed += r.value.length;
      await new Promise((r) => setTimeout(r, 1)); // a slow disk
      // nothing queued ahead (highWaterMark 0): at most the chunk being filled
      expect(state.produced - consumed).toBeLessThanOrEqual(STREAM_CHUNK_BYTES + piece);
    }
    expect(consumed).toBe(200 * piece);
  });

  it('cancelling stops the source', async () => {
    let finalized = false;
    const { state } = counted(0, 0);
    async function* gen() {
      try {
        for (;;) {
          state.produced += 4096;
          yield new Uint8Array(4096);
        }
      } finally {
        finalized = true;
      }
    }
    const reader = chunkedStream(() => gen(), 16 * 1024).getReader();
    await reader.read();
    await reader.cancel();
    const at = state.produced;
    await new Promise((r) => setTimeout(r, 20));
    expect(finalized).toBe(true);
    expect(state.produced).toBe(at);
  });
});

describe('CreditGate / pumpWithCredit', () => {
  it('keeps at most `window` chunks unacknowledged, and goes on as credits come back', async () => {
    const { gen } = counted(40, 1000);
    const gate = new CreditGate(4);
    const posted: Uint8Array[] = [];
    let acked = 0;
    let maxInFlight = 0;
    const done = pumpWithCredit(
      chunkedStream(() => gen(), 1000),
      gate,
      (c) => {
        posted.push(c);
        maxInFlight = Math.max(maxInFlight, posted.length - acked);
      },
    );
    // the receiver: slow, acknowledges one chunk at a time
    while (acked < 40) {
      await new Promise((r) => setTimeout(r, 1));
      if (posted.length > acked) {
        acked++;
        gate.give();
      }
      if (acked === 2) expect(posted.length).toBeLessThanOrEqual(6);
    }
    expect(await done).toBe(40_000);
    expect(maxInFlight).toBeLessThanOrEqual(4);
  });

  it('closing the gate (cancel) ends the pump with CANCELLED', async () => {
    const { gen } = counted(100, 1000);
    const gate = new CreditGate(2);
    const done = pumpWithCredit(
      chunkedStream(() => gen(), 1000),
      gate,
      () => {},
    );
    await new Promise((r) => setTimeout(r, 5));
    gate.close();
    await expect(done).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});

describe('pumpToWritable / streamToBlob (the two sinks)', () => {
  it('writes every byte with backpressure: the next chunk is read only after the last write finished', async () => {
    const { state, gen } = counted(50, 100_000);
    let written = 0;
    let maxAhead = 0;
    const sink = new WritableStream<Uint8Array>(
      {
        async write(c) {
          maxAhead = Math.max(maxAhead, state.produced - written);
          await new Promise((r) => setTimeout(r, 1));
          written += c.length;
        },
      },
      { highWaterMark: 1 },
    );
    const progress: number[] = [];
    const n = await pumpToWritable(
      chunkedStream(() => gen(), 256 * 1024),
      sink,
      { onProgress: (d) => progress.push(d) },
    );
    expect(n).toBe(5_000_000);
    expect(written).toBe(5_000_000);
    expect(progress.at(-1)).toBe(5_000_000);
    expect(maxAhead).toBeLessThanOrEqual(3 * 256 * 1024 + 100_000);
  });

  it('a cancel aborts the writable and stops the producer', async () => {
    const { state, gen } = counted(1000, 100_000);
    const ac = new AbortController();
    let aborted = false;
    const sink = new WritableStream<Uint8Array>({
      write() {
        if (state.produced > 1_000_000) ac.abort();
      },
      abort() {
        aborted = true;
      },
    });
    await expect(
      pumpToWritable(
        chunkedStream(() => gen(), 100_000),
        sink,
        { signal: ac.signal },
      ),
    ).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(aborted).toBe(true);
    expect(state.produced).toBeLessThan(2_000_000);
  });

  it('streamToBlob: the bytes, the type, progress; cancelled on the signal', async () => {
    const { gen } = counted(30, 70_000);
    const progress: number[] = [];
    const blob = await streamToBlob(
      chunkedStream(() => gen(), 64 * 1024),
      'application/octet-stream',
      { onProgress: (d) => progress.push(d) },
    );
    expect(blob.size).toBe(2_100_000);
    expect(blob.type).toBe('application/octet-stream');
    expect(progress.at(-1)).toBe(2_100_000);
    const b = new Uint8Array(await blob.arrayBuffer());
    expect(b[69_999]).toBe(0);
    expect(b[70_000]).toBe(1);
    const ac = new AbortController();
    const { state, gen: g2 } = counted(10_000, 10_000);
    const p = streamToBlob(
      chunkedStream(() => g2(), 10_000),
      '',
      {
        signal: ac.signal,
        onProgress: (d) => d > 200_000 && ac.abort(),
      },
    );
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(state.produced).toBeLessThan(1_000_000);
  });
});

describe('readEntryStream', () => {
  const entries = Array.from({ length: 24 }, (_, i) => ({
    path: `f/${String(i).padStart(3, '0')}`,
    kind: 'file' as const,
    data: i === 12 ? new Uint8Array(5 * STREAM_CHUNK_BYTES + 123) : sample(1000 + ((i * 7919) % 600_000), i + 1),
    mode: 0o644,
    uid: 0,
    gid: 0,
    mtime: 0,
  }));
  const tar = writeTar(entries);
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

  for (const c of ['none', 'gzip', 'zstd'] as const) {
    it(`${c}: every file equals readEntryBytes, in chunks of STREAM_CHUNK_BYTES; the whole layer equals the tar`, async () => {
      const stored = c === 'none' ? tar : c === 'gzip' ? gzipSync(tar) : execFileSync('zstd', ['-q', '-c'], { input: tar, maxBuffer: 1 << 28 });
      const blob = new Blob([new Uint8Array(stored)]);
      const idx = await scanLayer(blob);
      for (let i = 0; i < idx.count; i++) {
        if (idx.kinds[i] !== EntryKind.File) continue;
        const { bytes, sizes } = await drain(readEntryStream(blob, c, idx.dataOffsets[i]!, idx.sizes[i]!));
        const one = c === 'none' ? await readEntryBytes(blob, c, idx.dataOffsets[i]!, idx.sizes[i]!) : entries[Number(idx.paths[i]!.slice(2))]!.data;
        expect(bytes.equals(Buffer.from(one)), idx.paths[i]).toBe(true);
        expect(sizes.slice(0, -1).every((n) => n === STREAM_CHUNK_BYTES)).toBe(true);
      }
      const whole = await drain(readEntryStream(blob, c, 0, idx.tarSize));
      expect(sha(whole.bytes)).toBe(sha(tar));
      await expect(drain(readEntryStream(blob, c, tar.length - 10, 100))).rejects.toMatchObject({ code: 'TRUNCATED' });
    });
  }

  it('gzip from resume points (platform decoder and TypeScript inflater), across gzip members', async () => {
    // two gzip members: a read from a checkpoint in the first crosses into the second
    const half = tar.length >> 1;
    const blob = new Blob([new Uint8Array(Buffer.concat([gzipSync(tar.subarray(0, half)), gzipSync(tar.subarray(half))]))]);
    const points: Checkpoint[] = [];
    await hashLayer(blob, 'gzip', { checkpoints: { onCheckpoints: (p) => points.push(...(p as Checkpoint[])) } });
    // one at the second member's start (the inflater's way), one inside a member (the platform decoder's)
    expect(points.some((p) => p.member) && points.some((p) => !p.member)).toBe(true);
    const idx = await scanLayer(blob);
    let used = 0;
    for (let i = 0; i < idx.count; i++) {
      if (idx.kinds[i] !== EntryKind.File) continue;
      const cp = pointBefore(points, idx.dataOffsets[i]!);
      if (cp) used++;
      for (const native of [true, false]) {
        const { bytes } = await drain(readEntryStream(blob, 'gzip', idx.dataOffsets[i]!, idx.sizes[i]!, { checkpoint: cp, native }));
        expect(sha(bytes), `${idx.paths[i]} native=${native}`).toBe(sha(entries[Number(idx.paths[i]!.slice(2))]!.data));
      }
    }
    expect(used).toBeGreaterThan(4);
    const whole = await drain(readEntryStream(blob, 'gzip', points[0]!.out, tar.length - points[0]!.out, { checkpoint: points[0]! }));
    expect(sha(whole.bytes)).toBe(sha(tar.subarray(points[0]!.out)));
  });
});
