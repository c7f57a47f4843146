/**
 * The page's load actions, bound to its store (src/state/store.ts useStore):
 * what components call. The actions themselves live in the slices
 * (loadSlice.ts), made with the engine host injected.
 */
import { useStore } from './store';
import { installHashSync } from './urlHash';
import { describeError } from '../core/errors';
import type { OpenFileOptions, ReadOptions, SlotName } from './loadSlice';
import { layerSource } from './selectors';
import { getPool } from './engineHost';
import { blobOf } from '../core/read/archive';
import { LayerscopeError } from '../core/errors';

/** Where the built-in example image is served (public/example.tar, made by scripts/make-example-image.sh). */
export const EXAMPLE_URL = './example.tar';

export const openFile = (file: File | Blob, opts?: OpenFileOptions): Promise<void> => useStore.getState().openFile(file, opts);
export const chooseImage = (index: number): Promise<void> => useStore.getState().chooseImage(index);
export const choosePlatform = (platform: string): Promise<void> => useStore.getState().choosePlatform(platform);
export const cancelLoad = (slot?: SlotName): void => useStore.getState().cancelLoad(slot);
export const readEntry = (layer: number, entry: number, maxBytes?: number, opts?: ReadOptions): Promise<Uint8Array> =>
  useStore.getState().readEntry(layer, entry, maxBytes, opts);

/** Whether the built-in example is served (it is generated, so a fork may lack it). */
export async function exampleAvailable(): Promise<boolean> {
  try {
    const r = await fetch(EXAMPLE_URL, { method: 'HEAD', cache: 'no-store' });
    return r.ok;
  } catch {
    return false;
  }
}

/** Fetch the example image (same origin, nothing leaves the machine) and open it. */
export async function openExample(): Promise<void> {
  let blob: Blob;
  try {
    const r = await fetch(EXAMPLE_URL);
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    blob = await r.blob();
  } catch (e) {
    useStore.getState().loadFailed(`The example image could not be fetched (${describeError(e)}).`, 'example.tar');
    return;
  }
  const file = new File([blob], 'example.tar', { type: 'application/x-tar', lastModified: 0 });
  await openFile(file);
}

let installed = false;
/** Start the URL-hash sync (once per page): it follows the store, and asks it for another image when the URL names one. */
export function installLoader(win: Window = window): () => void {
  if (installed) return () => {};
  installed = true;
  const stop = installHashSync({ store: useStore, win });
  return () => {
    stop();
    installed = false;
  };
}

/** Layer `layer` of the image shown, read: its source, or a sentence saying why not. */
function readLayer(layer: number) {
  const { outer, ref, idx } = layerSource(useStore.getState(), layer);
  if (!outer || !ref) throw new LayerscopeError('UNKNOWN_LAYER', `There is no layer ${layer} in the image shown`, { layer });
  if (!idx) throw new LayerscopeError('NOT_FOUND', `Layer ${layer} has not been read (it failed or is still loading)`, { layer });
  return { outer, ref, idx };
}

/**
 * The whole of entry `entry` of layer `layer`, as a stream of chunks read in a worker
 * with backpressure (WorkerPool.readStream): for downloads of any size, in bounded
 * memory. Cancel the stream to stop the read.
 */
export function readEntryStream(layer: number, entry: number): { stream: ReadableStream<Uint8Array>; size: number } {
  const { outer, ref, idx } = readLayer(layer);
  if (!Number.isInteger(entry) || entry < 0 || entry >= idx.count) {
    throw new LayerscopeError('NOT_FOUND', `Layer ${layer} has no entry ${entry}`, { layer });
  }
  const size = idx.sizes[entry]!;
  // a zran checkpoint when the digest check recorded one before the file; zstd frames and
  // TOC members are not used by the streamed read yet (it decodes from the layer's start)
  const { checkpoint } = useStore.getState().readStartOf(layer, idx.dataOffsets[entry]!, size);
  return { stream: getPool().readStream(blobOf(outer, ref.blob), idx.compression, idx.dataOffsets[entry]!, size, checkpoint), size };
}

/** A layer's whole uncompressed tar (its diff_id's bytes) as a stream decoded in a worker. */
export function readLayerTarStream(layer: number): { stream: ReadableStream<Uint8Array>; size: number } {
  const { outer, ref, idx } = readLayer(layer);
  return { stream: getPool().readStream(blobOf(outer, ref.blob), idx.compression, 0, idx.tarSize, null), size: idx.tarSize };
}
