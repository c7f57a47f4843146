/**
 * The preview's first read started at the selection (startPreviewRead) and taken over by
 * the Preview's readEntry of the same bytes: one read per selection, the engine host
 * injected and its reads counted; a new selection cancels a read no Preview took, and a
 * taken read is cancelled by its taker's signal.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAppStore } from './store';
import { inProcessHost } from './inProcessHost';
import { selectShown } from './selectors';

const EXAMPLE = join(__dirname, '../../public/example.tar');

async function opened() {
  const base = inProcessHost();
  const reads: { offset: number; want: number; signal: AbortSignal | undefined }[] = [];
  const store = createAppStore({
    ...base,
    read: (blob, compression, offset, size, want, signal, ...rest) => {
      reads.push({ offset, want, signal });
      return base.read(blob, compression, offset, size, want, signal, ...rest);
    },
  });
  await store.getState().openFile(new File([readFileSync(EXAMPLE)], 'example.tar', { lastModified: 1 }));
  const img = selectShown(store.getState())!;
  const at = (path: string) => {
    const layer = img.layers.findIndex((x) => x?.paths.includes(path));
    const entry = img.layers[layer]!.paths.indexOf(path);
    return { layer, entry, size: img.layers[layer]!.sizes[entry]! };
  };
  const files = img.layers.flatMap((l, layer) =>
    l ? l.paths.map((p, entry) => ({ p, layer, entry, size: l.sizes[entry]! })).filter((f) => f.size > 0 && f.p !== 'etc/motd') : [],
  );
  return { store, reads, motd: at('etc/motd'), other: files[0]! };
}

describe('startPreviewRead', () => {
  it('starts one read at the selection, and the Preview takes it instead of reading again', async () => {
    const { store, reads, motd } = await opened();
    reads.length = 0;
    const want = Math.min(motd.size, 256 * 1024);
    store.getState().startPreviewRead({ layer: motd.layer, entry: motd.entry, maxBytes: 256 * 1024 });
    expect(reads).toHaveLength(1);
    // the same selection again (a second click on the row) starts nothing
    store.getState().startPreviewRead({ layer: motd.layer, entry: motd.entry, maxBytes: 256 * 1024 });
    expect(reads).toHaveLength(1);
    const ctl = new AbortController();
    const bytes = await store.getState().readEntry(motd.layer, motd.entry, want, { signal: ctl.signal, first: true });
    expect(reads).toHaveLength(1);
    const whole = await store.getState().readEntry(motd.layer, motd.entry);
    expect(reads).toHaveLength(2);
    expect(bytes).toEqual(whole.subarray(0, want));
    expect(new TextDecoder().decode(bytes).length).toBeGreaterThan(0);
  });

  it('a read of other bytes (not first, another range) is not served by the started one', async () => {
    const { store, reads, motd } = await opened();
    reads.length = 0;
    store.getState().startPreviewRead({ layer: motd.layer, entry: motd.entry, maxBytes: 256 * 1024 });
    await store.getState().readEntry(motd.layer, motd.entry, 1, { first: true });
    await store.getState().readEntry(motd.layer, motd.entry, motd.size, {});
    expect(reads).toHaveLength(3);
  });

  it('another selection, or none, cancels the read no Preview took', async () => {
    const { store, reads, motd, other } = await opened();
    reads.length = 0;
    store.getState().startPreviewRead({ layer: motd.layer, entry: motd.entry, maxBytes: 256 * 1024 });
    store.getState().startPreviewRead({ layer: other.layer, entry: other.entry, maxBytes: 256 * 1024 });
    expect(reads).toHaveLength(2);
    expect(reads[0]!.signal!.aborted).toBe(true);
    expect(reads[1]!.signal!.aborted).toBe(false);
    store.getState().startPreviewRead(null);
    expect(reads[1]!.signal!.aborted).toBe(true);
    // the Preview of the cancelled selection, were it to come, reads for itself
    const bytes = await store.getState().readEntry(motd.layer, motd.entry, motd.size, { signal: new AbortController().signal, first: true });
    expect(reads).toHaveLength(3);
    expect(bytes.length).toBe(motd.size);
  });

  it('a taken read outlives the next selection until its Preview lets go (unmount: the signal aborts)', async () => {
    const { store, reads, motd, other } = await opened();
    reads.length = 0;
    store.getState().startPreviewRead({ layer: motd.layer, entry: motd.entry, maxBytes: 256 * 1024 });
    const ctl = new AbortController();
    const taken = store.getState().readEntry(motd.layer, motd.entry, motd.size, { signal: ctl.signal, first: true });
    store.getState().startPreviewRead({ layer: other.layer, entry: other.entry, maxBytes: 256 * 1024 });
    expect(reads[0]!.signal!.aborted).toBe(false);
    ctl.abort();
    expect(reads[0]!.signal!.aborted).toBe(true);
    await taken.catch(() => {});
    // the new selection's read is untouched, and a Preview of it takes it
    expect(reads[1]!.signal!.aborted).toBe(false);
    await store.getState().readEntry(other.layer, other.entry, Math.min(other.size, 256 * 1024), { signal: new AbortController().signal, first: true });
    expect(reads).toHaveLength(2);
  });

  it('a new load of the image, or clearing it, cancels the read no Preview took', async () => {
    const { store, reads, motd } = await opened();
    reads.length = 0;
    store.getState().startPreviewRead({ layer: motd.layer, entry: motd.entry, maxBytes: 256 * 1024 });
    expect(reads).toHaveLength(1);
    const again = store.getState().openFile(new File([readFileSync(EXAMPLE)], 'example.tar', { lastModified: 2 }));
    expect(reads[0]!.signal!.aborted).toBe(true);
    await again;
    store.getState().startPreviewRead({ layer: motd.layer, entry: motd.entry, maxBytes: 256 * 1024 });
    expect(reads[reads.length - 1]!.signal!.aborted).toBe(false);
    store.getState().clearSlot('a');
    expect(reads[reads.length - 1]!.signal!.aborted).toBe(true);
  });

  it('a caller whose signal is already aborted does not take the read, and no read starts for an entry that is not there', async () => {
    const { store, reads, motd } = await opened();
    reads.length = 0;
    store.getState().startPreviewRead({ layer: motd.layer, entry: 1e9, maxBytes: 256 * 1024 });
    store.getState().startPreviewRead({ layer: 99, entry: 0, maxBytes: 256 * 1024 });
    expect(reads).toHaveLength(0);
    store.getState().startPreviewRead({ layer: motd.layer, entry: motd.entry, maxBytes: 256 * 1024 });
    const gone = new AbortController();
    gone.abort();
    await store
      .getState()
      .readEntry(motd.layer, motd.entry, motd.size, { signal: gone.signal, first: true })
      .catch(() => {});
    expect(reads).toHaveLength(2);
    // the started read is still there for the Preview that does come
    expect(reads[0]!.signal!.aborted).toBe(false);
    await store.getState().readEntry(motd.layer, motd.entry, motd.size, { signal: new AbortController().signal, first: true });
    expect(reads).toHaveLength(2);
  });
});
