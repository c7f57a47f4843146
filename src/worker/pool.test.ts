import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WorkerPool, INTERACTIVE_EXTRA_WORKERS, FIRST_READ_EXTRA_WORKERS } from './pool';
import type { FromWorker, ToWorker } from './protocol';
import { buildUnion } from '../core/model/union';
import { layer } from '../core/model/union.testkit';

/** Messages about a job already sent, not jobs. */
const CONTROL = new Set<ToWorker['type']>(['cancel', 'pause', 'resume', 'more', 'closeRun']);

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
    return this.sent.filter((m) => !CONTROL.has(m.type)).at(-1)! as ToWorker & { id: number };
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

  it('a worker prepared for reads is kept from background work and takes the next read without a new start', async () => {
    const pool = new WorkerPool(2);
    pool.prepareInteractive();
    pool.prepareInteractive(); // once is enough
    expect(FakeWorker.all.length).toBe(1);
    const spare = FakeWorker.all[0]!;
    // the digest check's layers fill the pool's own workers and queue; none goes to the spare
    const hashes = [pool.hashLayer(blob, 'gzip', {}), pool.hashLayer(blob, 'gzip', {}), pool.hashLayer(blob, 'gzip', {})];
    expect(FakeWorker.all.length).toBe(3);
    expect(spare.sent).toEqual([]);
    const read = pool.read(blob, 'gzip', 0, 2, 2);
    // the read went to the spare: no worker had to start for it
    expect(FakeWorker.all.length).toBe(3);
    expect(spare.current.type).toBe('read');
    spare.reply({ type: 'bytes', id: spare.current.id, data: new Uint8Array([7, 7]) });
    expect(Array.from(await read)).toEqual([7, 7]);
    // answer whatever hash each worker has, until all three are done (a reply to a finished job is ignored)
    for (let i = 0; i < 3; i++)
      for (const w of FakeWorker.all) if (w.current.type === 'hash') w.reply({ type: 'hashed', id: w.current.id, digest: 'a', diffId: 'a', listing: null });
    await Promise.all(hashes);
    // with all three started, preparing again starts nothing more (INTERACTIVE_EXTRA_WORKERS)
    pool.prepareInteractive();
    expect(FakeWorker.all.length).toBe(2 + INTERACTIVE_EXTRA_WORKERS);
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

  it('a file read pauses the running digest check until the last read has ended; downloads do not', async () => {
    const pool = new WorkerPool(2);
    const hashes = [pool.hashLayer(blob, 'gzip', {}), pool.hashLayer(blob, 'gzip', {})];
    const [w0, w1] = FakeWorker.all as [FakeWorker, FakeWorker];
    const control = (w: FakeWorker) => w.sent.filter((m) => m.type === 'pause' || m.type === 'resume').map((m) => `${m.type} ${m.id}`);
    const r1 = pool.read(blob, 'gzip', 0, 1, 1);
    const r2 = pool.read(blob, 'gzip', 1, 1, 1); // queued behind r1 on the extra worker
    expect(control(w0)).toEqual([`pause ${w0.current.id}`]);
    expect(control(w1)).toEqual([`pause ${w1.current.id}`]);
    const extra = FakeWorker.all[2]!;
    extra.reply({ type: 'bytes', id: extra.current.id, data: new Uint8Array([1]) });
    await r1;
    // r2 runs now: the check stays paused
    expect(extra.current.type).toBe('read');
    expect(control(w0)).toEqual([`pause ${w0.current.id}`]);
    extra.reply({ type: 'error', id: extra.current.id, code: 'CANCELLED', message: 'cancelled' });
    await expect(r2).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(control(w0)).toEqual([`pause ${w0.current.id}`, `resume ${w0.current.id}`]);
    expect(control(w1)).toEqual([`pause ${w1.current.id}`, `resume ${w1.current.id}`]);
    // a download runs beside the check without pausing it
    const stream = pool.readStream(blob, 'gzip', 0, 10).getReader();
    const p = stream.read();
    expect(extra.current.type).toBe('readStream');
    expect(control(w0)).toHaveLength(2);
    await stream.cancel();
    extra.reply({ type: 'error', id: extra.current.id, code: 'CANCELLED', message: 'cancelled' });
    await p;
    for (const w of [w0, w1]) w.reply({ type: 'hashed', id: w.current.id, digest: 'a', diffId: 'a', listing: null });
    await Promise.all(hashes);
    pool.terminate();
  });

  it('a digest check that starts while a file is read starts paused; a crashed reader resumes the check', async () => {
    const pool = new WorkerPool(1);
    const read = pool.read(blob, 'gzip', 0, 1, 1);
    const hash = pool.hashLayer(blob, 'gzip', {});
    const [rw] = FakeWorker.all as [FakeWorker];
    expect(rw.current.type).toBe('read');
    // the extra worker is for reads only: the hash waits for a worker
    expect(FakeWorker.all.length).toBe(1);
    const read2 = pool.read(blob, 'gzip', 1, 1, 1); // takes the extra worker
    const ew = FakeWorker.all[1]!;
    rw.reply({ type: 'bytes', id: rw.current.id, data: new Uint8Array([1]) });
    await read;
    // the hash started on the freed worker while read2 runs: paused at once
    expect(rw.current.type).toBe('hash');
    expect(rw.sent.at(-1)).toEqual({ type: 'pause', id: rw.current.id });
    // the reading worker dies: its read fails, and the check is let go
    ew.onerror?.({ message: 'out of memory' } as ErrorEvent);
    await expect(read2).rejects.toMatchObject({ code: 'IO' });
    expect(rw.sent.at(-1)).toEqual({ type: 'resume', id: rw.current.id });
    rw.reply({ type: 'hashed', id: rw.current.id, digest: 'a', diffId: 'a', listing: null });
    await hash;
    pool.terminate();
  });

  it("the preview's own read goes ahead of other reads, on a worker of its own when every worker is busy", async () => {
    const pool = new WorkerPool(1);
    const hash = pool.hashLayer(blob, 'gzip', {});
    // the version diff asks for two versions in the same render, before the preview
    const a = pool.read(blob, 'gzip', 0, 1, 1); // takes the extra worker
    const b = pool.read(blob, 'gzip', 1, 1, 1); // queued
    const preview = pool.read(blob, 'gzip', 2, 1, 1, undefined, null, null, true);
    expect(FakeWorker.all.length).toBe(1 + INTERACTIVE_EXTRA_WORKERS + FIRST_READ_EXTRA_WORKERS);
    const pw = FakeWorker.all.at(-1)!;
    expect(pw.current).toMatchObject({ type: 'read', dataOffset: 2 });
    pw.reply({ type: 'bytes', id: pw.current.id, data: new Uint8Array([7]) });
    expect(Array.from(await preview)).toEqual([7]);
    // the queued version read runs next, on the freed worker
    expect(pw.current).toMatchObject({ type: 'read', dataOffset: 1 });
    // with the extra workers busy, a second preview read queues ahead of other reads
    const second = pool.read(blob, 'gzip', 3, 1, 1, undefined, null, null, true);
    const third = pool.read(blob, 'gzip', 4, 1, 1);
    const ew = FakeWorker.all[1]!;
    ew.reply({ type: 'bytes', id: ew.current.id, data: new Uint8Array([1]) });
    await a;
    expect(ew.current).toMatchObject({ type: 'read', dataOffset: 3 });
    for (const [w, d] of [
      [ew, 3],
      [pw, 2],
    ] as const)
      w.reply({ type: 'bytes', id: w.current.id, data: new Uint8Array([d]) });
    await Promise.all([b, second]);
    const rest = FakeWorker.all.find((w) => w.current.type === 'read' && w.current.dataOffset === 4)!;
    rest.reply({ type: 'bytes', id: rest.current.id, data: new Uint8Array([4]) });
    await third;
    const hw = FakeWorker.all[0]!;
    hw.reply({ type: 'hashed', id: hw.current.id, digest: 'a', diffId: 'a', listing: null });
    await hash;
    pool.terminate();
  });

  it("other file reads wait while the preview's own read runs; the jobs queued behind them do not", async () => {
    const pool = new WorkerPool(2);
    const preview = pool.read(blob, 'gzip', 2, 1, 1, undefined, null, null, true);
    const version = pool.read(blob, 'gzip', 5, 1, 1); // the version diff, in the same render
    const hash = pool.hashLayer(blob, 'gzip', {}); // queued behind the version read
    // a worker is free, and one more could be started for a read: the version read waits anyway
    const reads = () => FakeWorker.all.filter((w) => w.sent.some((m) => m.type === 'read' && m.dataOffset === 5));
    expect(reads()).toHaveLength(0);
    expect(FakeWorker.all.map((w) => w.current.type).sort()).toEqual(['hash', 'read']);
    const pw = FakeWorker.all.find((w) => w.current.type === 'read')!;
    pw.reply({ type: 'bytes', id: pw.current.id, data: new Uint8Array([7]) });
    await preview;
    // the preview answered: the version read starts, on the freed worker
    expect(pw.current).toMatchObject({ type: 'read', dataOffset: 5 });
    pw.reply({ type: 'bytes', id: pw.current.id, data: new Uint8Array([5]) });
    expect(Array.from(await version)).toEqual([5]);
    // a cancelled preview read holds them until its worker has stopped (its CPU is still taken)
    const ctl = new AbortController();
    const p2 = pool.read(blob, 'gzip', 3, 1, 1, ctl.signal, null, null, true);
    const v2 = pool.read(blob, 'gzip', 6, 1, 1);
    ctl.abort();
    await expect(p2).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(pw.sent.at(-1)).toMatchObject({ type: 'cancel' });
    expect(reads().length + FakeWorker.all.filter((w) => w.sent.some((m) => m.type === 'read' && m.dataOffset === 6)).length).toBe(1);
    pw.reply({ type: 'error', id: pw.current.id, code: 'CANCELLED', message: 'cancelled' });
    expect(pw.current).toMatchObject({ type: 'read', dataOffset: 6 });
    pw.reply({ type: 'bytes', id: pw.current.id, data: new Uint8Array([6]) });
    expect(Array.from(await v2)).toEqual([6]);
    const hw = FakeWorker.all.find((w) => w.current.type === 'hash')!;
    hw.reply({ type: 'hashed', id: hw.current.id, digest: 'a', diffId: 'a', listing: null });
    await hash;
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

  it("a load's unions send each layer's index once, again only to a worker that lacks it, and close drops the run", async () => {
    const pool = new WorkerPool(1);
    const a = layer([['a', 'file', 1]]);
    const b = { ...layer([['b', 'file', 2]]), seekWindows: [{ in: 0, out: 0, window: new Uint8Array(4) }] };
    const run = pool.unions();
    const w = () => FakeWorker.all[0]!;
    const answer = () => {
      const m = w().current;
      w().reply({ type: 'unioned', id: m.id, union: buildUnion([]), stats: null });
    };
    const sentLayers = () => (w().current as Extract<ToWorker, { type: 'runUnion' }>).layers;
    const first = run.summarize([a, null], { stats: false });
    expect(sentLayers()).toEqual([{ ref: 0, index: a }, null]);
    answer();
    await first;
    const second = run.summarize([a, b], { stats: false });
    // a by its ref only; b's windows stay in the page
    expect(sentLayers()).toEqual([
      { ref: 0, index: null },
      { ref: 1, index: { ...b, seekWindows: null } },
    ]);
    answer();
    await second;
    // a worker that does not hold them (a new one) says so: the job is sent again with every index
    const last = run.summarize([a, b], { stats: true, last: true });
    expect(sentLayers()).toEqual([
      { ref: 0, index: null },
      { ref: 1, index: null },
    ]);
    expect(w().current).toMatchObject({ type: 'runUnion', stats: true, last: true });
    w().reply({ type: 'unionMissing', id: w().current.id });
    await new Promise((r) => setTimeout(r, 0));
    expect(sentLayers().map((l) => l?.index)).toEqual([a, { ...b, seekWindows: null }]);
    answer();
    expect((await last).union).toEqual(buildUnion([]));
    run.close();
    const runId = (w().sent.find((m) => m.type === 'runUnion') as Extract<ToWorker, { type: 'runUnion' }>).run;
    expect(w().sent.at(-1)).toEqual({ type: 'closeRun', id: 0, run: runId });
    // another load's run is another run
    void pool.unions().summarize([a], { stats: false });
    expect(w().current).toMatchObject({ type: 'runUnion', layers: [{ ref: 0, index: a }] });
    expect((w().current as Extract<ToWorker, { type: 'runUnion' }>).run).not.toBe(runId);
    pool.terminate();
  });
});
