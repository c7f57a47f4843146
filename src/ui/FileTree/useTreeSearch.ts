/**
 * The tree's search, run so that no pattern and no image can freeze the page
 * (issue 9, point 7): the matcher is linear-time (core/model/search.ts), and the
 * work is cut into slices on the main thread, each a few milliseconds, with
 * input, rendering and other tasks between them. A new query, a new image or
 * unmounting cancels the one running. Past SEARCH_BUDGET_MS of work the search
 * stops and says how far it got.
 *
 * Most searches end within the first slice, run where the query is rendered, so
 * the results come with the keystroke's own frame; a longer one shows the last
 * finished results of the same image (marked as searching) until it ends.
 *
 * Why not a worker: the union lives on the main thread (the tree reads it), a
 * worker would need a copy of a million names, and a linear matcher in slices
 * already bounds every task; a worker would only save the slices' CPU time.
 */
import { useEffect, useMemo, useState } from 'react';
import type { UnionModel } from '../../core/model/union';
import { SEARCH_BUDGET_MS, searchCursor, type CompiledSearch, type SearchCursor, type SearchProgress, type SearchStopped } from '../../core/model/search';

/** Work done in the render that asks for a search: a substring over a million names fits on a quiet machine, so its results come with the keystroke's frame. */
export const SEARCH_FIRST_SLICE_MS = 50;
/** Each later slice: half of what counts as a long task (50 ms), so a keystroke or a scroll waits at most this long. */
export const SEARCH_SLICE_MS = 25;
/** How often a long search updates its progress line (each update re-renders the toolbar). */
export const SEARCH_PROGRESS_EVERY_MS = 400;

export interface TreeSearch {
  /** Match flags to show: this query's when done, else the last finished ones on the same image, else null. */
  match: Uint8Array | null;
  /** The query is still running: how far it got (null when done). */
  pending: SearchProgress | null;
  /** The query passed its budget: how far it got (its partial matches are in `match`). */
  stopped: SearchStopped | null;
}

interface Started {
  union: UnionModel;
  cursor: SearchCursor;
  /** Work spent in the first slice. */
  spent: number;
}

interface Finished {
  of: Started;
  match: Uint8Array;
  stopped: SearchStopped | null;
}

const NO_SEARCH: TreeSearch = { match: null, pending: null, stopped: null };

export function useTreeSearch(union: UnionModel | null, compiled: CompiledSearch | null): TreeSearch {
  // A new cursor per (union, query), with its first slice done right here.
  const started = useMemo<Started | null>(() => {
    if (!union || !compiled?.ok) return null;
    const cursor = searchCursor(union, compiled.c);
    const t0 = performance.now();
    cursor.run(t0 + SEARCH_FIRST_SLICE_MS);
    return { union, cursor, spent: performance.now() - t0 };
  }, [union, compiled]);

  const [finished, setFinished] = useState<Finished | null>(null);
  const [progress, setProgress] = useState<{ of: Started; p: SearchProgress } | null>(null);

  useEffect(() => {
    if (!started) return;
    const { cursor } = started;
    if (cursor.done) {
      // Kept as "the last finished search", shown while a later, longer one runs.
      setFinished({ of: started, match: cursor.match(), stopped: null });
      return;
    }
    return continueInSlices(cursor, {
      spent: started.spent,
      budgetMs: SEARCH_BUDGET_MS,
      onProgress: (p) => setProgress({ of: started, p }),
      onDone: (match, stopped) => setFinished({ of: started, match, stopped }),
    });
  }, [started]);

  if (!started) return NO_SEARCH;
  if (started.cursor.done && finished?.of !== started) return { match: started.cursor.match(), pending: null, stopped: null };
  if (finished?.of === started) return { match: finished.match, pending: null, stopped: finished.stopped };
  const p = progress?.of === started ? progress.p : { ...started.cursor.progress(), tested: 0 };
  return { match: finished && finished.of.union === union ? finished.match : null, pending: p, stopped: null };
}

export interface SliceOptions {
  /** Work already spent on this search (ms). */
  spent: number;
  budgetMs: number;
  sliceMs?: number;
  progressEveryMs?: number;
  onProgress(p: SearchProgress): void;
  onDone(match: Uint8Array, stopped: SearchStopped | null): void;
}

/**
 * Run a search to its end in slices of `sliceMs`, one task each, until done or
 * until the work passes `budgetMs` (then `onDone` gets the partial matches and
 * how far it got). Returns the cancel function: no slice runs after it.
 */
export function continueInSlices(cursor: SearchCursor, o: SliceOptions): () => void {
  const sliceMs = o.sliceMs ?? SEARCH_SLICE_MS;
  const every = o.progressEveryMs ?? SEARCH_PROGRESS_EVERY_MS;
  let alive = true;
  let spent = o.spent;
  let reported = performance.now();
  // A MessageChannel task: unlike setTimeout(0), not clamped to 4 ms after a few rounds.
  const ch = new MessageChannel();
  const next = () => ch.port2.postMessage(null);
  ch.port1.onmessage = () => {
    if (!alive) return;
    const t = performance.now();
    const done = cursor.run(t + sliceMs);
    const now = performance.now();
    spent += now - t;
    if (done) o.onDone(cursor.match(), null);
    else if (spent >= o.budgetMs) o.onDone(cursor.match(), { ...cursor.progress(), ms: spent });
    else {
      if (now - reported >= every) {
        reported = now;
        o.onProgress(cursor.progress());
      }
      next();
    }
  };
  next();
  return () => {
    alive = false;
    ch.port1.close();
    ch.port2.close();
  };
}
