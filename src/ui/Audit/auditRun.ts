/**
 * Running the audit in the page: once an image is shown (`status === 'ready'`),
 * `auditImage` runs with the worker pool as its host — each layer's candidate
 * files are read and examined in a worker — and the main thread only picks
 * candidates (in slices, yielding between them) and joins the layers' results.
 * A new image cancels the running audit; the digest check replacing `loaded`
 * with a verified copy of the same image does not restart it.
 *
 * Kept in a store of its own (zustand, values replaced whole), so the audit can
 * follow whatever shape the load state takes; components read it with useAudit.
 * Secret values live only here (in memory): never in the URL hash, never in the
 * DOM until the user asks for one (`revealed`).
 */
import { create } from 'zustand';
import { auditImage, type AuditProgress } from '../../core/audit/audit';
import { spaceModel, type SpaceModel } from '../../core/audit/space';
import type { AuditPackage, AuditReport } from '../../core/audit/types';
import { describeError, isCancelled } from '../../core/errors';
import type { LoadedImage } from '../../core/session';
import { getPool } from '../../state/engineHost';
import { useStore } from '../../state/store';
import { selectShown, selectStatus } from '../../state/selectors';

export type AuditStatus = 'idle' | 'running' | 'done' | 'error';

export interface AuditState {
  status: AuditStatus;
  progress: AuditProgress | null;
  report: AuditReport | null;
  /** Package by key, for file owners. */
  packagesByKey: Map<string, AuditPackage>;
  error: string | null;
  /** Secret findings whose value the user chose to see (indexes into report.secrets). */
  revealed: ReadonlySet<number>;
  startedAt: number;
  finishedAt: number;
}

export const useAudit = create<AuditState>()(() => ({
  status: 'idle',
  progress: null,
  report: null,
  packagesByKey: new Map(),
  error: null,
  revealed: new Set(),
  startedAt: 0,
  finishedAt: 0,
}));

/** One macrotask: lets the page paint and handle input between slices of main-thread work. */
const yieldToHost = () => new Promise<void>((r) => setTimeout(r, 0));

let running: { key: object; ctl: AbortController } | null = null;
/** The image identity an audit belongs to: its opened archive and index (the digest check keeps both). */
const keyOf = (l: LoadedImage) => l.union;

export async function startAudit(loaded: LoadedImage): Promise<void> {
  running?.ctl.abort();
  const ctl = new AbortController();
  const me = { key: keyOf(loaded), ctl };
  running = me;
  useAudit.setState({
    status: 'running',
    progress: null,
    report: null,
    packagesByKey: new Map(),
    error: null,
    revealed: new Set(),
    startedAt: performance.now(),
    finishedAt: 0,
  });
  let last = 0;
  try {
    const report = await auditImage(loaded, {
      host: getPool(),
      signal: ctl.signal,
      yieldToHost,
      onProgress: (p) => {
        // Throttled: a store update per candidate file would re-render for nothing.
        const now = performance.now();
        if (now - last < 100 && p.layersDone < p.layersTotal) return;
        last = now;
        if (running === me) useAudit.setState({ progress: p });
      },
    });
    if (running !== me) return;
    useAudit.setState({
      status: 'done',
      report,
      packagesByKey: new Map(report.packages.map((p) => [p.key, p])),
      progress: null,
      finishedAt: performance.now(),
    });
  } catch (e) {
    if (running !== me || isCancelled(e)) return;
    useAudit.setState({ status: 'error', error: describeError(e), finishedAt: performance.now() });
  } finally {
    if (running === me) running = null;
  }
}

export function cancelAudit(): void {
  running?.ctl.abort();
  running = null;
}

export function revealSecret(i: number, on = true): void {
  const next = new Set(useAudit.getState().revealed);
  if (on) next.add(i);
  else next.delete(i);
  useAudit.setState({ revealed: next });
}

/**
 * Start the audit whenever a new image is ready; reset when none is. Returns the
 * unsubscribe (App calls it once, like installLoader).
 */
export function installAudit(): () => void {
  // `?audit=off`: no audit (the benchmark's baseline for main-thread work after a load).
  if (typeof location !== 'undefined' && new URLSearchParams(location.search).get('audit') === 'off') return () => {};
  let current: object | null = null;
  const check = () => {
    const s = useStore.getState();
    const loaded = selectStatus(s) === 'ready' ? selectShown(s) : null;
    const key = loaded ? keyOf(loaded) : null;
    if (key === current) return;
    current = key;
    spaceCache = null;
    if (loaded) void startAudit(loaded);
    else {
      cancelAudit();
      useAudit.setState({ status: 'idle', progress: null, report: null, packagesByKey: new Map(), error: null, revealed: new Set() });
    }
  };
  check();
  const unsub = useStore.subscribe(check);
  // Testing and benchmark contract: <html data-audit="idle|running|done|error">.
  const mark = () => {
    if (typeof document !== 'undefined') document.documentElement.dataset.audit = useAudit.getState().status;
  };
  mark();
  const unsubAudit = useAudit.subscribe(mark);
  return () => {
    unsub();
    unsubAudit();
    cancelAudit();
  };
}

let spaceCache: { key: object; model: SpaceModel } | null = null;

/** The bytes tree of the loaded image (computed once per image, when the treemap first needs it). */
export function spaceOf(loaded: LoadedImage): SpaceModel {
  if (spaceCache && spaceCache.key === keyOf(loaded)) return spaceCache.model;
  const model = spaceModel(loaded.union, loaded.layers);
  spaceCache = { key: keyOf(loaded), model };
  return model;
}
