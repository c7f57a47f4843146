/**
 * Which DOM reads that need a fresh layout the page makes, and where: inside a
 * ResizeObserver or IntersectionObserver callback or a requestAnimationFrame
 * callback (the frame's own rendering step: the layout is done there once, for
 * the frame), or in an ordinary task — an event, a worker's message, a promise
 * — where a read after DOM changes forces the style and layout of everything
 * changed inside that task (issue 13: the drop's and the stack's first renders
 * spent 33–62 ms each on such reads).
 */
import type { Page } from '@playwright/test';

export interface LayoutRead {
  /** The property or method, e.g. "clientHeight". */
  api: string;
  /** The element's class attribute. */
  cls: string;
  /** Where it ran: 'observer' (ResizeObserver/IntersectionObserver), 'frame' (requestAnimationFrame) or 'task'. */
  where: 'observer' | 'frame' | 'task';
  /** performance.now() of the read. */
  at: number;
}

/** Runs in the page (serialized by Playwright: self-contained). */
function instrument() {
  const w = window as unknown as { __layoutReads: LayoutRead[]; __layoutCtx: string[] };
  w.__layoutReads = [];
  w.__layoutCtx = [];
  const note = (api: string, el: unknown) => {
    if (!(el instanceof Element)) return;
    const where = (w.__layoutCtx.at(-1) ?? 'task') as LayoutRead['where'];
    w.__layoutReads.push({ api, cls: el.getAttribute('class') ?? '', where, at: performance.now() });
  };
  const getters: Array<[object, string]> = [
    [Element.prototype, 'clientHeight'],
    [Element.prototype, 'clientWidth'],
    [Element.prototype, 'scrollHeight'],
    [Element.prototype, 'scrollWidth'],
    [HTMLElement.prototype, 'offsetHeight'],
    [HTMLElement.prototype, 'offsetWidth'],
    [HTMLElement.prototype, 'offsetTop'],
  ];
  for (const [proto, name] of getters) {
    const d = Object.getOwnPropertyDescriptor(proto, name);
    if (!d?.get) continue;
    const get = d.get;
    Object.defineProperty(proto, name, {
      ...d,
      get() {
        note(name, this);
        return get.call(this);
      },
    });
  }
  for (const name of ['getBoundingClientRect', 'getClientRects', 'scrollIntoView', 'scrollTo', 'scroll', 'scrollBy'] as const) {
    const f = Element.prototype[name] as (...a: unknown[]) => unknown;
    (Element.prototype as unknown as Record<string, unknown>)[name] = function (this: Element, ...a: unknown[]) {
      note(name, this);
      return f.apply(this, a);
    };
  }
  const within =
    <A extends unknown[]>(ctx: string, fn: (...a: A) => unknown) =>
    (...a: A) => {
      w.__layoutCtx.push(ctx);
      try {
        return fn(...a);
      } finally {
        w.__layoutCtx.pop();
      }
    };
  for (const name of ['ResizeObserver', 'IntersectionObserver'] as const) {
    const Orig = window[name] as unknown as new (cb: (...a: unknown[]) => void, o?: unknown) => object;
    (window as unknown as Record<string, unknown>)[name] = class extends Orig {
      constructor(cb: (...a: unknown[]) => void, o?: unknown) {
        super(within('observer', cb), o);
      }
    };
  }
  const raf = window.requestAnimationFrame.bind(window);
  window.requestAnimationFrame = (cb) => raf(within('frame', cb));
}

/** Record layout reads in every page loaded from now on (before the app's own scripts). */
export async function recordLayoutReads(page: Page): Promise<void> {
  await page.addInitScript(instrument);
}

/** The reads recorded since the page loaded. */
export const layoutReads = (page: Page): Promise<LayoutRead[]> => page.evaluate(() => (window as unknown as { __layoutReads: LayoutRead[] }).__layoutReads);
