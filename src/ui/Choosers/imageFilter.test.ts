import { describe, expect, it } from 'vitest';
import type { ImageInfo } from '../../core/types';
import { filterImages, imageEntries, imageName } from './imageFilter';

const D1 = 'sha256:' + 'ab12'.repeat(16);
const D2 = 'sha256:' + 'cd34'.repeat(16);

function image(index: number, tags: string[], extra: Partial<ImageInfo> = {}): ImageInfo {
  return {
    index,
    tags,
    platform: null,
    manifestDigest: null,
    configDigest: null,
    created: null,
    author: null,
    config: {} as ImageInfo['config'],
    history: [],
    layers: [],
    rawConfig: {},
    ...extra,
  };
}

describe('image chooser list', () => {
  const images = [
    image(0, ['localhost/umoci-fixture:v1'], { manifestDigest: D1, platform: { os: 'linux', architecture: 'amd64' } }),
    image(1, ['localhost/umoci-fixture:v3', 'registry.example/app:latest', 'app:3'], { configDigest: D2 }),
    image(2, [], { manifestDigest: D2 }),
  ];
  const entries = imageEntries(images);

  it('names an image by its first tag, the count of the others, or its digest when untagged', () => {
    expect(entries.map((e) => e.label)).toEqual(['localhost/umoci-fixture:v1', 'localhost/umoci-fixture:v3 +2 tags', 'untagged cd34cd34cd34']);
    expect(imageName(image(3, ['a:1', 'b:1']))).toBe('a:1 +1 tag');
    expect(entries[1]!.title).toBe(`localhost/umoci-fixture:v3, registry.example/app:latest, app:3\n${D2}`);
    expect(entries[0]!.detail).toBe('linux/amd64 · 0 layers · ab12ab12ab12');
  });

  it('filters by any tag, digest (with or without sha256:), platform or #index; every term must match; case does not matter', () => {
    expect(filterImages(entries, '')).toEqual([0, 1, 2]);
    expect(filterImages(entries, '  ')).toEqual([0, 1, 2]);
    expect(filterImages(entries, ':v3')).toEqual([1]);
    expect(filterImages(entries, 'REGISTRY.example')).toEqual([1]); // a tag other than the first
    expect(filterImages(entries, 'cd34cd')).toEqual([1, 2]); // config digest of 1, manifest digest of 2
    expect(filterImages(entries, 'sha256:ab12')).toEqual([0]);
    expect(filterImages(entries, 'amd64')).toEqual([0]);
    expect(filterImages(entries, '#2')).toEqual([2]);
    expect(filterImages(entries, 'umoci v1')).toEqual([0]);
    expect(filterImages(entries, 'umoci nothing')).toEqual([]);
  });

  it('hidden characters in a tag are shown, and found by what is shown', () => {
    const e = imageEntries([image(0, ['evil\u202etag:1'])]);
    expect(e[0]!.label).not.toContain('\u202e');
    expect(filterImages(e, 'evil')).toEqual([0]);
  });

  it('20,000 images (issue 9 point 5): each is listed and found by its tag or digest', () => {
    const many = Array.from({ length: 20_000 }, (_, i) => image(i, [`img:${i}`], { manifestDigest: `sha256:${i.toString(16).padStart(64, '0')}` }));
    const list = imageEntries(many);
    expect(filterImages(list, 'img:19999')).toEqual([19_999]);
    expect(filterImages(list, 'img:1999')).toEqual([1999, 19_990, 19_991, 19_992, 19_993, 19_994, 19_995, 19_996, 19_997, 19_998, 19_999]);
    expect(filterImages(list, '4e1f')).toEqual([0x4e1f]);
  });
});
