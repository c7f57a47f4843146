/**
 * Layerscope's service worker: the app shell, cached at install, so the page keeps
 * working offline after the first visit (issue 15). Not bundled: vite.config.ts
 * (serviceWorkerPlugin) fills in the list of emitted files and a version made from
 * their contents, and writes it as dist/sw.js. A new build is a new sw.js, which the
 * browser notices on its next visit; the new worker then waits until the page's
 * "Reload" prompt sends SKIP_WAITING (src/ui/Update/), so one tab never mixes the
 * old page with new assets.
 *
 * Nothing an image contains passes through here: archives are opened from disk or
 * fetched from `layerscope view`'s own API (./__layerscope/), which is never cached.
 * Only the files of the build, relative to this worker's scope (any base path).
 */
/* global self, caches, URL, Request, Response */
const VERSION = '__LAYERSCOPE_SW_VERSION__';
const PRECACHE = __LAYERSCOPE_SW_FILES__;
const CACHE = `layerscope-shell-${VERSION}`;
const CACHE_PREFIX = 'layerscope-shell-';
const scope = () => self.registration.scope;
const urlOf = (file) => new URL(file, scope()).href;

self.addEventListener('install', (event) => {
  // cache: 'reload' skips the HTTP cache: the shell is exactly what the server has now.
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(PRECACHE.map((f) => new Request(urlOf(f), { cache: 'reload' })))));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith(CACHE_PREFIX) && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('message', (event) => {
  if (event.data?.type === 'SKIP_WAITING') self.skipWaiting();
  if (event.data?.type === 'VERSION') event.ports[0]?.postMessage(VERSION);
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET' && req.method !== 'HEAD') return;
  const url = new URL(req.url);
  if (!url.href.startsWith(scope())) return;
  const rel = url.pathname.slice(new URL(scope()).pathname.length);
  // `layerscope view`'s archive and its description: always from the server.
  if (rel.startsWith('__layerscope/')) return;
  // The page is the scope's root or index.html, whatever its query (?example, ?view=…). Other
  // navigations in the scope (a file served beside the app, a mistyped path) go to the server as
  // they would without this worker: answering them with the shell would show the app at a URL
  // that is not the app, and hide the server's own answer (its page, its 404).
  const key = req.mode === 'navigate' ? (rel === '' || rel === 'index.html' ? urlOf('index.html') : null) : PRECACHE.includes(rel) ? urlOf(rel) : null;
  if (key === null) return;
  event.respondWith(
    caches
      .open(CACHE)
      .then((c) => c.match(key))
      .then((hit) => {
        if (!hit) return fetch(req);
        // The page asks with HEAD whether the example is there: the headers, no body.
        return req.method === 'HEAD' ? new Response(null, { status: hit.status, headers: hit.headers }) : hit;
      }),
  );
});
