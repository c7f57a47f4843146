/**
 * `layerscope ci` with dive's configuration and the four output formats.
 *
 * Ground truth, never the code under test:
 *  - dive's own CI files (test/fixtures/dive/: its sample `.data/.dive-ci` and the
 *    one its CLI tests load from the working directory) and its rule semantics
 *    (options/ci.go, ci_rules.go, command/ci/rules.go: go-humanize sizes,
 *    "disabled", ratios 0..1, strict comparisons);
 *  - dive's figures for dive-legacy-14-layers.tar (efficiency 0.9844212134184309,
 *    wasted 32025 bytes, user wasted 0.4834911001404049: its analysis test);
 *  - the JUnit XML schema (Apache Ant, test/fixtures/schemas/JUnit.xsd) through
 *    libxml2 (xmllint-wasm), and the SARIF 2.1.0 JSON schema through ajv.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateXML } from 'xmllint-wasm';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { runCli } from '../../../test/helpers/runCli';
import { readCiFile, resolveCiConfig, isRuleDisabled } from './config';
import { xmlText } from './formats/junit';
import { writeTar } from '../../core/write/tarWriter';

const ROOT = join(__dirname, '../../..');
const FIX = join(ROOT, 'test/fixtures');
const DIVE = join(FIX, 'images/dive-legacy-14-layers.tar');
const T = 30_000;
const EFFICIENCY = 0.9844212134184309;

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'layerscope-ci-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let dirs = 0;
/** A working directory holding a `.dive-ci` with `text` (or none). */
function workdir(text?: string): string {
  const d = join(tmp, `wd${dirs++}`);
  mkdirSync(d);
  if (text !== undefined) writeFileSync(join(d, '.dive-ci'), text);
  return d;
}

const run = (argv: string[], cwd = workdir()) => runCli(argv, { cwd });

const status = (out: string, rule: string) => new RegExp(`^ {2}(PASS|FAIL|SKIP|ERROR): ${rule}\\b`, 'm').exec(out)?.[1];

const te = new TextEncoder();
const file = (path: string, data: Uint8Array | string) => ({
  path,
  kind: 'file' as const,
  data: typeof data === 'string' ? te.encode(data) : data,
  mode: 0o644,
  uid: 0,
  gid: 0,
  mtime: 0,
});

/** A one-layer docker-archive; `tag` and a wrong diff_id on request. */
function image(opts: { tag?: string; wrongDiffId?: boolean; extra?: ReturnType<typeof file>[] } = {}): string {
  const layer = writeTar([file('etc/motd', 'hello\n'), file('tmp/big', new Uint8Array(5000)), ...(opts.extra ?? [])]);
  const diff = `sha256:${createHash('sha256')
    .update(opts.wrongDiffId ? Buffer.from('something else') : layer)
    .digest('hex')}`;
  const archive = writeTar([
    file('manifest.json', JSON.stringify([{ Config: 'c.json', RepoTags: [opts.tag ?? 'made:here'], Layers: ['l/layer.tar'] }])),
    file('c.json', JSON.stringify({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: [diff] }, history: [{ created_by: 'COPY . /' }] })),
    file('l/layer.tar', layer),
  ]);
  const p = join(tmp, `img${dirs++}.tar`);
  writeFileSync(p, archive);
  return p;
}

async function junitValid(xml: string): Promise<{ valid: boolean; errors: string[] }> {
  const r = await validateXML({
    xml: [{ fileName: 'report.xml', contents: xml }],
    schema: [{ fileName: 'JUnit.xsd', contents: readFileSync(join(FIX, 'schemas/JUnit.xsd'), 'utf8') }],
  });
  return { valid: r.valid, errors: r.errors.map((e) => e.rawMessage) };
}

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const sarifValidate = ajv.compile(JSON.parse(readFileSync(join(FIX, 'schemas/sarif-schema-2.1.0.json'), 'utf8')));

describe('.dive-ci: dive’s files, keys, units and “disabled”', () => {
  it("reads dive's sample .dive-ci (20Mb, unknown keys warned about and ignored) and the one its CLI tests use", () => {
    const sample = readCiFile(join(FIX, 'dive/dive-ci.data'));
    expect(sample.values).toEqual({ lowestEfficiency: '0.95', highestWastedBytes: '20Mb', highestUserWastedPercent: '0.5' });
    expect(sample.warnings).toEqual([expect.stringMatching(/unknown rule "plugin1\/rule1" ignored/)]);
    const cfg = resolveCiConfig({ configPath: join(FIX, 'dive/dive-ci.data'), cwd: tmp, flags: {} });
    // go-humanize: "20Mb" is 20 MB (units are case-insensitive), decimal.
    expect(cfg.rules.highestWastedBytes).toMatchObject({ threshold: 20_000_000, source: 'file', value: '20Mb' });
    const d = resolveCiConfig({ configPath: join(FIX, 'dive/dive-ci.default-ci-config'), cwd: tmp, flags: {} });
    expect(Object.values(d.rules).map((r) => r.threshold)).toEqual([0.96, 19_000_000, 0.6]);
  });

  it('kebab-case keys, every spelling of disabled, sizes with binary units and commas', () => {
    // go-humanize takes commas as thousands separators: "1,5 KiB" is 15 KiB.
    const wd = workdir('rules:\n  highest-wasted-bytes: 1,5 KiB\n');
    expect(resolveCiConfig({ cwd: wd, flags: {} }).rules.highestWastedBytes.threshold).toBe(15 * 1024);
    const wd2 = workdir('rules:\n  lowest-efficiency: off\n  highest-wasted-bytes: 1.5 KiB\n  highest-user-wasted-percent:\n');
    const c = resolveCiConfig({ cwd: wd2, flags: {} });
    expect(c.file).toBe('.dive-ci');
    expect(c.rules.lowestEfficiency.threshold).toBeNull();
    expect(c.rules.highestWastedBytes.threshold).toBe(1536);
    // An empty value disables, as in dive (isRuleDisabled("")).
    expect(c.rules.highestUserWastedPercent.threshold).toBeNull();
    for (const v of ['disabled', 'DISABLED', ' off ', 'false', '']) expect(isRuleDisabled(v), v).toBe(true);
    for (const v of ['0', 'no', '0.9']) expect(isRuleDisabled(v), v).toBe(false);
    const big = workdir('rules:\n  highestWastedBytes: "1,000 MB"\n  lowestEfficiency: false\n');
    const b = resolveCiConfig({ cwd: big, flags: {} });
    expect(b.rules.highestWastedBytes.threshold).toBe(1e9);
    expect(b.rules.lowestEfficiency.threshold).toBeNull(); // YAML false → "false" → disabled
  });

  it('precedence: a flag over the file over the defaults, each rule on its own', () => {
    const wd = workdir('rules:\n  lowestEfficiency: 0.5\n  highestWastedBytes: 20MB\n');
    const c = resolveCiConfig({ cwd: wd, flags: { lowestEfficiency: '0.7' } });
    expect(c.rules.lowestEfficiency).toEqual({ value: '0.7', source: 'flag', threshold: 0.7 });
    expect(c.rules.highestWastedBytes).toEqual({ value: '20MB', source: 'file', threshold: 20_000_000 });
    expect(c.rules.highestUserWastedPercent).toEqual({ value: '0.1', source: 'default', threshold: 0.1 });
    expect(resolveCiConfig({ cwd: workdir(), flags: {} }).file).toBeNull();
  });

  it('errors name the file and the key: a ratio out of 0..1, not a number, bad YAML (with its line), a list, a missing --ci-config', () => {
    expect(() => resolveCiConfig({ cwd: workdir('rules:\n  lowestEfficiency: 1.5\n'), flags: {} })).toThrow(
      /\.dive-ci: rules\.lowestEfficiency: 1\.5 is outside 0\.\.1/,
    );
    expect(() => resolveCiConfig({ cwd: workdir('rules:\n  highestUserWastedPercent: lots\n'), flags: {} })).toThrow(/"lots" is not a number/);
    expect(() => resolveCiConfig({ cwd: workdir('rules:\n  lowestEfficiency: [1\n'), flags: {} })).toThrow(/\.dive-ci line \d+: not valid YAML/);
    expect(() => resolveCiConfig({ cwd: workdir('- a\n- b\n'), flags: {} })).toThrow(/expected a mapping/);
    expect(() => resolveCiConfig({ cwd: workdir('rules: 3\n'), flags: {} })).toThrow(/"rules" must be a mapping/);
    expect(() => resolveCiConfig({ cwd: workdir('rules:\n  lowestEfficiency: {a: 1}\n'), flags: {} })).toThrow(/not a mapping/);
    expect(() => resolveCiConfig({ configPath: 'nope.yaml', cwd: workdir(), flags: {} })).toThrow(/cannot read .*nope\.yaml: no such file/);
    expect(() => resolveCiConfig({ cwd: workdir(), flags: { lowestEfficiency: '2' } })).toThrow(/--lowest-efficiency: 2 is outside 0\.\.1/);
    // An empty file is the defaults.
    expect(resolveCiConfig({ cwd: workdir(''), flags: {} }).rules.lowestEfficiency.threshold).toBe(0.9);
  });

  it(
    'the command: .dive-ci in the working directory decides, a flag overrides it, --ci-config names another file',
    async () => {
      const strict = workdir('rules:\n  lowestEfficiency: 0.99\n  highestUserWastedPercent: disabled\n');
      const r = await run(['ci', DIVE], strict);
      expect(r.code).toBe(1);
      expect(status(r.out, 'lowestEfficiency')).toBe('FAIL');
      expect(status(r.out, 'highestUserWastedPercent')).toBe('SKIP');
      expect(r.out).toMatch(/^config: \.dive-ci$/m);
      expect(r.out).toContain('[0.99 (.dive-ci)]');
      const flag = await run(['ci', DIVE, '--lowest-efficiency', '0.98'], strict);
      expect(flag.code).toBe(0);
      expect(flag.out).toContain('[0.98 (--lowest-efficiency)]');
      // 20KB = 20 000 bytes < 32025 wasted.
      writeFileSync(join(tmp, 'other.yaml'), 'rules:\n  highestWastedBytes: 20KB\n  highestUserWastedPercent: 0.5\n');
      const other = await run(['ci', DIVE, '--ci-config', join(tmp, 'other.yaml')], strict);
      expect(other.code).toBe(1);
      expect(status(other.out, 'highestWastedBytes')).toBe('FAIL');
      expect(status(other.out, 'lowestEfficiency')).toBe('PASS');
      // The configuration is checked before the image is read.
      const bad = await run(['ci', join(tmp, 'absent.tar')], workdir('rules:\n  lowestEfficiency: 7\n'));
      expect(bad.code).toBe(2);
      expect(bad.err).toMatch(/^layerscope: \.dive-ci: rules\.lowestEfficiency: 7 is outside 0\.\.1 [^\n]*\n$/);
      const warn = await run(['ci', DIVE, '--ci-config', join(FIX, 'dive/dive-ci.data')]);
      expect(warn.err).toMatch(/unknown rule "plugin1\/rule1" ignored/);
      // dive's sample: 0.9844 >= 0.95, 32025 <= 20Mb, 0.4835 <= 0.5: a pass.
      expect(warn.code).toBe(0);
    },
    T,
  );
});

describe('--format json', () => {
  it(
    "the verdict, every rule, dive's figures and where each threshold came from; the exit code matches",
    async () => {
      const r = await run(['ci', DIVE, '--format', 'json', '--highest-wasted-bytes', '20KB'], workdir('rules:\n  lowestEfficiency: 0.95\n'));
      const j = JSON.parse(r.out);
      expect(r.code).toBe(1);
      expect(j.exitCode).toBe(1);
      expect(j.result).toBe('fail');
      expect(j.figures).toEqual({
        efficiency: EFFICIENCY,
        wastedBytes: 32025,
        userWastedPercent: 0.4834911001404049,
        sizeBytes: 1220598,
        userSizeBytes: 66237,
      });
      expect(j.rules.map((x: { id: string; status: string }) => [x.id, x.status])).toEqual([
        ['lowestEfficiency', 'pass'],
        ['highestWastedBytes', 'fail'],
        ['highestUserWastedPercent', 'fail'],
        ['integrity', 'pass'],
        ['noSecrets', 'pass'],
      ]);
      expect(j.config.rules.lowestEfficiency).toEqual({ value: '0.95', source: 'file', threshold: 0.95 });
      expect(j.config.rules.highestWastedBytes.source).toBe('flag');
      expect(j.config.rules.highestUserWastedPercent.source).toBe('default');
      expect(j.image.tags).toEqual(['dive-test:latest']);
    },
    T,
  );
});

describe('--format junit (validated against the Apache Ant JUnit schema)', () => {
  it('the schema validator rejects what the schema forbids (so a pass means something)', async () => {
    expect((await junitValid('<testsuites><testsuite name="x"/></testsuites>')).valid).toBe(false);
  });

  it(
    'one test case per rule: failure, skipped, pass; valid; -o writes the file and the exit code stays',
    async () => {
      const out = join(tmp, 'report.xml');
      const r = await run(['ci', DIVE, '--format', 'junit', '-o', out, '--lowest-efficiency', '0.99', '--highest-user-wasted-percent', 'disabled']);
      expect(r.code).toBe(1);
      expect(r.out).toBe('');
      const xml = readFileSync(out, 'utf8');
      const v = await junitValid(xml);
      expect(v.errors).toEqual([]);
      expect(v.valid).toBe(true);
      const cases = [...xml.matchAll(/<testcase name="([^"]+)"/g)].map((m) => m[1]);
      expect(cases).toEqual(['lowestEfficiency', 'highestWastedBytes', 'highestUserWastedPercent', 'integrity', 'noSecrets']);
      expect(xml).toMatch(/<testcase name="lowestEfficiency"[^>]*>\s*<failure message="[^"]*0\.9844[^"]*" type="lowestEfficiency">/);
      expect(xml).toMatch(/<testcase name="highestWastedBytes"[^>]*>\s*<skipped message="rule disabled"\/>/);
      expect(xml).toMatch(/<testcase name="integrity"[^>]*\/>/);
      expect(xml).toMatch(/<testsuite [^>]*tests="5" failures="1" errors="0" skipped="2"/);
    },
    T,
  );

  it(
    'a hostile tag (markup, quotes, ESC, NUL-free control characters) still gives a valid document that says it',
    async () => {
      const tag = 'evil<&>"\'\u001b[31m\u0007:tag';
      const r = await run(['ci', image({ tag }), '--format', 'junit']);
      expect(r.code).toBe(0);
      const v = await junitValid(r.out);
      expect(v.errors).toEqual([]);
      expect(r.out).not.toContain('\u001b');
      expect(r.out).toContain('evil&lt;&amp;&gt;&quot;&apos;\\033[31m\\a:tag');
      expect(xmlText('a\u0000b\ud800c')).toBe('a\\000b\\ud800c');
    },
    T,
  );

  it(
    'an unreadable layer: <error> per rule, exit 2, still valid',
    async () => {
      const good = readFileSync(image());
      // Break the header of tmp/big inside the layer (its checksum no longer matches); the outer tar is intact.
      const cut = join(tmp, 'cut.tar');
      const at = good.indexOf(Buffer.from('tmp/big'));
      const bad = Buffer.from(good);
      for (let i = 100; i < 108; i++) bad[at + i] = 0x39;
      writeFileSync(cut, bad);
      const r = await run(['ci', cut, '--format', 'junit']);
      expect(r.code, r.err).toBe(2);
      expect(r.out, r.err).not.toBe('');
      expect((await junitValid(r.out)).errors).toEqual([]);
      expect(r.out).toMatch(/<error message="no verdict: a layer could not be read" type="UnreadableLayer">/);
      expect(r.err).toMatch(/^layerscope: /);
    },
    T,
  );
});

describe('--format sarif (validated against the SARIF 2.1.0 schema)', () => {
  it('the schema validator rejects what the schema forbids', () => {
    expect(sarifValidate({ version: '2.1.0', runs: [{ tool: {} }] })).toBe(false);
    expect(sarifValidate({ version: '2.0.0', runs: [] })).toBe(false);
  });

  it(
    'every rule a reportingDescriptor, every failure a result located in the archive; valid',
    async () => {
      const r = await run(['ci', DIVE, '--format', 'sarif', '--lowest-efficiency', '0.99']);
      expect(r.code).toBe(1);
      const log = JSON.parse(r.out);
      expect(sarifValidate(log), JSON.stringify(sarifValidate.errors?.slice(0, 3))).toBe(true);
      expect(log.version).toBe('2.1.0');
      const run0 = log.runs[0];
      expect(run0.tool.driver.name).toBe('layerscope');
      expect(run0.tool.driver.rules.map((x: { id: string }) => x.id)).toEqual([
        'lowestEfficiency',
        'highestWastedBytes',
        'highestUserWastedPercent',
        'integrity',
        'noSecrets',
      ]);
      expect(run0.results.map((x: { ruleId: string; level: string }) => [x.ruleId, x.level])).toEqual([
        ['lowestEfficiency', 'error'],
        ['highestUserWastedPercent', 'error'],
      ]);
      expect(run0.results[0].ruleIndex).toBe(0);
      expect(run0.results[0].locations[0].physicalLocation.artifactLocation.uri).toBe(DIVE.split('/').map(encodeURIComponent).join('/'));
      expect(run0.invocations[0]).toMatchObject({ executionSuccessful: true, exitCode: 1 });
    },
    T,
  );

  it(
    'a layer that does not match its diff_id: the integrity rule fails (exit 1 in every format) with a result naming the layer; --no-verify skips it',
    async () => {
      const f = image({ wrongDiffId: true });
      const sarif = await run(['ci', f, '--format', 'sarif']);
      expect(sarif.code).toBe(1);
      const log = JSON.parse(sarif.out);
      expect(sarifValidate(log), JSON.stringify(sarifValidate.errors?.slice(0, 3))).toBe(true);
      const res = log.runs[0].results.find((x: { ruleId: string }) => x.ruleId === 'integrity');
      expect(res.message.text).toMatch(/^layer 0: the uncompressed tar hashes to sha256:[0-9a-f]{64}, the config says sha256:[0-9a-f]{64}$/);
      expect(res.locations[0].logicalLocations[0]).toMatchObject({ name: 'layer 0', kind: 'module' });
      for (const format of ['text', 'json', 'junit']) expect((await run(['ci', f, '--format', format])).code, format).toBe(1);
      const text = await run(['ci', f]);
      expect(status(text.out, 'integrity')).toBe('FAIL');
      const skipped = await run(['ci', f, '--no-verify']);
      expect(skipped.code).toBe(0);
      expect(status(skipped.out, 'integrity')).toBe('SKIP');
    },
    T,
  );

  it(
    'a hostile tag is data, not markup or escapes: the log is valid JSON and SARIF',
    async () => {
      const r = await run(['ci', image({ tag: 'x\u001b]0;pwned\u0007\u202e:tag' }), '--format', 'sarif', '--lowest-efficiency', '1']);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: that they are absent is the point
      expect(r.out).not.toMatch(/[\u001b\u0007\u202e]/);
      const log = JSON.parse(r.out);
      expect(sarifValidate(log)).toBe(true);
      expect(log.runs[0].properties.image.tags).toEqual(['x\u001b]0;pwned\u0007\u202e:tag']);
    },
    T,
  );
});

describe('secrets (the audit of #12) in every format', () => {
  const PW = 'Zq8vL2pX9mW4tRkQ7bN3';
  it(
    'a password in a file: the noSecrets rule fails with a redacted result at that path in the image; --allow-secrets lets it pass',
    async () => {
      const f = image({ extra: [file('app/.env', `DB_PASSWORD=${PW}\n`)] });
      const r = await run(['ci', f, '--format', 'sarif', '--highest-user-wasted-percent', 'disabled']);
      expect(r.code).toBe(1);
      expect(r.out).not.toContain(PW);
      const log = JSON.parse(r.out);
      expect(sarifValidate(log), JSON.stringify(sarifValidate.errors?.slice(0, 3))).toBe(true);
      const res = log.runs[0].results.filter((x: { ruleId: string }) => x.ruleId === 'noSecrets');
      expect(res).toHaveLength(1);
      expect(res[0].locations[0].physicalLocation.artifactLocation).toEqual({ uri: 'app/.env', uriBaseId: 'IMAGEROOT' });
      expect(res[0].locations[0].logicalLocations[0].name).toBe('layer 0');
      const junit = await run(['ci', f, '--format', 'junit', '--highest-user-wasted-percent', 'disabled']);
      expect((await junitValid(junit.out)).errors).toEqual([]);
      expect(junit.out).toMatch(/<testcase name="noSecrets"[^>]*>\s*<failure message="1 secret finding"/);
      expect(junit.out).toContain('/app/.env: ');
      expect(junit.out).not.toContain(PW);
      const allowed = await run(['ci', f, '--format', 'json', '--highest-user-wasted-percent', 'disabled', '--allow-secrets']);
      expect(allowed.code).toBe(0);
      expect(JSON.parse(allowed.out).findings.map((x: { level: string }) => x.level)).toEqual(['warning']);
    },
    T,
  );
});

describe('--format and friends are checked', () => {
  it('an unknown format, an unwritable -o', async () => {
    const bad = await run(['ci', DIVE, '--format', 'xml']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--format takes text, json, junit, sarif, got xml/);
    const unwritable = await run(['ci', DIVE, '-o', join(tmp, 'no/such/dir/r.xml')]);
    expect(unwritable.code).toBe(2);
    expect(unwritable.err).toMatch(/^layerscope: cannot write /);
  });
});
