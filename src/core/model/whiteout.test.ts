import { describe, expect, it } from 'vitest';
import { EntryKind } from '../types';
import { classifyWhiteout, metaSegmentAt, opaquePath, WhiteoutRole, whiteoutPath, whiteoutRole, whiteoutTarget } from './whiteout';

describe('whiteouts (OCI layer.md)', () => {
  it('classifies by basename', () => {
    expect(classifyWhiteout('etc/.wh.motd', EntryKind.File)).toBe(EntryKind.Whiteout);
    expect(classifyWhiteout('a/.wh..wh..opq', EntryKind.File)).toBe(EntryKind.Opaque);
    expect(classifyWhiteout('.wh..wh.plnk', EntryKind.Dir)).toBe(EntryKind.WhiteoutMeta);
    expect(classifyWhiteout('.wh..wh.', EntryKind.File)).toBe(EntryKind.WhiteoutMeta);
    expect(classifyWhiteout('a.wh.b/c', EntryKind.File)).toBe(EntryKind.File);
    expect(classifyWhiteout('x/.whx', EntryKind.Symlink)).toBe(EntryKind.Symlink);
  });

  it('gives the union the same role for a scanned kind and for a name alone', () => {
    expect(whiteoutRole('.wh.motd', EntryKind.File)).toBe(WhiteoutRole.Whiteout);
    expect(whiteoutRole('motd', EntryKind.Whiteout)).toBe(WhiteoutRole.Whiteout);
    expect(whiteoutRole('.wh..wh..opq', EntryKind.File)).toBe(WhiteoutRole.Opaque);
    expect(whiteoutRole('x', EntryKind.Opaque)).toBe(WhiteoutRole.Opaque);
    expect(whiteoutRole('.wh..wh.aufs', EntryKind.Dir)).toBe(WhiteoutRole.Meta);
    expect(whiteoutRole('motd', EntryKind.File)).toBe(WhiteoutRole.None);
  });

  it('names what a whiteout deletes, and writes the entries that delete', () => {
    expect(whiteoutTarget('.wh.motd')).toBe('motd');
    expect(whiteoutTarget('.wh.')).toBe('');
    expect(whiteoutPath('etc/motd')).toBe('etc/.wh.motd');
    expect(whiteoutPath('motd')).toBe('.wh.motd');
    expect(opaquePath('var/cache')).toBe('var/cache/.wh..wh..opq');
    expect(opaquePath('')).toBe('.wh..wh..opq');
  });

  it('finds AUFS metadata directories (but not a metadata name as the last segment)', () => {
    expect(metaSegmentAt('.wh..wh.plnk/123.456')).toBe(0);
    expect(metaSegmentAt('a/.wh..wh.plnk/x')).toBe(2);
    expect(metaSegmentAt('a/.wh..wh.plnk')).toBe(-1);
    expect(metaSegmentAt('a/x.wh..wh.plnk/y')).toBe(-1);
  });
});
