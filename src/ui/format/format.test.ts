import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount, formatDuration, formatTimestamp, isRfc3339, shortDigest } from './format';

describe('formatBytes (SI units, as docker and dive print sizes)', () => {
  it('uses SI units with three significant digits', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1000)).toBe('1 kB');
    expect(formatBytes(1536)).toBe('1.54 kB');
    expect(formatBytes(4_860_000)).toBe('4.86 MB');
    expect(formatBytes(77_800_000)).toBe('77.8 MB');
    expect(formatBytes(1_234_000_000)).toBe('1.23 GB');
  });
  it('carries a rounded 1000 into the next unit', () => {
    expect(formatBytes(999_999)).toBe('1 MB');
  });
});

describe('other formats', () => {
  it('counts with separators', () => expect(formatCount(1234567)).toBe('1,234,567'));
  it('durations', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(3240)).toBe('3.2 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
  });
  it('short digests are 12 hex digits', () => {
    expect(shortDigest('sha256:0123456789abcdef0123')).toBe('0123456789ab');
    expect(shortDigest(null)).toBe('');
  });
  it('timestamps in UTC', () => {
    expect(formatTimestamp('2024-01-01T00:01:00Z')).toBe('2024-01-01 00:01:00 UTC');
    expect(formatTimestamp('2016-03-24T20:08:06.218917396Z')).toBe('2016-03-24 20:08:06 UTC');
    expect(formatTimestamp('not a date')).toBe('not a date');
    // Date.parse would make these 2001-01-01 and 2020-01-01: shown as given instead (issue 9, point 12)
    expect(formatTimestamp('1')).toBe('1');
    expect(formatTimestamp('2020')).toBe('2020');
    expect(formatTimestamp('2024-02-30T00:00:00Z')).toBe('2024-02-30T00:00:00Z');
    expect(formatTimestamp('2024-01-01T01:00:00+01:00')).toBe('2024-01-01 00:00:00 UTC');
    expect(isRfc3339('2016-03-24T20:08:06.218917396Z')).toBe(true);
    expect(isRfc3339('1')).toBe(false);
  });
});
