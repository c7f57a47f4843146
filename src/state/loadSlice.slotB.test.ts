/**
 * Slot b, the second image of a comparison (issue 11 on the load state of issue 10),
 * in Node over the real engine (inProcessHost): opening B beside A (another file, or
 * another platform of A's archive without reading its index again), B's progress and
 * its digest check, cancelling B mid-load, B failing while A stays — and that nothing
 * of B ever touches slot a or its view.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAppStore, type AppStore } from './store';
import { inProcessHost } from './inProcessHost';
import { until } from '../../test/helpers/until';
import { inProcessScanner, type LayerScanner } from '../core/session';
import { cancelled } from '../core/errors';
import type { ReadyLoad } from './loadSlice';
import { selectError, selectFileName, selectLoadProgress, selectShown, selectSideError, selectStatus } from './selectors';
import { ociIndexArchive } from '../../test/helpers/ociIndex';
import { writeTar, type TarWriteEntry } from '../core/write/tarWriter';

const FIX = join(__dirname, '../../test/fixtures/images');
const file = (path: string, name = path.split('/').at(-1)!) => new File([readFileSync(path)], name, { lastModified: 1 });
const EXAMPLE = join(__dirname, '../../public/example.tar');
const OTHER = join(FIX, 'skopeo-opaque-whiteout.tar');

const te = new TextEncoder();
const tfile = (path: string, text: string): TarWriteEntry => ({ path, kind: 'file', data: te.encode(text), mode: 0o644, uid: 0, gid: 0, mtime: 0 });

/** A two-platform OCI index whose platforms share their base layer (stored once). */
function twoPlatforms(): File {
  const base = writeTar([tfile('etc/os-release', 'ID=test\n')]);
  const bytes = ociIndexArchive([
    { os: 'linux', architecture: 'amd64', layers: [base, writeTar([tfile('bin/tool', 'x86-64 code')])] },
    { os: 'linux', architecture: 'arm64', variant: 'v8', layers: [base, writeTar([tfile('bin/tool', 'aarch64 code!')])] },
  ]);
  return new File([bytes as Uint8Array<ArrayBuffer>], 'multi.tar', { lastModified: 1 });
}

/** Scans that wait for `release()` (or the abort), counting them; hashes counted too. */
function gatedScanner() {
  const base = inProcessScanner(2);
  let open: () => void = () => {};
  let gate: Promise<void> | null = null;
  const calls = { scans: 0, hashes: 0 };
  const scanner: LayerScanner = {
    concurrency: 2,
    scan: async (blob, layer, o) => {
      calls.scans++;
      if (gate) {
        const g = gate;
        await new Promise<void>((resolve, reject) => {
          g.then(resolve);
          o.signal?.addEventListener('abort', () => reject(cancelled()), { once: true });
        });
      }
      return base.scan(blob, layer, o);
    },
    hashLayer: (blob, c, o) => {
      calls.hashes++;
      return base.hashLayer(blob, c, o);
    },
  };
  return {
    scanner,
    calls,
    hold() {
      gate = new Promise<void>((r) => {
        open = r;
      });
    },
    release() {
      gate = null;
      open();
    },
  };
}

/** Every state slot a went through while `f` ran (by identity). */
async function slotAWhile(store: AppStore, f: () => Promise<void>) {
  const seen = new Set<unknown>();
  const views = new Set<unknown>();
  const unsub = store.subscribe((s) => {
    seen.add(s.slots.a);
    views.add(s.selectedLayer);
  });
  await f();
  unsub();
  return { seen, views };
}

describe('slot b: the second image of a comparison, in the store', () => {
  it('opening B: progress through the selectors while it loads, then ready and digest-checked; A and its view never touched', async () => {
    const g = gatedScanner();
    const store = createAppStore(inProcessHost(g.scanner));
    await store.getState().openFile(file(EXAMPLE));
    await until(store, (s) => s.slots.a.kind === 'ready' && s.slots.a.digests === 'checked');
    store.getState().selectLayer(2);
    const a = store.getState().slots.a;
    const { seen, views } = await slotAWhile(store, async () => {
      g.hold();
      const done = store.getState().openFile(file(OTHER), { slot: 'b' });
      const s = await until(store, (x) => x.slots.b.kind === 'loading' && x.slots.b.structure !== null);
      expect(selectStatus(s, 'b')).toBe('loading');
      expect(selectFileName(s, 'b')).toBe('skopeo-opaque-whiteout.tar');
      const p = selectLoadProgress(s, 'b')!;
      expect(p.bytesTotal).toBeGreaterThan(0);
      expect(p.bytesRead).toBe(0);
      // memoized: the same object for the same state (useStore(selectLoadProgress) is stable)
      expect(selectLoadProgress(s, 'b')).toBe(p);
      expect(selectLoadProgress(s, 'a')).toBeNull();
      g.release();
      await done;
      const r = await until(store, (x) => x.slots.b.kind === 'ready' && x.slots.b.digests === 'checked');
      const b = r.slots.b as ReadyLoad;
      // the digest check behind B ran (its uncompressed layers hashed) and its result is what B shows
      expect(b.loaded.layers.every((l) => l?.diffIdComputed)).toBe(true);
      expect(selectShown(r, 'b')).toBe(b.loaded);
      expect(selectLoadProgress(r, 'b')).toBeNull();
    });
    expect([...seen]).toEqual([a]);
    expect([...views]).toEqual([2]);
  });

  it('cancelling B mid-load: slot b empty again, A as it was', async () => {
    const g = gatedScanner();
    const store = createAppStore(inProcessHost(g.scanner));
    await store.getState().openFile(file(EXAMPLE));
    // A's own digest check replaces its state when done: let it finish, so that any later change to slot a is B's doing
    await until(store, (s) => s.slots.a.kind === 'ready' && s.slots.a.digests === 'checked');
    const a = store.getState().slots.a;
    g.hold();
    const done = store.getState().openFile(file(OTHER), { slot: 'b' });
    await until(store, (x) => x.slots.b.kind === 'loading' && x.slots.b.structure !== null);
    const scansBefore = g.calls.scans;
    store.getState().cancelLoad('b');
    await done; // resolves (never rejects) once cancelled
    const s = store.getState();
    expect(s.slots.b).toEqual({ kind: 'empty' });
    expect(s.slots.a).toBe(a);
    // the held scans were aborted, not left to finish: releasing the gate starts nothing new
    g.release();
    await new Promise((r) => setTimeout(r, 50));
    expect(g.calls.scans).toBe(scansBefore);
    expect(store.getState().slots.b).toEqual({ kind: 'empty' });
    // cancelling slot b when nothing loads there is a no-op
    store.getState().cancelLoad('b');
    expect(store.getState().slots.a).toBe(a);
  });

  it('B failing: slot b holds the error, named "B: …" for the comparison; A stays ready and shown', async () => {
    const store = createAppStore(inProcessHost());
    await store.getState().openFile(file(EXAMPLE));
    // A's own digest check replaces its state when done: let it finish, so that any later change to slot a is B's doing
    await until(store, (s) => s.slots.a.kind === 'ready' && s.slots.a.digests === 'checked');
    const a = store.getState().slots.a;
    const notes = new File([te.encode('just some notes, not an archive\n')], 'notes.txt', { lastModified: 1 });
    await store.getState().openFile(notes, { slot: 'b' });
    const s = store.getState();
    expect(selectStatus(s, 'b')).toBe('error');
    expect(selectError(s, 'b')).toMatch(/^“notes\.txt” is not a tar archive/);
    expect(selectSideError(s, 'b')).toBe(`B: ${selectError(s, 'b')}`);
    expect(s.slots.a).toBe(a);
    expect(selectStatus(s)).toBe('ready');
    expect(selectError(s)).toBeNull();
    expect(selectSideError(s, 'a')).toBeNull();
    // dismissed: slot b forgets it
    store.getState().clearSlot('b');
    expect(selectSideError(store.getState(), 'b')).toBeNull();
    expect(store.getState().slots.a).toBe(a);
  });

  it('another platform of A’s index into slot b: the archive A opened is reused (its stored layers the same objects), not read again', async () => {
    const store = createAppStore(inProcessHost());
    const f = twoPlatforms();
    await store.getState().openFile(f);
    const a = store.getState().slots.a as ReadyLoad;
    expect(a.loaded.image.platform?.architecture).toBe('amd64');
    await store.getState().openFile(f, { slot: 'b', platform: 'linux/arm64/v8', opened: a.opened });
    const s = store.getState();
    const b = s.slots.b as ReadyLoad;
    expect(b.kind).toBe('ready');
    expect(b.loaded.image.platform).toMatchObject({ architecture: 'arm64', variant: 'v8' });
    expect(b.loaded.info).toBe(a.loaded.info);
    expect(b.loaded.outer).toBe(a.loaded.outer);
    // the shared base is the very same stored blob in both: what lets the comparison skip hashing it
    expect(b.loaded.image.layers[0]!.blob).toEqual(a.loaded.image.layers[0]!.blob);
    expect(s.slots.a).toBe(a);
  });

  it('the base two platforms share is hashed once, not once per slot (the other slot’s digests reused, done or in flight)', async () => {
    for (const waitForA of [true, false]) {
      const g = gatedScanner();
      const store = createAppStore(inProcessHost(g.scanner));
      const f = twoPlatforms();
      await store.getState().openFile(f);
      if (waitForA) await until(store, (s) => s.slots.a.kind === 'ready' && s.slots.a.digests === 'checked');
      const a = store.getState().slots.a as ReadyLoad;
      await store.getState().openFile(f, { slot: 'b', platform: 'linux/arm64/v8', opened: a.opened });
      const s = await until(
        store,
        (x) => x.slots.a.kind === 'ready' && x.slots.a.digests === 'checked' && x.slots.b.kind === 'ready' && x.slots.b.digests === 'checked',
      );
      // a: its 2 layers; b: its own top layer only (the base's digests are a's)
      expect(g.calls.hashes, waitForA ? 'after a was checked' : 'while a was checking').toBe(3);
      const la = (s.slots.a as ReadyLoad).loaded;
      const lb = (s.slots.b as ReadyLoad).loaded;
      expect(lb.layers[0]!.diffIdComputed).toBe(la.layers[0]!.diffIdComputed);
      expect(lb.layers[0]!.diffIdComputed).toBe(lb.image.layers[0]!.diffId);
      expect(lb.layers[1]!.diffIdComputed).toBe(lb.image.layers[1]!.diffId);
      // what B's integrity says is still checked layer by layer: both ok
      expect(lb.integrity.map((c) => c.diffId)).toEqual(['ok', 'ok']);
    }
  });

  it('pickImage chooses B’s image once its archive is known (the URL naming a platform); slot a’s shared link never applies to b', async () => {
    const store = createAppStore(inProcessHost());
    await store.getState().openFile(file(EXAMPLE));
    // a link naming image 1 (as the URL would): slot a's, not b's
    store.setState({ urlLink: { view: { image: 1 }, anyLoad: true } });
    const f = twoPlatforms();
    await store.getState().openFile(f, {
      slot: 'b',
      pickImage: (info) => info.images.find((im) => im.platform?.architecture === 'arm64')?.index,
    });
    expect((store.getState().slots.b as ReadyLoad).loaded.image.platform?.architecture).toBe('arm64');
    await store.getState().openFile(f, { slot: 'b' });
    // neither picked nor linked: the index's default (linux/amd64), whatever slot a's link says
    expect((store.getState().slots.b as ReadyLoad).loaded.image.platform?.architecture).toBe('amd64');
  });
});
