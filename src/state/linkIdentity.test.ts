import { describe, expect, it } from 'vitest';
import {
  LINK_FILES_KEY,
  LINK_FILES_MAX,
  describeLinkId,
  imageForLink,
  linkIdOf,
  linkMatches,
  parseLinkId,
  recallLinkFile,
  rememberLinkFile,
} from './linkIdentity';
import { parseHash, serializeHash } from './urlHash';

const A = `sha256:${'ab12cd34ef56'.padEnd(64, '0')}`;
const B = `sha256:${'0123456789ab'.padEnd(64, 'f')}`;

class MemoryStorage {
  m = new Map<string, string>();
  getItem(k: string) {
    return this.m.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.m.set(k, v);
  }
}

describe('the image identity of a link', () => {
  it("is the config digest's first 12 hex digits, as docker images shows image IDs", () => {
    expect(linkIdOf(A)).toBe('ab12cd34ef56');
    expect(linkIdOf(null)).toBeUndefined();
    expect(linkIdOf('sha512:abcd')).toBeUndefined();
    expect(linkIdOf('sha256:ABCD')).toBeUndefined();
    expect(describeLinkId('ab12cd34ef56')).toBe('sha256:ab12cd34ef56…');
  });

  it('accepts 8–64 hex digits from the URL (sha256: prefix and upper case tolerated), nothing else', () => {
    expect(parseLinkId('AB12CD34')).toBe('ab12cd34');
    expect(parseLinkId('sha256:ab12cd34ef56')).toBe('ab12cd34ef56');
    expect(parseLinkId('ab12cd3')).toBeUndefined();
    expect(parseLinkId('ab12cd34zz')).toBeUndefined();
    expect(parseLinkId('<script>')).toBeUndefined();
    expect(parseLinkId('a'.repeat(65))).toBeUndefined();
  });

  it('matches by prefix, only sha256 digests', () => {
    expect(linkMatches('ab12cd34ef56', A)).toBe(true);
    expect(linkMatches('ab12cd34', A)).toBe(true);
    expect(linkMatches('ab12cd34ef56', B)).toBe(false);
    expect(linkMatches('ab12cd34ef56', null)).toBe(false);
  });

  it('is written first in the hash and read back', () => {
    const h = parseHash('#id=ab12cd34ef56&image=1&layer=2&path=/etc');
    expect(h).toEqual({ id: 'ab12cd34ef56', image: 1, layer: 2, path: '/etc' });
    expect(serializeHash(h)).toBe('#id=ab12cd34ef56&image=1&layer=2&path=/etc');
    expect(parseHash('#id=nothex&layer=2')).toEqual({ layer: 2 });
  });
});

describe('which image of an archive a link opens', () => {
  const images = [
    { index: 0, configDigest: B },
    { index: 1, configDigest: A },
    { index: 2, configDigest: A }, // a second tag of the same config
  ];
  it('without an id: the index, when the archive has it', () => {
    expect(imageForLink(images, { image: 2 })).toBe(2);
    expect(imageForLink(images, { image: 3 })).toBeUndefined();
    expect(imageForLink(images, {})).toBeUndefined();
  });
  it('with an id: the image with that identity, the named index first', () => {
    expect(imageForLink(images, { id: 'ab12cd34ef56' })).toBe(1);
    expect(imageForLink(images, { id: 'ab12cd34ef56', image: 2 })).toBe(2);
    // The index names another image: the identity wins.
    expect(imageForLink(images, { id: 'ab12cd34ef56', image: 0 })).toBe(1);
    expect(imageForLink(images, { id: 'ffffffffffff', image: 0 })).toBeUndefined();
  });
});

describe('the file a link came from', () => {
  it('is remembered per identity, newest first, bounded, and recalled by prefix', () => {
    const st = new MemoryStorage();
    rememberLinkFile(st, { id: 'ab12cd34ef56', fileName: 'old.tar', image: null });
    rememberLinkFile(st, { id: 'ab12cd34ef56', fileName: 'app.tar', image: 'app:1' });
    expect(recallLinkFile(st, 'ab12cd34')).toEqual({ id: 'ab12cd34ef56', fileName: 'app.tar', image: 'app:1' });
    expect(recallLinkFile(st, '0123456789ab')).toBeNull();
    for (let i = 0; i < LINK_FILES_MAX + 10; i++) rememberLinkFile(st, { id: i.toString(16).padStart(12, '0'), fileName: `f${i}.tar`, image: null });
    const list = JSON.parse(st.getItem(LINK_FILES_KEY)!);
    expect(list).toHaveLength(LINK_FILES_MAX);
    expect(list[0].fileName).toBe(`f${LINK_FILES_MAX + 9}.tar`);
  });

  it('survives garbage in storage and a storage that throws', () => {
    const st = new MemoryStorage();
    st.setItem(LINK_FILES_KEY, '{not json');
    expect(recallLinkFile(st, 'ab12cd34')).toBeNull();
    st.setItem(LINK_FILES_KEY, JSON.stringify([{ id: '<b>', fileName: 'x' }, 7, { id: 'ab12cd34ef56', fileName: 'ok.tar', image: 3 }]));
    expect(recallLinkFile(st, 'ab12cd34')).toEqual({ id: 'ab12cd34ef56', fileName: 'ok.tar', image: null });
    const full = {
      getItem: () => null,
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    expect(() => rememberLinkFile(full, { id: 'ab12cd34ef56', fileName: 'a.tar', image: null })).not.toThrow();
    expect(recallLinkFile(null, 'ab12cd34')).toBeNull();
  });
});
