/**
 * `ci` as a gate (issue 9, points 11 and 12): an integrity failure fails the run
 * unless --no-verify; figures with a zero denominator are defined, never NaN; a
 * manifest.json of the wrong shape is named as such. Archives written here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../test/helpers/runCli';
import { writeTar } from '../core/write/tarWriter';
import { dockerArchive, tfile } from '../../test/helpers/imageArchive';
import { definedUserWasted, evaluateCi, ratioText } from './ci/rules';
import { openArchive } from '../core/read/archive';
import { isLayerscopeError } from '../core/errors';
import { describeLoadError } from '../state/loadErrors';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'layerscope-ci-gate-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = (...argv: string[]) => runCli(argv);
const save = (name: string, b: Uint8Array) => {
  const f = join(tmp, name);
  writeFileSync(f, b);
  return f;
};

describe('ci integrity gate', () => {
  it('a layer whose sha256 is not its diff_id fails the run with the reason; --no-verify skips the check', async () => {
    const layer = writeTar([tfile('etc/hostname', 'box\n')]);
    const f = save('bad-digest.tar', dockerArchive([layer], { diffIds: [`sha256:${'1'.repeat(64)}`] }));
    const r = await run('ci', f);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL: integrity: 1 of 1 layer\(s\) do not match their digests/);
    expect(r.out).toContain(`the config says sha256:${'1'.repeat(64)}`);
    expect(r.out).toMatch(/Result: FAIL/);
    const skipped = await run('ci', f, '--no-verify');
    expect(skipped.code).toBe(0);
    expect(skipped.out).toContain('SKIP: integrity: not checked (--no-verify)');
    const good = await run('ci', save('good.tar', dockerArchive([layer])));
    expect(good.code).toBe(0);
    expect(good.out).toMatch(/PASS: integrity/);
  });
});

describe('no NaN or Infinity in the output', () => {
  it('an image with nothing above its base layer: user wasted is 0, not NaN', async () => {
    const f = save('one-layer.tar', dockerArchive([writeTar([tfile('a', 'x')])]));
    for (const argv of [
      ['ci', f],
      ['inspect', f],
    ]) {
      const r = await run(...argv);
      expect(r.out, argv[0]).not.toMatch(/NaN|Infinity/);
    }
    expect((await run('ci', f)).out).toMatch(/PASS: highestUserWastedPercent: user wasted 0\.0000 <= threshold/);
  });

  it('the rule and the text define the zero-denominator cases', () => {
    expect(definedUserWasted(Number.NaN)).toBe(0);
    expect(ratioText(Number.NaN)).toBe('n/a');
    expect(ratioText(Number.POSITIVE_INFINITY)).toMatch(/more than 100 %/);
    const r = evaluateCi({ dive: { score: 1, wastedBytes: 0, userWastedPercent: Number.NaN } }, { highestUserWastedPercent: 0.1 });
    expect(r.passed).toBe(true);
    expect(r.rules[2]?.detail).toBe('user wasted 0.0000 <= threshold 0.1');
    const inf = evaluateCi({ dive: { score: 1, wastedBytes: 5, userWastedPercent: Number.POSITIVE_INFINITY } }, { highestUserWastedPercent: 0.1 });
    expect(inf.passed).toBe(false);
    expect(inf.rules[2]?.detail).not.toMatch(/^user wasted Infinity >/);
  });
});

describe('error sentences', () => {
  it('a manifest.json of the wrong shape is named as such, not "has no manifest.json"', async () => {
    for (const manifest of [{ Config: 'config.json' }, 'text', [{ Layers: 'x' }], [42]]) {
      const f = save('shape.tar', writeTar([tfile('manifest.json', JSON.stringify(manifest)), tfile('config.json', '{}')]));
      const r = await run('inspect', f);
      expect(r.code).toBe(2);
      expect(r.err).not.toMatch(/has no manifest\.json/);
      expect(r.err).toMatch(/manifest\.json/);
      // and the page's sentence for the same error
      const e = await openArchive(new Blob([readFileSync(f)])).catch((x: unknown) => x);
      expect(isLayerscopeError(e) && e.code).toBe('BAD_MANIFEST');
      const page = describeLoadError(e, null, 'shape.tar');
      expect(page).not.toMatch(/has no manifest\.json/);
      expect(page).toMatch(/with an image manifest Layerscope cannot use: "manifest\.json"/);
    }
  });
});
