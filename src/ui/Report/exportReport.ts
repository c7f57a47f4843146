/**
 * "Export report" in the page: the values the renderer needs (src/report/render.ts),
 * gathered from the stores, and the file it makes. The same renderer as
 * `layerscope report`, so the page's file and the command's are the same.
 *
 * The audit may still be running when the button is pressed: the export waits for
 * it (a report without its packages and secrets would look clean when it is not),
 * and says so if it failed or is switched off.
 */
import { renderReport, type ReportAudit } from '../../report/render';
import { cancelled } from '../../core/errors';
import type { LoadedImage } from '../../core/session';
import { VERSION } from '../../cli/version';
import { useStore } from '../../state/store';
import { useAudit, type AuditState } from '../Audit/auditRun';
import { selectFileName, selectShown } from '../../state/selectors';

/** Resolves with the audit's state once it is not running; rejects when `signal` aborts. */
export function settledAudit(signal: AbortSignal): Promise<AuditState> {
  return new Promise((resolve, reject) => {
    const done = (s: AuditState) => {
      if (s.status === 'running') return false;
      unsub();
      signal.removeEventListener('abort', onAbort);
      resolve(s);
      return true;
    };
    const onAbort = () => {
      unsub();
      reject(cancelled());
    };
    const unsub = useAudit.subscribe((s) => void done(s));
    signal.addEventListener('abort', onAbort);
    if (signal.aborted) onAbort();
    else done(useAudit.getState());
  });
}

export function reportAuditOf(s: AuditState): ReportAudit {
  if (s.status === 'done' && s.report) return { status: 'done', report: s.report };
  if (s.status === 'error') return { status: 'failed', error: s.error ?? 'unknown error' };
  return { status: 'skipped', reason: 'the audit is switched off in this page' };
}

/** A file name for the report: the first tag (or the archive's name), made safe. */
export function reportFileName(loaded: LoadedImage, fileName: string | null): string {
  const stem = (loaded.image.tags[0] ?? fileName?.replace(/\.(tar|tar\.gz|tgz|oci|docker)+$/i, '') ?? 'image').replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 100);
  return `${stem || 'image'}-report.html`;
}

export async function exportReport(signal: AbortSignal): Promise<{ blob: Blob; name: string }> {
  const s = useStore.getState();
  const loaded = selectShown(s);
  if (!loaded) throw new Error('No image is loaded.');
  const audit = reportAuditOf(await settledAudit(signal));
  // A new image while we waited: its report is not what was asked for.
  if (selectShown(useStore.getState())?.union !== loaded.union) throw cancelled();
  const html = await renderReport({
    // the digest check may have replaced `loaded` with a verified copy meanwhile: report the latest
    image: selectShown(useStore.getState()) ?? loaded,
    audit,
    version: VERSION,
    generatedAt: new Date().toISOString(),
    source: selectFileName(s),
    host: 'page',
  });
  return { blob: new Blob([html], { type: 'text/html;charset=utf-8' }), name: reportFileName(loaded, selectFileName(s)) };
}
