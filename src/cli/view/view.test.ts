/**
 * `layerscope view` in-process: the server it starts (static page, view.json, the
 * archive, the guards), stdin, `docker save` / `podman save` through stand-in
 * scripts on PATH, and the browser opener through a stand-in `xdg-open`.
 * The page itself loading from this server is e2e/view.spec.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { main, type Io } from '../main';
import { browserOpener } from './openBrowser';
import { looksLikeImageRef } from './engines';
import { SELF_REMOVING_SW } from './server';

const ROOT = join(__dirname, '../../..');
const FIXTURE = join(ROOT, 'test/fixtures/images/crane-gzip-whiteout-dir.tar');
const T = 20_000;

let tmp: string;
let page: string;
let bin: string;
/**
 * Stand-in tools, all written before anything is spawned: writing an executable while
 * another thread forks can leave the child holding it open for writing, and exec then
 * fails with ETXTBSY.
 */
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'layerscope-view-'));
  page = join(tmp, 'page');
  mkdirSync(join(page, 'assets'), { recursive: true });
  writeFileSync(join(page, 'index.html'), '<!doctype html><title>stand-in page</title>');
  writeFileSync(join(page, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(tmp, 'secret.txt'), 'outside the page');
  bin = join(tmp, 'bin');
  mkdirSync(bin);
  engine('docker', join(tmp, 'docker-bin'));
  engine('podman', join(tmp, 'podman-bin'));
  tool(join(tmp, 'opener-bin'), 'xdg-open', `echo "$1" > "${join(tmp, 'opened.tmp')}" && mv "${join(tmp, 'opened.tmp')}" "${join(tmp, 'opened.txt')}"`);
  mkdirSync(join(tmp, 'empty'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A stand-in executable on PATH (a shell script). */
function tool(dir: string, name: string, script: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), `#!/bin/sh\n${script}\n`);
  chmodSync(join(dir, name), 0o755);
}

/**
 * Like the real CLIs: `image inspect --format {{.Size}} REF` prints a size,
 * `save -- REF` writes a docker-archive on stdout, an unknown reference is an
 * error on stderr with exit 1.
 */
function engine(name: string, dir: string): void {
  tool(
    dir,
    name,
    `echo "$@" >> "${join(tmp, `${name}.calls`)}"
case "$1 $2" in
"image inspect") [ "$5" = "busybox:latest" ] && echo 1234567 && exit 0; echo "Error: No such image: $5" >&2; exit 1;;
esac
if [ "$1" = save ]; then
[ "$3" = "busybox:latest" ] || { echo "Error response from daemon: reference does not exist" >&2; exit 1; }
cat "${FIXTURE}"; exit 0
fi
exit 3`,
  );
}

interface Session {
  url: string;
  out: string;
  err: string;
  stop(): Promise<number>;
}

/** Run `layerscope view …` until it serves, then hand back its URL and a stop. */
async function serve(argv: string[], extra: Partial<Io> = {}): Promise<Session | { code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  let resolveServing!: (v: { url: string; stop: () => void }) => void;
  const serving = new Promise<{ url: string; stop: () => void }>((r) => (resolveServing = r));
  const io: Io = {
    out: (s) => void (out += s),
    err: (s) => void (err += s),
    isTTY: false,
    env: { PATH: `${bin}:/usr/bin:/bin`, LAYERSCOPE_PAGE_DIR: page },
    serving: (s) => resolveServing(s),
    ...extra,
  };
  const done = main(['view', ...argv], io);
  const first = await Promise.race([serving, done]);
  if (typeof first === 'number') return { code: first, out, err };
  return {
    url: first.url,
    get out() {
      return out;
    },
    get err() {
      return err;
    },
    stop: async () => {
      first.stop();
      return done;
    },
  };
}

function asSession(s: Awaited<ReturnType<typeof serve>>): Session {
  if (!('url' in s)) throw new Error(`view exited ${s.code}: ${s.err}`);
  return s;
}

/** A raw request (fetch may not set Host). */
function raw(
  url: string,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; body: Buffer; headers: Record<string, unknown> }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts), headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

const tokenOf = (url: string) => new URL(url).searchParams.get('view')!;

describe('layerscope view ARCHIVE', () => {
  it(
    'serves the page and the archive on 127.0.0.1, prints the URL, stops on request with exit 0',
    async () => {
      const s = asSession(await serve([FIXTURE, '--no-open']));
      const u = new URL(s.url);
      expect(u.hostname).toBe('127.0.0.1');
      expect(Number(u.port)).toBeGreaterThan(0);
      expect(tokenOf(s.url)).toMatch(/^[0-9a-f]{32}$/);
      expect(s.out).toContain(s.url);
      expect(s.out).toContain(FIXTURE);
      expect(s.out).toMatch(/Ctrl\+C/);

      const html = await fetch(new URL('/', s.url));
      expect(html.status).toBe(200);
      expect(html.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await html.text()).toContain('stand-in page');
      const js = await fetch(new URL('/assets/app.js', s.url));
      expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
      // Never the page's caching service worker: one that removes itself (a stale one on a reused --port).
      const sw = await fetch(new URL('/sw.js', s.url));
      expect(sw.status).toBe(200);
      expect(sw.headers.get('content-type')).toMatch(/^text\/javascript/);
      expect(await sw.text()).toBe(SELF_REMOVING_SW);

      const base = new URL(`/__layerscope/${tokenOf(s.url)}/`, s.url);
      const info = await (await fetch(new URL('view.json', base))).json();
      const bytes = readFileSync(FIXTURE);
      expect(info).toMatchObject({ name: 'crane-gzip-whiteout-dir.tar', label: FIXTURE, source: 'file', size: bytes.length });
      const archive = await fetch(new URL('archive', base));
      expect(archive.headers.get('cache-control')).toBe('no-store');
      expect(Buffer.from(await archive.arrayBuffer()).equals(bytes)).toBe(true);
      // One byte range, as RFC 9110 defines it.
      const part = await fetch(new URL('archive', base), { headers: { Range: 'bytes=512-1023' } });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(`bytes 512-1023/${bytes.length}`);
      expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(512, 1024))).toBe(true);
      const tail = await fetch(new URL('archive', base), { headers: { Range: 'bytes=-100' } });
      expect(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(bytes.length - 100))).toBe(true);
      expect((await fetch(new URL('archive', base), { headers: { Range: `bytes=${bytes.length}-` } })).status).toBe(416);

      expect(await s.stop()).toBe(0);
      await expect(fetch(new URL('/', s.url))).rejects.toThrow();
    },
    T,
  );

  it(
    'refuses what a hostile page could try: another Host (DNS rebinding), a wrong token, paths out of the page, dotfiles, POST',
    async () => {
      const s = asSession(await serve([FIXTURE, '--no-open']));
      const port = new URL(s.url).port;
      const token = tokenOf(s.url);
      try {
        expect((await raw(s.url, `/__layerscope/${token}/archive`, { Host: `evil.example:${port}` })).status).toBe(403);
        expect((await raw(s.url, `/`, { Host: `127.0.0.1.evil.example:${port}` })).status).toBe(403);
        expect((await raw(s.url, `/`, { Host: `localhost:${port}` })).status).toBe(200);
        expect((await raw(s.url, `/__layerscope/${'0'.repeat(32)}/archive`)).status).toBe(404);
        for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/.env', '/assets/'])
          expect((await raw(s.url, p)).status, p).toBe(404);
        expect((await raw(s.url, '/', {}, 'POST')).status).toBe(405);
        // No CORS: another origin cannot read anything.
        expect((await raw(s.url, '/', { Origin: 'https://evil.example' })).headers['access-control-allow-origin']).toBeUndefined();
      } finally {
        await s.stop();
      }
    },
    T,
  );

  it(
    'no argument: the page alone; a missing file, a bad port, an unbuilt page: one-line errors, exit 2',
    async () => {
      const s = asSession(await serve(['--no-open']));
      expect(new URL(s.url).search).toBe('');
      expect(s.out).toMatch(/no archive/);
      await s.stop();
      const missing = await serve(['./nope.tar', '--no-open']);
      expect(missing).toMatchObject({ code: 2 });
      expect((missing as { err: string }).err).toMatch(/^layerscope: cannot read \.\/nope\.tar: no such file\n$/);
      expect(await serve([FIXTURE, '--port', 'x'])).toMatchObject({ code: 2 });
      const unbuilt = await serve([FIXTURE, '--no-open'], { env: { PATH: bin, LAYERSCOPE_PAGE_DIR: join(tmp, 'nothing') } });
      expect((unbuilt as { err: string }).err).toMatch(/^layerscope: LAYERSCOPE_PAGE_DIR=.* has no index\.html\n$/);
    },
    T,
  );
});

describe('layerscope view -', () => {
  it(
    'serves what came on stdin, named as such',
    async () => {
      const bytes = readFileSync(FIXTURE);
      const stdin = Object.assign(Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]), { isTTY: false });
      const s = asSession(await serve(['-', '--no-open'], { stdin }));
      try {
        const base = new URL(`/__layerscope/${tokenOf(s.url)}/`, s.url);
        expect(await (await fetch(new URL('view.json', base))).json()).toMatchObject({ source: 'stdin', label: 'stdin', size: bytes.length });
        expect(Buffer.from(await (await fetch(new URL('archive', base))).arrayBuffer()).equals(bytes)).toBe(true);
      } finally {
        await s.stop();
      }
    },
    T,
  );
});

describe('layerscope view IMAGE[:TAG] (stand-in docker and podman on PATH)', () => {
  it(
    'docker save REF is streamed into the served archive; the page is told where it came from',
    async () => {
      const dir = join(tmp, 'docker-bin');
      const s = asSession(await serve(['busybox:latest', '--no-open'], { env: { PATH: `${dir}:/usr/bin:/bin`, LAYERSCOPE_PAGE_DIR: page } }));
      try {
        const base = new URL(`/__layerscope/${tokenOf(s.url)}/`, s.url);
        const info = await (await fetch(new URL('view.json', base))).json();
        expect(info).toMatchObject({ source: 'docker', label: 'docker save busybox:latest', name: 'busybox_latest.tar' });
        expect(Buffer.from(await (await fetch(new URL('archive', base))).arrayBuffer()).equals(readFileSync(FIXTURE))).toBe(true);
        expect(s.out).toContain('docker save busybox:latest');
        expect(readFileSync(join(tmp, 'docker.calls'), 'utf8')).toContain('save -- busybox:latest');
      } finally {
        await s.stop();
      }
    },
    T,
  );

  it(
    'an image the engine does not have: its error in one line, exit 2',
    async () => {
      const dir = join(tmp, 'docker-bin');
      const r = await serve(['nosuch:tag', '--no-open'], { env: { PATH: `${dir}:/usr/bin:/bin`, LAYERSCOPE_PAGE_DIR: page } });
      expect(r).toMatchObject({ code: 2, out: '' });
      expect((r as { err: string }).err).toBe('layerscope: docker save nosuch:tag failed: Error response from daemon: reference does not exist\n');
    },
    T,
  );

  it(
    'podman when docker is absent, or when asked with --engine; neither on PATH: one clear line',
    async () => {
      const dir = join(tmp, 'podman-bin');
      const s = asSession(await serve(['busybox:latest', '--no-open'], { env: { PATH: `${dir}:/usr/bin:/bin`, LAYERSCOPE_PAGE_DIR: page } }));
      const info = await (await fetch(new URL(`/__layerscope/${tokenOf(s.url)}/view.json`, s.url))).json();
      expect(info).toMatchObject({ source: 'podman', label: 'podman save busybox:latest' });
      await s.stop();
      const both = `${join(tmp, 'docker-bin')}:${dir}:/usr/bin:/bin`;
      const p = asSession(await serve(['busybox:latest', '--no-open', '--engine', 'podman'], { env: { PATH: both, LAYERSCOPE_PAGE_DIR: page } }));
      expect(p.out).toContain('podman save busybox:latest');
      await p.stop();
      const none = await serve(['busybox:latest', '--no-open'], { env: { PATH: join(tmp, 'empty'), LAYERSCOPE_PAGE_DIR: page } });
      expect(none).toMatchObject({ code: 2, out: '' });
      expect((none as { err: string }).err).toBe(
        'layerscope: "busybox:latest" is not a file, and neither docker nor podman is on PATH to save it as an image\n',
      );
      expect(await serve(['busybox', '--engine', 'lxc'])).toMatchObject({ code: 2 });
    },
    T,
  );

  it('what counts as an image reference rather than a mistyped file name', () => {
    for (const r of ['nginx', 'nginx:1.27', 'ghcr.io/owner/app:1.2.3', 'localhost:5000/a/b', 'app@sha256:abc']) expect(looksLikeImageRef(r), r).toBe(true);
    for (const r of ['image.tar', 'out/image.tar.gz', './x', 'dir/', '-rf', 'a b']) expect(looksLikeImageRef(r), r).toBe(false);
  });
});

describe('opening the browser', () => {
  it(
    'runs the platform opener (a stand-in xdg-open on PATH here) with the URL; a missing one is reported, not fatal',
    async () => {
      const dir = join(tmp, 'opener-bin');
      const log = join(tmp, 'opened.txt');
      const s = asSession(await serve([FIXTURE], { env: { PATH: `${dir}:/usr/bin:/bin`, LAYERSCOPE_PAGE_DIR: page } }));
      try {
        for (let i = 0; i < 50 && !existsSync(log); i++) await new Promise((r) => setTimeout(r, 50));
        expect(readFileSync(log, 'utf8').trim()).toBe(s.url);
        expect(s.err).toBe('');
      } finally {
        await s.stop();
      }
      const none = asSession(await serve([FIXTURE], { env: { PATH: join(tmp, 'empty'), LAYERSCOPE_PAGE_DIR: page } }));
      expect(none.err).toMatch(/^layerscope: could not open a browser \(xdg-open was not found\); open the URL above yourself\n$/);
      expect(await none.stop()).toBe(0);
    },
    T,
  );

  it('$BROWSER wins, with its arguments and %s', () => {
    expect(browserOpener('http://x/', { BROWSER: 'firefox --new-window' }, 'linux')).toEqual({ command: 'firefox', args: ['--new-window', 'http://x/'] });
    expect(browserOpener('http://x/', { BROWSER: 'chromium --app=%s' }, 'linux')).toEqual({ command: 'chromium', args: ['--app=http://x/'] });
    expect(browserOpener('http://x/', {}, 'darwin')).toEqual({ command: 'open', args: ['http://x/'] });
    expect(browserOpener('http://x/', {}, 'linux')).toEqual({ command: 'xdg-open', args: ['http://x/'] });
  });
});
