import { afterEach, describe, expect, it, vi } from 'vitest';
import { AUDIT_SLICE_MS, SLICE_CHECK_EVERY, slicer } from './slice';
import { commonDir } from './waste';

describe('slicer', () => {
  afterEach(() => vi.restoreAllMocks());

  it('yields once a slice has used its time, and only then', async () => {
    let now = 1000;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    const pause = vi.fn(async () => {});
    const s = slicer(pause);
    await s.tick();
    expect(pause).not.toHaveBeenCalled();
    now += AUDIT_SLICE_MS - 1;
    await s.tick();
    expect(pause).not.toHaveBeenCalled();
    now += 1;
    await s.tick();
    expect(pause).toHaveBeenCalledTimes(1);
    // the clock restarts after a yield
    now += AUDIT_SLICE_MS - 1;
    await s.tick();
    expect(pause).toHaveBeenCalledTimes(1);
  });

  it('step() looks at the clock every SLICE_CHECK_EVERY entries', async () => {
    let now = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    const pause = vi.fn(async () => {});
    const s = slicer(pause);
    now = 10 * AUDIT_SLICE_MS;
    const checks: number[] = [];
    for (let i = 1; i <= 3 * SLICE_CHECK_EVERY; i++) {
      const p = s.step();
      if (p) {
        checks.push(i);
        await p;
        now += 10 * AUDIT_SLICE_MS;
      }
    }
    expect(checks).toEqual([SLICE_CHECK_EVERY, 2 * SLICE_CHECK_EVERY, 3 * SLICE_CHECK_EVERY]);
    expect(pause).toHaveBeenCalledTimes(3);
  });

  it('never yields without a pause (Node, the command line)', async () => {
    vi.spyOn(performance, 'now').mockImplementation(() => 1e9);
    const s = slicer(undefined);
    for (let i = 0; i < 2 * SLICE_CHECK_EVERY; i++) expect(s.step()).toBeNull();
    await expect(s.tick()).resolves.toBeUndefined();
  });
});

describe('commonDir', () => {
  // The definition it replaced: the common leading path components.
  const byComponents = (a: string, b: string) => {
    const x = a.split('/');
    const y = b.split('/');
    let i = 0;
    while (i < x.length && i < y.length && x[i] === y[i]) i++;
    return x.slice(0, i).join('/') || '/';
  };
  const dirs = [
    '/',
    '/usr',
    '/usr/share',
    '/usr/share/doc',
    '/usr/sharex',
    '/usr/share/docs',
    '/usr/shar',
    '/var/lib/apt/lists',
    '/var/lib',
    '/var/lib2',
    '/u',
    '/us',
  ];

  it('is the deepest directory holding both, as by path components', () => {
    for (const a of dirs) for (const b of dirs) expect(commonDir(a, b), `${a} ∧ ${b}`).toBe(byComponents(a, b));
  });
});
