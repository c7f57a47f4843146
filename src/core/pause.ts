/**
 * Pausing background work for someone waiting (issue 13): the digest check decodes
 * every compressed layer again after the image is shown, seconds of CPU per layer on
 * the cores the workers share; a click on a file must not wait behind it. The page's
 * worker pool pauses the check while a file's contents are read (worker/pool.ts) and
 * the check's loop (read/verify.ts) waits at its next chunk.
 *
 * A worker learns of the pause by a message, and messages are only handled between
 * tasks: a loop over stream chunks that are already queued runs in microtasks and
 * never gets there. So `wait()` also yields a whole task every YIELD_EVERY_MS of work,
 * through a MessageChannel (a setTimeout nested in promise continuations is clamped
 * to 4 ms after five levels, HTML "timers"; a message is not).
 */

/** What a background loop asks at each chunk: null to go on, or a promise to wait for first. */
export interface PauseSignal {
  wait(): Promise<void> | null;
  /** Whether the promise `wait()` returns now is a pause (not only a turn of the event loop). */
  readonly isPaused: boolean;
}

/**
 * A loop runs at most this long between two chances for its worker to handle a
 * message (a pause, a cancel): a read waits for at most that (plus one chunk), and
 * the yield itself costs ~0.05 ms, 0.3% of it.
 */
export const YIELD_EVERY_MS = 16;

const now = () => globalThis.performance?.now() ?? Date.now();

/** One macrotask turn: whatever messages are queued are handled before it resolves. */
export function yieldTask(): Promise<void> {
  if (typeof MessageChannel === 'undefined') return new Promise((r) => setTimeout(r, 0));
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(null);
  });
}

/**
 * For a loop someone may cancel (a file read in a worker): called at each chunk, it returns
 * null, or every YIELD_EVERY_MS a promise of one task turn, so a 'cancel' message is
 * handled while the loop runs — a read the page no longer wants (the user clicked on)
 * stops within that time instead of decoding to its end on a core the next read needs.
 */
export function taskYielder(): () => Promise<void> | null {
  let last = now();
  return () => {
    const t = now();
    if (t - last < YIELD_EVERY_MS) return null;
    last = t;
    return yieldTask();
  };
}

/** A pause switch for one background job; `pause()`/`resume()` may be called any number of times. */
export class PauseGate implements PauseSignal {
  private paused = false;
  private waiters: (() => void)[] = [];
  private readonly turn = taskYielder();

  get isPaused(): boolean {
    return this.paused;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  wait(): Promise<void> | null {
    if (this.paused) return new Promise((r) => this.waiters.push(r));
    return this.turn();
  }
}
