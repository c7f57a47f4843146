/**
 * "From package X": the row the file details show when a package database lists
 * the path (dpkg .list, apk, rpm, RECORD, a Go binary, an npm package directory).
 * Renders a <dt>/<dd> pair for the details' definition list, or nothing.
 */
import { ownerOfPath } from '../../core/audit/packages';
import { SafeText } from '../format/SafeText';
import { useAudit } from './auditRun';
import { LayerChip } from './common';

export function PackageOwnerRow({ path }: { path: string }) {
  const report = useAudit((s) => s.report);
  const byKey = useAudit((s) => s.packagesByKey);
  if (!report) return null;
  const p = ownerOfPath(report.fileOwners, byKey, path);
  if (!p) return null;
  return (
    <>
      <dt>Package</dt>
      <dd data-testid="file-package">
        from <SafeText text={p.name} /> <span className="mono muted">{p.version}</span> <span className="muted">({p.ecosystem})</span>, installed by{' '}
        <LayerChip layer={p.layer} />
      </dd>
    </>
  );
}
