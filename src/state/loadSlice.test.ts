/**
 * The load actions in Node, with the engine host injected (inProcessHost over a
 * scanner these tests hold back, fail or count): cancel mid-load, a second drop
 * superseding the first, a failed layer, an image switch, the partial unions the
 * engine hands over as data, slot 'b' beside 'a', and the playground's overlay
 * over a load whose digests are checked meanwhile. Real archives throughout.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAppStore, type AppStore } from './store';
import { inProcessHost } from './inProcessHost';
import { until } from '../../test/helpers/until';
import * as H from '../../test/helpers/hostile.mjs';
import { inProcessScanner, openImage, type LayerScanner } from '../core/session';
import { buildUnion } from '../core/model/union';
import { computeStats } from '../core/model/stats';
import { listMerged } from '../core/model/listing';
import { LayerscopeError, cancelled } from '../core/errors';
import type { LoadState, ReadyLoad } from './loadSlice';
import { selectBuilding, selectDigestsChecking, selectError, selectImageInfo, selectIndexes, selectShown, selectStatus, selectUnionState } from './selectors';

const FIX = join(__dirname, '../../test/fixtures/images');
const file = (path: string, name = path.split('/').at(-1)!) => new File([readFileSync(path)], name, { lastModified: 1 });
const EXAMPLE = join(__dirname, '../../public/example.tar');
const TWO_IMAGES = join(FIX, 'legacy-bundle-two-images.tar');
const OTHER = join(FIX, 'skopeo-opaque-whiteout.tar');

/** A scanner whose layers can be held back until released, failed, and whose union builds are counted. */
function controlledScanner() {
  const base = inProcessScanner(2);
  const held = new Map<number, () => void>();
  const waiting = new Map<number, Promise<void>>();
  const failing = new Set<number>();
  const calls = { scans: 0, partialBuilds: 0, finalBuilds: 0 };
  const scanner: LayerScanner = {
    concurrency: 2,
    scan: async (blob, layer, o) => {
      calls.scans++;
      const gate = waiting.get(layer);
      if (gate) {
        await new Promise<void>((resolve, reject) => {
          gate.then(resolve);
          o.signal?.addEventListener('abort', () => reject(cancelled()), { once: true });
        });
      }
      if (failing.has(layer)) throw new LayerscopeError('BAD_GZIP', 'invalid block type');
      return base.scan(blob, layer, o);
    },
    hashLayer: base.hashLayer,
    // What the page's union worker does (here, in this thread), counted.
    summarize: async (layers, o) => {
      if (o.stats) calls.finalBuilds++;
      else calls.partialBuilds++;
      const union = buildUnion(layers);
      return { union, stats: o.stats ? computeStats(union, layers) : null };
    },
  };
  return {
    scanner,
    calls,
    hold(layer: number) {
      waiting.set(layer, new Promise<void>((r) => held.set(layer, r)));
    },
    release(layer: number) {
      held.get(layer)?.();
    },
    fail(layer: number) {
      failing.add(layer);
    },
  };
}

function makeStore(scanner?: LayerScanner): AppStore {
  return createAppStore(inProcessHost(scanner));
}

const kinds = (store: AppStore) => {
  const seen: LoadState['kind'][] = [];
  store.subscribe((s, p) => {
    if (s.slots.a.kind !== p.slots.a.kind) seen.push(s.slots.a.kind);
  });
  return seen;
};

describe('load actions (createLoadSlice with an injected host)', () => {
  it('the digest check starts in a task after the one that shows the image (issue 13: that task was the longest of the load)', async () => {
    const c = controlledScanner();
    // true from the store update that makes the slot ready until that task and its microtasks are over
    let inReadyTask = false;
    const hashedIn: boolean[] = [];
    const hashLayer = c.scanner.hashLayer;
    c.scanner.hashLayer = (...a) => {
      hashedIn.push(inReadyTask);
      return hashLayer(...a);
    };
    const store = makeStore(c.scanner);
    const unsub = store.subscribe((s, prev) => {
      if (s.slots.a.kind === 'ready' && prev.slots.a.kind !== 'ready') {
        inReadyTask = true;
        setTimeout(() => {
          inReadyTask = false;
        }, 0);
      }
    });
    await store.getState().openFile(file(EXAMPLE));
    await until(store, (x) => x.slots.a.kind === 'ready' && x.slots.a.digests === 'checked');
    unsub();
    expect(hashedIn.length).toBeGreaterThan(0);
    expect(hashedIn.filter(Boolean)).toEqual([]);
  });

  it('the host is asked to prepare a worker for reads as the digest check begins, before its first layer is hashed (issue 13: the first read after ready)', async () => {
    const c = controlledScanner();
    const order: string[] = [];
    const hashLayer = c.scanner.hashLayer;
    c.scanner.hashLayer = (...a) => {
      order.push('hash');
      return hashLayer(...a);
    };
    const store = createAppStore({ ...inProcessHost(c.scanner), prepareReads: () => order.push('prepare') });
    await store.getState().openFile(file(EXAMPLE));
    await until(store, (x) => x.slots.a.kind === 'ready' && x.slots.a.digests === 'checked');
    expect(order[0]).toBe('prepare');
    expect(order.filter((x) => x === 'prepare')).toHaveLength(1);
    expect(order.filter((x) => x === 'hash').length).toBeGreaterThan(0);
  });

  it('loading → ready: structure first, partial unions from the engine as data (one build per layer set), then digests checked', async () => {
    const c = controlledScanner();
    const store = makeStore(c.scanner);
    c.hold(4);
    const seen = kinds(store);
    const done = store.getState().openFile(file(EXAMPLE));
    let s = await until(store, (x) => x.slots.a.kind === 'loading' && x.slots.a.partial !== null);
    const loading = s.slots.a;
    if (loading.kind !== 'loading') throw new Error();
    expect(loading.structure!.layers).toHaveLength(5);
    expect(selectImageInfo(s)).toBe(loading.structure);
    // The partial union is the engine's, of the layers finished when it was built; the held layer is missing.
    expect(loading.partial!.layers[4]).toBeNull();
    expect(loading.partial!.layers.filter(Boolean).length).toBeGreaterThan(0);
    // Every view asks the same selector and gets the same object: one build, whoever shows it.
    expect(selectUnionState(s)).toBe(loading.partial);
    expect(selectUnionState(s)).toBe(selectUnionState(store.getState()));
    expect(selectShown(s)).toBeNull();
    const partialBuilds = c.calls.partialBuilds;
    expect(partialBuilds).toBeGreaterThanOrEqual(1);
    expect(partialBuilds).toBeLessThanOrEqual(4);
    c.release(4);
    await done;
    s = store.getState();
    expect(selectStatus(s)).toBe('ready');
    // No partial union once every layer is in: the final one only.
    expect(c.calls.finalBuilds).toBe(1);
    const ready = s.slots.a as ReadyLoad;
    expect(ready.layers.every((l) => l.state === 'indexed')).toBe(true);
    expect(selectIndexes(s)).toBe(ready.loaded.layers);
    // The digest check behind the shown image: 'checking', then the checked image in the same load.
    s = await until(store, (x) => !selectDigestsChecking(x) && x.slots.a.kind === 'ready');
    const checked = s.slots.a as ReadyLoad;
    expect(checked.id).toBe(ready.id);
    expect(checked.digests).toBe('checked');
    expect(checked.loaded.integrity.every((i) => i.diffId === 'ok')).toBe(true);
    expect(ready.loaded.integrity.every((i) => i.diffId === 'unchecked')).toBe(true); // replaced, not mutated
    expect(seen).toEqual(['loading', 'ready']);
  });

  it('building: every layer read while the union is built is a state of its own, not "verifying"', async () => {
    const c = controlledScanner();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const summarize = c.scanner.summarize!;
    c.scanner.summarize = async (layers, o) => {
      if (o.stats) await gate;
      return summarize(layers, o);
    };
    const store = makeStore(c.scanner);
    const done = store.getState().openFile(file(EXAMPLE));
    const s = await until(store, selectBuilding);
    expect(selectDigestsChecking(s)).toBe(false);
    expect(selectStatus(s)).toBe('loading');
    release();
    await done;
    expect(selectBuilding(store.getState())).toBe(false);
  });

  it('cancel mid-load: back to the empty page; during a second load: back to the first image and its view', async () => {
    const c = controlledScanner();
    const store = makeStore(c.scanner);
    c.hold(4);
    const first = store.getState().openFile(file(EXAMPLE));
    await until(store, (x) => x.slots.a.kind === 'loading' && x.slots.a.structure !== null);
    store.getState().cancelLoad();
    await first;
    expect(store.getState().slots.a).toEqual({ kind: 'empty' });
    expect(store.getState().selectedLayer).toBe(-1);

    await store.getState().openFile(file(OTHER));
    const shown = store.getState().slots.a as ReadyLoad;
    store.getState().selectLayer(0);
    store.getState().setView({ search: 'etc' });
    c.hold(4);
    const second = store.getState().openFile(file(EXAMPLE));
    await until(store, (x) => x.slots.a.kind === 'loading' && x.slots.a.structure !== null);
    expect(store.getState().search).toBe('');
    store.getState().cancelLoad();
    await second;
    const s = store.getState();
    expect(s.slots.a.kind).toBe('ready');
    expect((s.slots.a as ReadyLoad).id).toBe(shown.id);
    expect([s.selectedLayer, s.search]).toEqual([0, 'etc']);
    // Its digest check, stopped by the second load, runs again.
    await until(store, (x) => x.slots.a.kind === 'ready' && x.slots.a.digests === 'checked');
  });

  it('a second drop supersedes the first: the first one never shows, Cancel still goes back to what was shown before both', async () => {
    const c = controlledScanner();
    const store = makeStore(c.scanner);
    await store.getState().openFile(file(OTHER));
    const before = store.getState().slots.a as ReadyLoad;
    c.hold(4);
    const first = store.getState().openFile(file(EXAMPLE));
    await until(store, (x) => x.slots.a.kind === 'loading' && x.slots.a.structure !== null);
    const firstId = store.getState().slots.a.kind === 'loading' ? (store.getState().slots.a as { id: number }).id : -1;
    const ids: number[] = [];
    store.subscribe((s) => {
      if (s.slots.a.kind !== 'empty' && s.slots.a.kind !== 'error') ids.push(s.slots.a.id);
    });
    c.hold(0);
    const second = store.getState().openFile(file(TWO_IMAGES));
    c.release(4); // the first one's held layer finishes now: its result must go nowhere
    await first;
    expect(ids.every((id) => id !== firstId)).toBe(true);
    store.getState().cancelLoad();
    await second;
    expect((store.getState().slots.a as ReadyLoad).id).toBe(before.id);

    // And a second drop that is not cancelled wins.
    c.release(0);
    const third = store.getState().openFile(file(EXAMPLE));
    const fourth = store.getState().openFile(file(TWO_IMAGES));
    await Promise.all([third, fourth]);
    const s = store.getState();
    expect(s.slots.a.kind === 'ready' && s.slots.a.fileName).toBe('legacy-bundle-two-images.tar');
  });

  it('a failed layer: the image is shown, that layer marked failed with its sentence, the others indexed', async () => {
    const c = controlledScanner();
    c.fail(1);
    const store = makeStore(c.scanner);
    await store.getState().openFile(file(EXAMPLE));
    const s = store.getState();
    const ready = s.slots.a as ReadyLoad;
    expect(ready.kind).toBe('ready');
    expect(ready.layers.map((l) => l.state)).toEqual(['indexed', 'failed', 'indexed', 'indexed', 'indexed']);
    expect(ready.layers[1]!.error).toMatch(/layer 1: .*invalid block type/);
    expect(ready.loaded.layers[1]).toBeNull();
    expect(selectShown(s)!.union.layerCount).toBe(5);
  });

  it("the largest layer's scan is requested before the config is read, and the load takes it as that layer's (issue 13)", async () => {
    // What reaches the host, in order: the scans the store asks for and the archive's byte ranges read.
    const events: string[] = [];
    class RecordingFile extends File {
      override slice(start?: number, end?: number, type?: string): Blob {
        events.push(`read ${start}-${end}`);
        return super.slice(start, end, type);
      }
    }
    const base = inProcessScanner(2);
    const progress: number[] = [];
    const scanner: LayerScanner = {
      ...base,
      scan: (blob, layer, o) => {
        events.push(`scan ${layer}`);
        return base.scan(blob, layer, {
          ...o,
          onProgress: (p) => {
            if (layer === 0) progress.push(p.bytesRead);
            o.onProgress?.(p);
          },
        });
      },
    };
    const store = makeStore(scanner);
    await store.getState().openFile(new RecordingFile([readFileSync(EXAMPLE)], 'example.tar', { lastModified: 1 }));
    const ready = store.getState().slots.a as ReadyLoad;
    expect(ready.kind).toBe('ready');
    const { image, outer } = ready.loaded;
    // example.tar: layer 0 (2.8 MB) is the largest of 5
    expect(image.layers.map((l) => l.blob.size).every((sz, i) => i === 0 || sz < image.layers[0]!.blob.size)).toBe(true);
    const hex = image.configDigest!.replace(/^sha256:/, '');
    const config = [...outer.entries.values()].find((e) => e.name === `${hex}.json` || e.name === `blobs/sha256/${hex}`)!;
    const configRead = events.indexOf(`read ${config.offset}-${config.offset + config.size}`);
    expect(configRead).toBeGreaterThan(0);
    expect(events.indexOf('scan 0')).toBeGreaterThanOrEqual(0);
    expect(events.indexOf('scan 0')).toBeLessThan(configRead);
    // no layer is scanned twice (the early scan was adopted, not repeated)
    expect(events.filter((e) => e.startsWith('scan ')).sort()).toEqual(image.layers.map((_, i) => `scan ${i}`).sort());
    // its progress reached the store and its index is the one shown, as an ordinary load's
    expect(progress.length).toBeGreaterThan(0);
    expect(ready.layers.map((l) => l.state)).toEqual(image.layers.map(() => 'indexed'));
    expect(ready.layers[0]!.bytesRead).toBe(ready.layers[0]!.bytesTotal);
    const plain = await openImage(new Blob([readFileSync(EXAMPLE)]), { opened: ready.opened });
    const top = image.layers.length - 1;
    expect(listMerged(ready.loaded.union, ready.loaded.layers, top)).toBe(listMerged(plain.union, plain.layers, top));
  });

  it('the early-started largest layer failing: that layer marked failed, the others indexed', async () => {
    const c = controlledScanner();
    c.fail(0);
    const store = makeStore(c.scanner);
    await store.getState().openFile(file(EXAMPLE));
    const ready = store.getState().slots.a as ReadyLoad;
    expect(ready.kind).toBe('ready');
    expect(ready.layers.map((l) => l.state)).toEqual(['failed', 'indexed', 'indexed', 'indexed', 'indexed']);
    expect(ready.layers[0]!.error).toMatch(/layer 0: .*invalid block type/);
    expect(c.calls.scans).toBe(5);
  });

  it('a file that is not an image archive: an error sentence, and the next file opens normally', async () => {
    const store = makeStore();
    await store.getState().openFile(new File([readFileSync(join(__dirname, '../../package.json'))], 'package.json'));
    expect(selectStatus(store.getState())).toBe('error');
    expect(selectError(store.getState())).toMatch(/^“package\.json” is not a tar archive: it looks like a JSON document/);
    await store.getState().openFile(file(EXAMPLE));
    expect(selectStatus(store.getState())).toBe('ready');
  });

  it('an image switch re-uses the opened archive (its index is not read again) and keeps filters and search', async () => {
    const c = controlledScanner();
    const store = makeStore(c.scanner);
    await store.getState().openFile(file(TWO_IMAGES));
    const first = store.getState().slots.a as ReadyLoad;
    expect(first.loaded.image.index).toBe(0);
    store.getState().setFilters({ unchanged: false });
    store.getState().setView({ search: 'bin' });
    const states: LoadState[] = [];
    store.subscribe((s) => states.push(s.slots.a));
    await store.getState().chooseImage(1);
    const s = store.getState();
    const second = s.slots.a as ReadyLoad;
    expect(second.loaded.image.index).toBe(1);
    expect(second.opened.outer).toBe(first.opened.outer);
    expect(states[0]!.kind === 'loading' && states[0]!.opened).toBe(first.opened); // known from the first state on
    expect(second.view).toBe('switch');
    expect([s.filters.unchanged, s.search, s.selectedLayer]).toEqual([false, 'bin', -1]);
    // The same listing as opening image 1 directly.
    const direct = makeStore();
    await direct.getState().openFile(file(TWO_IMAGES), { image: 1 });
    const d = direct.getState().slots.a as ReadyLoad;
    const top = d.loaded.layers.length - 1;
    expect(listMerged(second.loaded.union, second.loaded.layers, top)).toBe(listMerged(d.loaded.union, d.loaded.layers, top));
  });

  it('slot b loads beside slot a: a and its view are untouched; clearSlot forgets it', async () => {
    const store = makeStore();
    await store.getState().openFile(file(EXAMPLE));
    const a = store.getState().slots.a;
    store.getState().selectLayer(1);
    await store.getState().openFile(file(OTHER), { slot: 'b' });
    const s = store.getState();
    expect(s.slots.a).toBe(a);
    expect(s.selectedLayer).toBe(1);
    expect(selectStatus(s, 'b')).toBe('ready');
    expect(selectShown(s, 'b')!.image.tags).not.toEqual(selectShown(s)!.image.tags);
    store.getState().clearSlot('b');
    expect(store.getState().slots.b).toEqual({ kind: 'empty' });
    expect(store.getState().slots.a).toBe(a);
  });

  it('slot b builds no partial unions (no tree shows them), only its final union; slot a does', async () => {
    const c = controlledScanner();
    const store = makeStore(c.scanner);
    c.hold(4);
    const b = store.getState().openFile(file(EXAMPLE), { slot: 'b' });
    await until(store, (x) => x.slots.b.kind === 'loading' && x.slots.b.layers.filter((l) => l.state === 'indexed').length >= 3);
    // long enough for a partial build to be asked for (the rebuild factor times a build of none)
    await new Promise((r) => setTimeout(r, 50));
    expect(c.calls.partialBuilds).toBe(0);
    c.release(4);
    await b;
    expect(selectStatus(store.getState(), 'b')).toBe('ready');
    expect(c.calls.finalBuilds).toBe(1);
    const d = controlledScanner();
    const sa = makeStore(d.scanner);
    d.hold(4);
    const a = sa.getState().openFile(file(EXAMPLE));
    await until(sa, (x) => x.slots.a.kind === 'loading' && x.slots.a.partial !== null);
    expect(d.calls.partialBuilds).toBeGreaterThan(0);
    d.release(4);
    await a;
  });

  it('readEntry reads a file of the image shown, the same bytes as the layer holds', async () => {
    const store = makeStore();
    await store.getState().openFile(file(EXAMPLE));
    const img = selectShown(store.getState())!;
    const l = img.layers.findIndex((x) => x?.paths.includes('etc/motd'));
    const idx = img.layers[l]!;
    const e = idx.paths.indexOf('etc/motd');
    const bytes = await store.getState().readEntry(l, e);
    expect(bytes.length).toBe(idx.sizes[e]);
    expect(new TextDecoder().decode(bytes).length).toBeGreaterThan(0);
    await expect(store.getState().readEntry(99, 0)).rejects.toThrow(/no layer 99/);
  });

  it("readEntry slices a layer's bytes from the archive once, not once per read", async () => {
    const base = inProcessHost();
    const blobs: Blob[] = [];
    const store = createAppStore({
      ...base,
      read: (blob, ...rest) => {
        blobs.push(blob);
        return base.read(blob, ...rest);
      },
    });
    await store.getState().openFile(file(EXAMPLE));
    const img = selectShown(store.getState())!;
    const l = img.layers.findIndex((x) => x?.paths.includes('etc/motd'));
    const e = img.layers[l]!.paths.indexOf('etc/motd');
    const first = await store.getState().readEntry(l, e);
    const again = await store.getState().readEntry(l, e, 4);
    expect(Array.from(again)).toEqual(Array.from(first.subarray(0, 4)));
    expect(blobs).toHaveLength(2);
    expect(blobs[1]).toBe(blobs[0]);
  });

  it('the playground is an overlay composed by the selectors: the load is never rewritten; the checked digests land under it', async () => {
    const c = controlledScanner();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const hashLayer = c.scanner.hashLayer;
    c.scanner.hashLayer = async (...args) => {
      await gate;
      return hashLayer(...args);
    };
    const store = makeStore(c.scanner);
    await store.getState().openFile(file(EXAMPLE));
    const ready = store.getState().slots.a as ReadyLoad;
    expect(ready.digests).toBe('checking');
    store.getState().pgStart();
    store.getState().pgWrite('/etc/motd', 'changed\n');
    let s = store.getState();
    expect(s.slots.a).toBe(ready); // the load itself is untouched
    expect(selectShown(s)!.layers).toHaveLength(6);
    expect(s.selectedLayer).toBe(5);
    release();
    s = await until(store, (x) => x.slots.a.kind === 'ready' && x.slots.a.digests === 'checked');
    // The checked image replaced the load; the container's layer is still on top of it.
    const shown = selectShown(s)!;
    expect(shown.layers).toHaveLength(6);
    expect(shown.integrity.slice(0, 5).every((i) => i.diffId === 'ok')).toBe(true);
    expect(await s.pgReadText('/etc/motd')).toMatchObject({ text: 'changed\n' });
    // Another file ends it.
    await store.getState().openFile(file(OTHER));
    s = store.getState();
    expect(s.pg.container).toBeNull();
    expect(selectShown(s)!.layers).toHaveLength((s.slots.a as ReadyLoad).loaded.layers.length);
  });
});

describe('one layer listed 1,000 times (issue 9, point 6)', () => {
  it('is scanned and hashed once through the store, and a flush copies only the layers that changed', async () => {
    const c = controlledScanner();
    let hashes = 0;
    const hashLayer = c.scanner.hashLayer;
    c.scanner.hashLayer = (...args) => {
      hashes++;
      return hashLayer(...args);
    };
    c.hold(0);
    const store = makeStore(c.scanner);
    // every publish of the layer states while loading: how many objects were new, how many values changed
    const publishes: { fresh: number; changedValues: number }[] = [];
    store.subscribe((s, p) => {
      const a = s.slots.a;
      const b = p.slots.a;
      if (a.kind !== 'loading' || b.kind !== 'loading' || a.layers === b.layers || b.layers.length === 0) return;
      let fresh = 0;
      let changedValues = 0;
      a.layers.forEach((l, i) => {
        const o = b.layers[i]!;
        if (l !== o) fresh++;
        if (l.state !== o.state || l.bytesRead !== o.bytesRead || l.bytesTotal !== o.bytesTotal || l.error !== o.error) changedValues++;
      });
      publishes.push({ fresh, changedValues });
    });
    const done = store.getState().openFile(new File([H.oneLayerManyTimes(1_000, { files: 20 }) as BlobPart], 'repeat.tar'));
    // the one read is held: the flush after FLUSH_INTERVAL_MS says layer 0 is being read, and nothing else changed
    await until(store, (s) => s.slots.a.kind === 'loading' && s.slots.a.layers[0]?.state === 'decompressing');
    c.release(0);
    await done;
    await until(store, (s) => s.slots.a.kind === 'ready' && s.slots.a.digests === 'checked');
    expect(c.calls.scans).toBe(1);
    expect(hashes).toBe(1);
    expect(publishes.length).toBeGreaterThan(0);
    // without copy-on-write every flush made 1,000 new objects for one changed layer
    for (const p of publishes) expect(p.fresh).toBe(p.changedValues);
    expect(publishes[0]!.fresh).toBe(1);
    const ready = store.getState().slots.a as ReadyLoad;
    expect(ready.layers.every((l) => l.state === 'indexed')).toBe(true);
    expect(ready.loaded.layers.every((l) => l === ready.loaded.layers[0])).toBe(true);
  }, 60_000);
});
