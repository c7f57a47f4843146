import { describe, expect, it } from 'vitest';
import { parseArgs, parseSize, UsageError } from './args';

describe('cli args', () => {
  it('splits command, positionals and flags', () => {
    const a = parseArgs(['ls', 'img.tar', '--layer', '3', '--json', '--platform=linux/arm64']);
    expect(a.command).toBe('ls');
    expect(a.positional).toEqual(['img.tar']);
    expect(a.flags.get('layer')).toBe('3');
    expect(a.flags.get('json')).toBe(true);
    expect(a.flags.get('platform')).toBe('linux/arm64');
  });
  it('rejects unknown flags and missing values', () => {
    expect(() => parseArgs(['ls', '--frobnicate'])).toThrow(UsageError);
    expect(() => parseArgs(['ls', 'x', '--layer'])).toThrow(UsageError);
  });
  it('parses sizes like dive', () => {
    expect(parseSize('4096')).toBe(4096);
    expect(parseSize('20MB')).toBe(20_000_000);
    expect(parseSize('1KiB')).toBe(1024);
    expect(parseSize('1.5 GB')).toBe(1_500_000_000);
    expect(() => parseSize('lots')).toThrow(UsageError);
  });
});
