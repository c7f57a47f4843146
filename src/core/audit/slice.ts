/**
 * Time slicing for the audit's work on the page's main thread (choosing candidates,
 * joining the layers' results, listing waste): issue 12 asks for no main-thread task
 * over 100 ms while the audit runs. A loop calls `tick()` every few entries; it yields
 * (the page's `yieldToHost`: one macrotask, so the page paints and handles input)
 * once AUDIT_SLICE_MS have passed since the last yield. Without a pause (Node, the
 * command line) `tick()` never yields.
 */

/**
 * Main-thread time between yields (ms): a slice stays well under the 50 ms that makes a
 * long task, with room for a loaded machine (a slice measured in Node runs 3–4× longer
 * in the page on a busy 2-core machine). A count of entries per slice was not enough:
 * examining a path costs ~14 µs, so 25,000 of them were a 350 ms task on the 894 MB
 * benchmark image.
 */
export const AUDIT_SLICE_MS = 8;

/** Entries examined between two looks at the clock (a clock read per entry would cost more than the entry). */
export const SLICE_CHECK_EVERY = 256;

export interface Slicer {
  /** Resolves at once, or after a yield when the slice's time is up. */
  tick(): Promise<void>;
  /** Counts one entry; every SLICE_CHECK_EVERY entries it is `tick()`, otherwise null (no await needed). */
  step(): Promise<void> | null;
}

export function slicer(pause?: () => Promise<void>, budgetMs = AUDIT_SLICE_MS): Slicer {
  let t0 = performance.now();
  let n = 0;
  const tick = async (): Promise<void> => {
    if (!pause || performance.now() - t0 < budgetMs) return;
    await pause();
    t0 = performance.now();
  };
  return {
    tick,
    step: () => (pause && ++n % SLICE_CHECK_EVERY === 0 ? tick() : null),
  };
}
