/**
 * The package as users get it (issue 15): `npm pack`, then `npm install -g` of the
 * tarball into a fresh prefix with an empty npm cache and --offline — so the install
 * can only succeed if the package needs nothing from a registry (the CLI bundle has
 * every dependency inside, vite.cli.config.ts) — then every subcommand of the
 * installed `layerscope`, run from a folder outside the project, on fixtures.
 *
 * Uses the built dist/ and dist-cli/ (npm test builds first; built here when missing).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from '../../test/helpers/auditImage';
import { ensureCliBuilt } from '../../test/helpers/builtCli';
import { VIEW_API_PREFIX } from './view/server';

const ROOT = join(__dirname, '../..');
const FIX = join(ROOT, 'test/fixtures/images');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; files: string[] };
/** pack + install of a ~2.6 MB tarball: seconds; room for a busy shared machine. */
const INSTALL_TIMEOUT_MS = 120_000;

let work: string;
let prefix: string;
let bin: string;
let packed: { path: string; size: number }[];
let packedJson: Record<string, unknown>;

function run(args: string[], opts: { input?: Buffer; cwd?: string } = {}) {
  const r = spawnSync(bin, args, { cwd: opts.cwd ?? work, input: opts.input, encoding: 'utf8', maxBuffer: 64 << 20, env: cleanEnv() });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The environment a user has: no project overrides, npm's cache our empty one. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('LAYERSCOPE_') || k.startsWith('npm_')) delete env[k];
  return env;
}

beforeAll(() => {
  ensureCliBuilt();
  if (!existsSync(join(ROOT, 'dist/index.html'))) execFileSync('npx', ['vite', 'build'], { cwd: ROOT, stdio: 'ignore' });
  work = mkdtempSync(join(tmpdir(), 'layerscope-pack-'));
  // --ignore-scripts: prepack would rebuild what npm test has just built.
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8', env: cleanEnv() });
  const info = JSON.parse(out) as { filename: string; files: { path: string; size: number }[] }[];
  packed = info[0]!.files;
  const tgz = join(work, info[0]!.filename);
  prefix = join(work, 'prefix');
  const cache = join(work, 'empty-npm-cache');
  mkdirSync(cache);
  execFileSync('npm', ['install', '-g', '--offline', '--no-audit', '--no-fund', '--cache', cache, '--prefix', prefix, tgz], {
    cwd: work,
    encoding: 'utf8',
    env: cleanEnv(),
  });
  bin = join(prefix, 'bin', 'layerscope');
  packedJson = JSON.parse(readFileSync(join(prefix, 'lib/node_modules/layerscope/package.json'), 'utf8'));
}, INSTALL_TIMEOUT_MS);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('ships only what runs: the command, its bundle, the built page; no source maps, sources or tests', () => {
    const paths = packed.map((f) => f.path).sort();
    for (const p of paths) expect(p, p).toMatch(/^(bin\/layerscope\.mjs|dist-cli\/[^/]+\.(mjs|wasm)|dist\/.+|package\.json|README\.md|LICENSE)$/);
    expect(paths.filter((p) => p.endsWith('.map'))).toEqual([]);
    for (const p of ['bin/layerscope.mjs', 'dist-cli/layerscope.mjs', 'dist-cli/sql-wasm.wasm', 'dist/index.html', 'dist/example.tar', 'LICENSE'])
      expect(paths).toContain(p);
    expect(paths.some((p) => p.startsWith('dist/assets/') && p.endsWith('.js'))).toBe(true);
  });

  it('has no runtime dependencies: the bundle imports only Node built-ins and its own chunks', () => {
    expect(packedJson.dependencies ?? {}).toEqual({});
    expect(packedJson.private).toBeUndefined();
    const builtins = new Set(builtinModules);
    const installed = join(prefix, 'lib/node_modules/layerscope/dist-cli');
    for (const f of readdirSync(installed).filter((f) => f.endsWith('.mjs'))) {
      const src = readFileSync(join(installed, f), 'utf8');
      const specs = [...src.matchAll(/^(?:import|export)\s[^;]*?from\s*["']([^"']+)["']/gm), ...src.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)].map(
        (m) => m[1]!,
      );
      for (const s of specs) expect(s.startsWith('node:') || s.startsWith('./') || builtins.has(s), `${f} imports ${s}`).toBe(true);
    }
  });
});

describe('the installed layerscope', () => {
  it('--version is package.json’s', () => {
    const r = run(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('--help lists every command, and help COMMAND gives its options and examples', () => {
    const r = run(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('\n  layerscope help COMMAND ');
    const names = [...r.stdout.matchAll(/^ {2}layerscope ([a-z][a-z-]*) /gm)].map((m) => m[1]!).filter((n) => n !== 'help');
    expect(names).toEqual(expect.arrayContaining(['view', 'inspect', 'ls', 'ci', 'diff', 'audit']));
    for (const n of names) {
      const h = run(['help', n]);
      expect(h.status, n).toBe(0);
      expect(h.stdout, n).toMatch(new RegExp(`^usage: layerscope ${n} `));
      expect(h.stdout, n).toMatch(/\noptions:\n[\s\S]*--help {2,}show this help/);
      expect(h.stdout, n).toMatch(new RegExp(`\\nexamples:\\n {2}.*layerscope ${n}\\b`));
    }
    // Every command listed has a run below: a new command gets one here.
    expect(names.filter((n) => !(n in COMMAND_RUNS))).toEqual([]);
  });

  // One real run of each command on a fixture, from a folder outside the project.
  const COMMAND_RUNS: Record<string, () => Promise<void> | void> = {
    inspect() {
      const r = run(['inspect', '--format', 'json', join(FIX, 'umoci-edge-cases-zstd.oci.tar')]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(j.images).toHaveLength(1);
      expect(j.images[0].layers).toBe(3);
      // stdin, and dive's export format
      const s = run(['inspect', '--format', 'dive-json', '-'], { input: readFileSync(join(FIX, 'dive-legacy-14-layers.tar')) });
      expect(s.status).toBe(0);
      expect(JSON.parse(s.stdout).layer).toHaveLength(14);
    },
    ls() {
      const r = run(['ls', '--layer', '2', join(FIX, 'crane-gzip-whiteout-dir.tar')]);
      expect(r.status).toBe(0);
      expect(r.stdout.split('\n').some((l) => l.includes('/a/'))).toBe(false);
    },
    ci() {
      const r = run(['ci', '--format', 'junit', join(FIX, 'dive-legacy-14-layers.tar')]);
      // dive's own test image fails the default userWastedPercent rule (dive says so too)
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(/^<\?xml[^>]*>\s*<testsuites/);
    },
    diff() {
      const r = run(['diff', '--summary', join(FIX, 'umoci-edge-cases.docker.tar'), join(FIX, 'umoci-edge-cases-zstd.oci.tar')]);
      expect(r.stderr).toBe('');
      expect([0, 1]).toContain(r.status);
      expect(r.stdout.length).toBeGreaterThan(0);
    },
    async audit() {
      // rpm's sqlite database: sql.js and its .wasm from inside the installed bundle
      const image = await buildImage({
        layers: [{ createdBy: 'rpm', files: [{ path: 'var/lib/rpm/rpmdb.sqlite', data: readFileSync(join(ROOT, 'test/fixtures/rpmdb/rpmdb.sqlite')) }] }],
      });
      const file = join(work, 'rpm-image.tar');
      writeFileSync(file, image);
      const r = run(['audit', '--json', file]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(JSON.stringify(JSON.parse(r.stdout))).toMatch(/"tinylib"/);
    },
    report() {
      const out = join(work, 'report.html');
      const r = run(['report', join(FIX, 'skopeo-busybox.tar'), '-o', out]);
      expect(r.status, r.stderr).toBe(0);
      expect(readFileSync(out, 'utf8')).toMatch(/^<!doctype html>/i);
    },
    async view() {
      const archive = join(FIX, 'crane-gzip-whiteout-dir.tar');
      const child = spawn(bin, ['view', archive, '--no-open'], { cwd: work, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      const closed = new Promise<number | null>((ok) => child.once('close', ok));
      try {
        let out = '';
        const url = await new Promise<URL>((ok, fail) => {
          child.stdout.on('data', (d) => {
            out += d;
            const m = /http:\/\/127\.0\.0\.1:\d+\/\S*/.exec(out);
            if (m) ok(new URL(m[0]));
          });
          child.once('close', (code) => fail(new Error(`view exited ${code}`)));
        });
        // The page that ships inside the package, with its bundle.
        const html = await (await fetch(new URL('/', url))).text();
        const script = /<script[^>]+src="\.?\/?(assets\/[^"]+\.js)"/.exec(html);
        expect(script, html).not.toBeNull();
        expect((await fetch(new URL(`/${script![1]}`, url))).status).toBe(200);
        // The archive, served to the page by the token in the URL.
        const token = url.searchParams.get('view');
        const served = new Uint8Array(await (await fetch(new URL(`${VIEW_API_PREFIX}${token}/archive`, url))).arrayBuffer());
        expect(Buffer.from(served).equals(readFileSync(archive))).toBe(true);
      } finally {
        child.kill('SIGINT');
      }
      expect(await closed).toBe(0);
    },
  };

  let helpText: string | undefined;
  for (const [name, body] of Object.entries(COMMAND_RUNS)) {
    it(`layerscope ${name} runs on a fixture`, async (ctx) => {
      // `report` is another helper's; until it is in the CLI it has no run here.
      helpText ??= run(['--help']).stdout;
      if (!helpText.includes(`\n  layerscope ${name} `)) return ctx.skip();
      await body();
    });
  }
});
