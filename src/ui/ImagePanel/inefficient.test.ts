import { describe, expect, it } from 'vitest';
import type { DiveStats } from '../../core/model/diveEfficiency';
import { inefficienciesCsv, inefficienciesJson, sortInefficiencies, userWastedExplanation } from './inefficient';

const list = [
  { path: '/b', cumulativeSize: 10, minSize: 5, layers: [0, 1] },
  { path: '/a,"x"', cumulativeSize: 30, minSize: 10, layers: [0, 2, 3] },
  { path: '/c', cumulativeSize: 20, minSize: 10, layers: [1, 2] },
];
const d = { sizeBytes: 100, wastedBytes: 60, score: 0.5, userWastedPercent: 530.96, inefficiencyCount: 3 } as unknown as DiveStats;

describe('inefficient files', () => {
  it('sorts by wasted bytes, count or path', () => {
    expect(sortInefficiencies(list, 'size').map((x) => x.path)).toEqual(['/a,"x"', '/c', '/b']);
    expect(sortInefficiencies(list, 'count').map((x) => x.path)).toEqual(['/a,"x"', '/c', '/b']);
    expect(sortInefficiencies(list, 'path').map((x) => x.path)).toEqual(['/a,"x"', '/b', '/c']);
  });
  it('CSV quotes fields per RFC 4180', () => {
    expect(inefficienciesCsv(list.slice(0, 2))).toBe('count,sizeBytes,file,layers\r\n2,10,/b,0 1\r\n3,30,"/a,""x""",0 2 3\r\n');
  });
  it("JSON in dive's shape", () => {
    const j = JSON.parse(inefficienciesJson(d, list));
    expect(j.image.inefficientFiles[0]).toEqual({ count: 2, sizeBytes: 10, file: '/b', layers: [0, 1] });
    expect(j.image.inefficientBytes).toBe(60);
    expect(j.image.inefficientFileCount).toBe(3);
  });
  it('explains a user wasted percent above 100 %', () => {
    expect(userWastedExplanation(d)).toMatch(/above the base/);
    expect(userWastedExplanation({ ...d, userWastedPercent: 0.2 })).toBeNull();
    expect(userWastedExplanation({ ...d, userWastedPercent: Number.POSITIVE_INFINITY })).toBeNull();
  });
});
