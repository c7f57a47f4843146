/**
 * The page's side of Export report, in Node: waiting for a running audit (and
 * giving up on Cancel), what the report says about an audit that failed or is
 * off, and the saved file's name. The document is render.test.ts's.
 */
import { describe, expect, it } from 'vitest';
import { isCancelled } from '../../core/errors';
import type { LoadedImage } from '../../core/session';
import { useAudit } from '../Audit/auditRun';
import { reportAuditOf, reportFileName, settledAudit } from './exportReport';

const report = { packages: [], secrets: [] } as never;

describe('Export report (page)', () => {
  it('waits while the audit runs, resolves when it is done', async () => {
    useAudit.setState({ status: 'running', report: null });
    let settled = false;
    const p = settledAudit(new AbortController().signal).then((s) => {
      settled = true;
      return s;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(settled).toBe(false);
    useAudit.setState({ status: 'done', report });
    const s = await p;
    expect(reportAuditOf(s)).toEqual({ status: 'done', report });
  });

  it('Cancel while waiting rejects as cancelled', async () => {
    useAudit.setState({ status: 'running', report: null });
    const c = new AbortController();
    const p = settledAudit(c.signal);
    c.abort();
    await expect(p).rejects.toSatisfy(isCancelled);
    useAudit.setState({ status: 'idle' });
  });

  it('a failed or switched-off audit is said so; the file is named after the first tag', () => {
    expect(reportAuditOf({ ...useAudit.getState(), status: 'error', error: 'boom' })).toEqual({ status: 'failed', error: 'boom' });
    expect(reportAuditOf({ ...useAudit.getState(), status: 'idle' }).status).toBe('skipped');
    const img = (tags: string[]) => ({ image: { tags } }) as unknown as LoadedImage;
    expect(reportFileName(img(['registry.example/app:1.4']), 'x.tar')).toBe('registry.example_app_1.4-report.html');
    expect(reportFileName(img([]), 'my image.tar')).toBe('my_image-report.html');
    expect(reportFileName(img(['<\u202e>']), null)).toBe('_-report.html');
    expect(reportFileName(img([]), null)).toBe('image-report.html');
  });
});
