/**
 * A tiny static server for e2e tests that need to control how dist/ is hosted:
 * under a sub-path (project pages, e.g. https://ORG.github.io/layerscope/), or with
 * one file replaced (a new service worker). Like a static host: GET/HEAD only, a
 * folder without its trailing slash redirects to it, no directory listings.
 * Every request path is recorded so a test can say none escaped the base path.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
  '.tar': 'application/x-tar',
  '.md': 'text/markdown; charset=utf-8',
  '.map': 'application/json',
};

export interface StaticServer {
  /** http://127.0.0.1:PORT/ — the origin; the site is at `${origin}${base.slice(1)}`. */
  origin: string;
  /** Every path requested, in order (query strings dropped). */
  requests: string[];
  /** Serve these bytes for a site-relative path instead of the file (`sw.js` → a changed worker). */
  override: Map<string, { body: string | Buffer; type?: string }>;
  close(): Promise<void>;
}

/** Serve `dir` at `base` (which starts and ends with '/'). Anything outside `base` is 404. */
export async function serveStatic(dir: string, base: string): Promise<StaticServer> {
  const requests: string[] = [];
  const override = new Map<string, { body: string | Buffer; type?: string }>();
  const root = normalize(dir);
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405).end();
    if (path === base.slice(0, -1)) return void res.writeHead(301, { Location: base }).end();
    if (!path.startsWith(base)) return void res.writeHead(404).end('not under the base path');
    const rel = path.slice(base.length) || 'index.html';
    const o = override.get(rel);
    if (o) {
      res.writeHead(200, { 'Content-Type': o.type ?? TYPES[extname(rel)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache' });
      return void res.end(req.method === 'HEAD' ? undefined : o.body);
    }
    const file = normalize(join(root, rel));
    if (!file.startsWith(root + sep)) return void res.writeHead(404).end();
    let size: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) return void res.writeHead(404).end();
      size = st.size;
    } catch {
      return void res.writeHead(404).end();
    }
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': size, 'Cache-Control': 'no-cache' });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}/`,
    requests,
    override,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
