/**
 * The playground in the store: what it publishes as `loaded` (the image the
 * whole page renders) while a container runs, after a commit and after the
 * container is removed, and that a new load ends it. The image is the real
 * example, opened with the engine in-process.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useStore } from './store';
import { openImage, type LoadedImage, verifyImage } from '../core/session';
import { listMerged } from '../core/model/listing';
import { lookup, mergedAt } from '../core/model/union';

const EXAMPLE = join(__dirname, '../../public/example.tar');
let example: LoadedImage;

async function load(): Promise<LoadedImage> {
  example ??= await openImage(new Blob([readFileSync(EXAMPLE)]), { verify: false });
  return example;
}

function setLoaded(img: LoadedImage) {
  useStore.setState({
    status: 'ready',
    loaded: img,
    image: img.image,
    archive: img.info,
    opened: { info: img.info, outer: img.outer },
    partialLayers: img.layers,
    layerLoads: img.layers.map(() => ({ state: 'indexed' as const, bytesRead: 0, bytesTotal: 0, error: null })),
    selectedLayer: img.layers.length - 1,
  });
}

beforeEach(() => {
  useStore.setState(useStore.getInitialState(), true);
});

describe('playground slice', () => {
  it('starting a container publishes the image plus an empty read-write layer, selected', async () => {
    const img = await load();
    setLoaded(img);
    useStore.getState().pgStart();
    const s = useStore.getState();
    expect(s.pg.container).not.toBeNull();
    expect(s.pg.original).toBe(img);
    expect(s.loaded!.layers).toHaveLength(img.layers.length + 1);
    expect(s.image!.layers.at(-1)!.synthetic).toBe('container');
    expect(s.selectedLayer).toBe(img.layers.length);
    expect(s.opened!.outer.blob.size).toBe(img.outer.blob.size + 1024); // the empty layer: two zero blocks
    // Nothing changed yet: the container sees the image's top layer exactly.
    expect(listMerged(s.loaded!.union, s.loaded!.layers, img.layers.length)).toBe(listMerged(img.union, img.layers, img.layers.length - 1));
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
    const top = s.loaded!.layers.length - 1;
    const v = mergedAt(s.loaded!.union, s.loaded!.layers, top);
    const motd = lookup(s.loaded!.union, '/etc/motd');
    expect([v.status[motd], v.provider[motd], v.change[motd]]).toEqual([1, top, 2]);
    const manual = lookup(s.loaded!.union, '/usr/share/doc/example/manual.txt');
    expect([v.status[manual], v.provider[manual], v.change[manual]]).toEqual([2, top, 3]);
    expect(s.pg.events.map((e) => e.type)).toEqual(['start', 'op', 'op']);
    expect(await s.pgReadText('/etc/motd')).toMatchObject({ text: 'edited\n', binary: false, size: 7 });
    // A refused operation is logged and thrown.
    expect(() => useStore.getState().pgWrite('/missing/x', '')).toThrow(/no such directory/);
    expect(useStore.getState().pg.events.at(-1)!.type).toBe('error');
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
    expect(s.loaded!.layers).toHaveLength(img.layers.length + 1);
    const ref = s.image!.layers.at(-1)!;
    expect(ref).toMatchObject({ synthetic: 'commit', createdBy: 'docker commit -m "my change"', diffId: s.pg.commits[0]!.diffId });
    expect(s.image!.history.at(-1)).toMatchObject({ createdBy: 'docker commit -m "my change"', emptyLayer: false, layerIndex: img.layers.length });
    expect((s.image!.rawConfig as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids.at(-1)).toBe(s.pg.commits[0]!.diffId);
    expect(s.loaded!.integrity.at(-1)!.diffId).toBe('ok');

    // A second container starts on the committed image; removing it goes back to the committed image.
    s.pgStart();
    s = useStore.getState();
    expect(s.loaded!.layers).toHaveLength(img.layers.length + 2);
    s.pgStop();
    s = useStore.getState();
    expect(s.loaded!.layers).toHaveLength(img.layers.length + 1);
    expect(s.selectedLayer).toBe(img.layers.length);
    expect(s.pg.commits).toHaveLength(1);
  });

  it('a new image loaded by the loader ends the playground; a cancelled load does not', async () => {
    const img = await load();
    setLoaded(img);
    useStore.getState().pgStart();
    const published = useStore.getState().loaded;
    // A load starts (loaded null while loading) and is cancelled: the page is restored.
    useStore.setState({ status: 'loading', loaded: null });
    expect(useStore.getState().pg.container).not.toBeNull();
    useStore.setState({ status: 'ready', loaded: published });
    expect(useStore.getState().pg.container).not.toBeNull();
    // Another image arrives.
    const other = { ...img };
    useStore.setState({ status: 'ready', loaded: other });
    expect(useStore.getState().pg.container).toBeNull();
    expect(useStore.getState().pg.original).toBeNull();
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
      listMerged(useStore.getState().loaded!.union, useStore.getState().loaded!.layers, img.layers.length),
    );
  });
});
