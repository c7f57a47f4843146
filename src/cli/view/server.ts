/**
 * The local server behind `layerscope view`: the built page (dist/) and one
 * archive, on 127.0.0.1 only. The page is opened at `/?view=TOKEN` and fetches
 *
 *   /__layerscope/TOKEN/view.json   what is being shown and where it came from
 *   /__layerscope/TOKEN/archive     the archive's bytes
 *
 * from this same origin, so nothing leaves the machine. Guards, because any web
 * page the user has open can send requests to 127.0.0.1:
 *  - the archive URL holds a random token only the opened page knows;
 *  - the Host header must name this server (127.0.0.1 / localhost / [::1] with our
 *    port): a DNS-rebinding page (evil.example resolving to 127.0.0.1) is refused;
 *  - no CORS headers, so other origins cannot read responses;
 *  - only GET/HEAD; static paths resolved inside dist/ (no `..`, no dotfiles).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import type { ArchiveSource } from '../input';

/** The prefix of everything that is not a static file of the page. */
export const VIEW_API_PREFIX = '/__layerscope/';

/**
 * What this server answers for /sw.js instead of the page's service worker: one that
 * removes itself and the shell caches. The page does not register a worker when opened
 * by `view` (src/ui/Update/serviceWorker.ts); but a --port used before by a hosted copy
 * or an older page could have one, which would serve its cached page instead of ours.
 * The browser checks /sw.js on navigation, gets this, and it takes over and unregisters.
 */
export const SELF_REMOVING_SW = `self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.registration.unregister()
  .then(() => caches.keys())
  .then((keys) => Promise.all(keys.filter((k) => k.startsWith('layerscope-shell-')).map((k) => caches.delete(k))))));
`;
/** 128 random bits: not guessable by a page probing the port. */
const TOKEN_BYTES = 16;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
  '.tar': 'application/x-tar',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
};

export interface ServedArchive {
  blob: Blob;
  /** File name the page gives the archive. */
  name: string;
  /** Where it came from, in words: the path, `stdin`, `docker save nginx:1.27`. */
  label: string;
  source: ArchiveSource;
}

/** What /__layerscope/TOKEN/view.json answers (src/state/served.ts reads it). */
export interface ViewInfo {
  name: string;
  label: string;
  source: ArchiveSource;
  size: number;
  /** layerscope's version, shown with the source. */
  version: string;
}

export interface ViewServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export interface ViewServerOptions {
  pageDir: string;
  archive: ServedArchive | null;
  version: string;
  host?: string;
  port?: number;
}

export async function startViewServer(opts: ViewServerOptions): Promise<ViewServer> {
  const token = randomBytes(TOKEN_BYTES).toString('hex');
  const host = opts.host ?? '127.0.0.1';
  let port = 0;
  const server: Server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch {
      if (!res.headersSent) send(res, 500, 'internal error');
      else res.destroy();
    }
  });

  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${host}:${port}`]);

  function handle(req: IncomingMessage, res: ServerResponse) {
    if (!allowedHosts().has((req.headers.host ?? '').toLowerCase())) return send(res, 403, 'this server only answers requests for its own address');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed', { Allow: 'GET, HEAD' });
    const url = new URL(req.url ?? '/', `http://${host}:${port}`);
    const path = decodeURIComponent(url.pathname);
    if (path.startsWith(VIEW_API_PREFIX)) return api(path.slice(VIEW_API_PREFIX.length), req, res);
    return staticFile(path, req, res);
  }

  function api(rest: string, req: IncomingMessage, res: ServerResponse) {
    const [t, what, ...more] = rest.split('/');
    if (t !== token || more.length > 0 || !opts.archive) return send(res, 404, 'not found');
    const a = opts.archive;
    if (what === 'view.json') {
      const info: ViewInfo = { name: a.name, label: a.label, source: a.source, size: a.blob.size, version: opts.version };
      const body = Buffer.from(JSON.stringify(info));
      res.writeHead(200, { ...NO_STORE, 'Content-Type': 'application/json', 'Content-Length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (what === 'archive') return sendArchive(a, req, res);
    return send(res, 404, 'not found');
  }

  function staticFile(path: string, req: IncomingMessage, res: ServerResponse) {
    const rel = path === '/' ? 'index.html' : path.slice(1);
    if (rel === 'sw.js') {
      res.writeHead(200, {
        'Content-Type': 'text/javascript; charset=utf-8',
        'Cache-Control': 'no-cache',
        'Content-Length': Buffer.byteLength(SELF_REMOVING_SW),
      });
      return void res.end(req.method === 'HEAD' ? undefined : SELF_REMOVING_SW);
    }
    // No dotfiles, no traversal: the path must stay inside dist/.
    if (rel.split('/').some((seg) => seg.startsWith('.') || seg === '') && rel !== 'index.html') return send(res, 404, 'not found');
    const file = normalize(join(opts.pageDir, rel));
    if (!file.startsWith(normalize(opts.pageDir) + sep)) return send(res, 404, 'not found');
    let size: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) return send(res, 404, 'not found');
      size = st.size;
    } catch {
      return send(res, 404, 'not found');
    }
    res.writeHead(200, {
      'Content-Type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': size,
      // Always revalidated: the server lives for one `view`, and the service worker caches the shell itself.
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/${opts.archive ? `?view=${token}` : ''}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // The page keeps its connection alive; without this close() would wait for it.
        server.closeAllConnections();
      }),
  };
}

const NO_STORE = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };

function send(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}) {
  const body = Buffer.from(`${text}\n`);
  res.writeHead(status, { ...NO_STORE, ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length });
  res.end(body);
}

/** The archive, whole or one byte range (RFC 9110 §14: a single `bytes=a-b`, `a-` or `-n`). */
function sendArchive(a: ServedArchive, req: IncomingMessage, res: ServerResponse) {
  const size = a.blob.size;
  let start = 0;
  let end = size;
  let status = 200;
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  if (range && (range[1] || range[2])) {
    if (range[1]) {
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]) + 1, size) : size;
    } else {
      start = Math.max(0, size - Number(range[2]));
    }
    if (start >= size || end <= start) {
      res.writeHead(416, { ...NO_STORE, 'Content-Range': `bytes */${size}` });
      return void res.end();
    }
    status = 206;
  }
  res.writeHead(status, {
    ...NO_STORE,
    'Content-Type': 'application/x-tar',
    'Content-Length': end - start,
    'Accept-Ranges': 'bytes',
    // ASCII-only fallback name plus the exact one (RFC 6266 / 8187), for a plain download of this URL.
    'Content-Disposition': `attachment; filename="${a.name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(a.name)}`,
    ...(status === 206 ? { 'Content-Range': `bytes ${start}-${end - 1}/${size}` } : {}),
  });
  if (req.method === 'HEAD' || end === start) return void res.end();
  const body = Readable.fromWeb(a.blob.slice(start, end).stream() as never);
  body.on('error', () => res.destroy());
  res.on('close', () => body.destroy());
  body.pipe(res);
}
