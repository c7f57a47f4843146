/**
 * Registers the service worker (dist/sw.js, src/sw/sw.template.js) that keeps the app
 * shell for offline use, and tells the page when a new version is waiting.
 *
 * Registered only in the production build (the dev server has no sw.js and must keep
 * its hot reload), only where the browser has service workers (a secure context:
 * https or localhost/127.0.0.1), and not for a page opened by `layerscope view`
 * (?view=TOKEN): that server lives for one command on a random port, so a cache there
 * would only fill the browser's storage (its own /sw.js is a worker that removes
 * itself, for a port used again, src/cli/view/server.ts).
 */
import { create } from 'zustand';

interface UpdateState {
  /** The new version's worker, installed and waiting for the page to say "reload". */
  waiting: ServiceWorker | null;
  /** The user chose "Later": the prompt stays closed until the next new version. */
  dismissed: ServiceWorker | null;
}

export const useUpdate = create<UpdateState>(() => ({ waiting: null, dismissed: null }));

export function shouldRegister(win: Window): boolean {
  return import.meta.env.MODE === 'production' && 'serviceWorker' in win.navigator && !new URLSearchParams(win.location.search).has('view');
}

/** A worker that reached "installed" while another controls the page is an update. */
function watch(reg: ServiceWorkerRegistration, win: Window) {
  const offer = (w: ServiceWorker | null) => {
    if (w && win.navigator.serviceWorker.controller) useUpdate.setState({ waiting: w });
  };
  offer(reg.waiting);
  reg.addEventListener('updatefound', () => {
    const w = reg.installing;
    w?.addEventListener('statechange', () => {
      if (w.state === 'installed') offer(w);
    });
  });
}

let installed = false;

export function installServiceWorker(win: Window = window): void {
  // Once per page (StrictMode runs effects twice).
  if (installed || !shouldRegister(win)) return;
  installed = true;
  const sw = win.navigator.serviceWorker;
  // The new worker took over (after "Reload"): load the page it serves.
  let reloading = false;
  sw.addEventListener('controllerchange', () => {
    if (reloading || !useUpdate.getState().waiting) return;
    reloading = true;
    win.location.reload();
  });
  sw.register('./sw.js').then(
    // Playwright's `serviceWorkers: 'block'` resolves register() with no registration
    // (the e2e suite runs so); a browser that refuses one may do the same. Nothing to watch.
    (reg: ServiceWorkerRegistration | undefined) => {
      if (reg) watch(reg, win);
    },
    // No service worker (private mode, storage refused): the page works online as before.
    () => {},
  );
}

/** "Reload": the waiting worker takes over; controllerchange then reloads the page. */
export function applyUpdate(): void {
  useUpdate.getState().waiting?.postMessage({ type: 'SKIP_WAITING' });
}

export function dismissUpdate(): void {
  useUpdate.setState((s) => ({ dismissed: s.waiting }));
}
