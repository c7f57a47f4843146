import { describe, expect, it } from 'vitest';
import { buildUnion, lookup } from '../model/union';
import { layer } from '../model/union.testkit';
import { flagNames } from './flags';
import { pathVersions } from './history';

describe('pathVersions', () => {
  it('every layer that touched a path, with the version as of it and what changed from the one before', () => {
    const layers = [
      layer([['etc/motd', 'file', 10]]),
      layer([['etc/motd', 'file', 10, { mode: 0o600 }]]),
      layer([['other', 'file', 1]]),
      layer([['etc/motd', 'file', 25]]),
      layer([['etc/.wh.motd', 'whiteout']]),
      layer([['etc/motd', 'symlink', 0, { link: 'issue' }]]),
    ];
    const u = buildUnion(layers);
    const v = pathVersions(u, layers, lookup(u, '/etc/motd'));
    expect(v.map((x) => [x.layer, x.action, flagNames(x.flags).join(',')])).toEqual([
      [0, 'added', 'added'],
      [1, 'modified', 'mode,pending'],
      [3, 'modified', 'size,mode'],
      [4, 'deleted', 'removed'],
      [5, 'added', 'added'],
    ]);
    expect(v[2]!.version).toMatchObject({ present: true, size: 25, layer: 3, contentLayer: 3, contentEntry: 0 });
    expect(v[3]!.version.present).toBe(false);
    expect(v[4]!.version).toMatchObject({ link: 'issue' });
  });
});
