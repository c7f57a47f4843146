import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WorkerPool, INTERACTIVE_EXTRA_WORKERS } from './pool';
import type { FromWorker, ToWorker } from './protocol';

/** A stand-in for a module Worker: records what it is sent; the test answers for it. */
class FakeWorker {
  static all: FakeWorker[] = [];
  sent: ToWorker[] = [];
  onmessage: ((ev: MessageEvent<FromWorker>) => void) | null = null;
  onerror: ((ev: ErrorEvent) => void) | null = null;
  terminated = false;
  constructor() {
    FakeWorker.all.push(this);
  }
  postMessage(m: ToWorker) {
    this.sent.push(m);
  }
  terminate() {
    this.terminated = true;
  }
  reply(m: FromWorker) {
    this.onmessage?.({ data: m } as MessageEvent<FromWorker>);
  }
  /** The request it is working on (the last one it was sent that is not a cancel). */
  get current(): ToWorker & { id: number } {
    return this.sent.filter((m) => m.type !== 'cancel').at(-1)! as ToWorker & { id: number };
  }
}

const blob = new Blob([new Uint8Array(10)]);
let saved: unknown;
beforeEach(() => {
  saved = (globalThis as { Worker?: unknown }).Worker;
  (globalThis as { Worker?: unknown }).Worker = FakeWorker;
  FakeWorker.all = [];
});
afterEach(() => {
  (globalThis as { Worker?: unknown }).Worker = saved;
});

describe('WorkerPool scheduling', () => {
  it('a file read does not wait behind background layer work: it goes first, on an extra worker if all are busy', async () => {
    const pool = new WorkerPool(2);
    const h1 = pool.hashLayer(blob, 'gzip', {});
    const h2 = pool.hashLayer(blob, 'gzip', {});
    const h3 = pool.hashLayer(blob, 'gzip', {}); // queued: both workers busy
    expect(FakeWorker.all.length).toBe(2);
    const read = pool.read(blob, 'gzip', 0, 5, 5);
    // an extra worker took the read at once
    expect(FakeWorker.all.length).toBe(2 + INTERACTIVE_EXTRA_WORKERS);
    const extra = FakeWorker.all[2]!;
    expect(extra.current.type).toBe('read');
    extra.reply({ type: 'bytes', id: extra.current.id, data: new Uint8Array([1, 2, 3, 4, 5]) });
    expect(Array.from(await read)).toEqual([1, 2, 3, 4, 5]);
    // the queued background job runs on the next free worker, the extra one included
    expect(extra.current.type).toBe('hash');
    for (const w of FakeWorker.all) w.reply({ type: 'hashed', id: w.current.id, digest: 'sha256:d', diffId: 'sha256:t', listing: null });
    expect(await Promise.all([h1, h2, h3])).toEqual(Array(3).fill({ digest: 'sha256:d', diffId: 'sha256:t' }));
    pool.terminate();
  });

  it('background work never spawns beyond the pool size; a queued read goes ahead of queued background work', async () => {
    const pool = new WorkerPool(1);
    const jobs = [pool.hashLayer(blob, 'none', {}), pool.hashLayer(blob, 'none', {}), pool.hashLayer(blob, 'none', {})];
    expect(FakeWorker.all.length).toBe(1);
    const r1 = pool.read(blob, 'none', 0, 1, 1); // takes the extra worker
    const r2 = pool.read(blob, 'none', 1, 1, 1); // queued, but ahead of the two waiting hashes
    expect(FakeWorker.all.length).toBe(1 + INTERACTIVE_EXTRA_WORKERS);
    const [w0, w1] = FakeWorker.all as [FakeWorker, FakeWorker];
    w0.reply({ type: 'hashed', id: w0.current.id, digest: 'a', diffId: 'a', listing: null });
    expect(w0.current.type).toBe('read'); // r2 before the queued hashes
    w0.reply({ type: 'bytes', id: w0.current.id, data: new Uint8Array([9]) });
    w1.reply({ type: 'bytes', id: w1.current.id, data: new Uint8Array([8]) });
    expect(Array.from(await r1)).toEqual([8]);
    expect(Array.from(await r2)).toEqual([9]);
    // the two waiting hashes now run, one on each worker
    expect(FakeWorker.all.map((w) => w.current.type)).toEqual(['hash', 'hash']);
    for (const w of FakeWorker.all) w.reply({ type: 'hashed', id: w.current.id, digest: 'a', diffId: 'a', listing: null });
    await Promise.all(jobs);
    expect(FakeWorker.all.length).toBe(1 + INTERACTIVE_EXTRA_WORKERS);
    pool.terminate();
  });

  it('audit reads go ahead of queued digest hashing, behind file reads; progress counts files', async () => {
    const pool = new WorkerPool(1);
    const hashes = [pool.hashLayer(blob, 'gzip', {}), pool.hashLayer(blob, 'gzip', {}), pool.hashLayer(blob, 'gzip', {})];
    const progress: number[] = [];
    const audit = pool.auditLayer(blob, 'gzip', 3, [], { onProgress: (d) => progress.push(d) });
    const w0 = FakeWorker.all[0]!;
    w0.reply({ type: 'hashed', id: w0.current.id, digest: 'a', diffId: 'a', listing: null });
    expect(w0.current).toMatchObject({ type: 'auditLayer', layer: 3 });
    w0.reply({ type: 'progress', id: w0.current.id, bytesRead: 1, bytesTotal: 2 });
    const result = { layer: 3, packages: [], fileLists: [], secrets: [], notScanned: [], warnings: [], filesRead: 2, bytesRead: 10 };
    w0.reply({ type: 'audited', id: w0.current.id, result });
    expect(await audit).toEqual(result);
    expect(progress).toEqual([1]);
    expect(w0.current.type).toBe('hash');
    for (let k = 0; k < 2; k++) w0.reply({ type: 'hashed', id: w0.current.id, digest: 'a', diffId: 'a', listing: null });
    await Promise.all(hashes);
    pool.terminate();
  });
});
