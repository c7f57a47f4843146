// Waiting on the store in Node tests of src/state: shared by loadSlice.test.ts and
// loadSlice.slotB.test.ts (each had its own copy).
import type { AppState, AppStore } from '../../src/state/store';

/** Resolves once the store satisfies `pred` (checked now and on every change); rejects after `ms`, naming both slots' states. */
export function until(store: AppStore, pred: (s: AppState) => boolean, ms = 10_000): Promise<AppState> {
  return new Promise((resolve, reject) => {
    if (pred(store.getState())) return resolve(store.getState());
    const t = setTimeout(() => {
      unsub();
      const { a, b } = store.getState().slots;
      reject(new Error(`timed out; slot a is ${a.kind}, slot b is ${b.kind}`));
    }, ms);
    const unsub = store.subscribe((s) => {
      if (!pred(s)) return;
      clearTimeout(t);
      unsub();
      resolve(s);
    });
  });
}
