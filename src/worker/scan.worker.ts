/// <reference lib="webworker" />
/**
 * Scan worker: one layer at a time, decompressed and indexed off the main
 * thread. Thin by design: all logic is in src/core; this file only speaks the
 * protocol and maps cancel messages onto AbortControllers.
 */
import { scanLayer } from '../core/read/layerScan';
import { hashRanges } from '../core/compare/hashRanges';
import { textDiff } from '../core/compare/contentDiff';
import { readEntryBytes } from '../core/read/contents';
import { CreditGate, pumpWithCredit, readEntryStream } from '../core/read/entryStream';
import { hashLayer } from '../core/read/verify';
import { isFramePoint, type ResumePoint } from '../core/read/toc/types';
import type { Checkpoint } from '../core/read/inflate/inflater';
import { decompressToBlob } from '../core/read/compression';
import { isLayerscopeError } from '../core/errors';
import { PauseGate } from '../core/pause';
import { buildUnion, IncrementalUnion } from '../core/model/union';
import type { LayerIndex } from '../core/types';
import { computeStats } from '../core/model/stats';
import { auditLayerContents } from '../core/audit/layer';
import { sqlJsOpener } from '../core/audit/sqlite';
import { scanMetadata } from '../core/audit/secrets/scan';
// sql.js's WebAssembly as a URL the bundler emits (loaded only when an image has an rpmdb.sqlite).
import sqlWasmUrl from 'sql.js/dist/sql-wasm-browser.wasm?url';

const openSqlite = sqlJsOpener(sqlWasmUrl);
import { layerIndexTransferables, unionTransferables, type FromWorker, type ToWorker } from './protocol';

declare const self: DedicatedWorkerGlobalScope;

const running = new Map<number, AbortController>();
/** The union runs of loads under way ('runUnion'): the layers sent so far, by ref, and the union kept between jobs. */
const unionRuns = new Map<number, { layers: Map<number, LayerIndex>; inc: IncrementalUnion }>();
/** Flow control of the running 'readStream' jobs, fed by the page's 'more' messages. */
const gates = new Map<number, CreditGate>();
/** Pause switches of the running 'hash' jobs (the digest check), worked by the pool's 'pause'/'resume'. */
const pauses = new Map<number, PauseGate>();

function post(msg: FromWorker, transfer: Transferable[] = []) {
  self.postMessage(msg, transfer);
}

self.onmessage = async (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  if (msg.type === 'cancel') {
    running.get(msg.id)?.abort();
    gates.get(msg.id)?.close();
    // a paused job must get to its abort check
    pauses.get(msg.id)?.resume();
    return;
  }
  if (msg.type === 'pause' || msg.type === 'resume') {
    const p = pauses.get(msg.id);
    if (msg.type === 'pause') p?.pause();
    else p?.resume();
    return;
  }
  if (msg.type === 'closeRun') {
    unionRuns.delete(msg.run);
    return;
  }
  if (msg.type === 'more') {
    gates.get(msg.id)?.give(msg.n);
    return;
  }
  const ctl = new AbortController();
  running.set(msg.id, ctl);
  const onProgress = (p: { bytesRead: number; bytesTotal: number }) => post({ type: 'progress', id: msg.id, bytesRead: p.bytesRead, bytesTotal: p.bytesTotal });
  try {
    if (msg.type === 'scan') {
      const index = await scanLayer(msg.blob, { signal: ctl.signal, onProgress, hash: msg.hash, layer: msg.layer });
      post({ type: 'scanned', id: msg.id, index }, layerIndexTransferables(index));
    } else if (msg.type === 'auditLayer') {
      const result = await auditLayerContents(msg.blob, msg.compression, msg.layer, msg.candidates, {
        signal: ctl.signal,
        openSqlite,
        onProgress: (done, total) => onProgress({ bytesRead: done, bytesTotal: total }),
      });
      post({ type: 'audited', id: msg.id, result });
    } else if (msg.type === 'scanMetadata') {
      post({ type: 'metadataScanned', id: msg.id, found: await scanMetadata(msg.input) });
    } else if (msg.type === 'hash') {
      const checkpoints = msg.checkpoints
        ? {
            onCheckpoints: (points: ResumePoint[]) =>
              post(
                { type: 'checkpoints', id: msg.id, points },
                points.flatMap((p) => (isFramePoint(p) ? [] : [p.window.buffer as ArrayBuffer])),
              ),
          }
        : undefined;
      const pause = new PauseGate();
      pauses.set(msg.id, pause);
      const d = await hashLayer(msg.blob, msg.compression, { signal: ctl.signal, onProgress, checkpoints, tocFingerprint: msg.tocFingerprint, pause });
      const listing = d.listing ?? null;
      post({ type: 'hashed', id: msg.id, digest: d.digest, diffId: d.diffId, listing }, listing ? layerIndexTransferables(listing) : []);
    } else if (msg.type === 'union') {
      const union = buildUnion(msg.layers);
      const stats = msg.stats ? computeStats(union, msg.layers) : null;
      post({ type: 'unioned', id: msg.id, union, stats }, unionTransferables(union));
    } else if (msg.type === 'runUnion') {
      let run = unionRuns.get(msg.run);
      if (!run) {
        run = { layers: new Map(), inc: new IncrementalUnion() };
        unionRuns.set(msg.run, run);
      }
      for (const l of msg.layers) if (l?.index) run.layers.set(l.ref, l.index);
      if (msg.layers.some((l) => l && !run.layers.has(l.ref))) {
        post({ type: 'unionMissing', id: msg.id });
        return;
      }
      const layers = msg.layers.map((l) => (l ? run.layers.get(l.ref)! : null));
      const union = run.inc.build(layers, { last: msg.last });
      const stats = msg.stats ? computeStats(union, layers) : null;
      if (msg.last) unionRuns.delete(msg.run);
      post({ type: 'unioned', id: msg.id, union, stats }, unionTransferables(union));
    } else if (msg.type === 'hashRanges') {
      // progress in the bytes passed through (costOfRanges), reported as bytesRead/bytesTotal
      const digests = await hashRanges(msg.blob, msg.compression, msg.ranges, {
        signal: ctl.signal,
        onProgress: (d, t) => onProgress({ bytesRead: d, bytesTotal: t }),
      });
      post({ type: 'rangesHashed', id: msg.id, digests });
    } else if (msg.type === 'textDiff') {
      post({ type: 'textDiffed', id: msg.id, diff: textDiff(msg.a, msg.b) });
    } else if (msg.type === 'unpack') {
      // Off the main thread: inflating a .tar.gz is seconds of CPU. The parts become
      // Blobs as they fill (compression.ts blobSink), so this worker holds one part at a time.
      const blob = await decompressToBlob(msg.blob, msg.compression, {
        signal: ctl.signal,
        onProgress: (bytesRead, bytesTotal) => onProgress({ bytesRead, bytesTotal }),
      });
      post({ type: 'unpacked', id: msg.id, blob });
    } else if (msg.type === 'readStream') {
      const gate = new CreditGate();
      gates.set(msg.id, gate);
      const stream = readEntryStream(msg.blob, msg.compression, msg.dataOffset, msg.size, { signal: ctl.signal, checkpoint: msg.checkpoint });
      const bytes = await pumpWithCredit(stream, gate, (data) => post({ type: 'chunk', id: msg.id, data }, [data.buffer as ArrayBuffer]), ctl.signal);
      post({ type: 'streamed', id: msg.id, bytes });
    } else if (msg.type === 'read') {
      let found: Checkpoint | null = null;
      const data = await readEntryBytes(msg.blob, msg.compression, msg.dataOffset, msg.size, {
        maxBytes: msg.maxBytes,
        signal: ctl.signal,
        checkpoint: msg.checkpoint,
        inputEnd: msg.inputEnd,
        seek: msg.seek,
        frames: msg.frames,
        onCheckpoint: (cp) => {
          found = cp;
        },
      });
      const cp = found as Checkpoint | null;
      post(
        { type: 'bytes', id: msg.id, data, checkpoint: cp },
        cp ? [data.buffer as ArrayBuffer, cp.window.buffer as ArrayBuffer] : [data.buffer as ArrayBuffer],
      );
    }
  } catch (e) {
    const code = isLayerscopeError(e) ? e.code : 'IO';
    post({ type: 'error', id: msg.id, code, message: e instanceof Error ? e.message : String(e) });
  } finally {
    running.delete(msg.id);
    gates.delete(msg.id);
    pauses.delete(msg.id);
  }
};
