// The scan worker's pieces against the gunzip floor, in one worker (scripts/bench-scan-cpu.mjs
// bundles this file from src/ and serves it). Each op reads every blob it is given in turn:
// - floor: Blob.stream() through DecompressionStream('gzip') by pipeThrough, counting bytes
//   (what scripts/bench/floor.worker.js does);
// - plumbing: the page's own way into the platform decoder (compression.ts gunzipBlobInto:
//   GZIP_INPUT_SLICE writes, the pieces read one by one), the pieces only counted;
// - parser: that, each piece into the tar parser and every entry into a LayerIndexBuilder;
// - windows: that, each piece into the ScanWindowRecorder only;
// - scan: layerScan.ts scanLayer as the scan worker calls it, without progress;
// - scanPosted: scanLayer with a progress message per PROGRESS_EVERY_BYTES and the index
//   posted at the end (transferred), as scan.worker.ts does.
import { gunzipBlobInto } from '../../src/core/read/compression';
import { LayerIndexBuilder, scanLayer } from '../../src/core/read/layerScan';
import { ScanWindowRecorder } from '../../src/core/read/scanWindows';
import { TarParser } from '../../src/core/read/tar/parser';
import { layerIndexTransferables } from '../../src/worker/protocol';

declare const self: { postMessage(m: unknown, t?: Transferable[]): void; addEventListener(t: 'message', f: (e: MessageEvent) => void): void };

async function floor(blob: Blob): Promise<number> {
  const r = blob
    .stream()
    .pipeThrough(new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>)
    .getReader();
  let bytes = 0;
  for (;;) {
    const { done, value } = await r.read();
    if (done) return bytes;
    bytes += value.length;
  }
}

async function one(op: string, blob: Blob): Promise<number> {
  if (op === 'floor') return floor(blob);
  if (op === 'scan' || op === 'scanPosted') {
    const posted = op === 'scanPosted';
    const index = await scanLayer(blob, { onProgress: posted ? (p) => self.postMessage({ type: 'progress', id: 1, ...p }) : undefined });
    if (posted) self.postMessage({ type: 'scanned', id: 1, index }, layerIndexTransferables(index));
    return index.tarSize;
  }
  const b = new LayerIndexBuilder();
  const parser = op === 'parser' ? new TarParser({ onEntry: (e) => b.add(e), onWarning: () => {} }) : null;
  const windows = op === 'windows' ? new ScanWindowRecorder() : null;
  let bytes = 0;
  let seen = 0;
  await gunzipBlobInto(
    blob,
    (v) => {
      bytes += v.length;
      windows?.push(v, bytes, seen);
      if (parser && !parser.finished) parser.push(v);
    },
    { onInput: (c, off) => (seen = Math.max(seen, off + c.length)) },
  );
  return bytes;
}

self.addEventListener('message', async ({ data }) => {
  try {
    if (data.op === 'ping') return self.postMessage({ done: true });
    let bytes = 0;
    for (const blob of data.blobs as Blob[]) bytes += await one(data.op, blob);
    self.postMessage({ done: true, bytes });
  } catch (e) {
    self.postMessage({ done: true, error: String(e) });
  }
});
