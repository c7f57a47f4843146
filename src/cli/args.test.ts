import { describe, expect, it } from 'vitest';
import { parseArgs, parseRatio, parseSize, UsageError, type OptionSpec } from './args';

const OPTIONS: OptionSpec[] = [
  { name: 'layer', value: 'N', description: '' },
  { name: 'platform', value: 'P', description: '' },
  { name: 'output', short: 'o', value: 'FILE', description: '' },
  { name: 'json', description: '' },
];

describe('cli args', () => {
  it('splits positionals and the options a command declares', () => {
    const a = parseArgs(['img.tar', '--layer', '3', '--json', '--platform=linux/arm64', '-o', 'r.html'], OPTIONS);
    expect(a.positional).toEqual(['img.tar']);
    expect(a.flags.get('layer')).toBe('3');
    expect(a.flags.get('json')).toBe(true);
    expect(a.flags.get('platform')).toBe('linux/arm64');
    expect(a.flags.get('output')).toBe('r.html');
    expect(parseArgs(['-or.html'], OPTIONS).flags.get('output')).toBe('r.html');
  });
  it('"-" is an argument (stdin); "--" ends the options; -h and --version are global', () => {
    expect(parseArgs(['-'], OPTIONS).positional).toEqual(['-']);
    expect(parseArgs(['--', '--json', '-'], OPTIONS)).toEqual({ positional: ['--json', '-'], flags: new Map() });
    expect(parseArgs(['-h'], []).flags.get('help')).toBe(true);
    expect(parseArgs(['--version'], []).flags.get('version')).toBe(true);
  });
  it('rejects unknown options, missing values and values given to a switch', () => {
    expect(() => parseArgs(['--frobnicate'], OPTIONS)).toThrow(/unknown option --frobnicate/);
    expect(() => parseArgs(['-x'], OPTIONS)).toThrow(/unknown option -x/);
    expect(() => parseArgs(['x', '--layer'], OPTIONS)).toThrow(/--layer needs a value/);
    expect(() => parseArgs(['--json=yes'], OPTIONS)).toThrow(/--json takes no value/);
    // An option another command has is unknown here.
    expect(() => parseArgs(['--layer', '1'], [])).toThrow(UsageError);
  });
  it('parses sizes like dive (go-humanize ParseBytes)', () => {
    expect(parseSize('4096')).toBe(4096);
    expect(parseSize('20MB')).toBe(20_000_000);
    expect(parseSize('20mb')).toBe(20_000_000);
    expect(parseSize('20M')).toBe(20_000_000);
    expect(parseSize('1KiB')).toBe(1024);
    expect(parseSize('1.5 GB')).toBe(1_500_000_000);
    expect(parseSize('2 GiB')).toBe(2 * 1024 ** 3);
    expect(parseSize('1TB')).toBe(1e12);
    expect(() => parseSize('lots')).toThrow(UsageError);
    expect(() => parseSize('-5MB')).toThrow(UsageError);
  });
  it('ratios are non-negative numbers', () => {
    expect(parseRatio('x', '0.9')).toBe(0.9);
    expect(() => parseRatio('x', '')).toThrow(UsageError);
    expect(() => parseRatio('x', '-1')).toThrow(UsageError);
    expect(() => parseRatio('x', 'high')).toThrow(UsageError);
  });
});
