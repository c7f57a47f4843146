/**
 * The load's scan windows and the checkpoints reads find (core/read/scanWindows.ts,
 * core/read/anchoredRead.ts) as the load actions keep them beside the state.
 */
import { describe, expect, it } from 'vitest';
import { createAppStore } from './store';
import { inProcessHost } from './inProcessHost';
import { selectShown } from './selectors';
import { until } from '../../test/helpers/until';
import * as H from '../../test/helpers/hostile.mjs';
import { inProcessScanner, type LayerScanner } from '../core/session';
import type { Checkpoint } from '../core/read/inflate/inflater';
import type { SeekPlan } from '../core/read/speculativeRead';
import { layers, tar } from '../core/read/speculative.testkit';
import { EntryKind } from '../core/types';

/** A docker-archive of the 14 MiB zlib level 6 test layer, as a File in 64 KiB parts (a browser File streams in pieces). */
function archive(): File {
  const bytes: Uint8Array = H.dockerSave({ layers: [{ name: 'layer.tar.gz', data: layers[1]![1], diffId: H.sha256(tar) }] });
  const parts: Uint8Array<ArrayBuffer>[] = [];
  for (let o = 0; o < bytes.length; o += 64 * 1024) parts.push(bytes.slice(o, o + 64 * 1024) as Uint8Array<ArrayBuffer>);
  return new File(parts, 'windows.tar', { lastModified: 1 });
}

describe('scan windows and found checkpoints in the load actions', () => {
  it('a deep read carries the true window before its file until the digest check covers it; the checkpoint it finds serves the next read', async () => {
    const base = inProcessScanner(2);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const scanner: LayerScanner = {
      ...base,
      concurrency: 2,
      hashLayer: async (...args) => {
        await gate;
        return base.hashLayer(...args);
      },
    };
    const host = inProcessHost(scanner);
    const reads: { seek: SeekPlan | null | undefined; checkpoint: Checkpoint | null | undefined }[] = [];
    const found: Checkpoint[] = [];
    const store = createAppStore({
      ...host,
      read: (blob, compression, offset, size, want, signal, checkpoint, frames, first, inputEnd, seek, onCheckpoint) => {
        reads.push({ seek, checkpoint });
        return host.read(blob, compression, offset, size, want, signal, checkpoint, frames, first, inputEnd, seek, (cp) => {
          found.push(cp);
          onCheckpoint?.(cp);
        });
      },
    });
    await store.getState().openFile(archive());
    const idx = selectShown(store.getState())!.layers[0]!;
    // moved out of the index, which the page renders and copies to the union worker
    expect(idx.seekWindows ?? null).toBeNull();
    const deep: number[] = [];
    for (let i = 0; i < idx.count; i++) if (idx.kinds[i] === EntryKind.File && idx.sizes[i]! > 0 && idx.dataOffsets[i]! > 10 * 1024 * 1024) deep.push(i);
    const exact = async (e: number) => {
      const got = await store.getState().readEntry(0, e, 4096);
      const off = idx.dataOffsets[e]!;
      expect(Buffer.from(got).equals(tar.subarray(off, off + got.length))).toBe(true);
    };

    await exact(deep[0]!);
    const w = reads[0]!.seek!.anchor!;
    expect(Buffer.from(w.window).equals(tar.subarray(w.out - w.window.length, w.out))).toBe(true);
    expect(reads[0]!.checkpoint).toBeNull();
    expect(found).toHaveLength(1);

    // the next file: from the checkpoint the first read found
    await exact(deep[1]!);
    expect(reads[1]!.checkpoint).toBe(found[0]);

    release();
    await until(store, (s) => s.slots.a.kind === 'ready' && s.slots.a.digests === 'checked');
    await exact(deep.at(-1)!);
    const last = reads.at(-1)!;
    // covered by the check's checkpoints: the windows are gone, the read starts at one of its points
    expect(last.seek?.anchor ?? null).toBeNull();
    expect(last.checkpoint).not.toBeNull();
    expect(found.includes(last.checkpoint!)).toBe(false);
  });
});
