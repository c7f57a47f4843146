/**
 * The audit, in the right pane: packages per layer, secrets that still ship,
 * where the bytes go (treemap) and what to change (advice). It runs by itself
 * once the image is shown (auditRun.ts), in the workers, with progress here.
 *
 * Testing contract: the panel carries data-testid="audit-panel" and
 * data-state (idle | running | done | error).
 */
import { useRef, useState, type KeyboardEvent } from 'react';
import { useStore } from '../../state/store';
import { formatCount } from '../format/format';
import { SafeText } from '../format/SafeText';
import { AdviceList } from './AdviceList';
import { startAudit, useAudit } from './auditRun';
import { LayerSummary, PackageList } from './PackageList';
import { SecretList } from './SecretList';
import { SpaceTreemap } from './SpaceTreemap';
import './Audit.css';
import { selectShown, selectStatus } from '../../state/selectors';

type Tab = 'packages' | 'secrets' | 'space' | 'advice';

export function AuditPanel() {
  const status = useAudit((s) => s.status);
  const progress = useAudit((s) => s.progress);
  const report = useAudit((s) => s.report);
  const error = useAudit((s) => s.error);
  const loaded = useStore(selectShown);
  const loadStatus = useStore(selectStatus);
  const [tab, setTab] = useState<Tab>('packages');
  const refs = useRef<Record<string, HTMLButtonElement | null>>({});

  if (loadStatus !== 'ready' || !loaded)
    return (
      <div className="audit" data-testid="audit-panel" data-state="idle">
        <p className="muted">The audit runs once every layer has been read.</p>
      </div>
    );

  const tabs: { id: Tab; label: string; n?: number; alert?: boolean }[] = [
    { id: 'packages', label: 'Packages', n: report?.packages.filter((p) => p.removedBy === null).length },
    { id: 'secrets', label: 'Secrets', n: report?.secrets.length, alert: (report?.secrets.length ?? 0) > 0 },
    { id: 'space', label: 'Space' },
    { id: 'advice', label: 'Advice', n: report?.wasteGroups.length },
  ];
  const onKey = (e: KeyboardEvent) => {
    const i = tabs.findIndex((t) => t.id === tab);
    let j = -1;
    if (e.key === 'ArrowRight') j = (i + 1) % tabs.length;
    else if (e.key === 'ArrowLeft') j = (i - 1 + tabs.length) % tabs.length;
    if (j < 0) return;
    e.preventDefault();
    setTab(tabs[j]!.id);
    refs.current[tabs[j]!.id]?.focus();
  };

  return (
    <div className="audit" data-testid="audit-panel" data-state={status}>
      {status === 'running' && (
        <div className="au-status" role="status" data-testid="audit-status">
          Auditing…{' '}
          {progress
            ? `layers ${progress.layersDone}/${progress.layersTotal}, files ${formatCount(progress.filesDone)}/${formatCount(progress.filesTotal)}`
            : 'choosing files'}
          <progress max={progress?.filesTotal || 1} value={progress?.filesDone ?? 0} aria-label="Audit progress" />
        </div>
      )}
      {status === 'error' && (
        <div className="au-status au-status--error" role="alert">
          The audit failed: <SafeText text={error ?? ''} />{' '}
          <button type="button" className="btn btn-sm" onClick={() => void startAudit(loaded)}>
            Try again
          </button>
        </div>
      )}
      <div className="tabs au-tabs" role="tablist" aria-label="Audit" onKeyDown={onKey}>
        {tabs.map((t) => (
          <button
            key={t.id}
            ref={(el) => {
              refs.current[t.id] = el;
            }}
            type="button"
            role="tab"
            id={`audit-tab-${t.id}`}
            data-testid={`audit-tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={`audit-tabpanel-${t.id}`}
            tabIndex={tab === t.id ? 0 : -1}
            className={`tab${t.alert ? ' au-tab--alert' : ''}`}
            onClick={() => setTab(t.id)}
          >
            {t.label}
            {t.n !== undefined && <span className="au-n">{formatCount(t.n)}</span>}
          </button>
        ))}
      </div>
      <div className="au-body" role="tabpanel" id={`audit-tabpanel-${tab}`} aria-labelledby={`audit-tab-${tab}`}>
        {tab === 'space' ? (
          <SpaceTreemap loaded={loaded} />
        ) : !report ? (
          <p className="muted">{status === 'running' ? 'Reading the package databases and candidate files in the workers…' : ''}</p>
        ) : tab === 'packages' ? (
          <>
            <LayerSummary report={report} />
            <PackageList report={report} />
          </>
        ) : tab === 'secrets' ? (
          <SecretList report={report} />
        ) : (
          <AdviceList report={report} />
        )}
        {report && (tab === 'secrets' || tab === 'packages') && <Problems />}
      </div>
    </div>
  );
}

/** Files that could not be read (never reported as clean) and databases that could not be parsed. */
function Problems() {
  const report = useAudit((s) => s.report);
  if (!report || (report.notScanned.length === 0 && report.warnings.length === 0)) return null;
  return (
    <details className="au-problems" data-testid="audit-problems">
      <summary>
        {report.notScanned.length > 0 && `${formatCount(report.notScanned.length)} not scanned`}
        {report.notScanned.length > 0 && report.warnings.length > 0 && ', '}
        {report.warnings.length > 0 && `${formatCount(report.warnings.length)} warning${report.warnings.length === 1 ? '' : 's'}`}
      </summary>
      <ul>
        {report.warnings.map((w) => (
          <li key={`w${w.code}${w.path ?? ''}${w.layer ?? ''}`}>
            <SafeText text={w.message} />
          </li>
        ))}
        {report.notScanned.map((n) => (
          <li key={`n${n.path}${n.layer}`}>
            <span className="mono">
              <SafeText text={n.path} />
            </span>{' '}
            (layer {n.layer}): <SafeText text={n.reason} />
          </li>
        ))}
      </ul>
    </details>
  );
}
