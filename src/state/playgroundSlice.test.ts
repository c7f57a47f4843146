/**
 * The playground in the store: the overlay it puts on the loaded image (what
 * selectShown composes: the image the whole page renders) while a container
 * runs, after a commit and after the container is removed, and that a new load
 * ends it. The image is the real example, opened with the engine in-process.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAppStore } from './store';
import { inProcessHost } from './inProcessHost';
import { selectImageInfo, selectOpened, selectPlaygroundBase, selectShown } from './selectors';
import { openImage, type LoadedImage, verifyImage } from '../core/session';
import { listMerged } from '../core/model/listing';
import { lookup, mergedAt } from '../core/model/union';
import { EMPTY_LOAD, type LoadingLoad } from './loadSlice';
import { MAX_COPY_UP_BYTES } from './playgroundSlice';
import { formatBytes } from '../core/formatBytes';

const EMPTY_LOADING: LoadingLoad = {
  kind: 'loading',
  id: 0,
  file: new Blob([]),
  fileName: 'next.tar',
  startedAt: 0,
  view: 'reset',
  opened: null,
  archiveProgress: null,
  structure: null,
  layers: [],
  indexes: [],
  partial: null,
};

const EXAMPLE = join(__dirname, '../../public/example.tar');
let example: LoadedImage;

async function load(): Promise<LoadedImage> {
  example ??= await openImage(new Blob([readFileSync(EXAMPLE)]), { verify: false });
  return example;
}

let useStore = createAppStore(inProcessHost());

function setLoaded(img: LoadedImage) {
  useStore.getState().showLoaded(img, { fileName: 'example.tar' });
  useStore.setState({ selectedLayer: img.layers.length - 1 });
}

beforeEach(() => {
  useStore = createAppStore(inProcessHost());
});

describe('playground slice', () => {
  it('starting a container publishes the image plus an empty read-write layer, selected', async () => {
    const img = await load();
    setLoaded(img);
    useStore.getState().pgStart();
    const s = useStore.getState();
    expect(s.pg.container).not.toBeNull();
    expect(selectPlaygroundBase(s)).toBe(img);
    expect(selectShown(s)!.layers).toHaveLength(img.layers.length + 1);
    expect(selectImageInfo(s)!.layers.at(-1)!.synthetic).toBe('container');
    expect(s.selectedLayer).toBe(img.layers.length);
    expect(selectOpened(s)!.outer.blob.size).toBe(img.outer.blob.size + 1024); // the empty layer: two zero blocks
    // Nothing changed yet: the container sees the image's top layer exactly.
    expect(listMerged(selectShown(s)!.union, selectShown(s)!.layers, img.layers.length)).toBe(listMerged(img.union, img.layers, img.layers.length - 1));
  });

  it('operations show in the published union: copy-up, whiteout, and the log says which', async () => {
    const img = await load();
    setLoaded(img);
    const st = useStore.getState();
    st.pgStart();
    const r1 = st.pgWrite('/etc/motd', 'edited\n');
    expect(r1).toMatchObject({ op: 'write', copyUp: { layer: 2 } });
    const r2 = useStore.getState().pgRemove('/usr/share/doc/example/manual.txt');
    expect(r2).toMatchObject({ op: 'delete', whiteout: '/usr/share/doc/example/.wh.manual.txt', hidesLayer: 0 });
    const s = useStore.getState();
    const top = selectShown(s)!.layers.length - 1;
    const v = mergedAt(selectShown(s)!.union, selectShown(s)!.layers, top);
    const motd = lookup(selectShown(s)!.union, '/etc/motd');
    expect([v.status[motd], v.provider[motd], v.change[motd]]).toEqual([1, top, 2]);
    const manual = lookup(selectShown(s)!.union, '/usr/share/doc/example/manual.txt');
    expect([v.status[manual], v.provider[manual], v.change[manual]]).toEqual([2, top, 3]);
    expect(s.pg.events.map((e) => e.type)).toEqual(['start', 'op', 'op']);
    expect(await s.pgReadText('/etc/motd')).toMatchObject({ text: 'edited\n', binary: false, size: 7 });
    // A refused operation is logged and thrown.
    expect(() => useStore.getState().pgWrite('/missing/x', '')).toThrow(/no such directory/);
    expect(useStore.getState().pg.events.at(-1)!.type).toBe('error');
  });

  it('chmod, touch and rename copy a file from the image up whole (its bytes read from its layer); rename whites out the old name', async () => {
    const img = await load();
    setLoaded(img);
    useStore.getState().pgStart();
    const motdLower = await useStore.getState().readEntry(2, img.layers[2]!.paths.indexOf('etc/motd'));
    expect(motdLower.length).toBeGreaterThan(0);

    const r1 = await useStore.getState().pgChmod('/etc/motd', 0o600);
    expect(r1).toMatchObject({ op: 'chmod', copyUp: { layer: 2, size: motdLower.length }, modeAfter: 0o600 });
    let s = useStore.getState();
    expect(s.pg.busy).toBeNull();
    const motd = s.pg.container!.entries.get('etc/motd')!;
    expect([motd.kind, motd.mode, motd.data]).toEqual(['file', 0o600, motdLower]);
    const top = selectShown(s)!.layers.length - 1;
    const v = mergedAt(selectShown(s)!.union, selectShown(s)!.layers, top);
    const n = lookup(selectShown(s)!.union, '/etc/motd');
    expect([v.provider[n], v.change[n]]).toEqual([top, 2]); // shown as a new version in the container's layer
    expect(await s.pgReadText('/etc/motd')).toMatchObject({ text: new TextDecoder().decode(motdLower) });

    // touch of a file already in the read-write layer: no second copy-up.
    expect(await useStore.getState().pgTouch('/etc/motd')).toMatchObject({ op: 'touch', copyUp: null, created: false });
    // touch of a missing path makes an empty file.
    expect(await useStore.getState().pgTouch('/etc/new')).toMatchObject({ op: 'touch', created: true });

    // rename of a lower file: copy-up under the new name + whiteout at the old one.
    const readme = img.layers[0]!.paths.indexOf('usr/share/doc/example/README');
    const readmeLower = await useStore.getState().readEntry(0, readme);
    const r2 = await useStore.getState().pgRename('/usr/share/doc/example/README', '/usr/share/doc/example/README.old');
    expect(r2).toMatchObject({ op: 'rename', whiteout: '/usr/share/doc/example/.wh.README', copyUp: { layer: 0, size: readmeLower.length } });
    s = useStore.getState();
    expect(s.pg.container!.entries.get('usr/share/doc/example/README.old')!.data).toEqual(readmeLower);
    expect(s.pg.container!.entries.get('usr/share/doc/example/.wh.README')!.kind).toBe('whiteout');
    expect(s.pg.events.map((e) => e.type)).toEqual(['start', 'op', 'op', 'op', 'op']);

    // A refused operation rejects with the reason, logs it, and leaves the playground idle.
    await expect(useStore.getState().pgRename('/app', '/app2')).rejects.toThrow(/EXDEV/);
    expect(useStore.getState().pg.events.at(-1)!.type).toBe('error');
    expect(useStore.getState().pg.busy).toBeNull();
  });

  it('a copy-up larger than MAX_COPY_UP_BYTES is refused before any byte is read', async () => {
    const img = await load();
    setLoaded(img);
    useStore.getState().pgStart();
    const reads: number[] = [];
    const readEntry = useStore.getState().readEntry;
    useStore.setState({
      readEntry: (l, e, m, o) => {
        reads.push(l);
        return readEntry(l, e, m, o);
      },
    });
    // busybox is 1.98 MB: under the limit, read once.
    await useStore.getState().pgChmod('/bin/busybox', 0o700);
    expect(reads).toEqual([0]);
    const big = { ...useStore.getState().pg.container!.lower };
    const idx = img.layers[0]!;
    const i = idx.paths.indexOf('usr/share/doc/example/manual.txt');
    const sizes = Float64Array.from(idx.sizes);
    sizes[i] = MAX_COPY_UP_BYTES + 1;
    big.layers = [{ ...idx, sizes }, ...big.layers.slice(1)];
    useStore.setState((s) => ({ pg: { ...s.pg, container: { ...s.pg.container!, lower: big } } }));
    await expect(useStore.getState().pgChmod('/usr/share/doc/example/manual.txt', 0o600)).rejects.toThrow(
      `copies up files up to ${formatBytes(MAX_COPY_UP_BYTES)}`,
    );
    expect(reads).toEqual([0]);
  });

  it('commit makes a read-only layer (with its diff_id) and ends the container; stop restores the image', async () => {
    const img = await load();
    setLoaded(img);
    const st = useStore.getState();
    st.pgStart();
    st.pgWrite('/etc/motd', 'committed\n');
    await useStore.getState().pgCommit('my change');
    let s = useStore.getState();
    expect(s.pg.container).toBeNull();
    expect(s.pg.commits).toHaveLength(1);
    expect(s.pg.commits[0]!.diffId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(selectShown(s)!.layers).toHaveLength(img.layers.length + 1);
    const ref = selectImageInfo(s)!.layers.at(-1)!;
    expect(ref).toMatchObject({ synthetic: 'commit', createdBy: 'docker commit -m "my change"', diffId: s.pg.commits[0]!.diffId });
    expect(selectImageInfo(s)!.history.at(-1)).toMatchObject({ createdBy: 'docker commit -m "my change"', emptyLayer: false, layerIndex: img.layers.length });
    expect((selectImageInfo(s)!.rawConfig as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids.at(-1)).toBe(s.pg.commits[0]!.diffId);
    expect(selectShown(s)!.integrity.at(-1)!.diffId).toBe('ok');

    // A second container starts on the committed image; removing it goes back to the committed image.
    s.pgStart();
    s = useStore.getState();
    expect(selectShown(s)!.layers).toHaveLength(img.layers.length + 2);
    s.pgStop();
    s = useStore.getState();
    expect(selectShown(s)!.layers).toHaveLength(img.layers.length + 1);
    expect(s.selectedLayer).toBe(img.layers.length);
    expect(s.pg.commits).toHaveLength(1);
  });

  it('a new image loaded by the loader ends the playground; a cancelled load does not', async () => {
    const img = await load();
    setLoaded(img);
    useStore.getState().pgStart();
    const ready = useStore.getState().slots.a;
    const shown = selectShown(useStore.getState());
    expect(shown!.layers).toHaveLength(img.layers.length + 1);
    // A load starts and is cancelled: the page is restored, and the overlay with it.
    useStore.setState({ slots: { a: { ...EMPTY_LOADING, id: 9999 }, b: EMPTY_LOAD } });
    expect(useStore.getState().pg.container).not.toBeNull();
    expect(selectShown(useStore.getState())).toBeNull();
    useStore.setState({ slots: { a: ready, b: EMPTY_LOAD } });
    expect(useStore.getState().pg.container).not.toBeNull();
    expect(selectShown(useStore.getState())).toBe(shown);
    // The load's own fields were never rewritten.
    expect(ready.kind === 'ready' && ready.loaded).toBe(img);
    // Another image arrives.
    useStore.getState().showLoaded({ ...img }, { fileName: 'other.tar' });
    expect(useStore.getState().pg.container).toBeNull();
    expect(useStore.getState().pg.loadId).toBeNull();
    expect(selectShown(useStore.getState())!.layers).toHaveLength(img.layers.length);
  });

  it('export writes a docker-archive of the original plus the commits', async () => {
    const img = await load();
    setLoaded(img);
    const st = useStore.getState();
    st.pgStart();
    st.pgMkdir('/srv');
    await useStore.getState().pgCommit('');
    const blob = await useStore.getState().pgExport('example/exported:1');
    expect(blob).not.toBeNull();
    const reopened = await verifyImage(await openImage(blob!, { verify: true }));
    expect(reopened.layers).toHaveLength(img.layers.length + 1);
    expect(reopened.image.tags).toEqual(['example/exported:1']);
    expect(reopened.integrity.every((c) => c.diffId === 'ok')).toBe(true);
    expect(listMerged(reopened.union, reopened.layers, img.layers.length)).toBe(
      listMerged(selectShown(useStore.getState())!.union, selectShown(useStore.getState())!.layers, img.layers.length),
    );
  });
});
