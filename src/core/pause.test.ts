import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { PauseGate, YIELD_EVERY_MS, yieldTask } from './pause';
import { hashLayer } from './read/verify';
import { sample } from './read/inflate/sample.testkit';
import type { ResumePoint } from './read/toc/types';

describe('PauseGate', () => {
  it('goes on (null) while running, waits while paused until resumed', async () => {
    const g = new PauseGate();
    expect(g.wait()).toBeNull();
    g.pause();
    let released = false;
    const w = g.wait()!;
    expect(w).toBeInstanceOf(Promise);
    void w.then(() => (released = true));
    await yieldTask();
    expect(released).toBe(false);
    g.resume();
    await w;
    expect(released).toBe(true);
    expect(g.isPaused).toBe(false);
  });

  it('yields a whole task after YIELD_EVERY_MS of work, so a queued message is handled mid-loop', async () => {
    const g = new PauseGate();
    let handled = false;
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      handled = true;
      ch.port1.close();
    };
    ch.port2.postMessage(null);
    // A loop that only ever awaits resolved promises (microtasks) would never let the message in.
    const t0 = performance.now();
    while (performance.now() - t0 < YIELD_EVERY_MS * 3 && !handled) {
      const w = g.wait();
      await (w ?? Promise.resolve());
    }
    expect(handled).toBe(true);
  });
});

describe('the digest check paused by a read', () => {
  it('stops at its next chunk while paused, sends the resume points it has, and finishes with the same digests', async () => {
    // ~11 MB stored: more than one progress report (HASH_PROGRESS_BYTES) before the end
    const gz = gzipSync(sample(24 * 1024 * 1024, 7));
    // in 64 KiB parts, so that its stream comes in chunks as a File's does (an in-memory
    // Blob of one part streams as one chunk in Node)
    const parts: BlobPart[] = [];
    for (let o = 0; o < gz.length; o += 64 * 1024) parts.push(new Uint8Array(gz.subarray(o, o + 64 * 1024)));
    const blob = new Blob(parts);
    const plain = await hashLayer(blob, 'gzip');
    const gate = new PauseGate();
    const batches: ResumePoint[][] = [];
    let progressed = 0;
    gate.pause();
    const run = hashLayer(blob, 'gzip', {
      pause: gate,
      checkpoints: { onCheckpoints: (p) => batches.push(p) },
      onProgress: (p) => {
        // a read starts the moment the pass first reports: it holds at its next chunk
        if (progressed === 0 && p.bytesRead < blob.size) gate.pause();
        progressed = p.bytesRead;
      },
    });
    // paused before the first chunk: nothing read, however long we wait
    for (let k = 0; k < 5; k++) await yieldTask();
    expect(progressed).toBe(0);
    gate.resume();
    while (progressed === 0) await yieldTask();
    const held = progressed;
    const sent = batches.flat().length;
    await new Promise((r) => setTimeout(r, YIELD_EVERY_MS * 4));
    expect(progressed).toBe(held);
    expect(held).toBeLessThan(blob.size);
    // what was recorded before the pause went to the page when the pass stopped
    expect(sent).toBeGreaterThan(0);
    expect(batches.flat().length).toBe(sent);
    gate.resume();
    expect(await run).toEqual(plain);
    expect(progressed).toBe(blob.size);
  });
});
